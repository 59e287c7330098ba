"""The `aichain` command: a thin click layer over client code.

Sub-commands are imported only when used, so `aichain --help` starts fast. `aichain tx` and
`aichain query` get the modules' own commands (`modules/<name>/cli.py`) when they load: the
modules are found by scanning the `aichain.modules` package (aichain.cli.modules), not from a
list here.
"""

from __future__ import annotations

import importlib
import sys

import click

SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "keys": ("aichain.cli.keys", "keys"),
    "tx": ("aichain.cli.tx", "tx"),
    "query": ("aichain.cli.query", "query"),
    "status": ("aichain.cli.node", "status"),
    "init": ("aichain.cli.node", "init"),
    "genesis": ("aichain.cli.node", "genesis"),
    "start": ("aichain.cli.node", "start"),
    "worker": ("aichain.cli.worker", "worker"),
    "infer": ("aichain.cli.infer", "infer"),
    "localnet": ("aichain.cli.localnet", "localnet"),
    "blob": ("aichain.cli.blob", "blob"),
    "sim": ("aichain.cli.sim", "sim"),
    "bench": ("aichain.cli.bench", "bench"),
    "explorer": ("aichain.cli.explorer", "explorer"),
    "demo": ("aichain.cli.demo", "demo"),
}
"""Command name -> (module, attribute) of its click command, loaded on first use."""

MODULE_COMMAND_GROUPS = frozenset({"tx", "query"})
"""The commands under which each module's tx_command() / query_command() groups appear."""

SHORT_HELP: dict[str, str] = {
    "keys": "Manage local keys (add, list, show, delete, export, import).",
    "tx": "Build, sign and broadcast transactions.",
    "query": "Query chain state (balances, accounts, transactions).",
    "status": "Show the node's status (height, app hash, chain id).",
    "init": "Initialise a node home (config, genesis, validator key).",
    "genesis": "Edit the genesis file (add-account).",
    "start": "Run the node: the app plus a supervised CometBFT child.",
    "worker": "Off-chain GPU worker: train, serve and attribute LoRA models.",
    "infer": "Ask a model on chain; show the answer, the records behind it and who was paid.",
    "localnet": "Run a multi-validator network on this machine (init, start, status, stop).",
    "blob": "The content store: put and get bytes by their sha256.",
    "sim": "Simulate the chain in-process: random operations, invariants every block.",
    "bench": "Measure a real node: committed tx/s under load, against CometBFT's kvstore.",
    "explorer": "Serve the block explorer web page for a running node (loopback).",
    "demo": "Run a local network with a worker and play the walkthrough (make run).",
}
"""One-line help shown by `aichain --help` without importing the sub-command."""


class LazyGroup(click.Group):
    """A click group whose sub-commands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """All sub-command names, sorted."""
        return sorted(SUBCOMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """Imports and returns the named sub-command."""
        target = SUBCOMMANDS.get(cmd_name)
        if target is None:
            return None
        module = importlib.import_module(target[0])
        if cmd_name in MODULE_COMMAND_GROUPS:
            from aichain.cli.modules import install_module_commands

            install_module_commands(cmd_name)
        return getattr(module, target[1])

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Lists sub-commands from SHORT_HELP without importing them."""
        rows = [(name, SHORT_HELP.get(name, "")) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="aichain")
def cli() -> None:
    """aichain: an application-specific blockchain for open AI.

    Start a local chain with `make run` (or `aichain init` + `aichain start`), then use
    `aichain keys`, `aichain tx` and `aichain query` against it.
    """


def main() -> None:
    """Entry point of the `aichain` console script."""
    sys.exit(cli(standalone_mode=True))
