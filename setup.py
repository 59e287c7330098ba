"""Maps the repo's top-level folders into the aichain.* namespace (see pyproject.toml)."""

from setuptools import find_packages, setup

TOP_LEVEL = ("app", "abci", "modules", "cli", "client", "config", "node", "gpu_worker")
"""Top-level folders that are installed as aichain sub-packages."""

packages = ["aichain"] + [
    f"aichain.{name}"
    for name in find_packages(
        where=".", include=[p for top in TOP_LEVEL for p in (top, f"{top}.*")]
    )
]
setup(
    packages=packages,
    package_data={"aichain.config": ["*.toml"], "aichain.node.explorer": ["static/*"]},
)
