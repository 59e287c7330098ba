"""`aichain init`, `aichain genesis ...`, `aichain start`, `aichain status`."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import click

from aichain.cli.common import (
    emit,
    fail,
    home_option,
    keyring_backend_option,
    node_option,
    output_option,
    resolve_node,
)


@click.command()
@click.argument("moniker")
@click.option(
    "--chain-id", default="aichain-local", show_default=True, help="Chain id of the new network."
)
@click.option("--overwrite", is_flag=True, help="Replace an existing genesis and config.")
@home_option
def init(moniker: str, chain_id: str, overwrite: bool, home: Path) -> None:
    """Initialise a node home: CometBFT config, validator key, genesis and app.toml.

    \b
    Example (a private network of one validator):
      aichain init mynode --chain-id my-chain --home ./node
      aichain keys add alice --keyring-backend file --home ./node
      aichain genesis add-account alice 1000000000uaic --keyring-backend file --home ./node
      aichain start --home ./node
    """
    from aichain.node.home import CometBFTNotFoundError
    from aichain.node.init import InitError, init_home

    try:
        h = init_home(home, moniker, chain_id, overwrite=overwrite)
    except (InitError, CometBFTNotFoundError) as exc:
        fail(str(exc))
    except subprocess.CalledProcessError as exc:
        fail(f"cometbft init failed: {exc.stderr or exc}")
    click.echo(f"initialised {moniker} (chain-id {chain_id}) in {h.root}")


@click.group()
def genesis() -> None:
    """Edit the genesis file of a node home before the first start."""


@genesis.command("add-account")
@click.argument("address_or_key")
@click.argument("coins")
@home_option
@keyring_backend_option
def add_account(address_or_key: str, coins: str, home: Path, keyring_backend: str) -> None:
    """Fund ADDRESS_OR_KEY (an aic1... address or a key name in the keyring) with COINS.

    \b
    Example:
      aichain genesis add-account alice 1000000000uaic,5000stake --home ./node
    """
    from aichain.app.coins import parse_coins
    from aichain.app.crypto import parse_account_address
    from aichain.app.errors import AppError
    from aichain.node.home import Home
    from aichain.node.init import InitError, add_genesis_account

    try:
        parsed = parse_coins(coins)
        if address_or_key.startswith("aic1"):
            address = parse_account_address(address_or_key)
        else:
            from aichain.cli.keys import open_keyring
            from aichain.client.keyring import KeyringError

            try:
                record = open_keyring(home, keyring_backend).get_key(address_or_key)
            except KeyringError as exc:
                fail(str(exc))
            address = parse_account_address(record.address)
        add_genesis_account(Home(home), address, parsed)
    except (AppError, InitError) as exc:
        fail(str(exc))
    click.echo(f"added {coins} for {address_or_key} to {Home(home).genesis}")


@click.command()
@home_option
@click.option(
    "--abci-only",
    is_flag=True,
    help="Serve ABCI (and gRPC) only; run `cometbft node` yourself against it.",
)
@click.option(
    "--abci-address",
    default="",
    help="Serve ABCI here instead of app.toml's abci.address (default: the unix socket "
    "run/abci.sock in the home), e.g. tcp://127.0.0.1:26658.",
)
@click.option(
    "--log-level",
    type=click.Choice(["debug", "info", "warning", "error"]),
    default="info",
    show_default=True,
)
@click.option(
    "--allow-test-keyring",
    is_flag=True,
    envvar="AICHAIN_ALLOW_TEST_KEYRING",
    help="Start even though the home keeps private keys unprotected (keys in the plaintext "
    "'test' keyring, or validator/node key files other users can read) and its P2P reaches "
    "beyond loopback: for test networks only. Localnets (P2P on loopback) are never refused.",
)
def start(
    home: Path, abci_only: bool, abci_address: str, log_level: str, allow_test_keyring: bool
) -> None:
    """Run the node: the app (ABCI + gRPC) and, unless --abci-only, a supervised CometBFT.

    Ctrl-C stops both cleanly; running it again resumes the same chain. A home that keeps
    private keys unprotected (the 'test' keyring) is refused unless it is a localnet (P2P on
    loopback only) or --allow-test-keyring is given: docs/security.md.
    """
    from aichain.node.home import CometBFTNotFoundError, Home
    from aichain.node.keyguard import UnsafeKeysError, check_start_keys
    from aichain.node.runner import run_node

    h = Home(home)
    if not h.is_initialised():
        fail(f"{home} is not a node home; run `aichain init MONIKER --home {home}` first")
    try:
        check_start_keys(h, allow_test_keyring)
    except UnsafeKeysError as exc:
        fail(str(exc))
    logging.basicConfig(
        level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        sys.exit(run_node(h, abci_only=abci_only, abci_address=abci_address))
    except (CometBFTNotFoundError, ValueError, OSError) as exc:
        fail(str(exc))


@click.command()
@node_option
@home_option
@output_option
def status(node: str | None, home: Path, output: str) -> None:
    """Show the node's chain id, latest height, app hash and whether it is catching up."""
    from aichain.client.rpc import CometRPC, RPCError

    try:
        st = CometRPC(resolve_node(node, home)).status()
    except RPCError as exc:
        fail(str(exc))
    info, sync = st["node_info"], st["sync_info"]
    data = {
        "chain_id": info["network"],
        "moniker": info["moniker"],
        "node_id": info["id"],
        "latest_block_height": int(sync["latest_block_height"]),
        "latest_block_time": sync["latest_block_time"],
        "latest_app_hash": sync["latest_app_hash"],
        "catching_up": sync["catching_up"],
        "cometbft_version": info["version"],
    }
    emit(data, output)


def _register_genesis_tx_commands() -> None:
    """Adds gentx and collect-gentxs (staking) to the genesis group."""
    from aichain.cli.genesis_tx import collect_gentxs, gentx

    genesis.add_command(gentx)
    genesis.add_command(collect_gentxs)


_register_genesis_tx_commands()
