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
