"""Layer boundaries: the chain never loads the ML stack, abci/ knows only the wire, and the
CLI starts without importing heavy things."""

from __future__ import annotations

import subprocess
import sys

CHAIN_MODULES = [
    "aichain.app.app",
    "aichain.app.baseapp",
    "aichain.abci.server",
    "aichain.node.runner",
    "aichain.node.grpc_server",
    "aichain.modules.bank.module",
    "aichain.modules.auth.module",
    "aichain.cli.main",
    "aichain.cli.tx",
    "aichain.cli.query",
    "aichain.cli.node",
    "aichain.cli.keys",
]


def _loaded_after_import(modules: list[str]) -> set[str]:
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in modules)
        + "print('\\n'.join(sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_chain_packages_do_not_import_torch_or_the_worker() -> None:
    loaded = _loaded_after_import(CHAIN_MODULES)
    assert not {"torch", "peft", "transformers", "numpy"} & loaded
    assert not any(m.startswith("aichain.gpu_worker") for m in loaded)


def test_abci_layer_knows_only_the_wire() -> None:
    loaded = _loaded_after_import(["aichain.abci.server", "aichain.abci.guards"])
    assert not any(m.startswith(("aichain.app", "aichain.modules")) for m in loaded)


def test_cli_help_imports_no_subcommand() -> None:
    loaded = _loaded_after_import(["aichain.cli.main"])
    assert not {"grpc", "rocksdict", "coincurve", "google.protobuf"} & loaded


def test_cli_help_lists_every_command() -> None:
    from click.testing import CliRunner

    from aichain.cli.main import cli

    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for name in ("keys", "tx", "query", "status", "init", "genesis", "start", "worker"):
        assert name in result.output


CHAIN_FOLDERS = ("app", "abci", "modules", "node", "config")
"""Folders of consensus-side code: none of their files may import the worker or ML stack."""

FORBIDDEN_ROOTS = ("torch", "peft", "transformers", "numpy", "safetensors")
"""Top-level packages the chain must not import, at module level or inside a function."""


def _imported_names(path) -> list[str]:
    import ast

    tree = ast.parse(path.read_text(), filename=str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def test_no_chain_file_imports_the_worker_or_the_ml_stack_even_lazily() -> None:
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    offenders = []
    files = [p for folder in CHAIN_FOLDERS for p in sorted((root / folder).rglob("*.py"))]
    assert len(files) > 50  # the scan sees the chain's files
    for path in files:
        for name in _imported_names(path):
            if name.startswith("aichain.gpu_worker") or name.split(".")[0] in FORBIDDEN_ROOTS:
                offenders.append(f"{path.relative_to(root)} imports {name}")
    assert offenders == []


def test_rules_shared_with_the_worker_live_on_the_chain_side() -> None:
    from aichain.gpu_worker import datanet
    from aichain.gpu_worker.attribution import ppm
    from aichain.modules.attribution import weights
    from aichain.modules.datanet import merkle

    assert datanet.compute_version_root is merkle.compute_version_root
    assert ppm.compute_exact_ppm_weights is weights.compute_ppm_weights
    loaded = _loaded_after_import(
        ["aichain.modules.attribution.weights", "aichain.modules.datanet.merkle"]
    )
    assert not any(m.startswith(("aichain.gpu_worker", "numpy")) for m in loaded)
