"""Module CLIs are found without a list: discovery scans aichain.modules, and a module CLI
defined here (no file, no central list edited) gets its commands under `tx` and `query`."""

from __future__ import annotations

import subprocess
import sys
import types
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from aichain.cli.modules import add_module_commands, discover_module_clis
from aichain.cli.tx import tx

REPO = Path(__file__).resolve().parents[2]


def tiny_module_cli() -> types.ModuleType:
    """A module CLI as a new module would write it: a tx group and a query group named after
    the module, returned by tx_command() and query_command()."""
    module = types.ModuleType("aichain.modules.tiny.cli")

    @click.group("tiny")
    def tx_tiny() -> None:
        """Tiny transactions."""

    @tx_tiny.command("poke")
    @click.argument("target")
    def poke(target: str) -> None:
        """Poke TARGET."""
        click.echo(f"poked {target}")

    @click.group("tiny")
    def query_tiny() -> None:
        """Tiny queries."""

    @query_tiny.command("count")
    def count() -> None:
        """How many pokes."""
        click.echo("pokes: 7")

    module.tx_command = lambda: tx_tiny  # type: ignore[attr-defined]
    module.query_command = lambda: query_tiny  # type: ignore[attr-defined]
    return module


def fresh_groups() -> tuple[click.Group, click.Group]:
    """`tx` and `query` groups as aichain builds them, without any module commands yet."""

    @click.group("tx")
    def tx_group() -> None:
        """Transactions."""

    @click.group("query")
    def query_group() -> None:
        """Queries."""

    return tx_group, query_group


def test_a_module_cli_defined_in_the_test_appears_under_tx_and_query() -> None:
    tx_group, query_group = fresh_groups()
    add_module_commands(tx_group, query_group, [tiny_module_cli()])

    @click.group()
    def root() -> None:
        """aichain (test root)."""

    root.add_command(tx_group)
    root.add_command(query_group)
    runner = CliRunner()
    assert "tiny" in runner.invoke(root, ["tx", "--help"]).output
    assert "tiny" in runner.invoke(root, ["query", "--help"]).output
    poked = runner.invoke(root, ["tx", "tiny", "poke", "alice"])
    assert poked.exit_code == 0 and poked.output == "poked alice\n"
    counted = runner.invoke(root, ["query", "tiny", "count"])
    assert counted.exit_code == 0 and counted.output == "pokes: 7\n"


def test_a_module_without_tx_commands_adds_only_its_queries() -> None:
    tx_group, query_group = fresh_groups()
    module = tiny_module_cli()
    module.tx_command = lambda: None  # type: ignore[attr-defined]
    add_module_commands(tx_group, query_group, [module])
    assert "tiny" not in tx_group.commands and "tiny" in query_group.commands


def test_add_module_commands_rejects_a_taken_name() -> None:
    tx_group, query_group = fresh_groups()
    add_module_commands(tx_group, query_group, [tiny_module_cli()])
    with pytest.raises(ValueError, match="`tx tiny` is already taken"):
        add_module_commands(tx_group, query_group, [tiny_module_cli()])


def test_discovery_finds_every_module_folder_with_a_cli_file_sorted() -> None:
    on_disk = sorted(p.parent.name for p in (REPO / "modules").glob("*/cli.py"))
    found = [m.__name__ for m in discover_module_clis()]
    assert found == [f"aichain.modules.{name}.cli" for name in on_disk]
    assert {"auth", "bank", "distribution", "slashing", "staking"} <= set(on_disk)


def test_discovery_scans_any_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pkg = tmp_path / "fakechain_mods"
    for name, has_cli in (("zeta", True), ("alpha", True), ("nocli", False)):
        (pkg / name).mkdir(parents=True)
        (pkg / name / "__init__.py").write_text("")
        if has_cli:
            (pkg / name / "cli.py").write_text(
                "import click\n"
                f"@click.group({name!r})\n"
                "def g():\n    pass\n"
                "def tx_command():\n    return g\n"
                "def query_command():\n    return None\n"
            )
    (pkg / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    found = discover_module_clis("fakechain_mods")
    assert [m.__name__ for m in found] == ["fakechain_mods.alpha.cli", "fakechain_mods.zeta.cli"]
    tx_group, query_group = fresh_groups()
    add_module_commands(tx_group, query_group, found)
    assert list(tx_group.commands) == ["alpha", "zeta"] and not query_group.commands


def test_aichain_tx_and_query_list_the_module_commands() -> None:
    from aichain.cli.main import cli

    runner = CliRunner()
    tx_help = runner.invoke(cli, ["tx", "--help"]).output
    query_help = runner.invoke(cli, ["query", "--help"]).output
    for name in ("bank", "staking", "distribution", "slashing"):
        assert name in tx_help
    for name in ("auth", "bank", "staking", "distribution", "slashing", "tx", "store"):
        assert name in query_help
    assert "bank" in tx.commands  # registered on the shared group, not a copy


def test_listing_module_commands_imports_no_protobuf_or_app() -> None:
    code = (
        "import sys\n"
        "from aichain.cli.main import cli\n"
        "cli.get_command(None, 'tx'); cli.get_command(None, 'query')\n"
        "print('\\n'.join(sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(out.stdout.split())
    assert not {"google.protobuf", "grpc", "coincurve", "rocksdict"} & loaded
    assert not any(m.startswith("aichain.app") for m in loaded)
