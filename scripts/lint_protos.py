"""Lints the project's own protos (proto/aichain/**) with the pinned buf (.tools/bin/buf).

Our protos import third-party ones (cosmos.base.query.v1beta1 pagination, ...) that are never
copied into the repo, so buf cannot build proto/ alone. This script assembles a throwaway buf
workspace: `proto` (ours, linted with the rules of buf.yaml) next to the pinned third-party
include roots of scripts/gen_protos.py and google/api's annotations (symlinked, used for
imports only), and runs
`buf lint` on our module. Exit status: buf's (0 when clean).

    .venv/bin/python scripts/lint_protos.py [PROTO_DIR]     (make lint-protos)
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gen_protos  # noqa: E402

REPO = gen_protos.REPO
BUF = REPO / ".tools" / "bin" / "buf"
"""The pinned buf (scripts/install_buf.sh)."""


def lint_config() -> str:
    """The lint section of the repo's buf.yaml (indented for a module entry)."""
    text = (REPO / "buf.yaml").read_text()
    section = text[text.index("lint:") :].split("\nbreaking:")[0]
    return "\n".join("    " + line for line in section.splitlines())


def workspace(tmp: Path, protos: Path) -> None:
    """Writes the buf.yaml of a workspace of our protos plus the third-party roots."""
    (tmp / "proto").symlink_to(protos)
    lines = ["version: v2", "modules:", "  - path: proto", lint_config()]
    for i, root in enumerate(gen_protos.import_roots(gen_protos.read_pins())):
        (tmp / f"third_party_{i}").symlink_to(root)
        lines += [f"  - path: third_party_{i}"]
    import google.api  # googleapis-common-protos ships google/api/*.proto beside its modules

    api = Path(next(iter(google.api.__path__)))
    (tmp / "googleapis" / "google" / "api").mkdir(parents=True)
    for name in ("annotations.proto", "http.proto"):
        (tmp / "googleapis" / "google" / "api" / name).symlink_to(api / name)
    lines += ["  - path: googleapis"]
    (tmp / "buf.yaml").write_text("\n".join(lines) + "\n")


def main(argv: list[str]) -> int:
    """Runs buf lint over proto/ (or the folder argv names); returns its exit status."""
    if not BUF.is_file():
        print("error: .tools/bin/buf is missing; run scripts/install_buf.sh", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        workspace(Path(tmp), Path(argv[0]).resolve() if argv else REPO / "proto")
        return subprocess.run([str(BUF), "lint", "proto"], cwd=tmp).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
