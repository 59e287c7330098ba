"""`aichain tx ...`: build, sign and broadcast transactions."""

from __future__ import annotations

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


def _gas(value: str) -> int | None:
    """--gas: 'auto' (None) or a positive integer."""
    if value == "auto":
        return None
    if not value.isdigit() or int(value) == 0:
        raise click.BadParameter("use 'auto' or a positive integer", param_hint="--gas")
    return int(value)


@click.group()
def tx() -> None:
    """Build, sign and broadcast transactions.

    Every tx command signs with a key from the keyring, broadcasts to --node and waits until
    the tx is in a block (printing its hash, code and height).
    """


@tx.group()
def bank() -> None:
    """Bank transactions (cosmos.bank.v1beta1)."""


@bank.command("send")
@click.argument("from_key")
@click.argument("to_address")
@click.argument("amount")
@click.option(
    "--fees", default="", help="Fee to pay, e.g. 5000uaic (must meet the node's minimum gas price)."
)
@click.option(
    "--gas",
    "gas_text",
    default="200000",
    show_default=True,
    help="Gas limit, or 'auto' to simulate and estimate it.",
)
@click.option(
    "--gas-adjustment",
    default=1.3,
    show_default=True,
    help="Multiplier applied to the simulated gas with --gas auto.",
)
@click.option("--chain-id", default=None, help="Chain id (default: asked from the node).")
@click.option("--memo", default="", help="Note stored with the tx.")
@click.option("-y", "--yes", is_flag=True, help="Skip the confirmation prompt.")
@click.option(
    "--no-wait", is_flag=True, help="Return after CheckTx instead of waiting for the block."
)
@node_option
@output_option
@home_option
@keyring_backend_option
def send(
    from_key: str,
    to_address: str,
    amount: str,
    fees: str,
    gas_text: str,
    gas_adjustment: float,
    chain_id: str | None,
    memo: str,
    yes: bool,
    no_wait: bool,
    node: str | None,
    output: str,
    home: Path,
    keyring_backend: str,
) -> None:
    """Send AMOUNT (e.g. 1000uaic) from the key FROM_KEY to TO_ADDRESS.

    \b
    Example:
      aichain tx bank send alice aic1... 1000uaic --fees 5000uaic --chain-id aichain-local -y
    """
    from aichain.app.coins import parse_coins
    from aichain.app.crypto import account_address, parse_account_address
    from aichain.app.errors import AppError
    from aichain.cli.keys import open_keyring
    from aichain.client.broadcast import TxError, sign_and_broadcast
    from aichain.client.keyring import KeyringError
    from aichain.client.rpc import CometRPC, RPCError
    from aichain.client.txbuilder import msg_send

    gas = _gas(gas_text)
    try:
        coins = parse_coins(amount)
        if not coins:
            raise click.BadParameter("give a positive amount, e.g. 1000uaic", param_hint="AMOUNT")
        fee = parse_coins(fees)
        parse_account_address(to_address)
        key = open_keyring(home, keyring_backend).private_key(from_key)
        sender = account_address(key.address)
        if not yes and not click.confirm(f"send {amount} from {sender} to {to_address}?", err=True):
            fail("cancelled")
        rpc = CometRPC(resolve_node(node, home))
        chain = chain_id or rpc.status()["node_info"]["network"]
        result = sign_and_broadcast(
            rpc,
            key,
            [msg_send(sender, to_address, coins)],
            chain_id=chain,
            fees=fee,
            gas=gas,
            gas_adjustment=gas_adjustment,
            memo=memo,
            wait=not no_wait,
        )
    except (AppError, KeyringError, TxError, RPCError) as exc:
        fail(str(exc))
    emit(result.to_dict(), output)
    if result.code != 0:
        fail(f"tx failed with code {result.codespace}/{result.code}: {result.log}")


def _register_pos_commands() -> None:
    """Adds `tx staking`, `tx distribution` and `tx slashing`."""
    from aichain.cli.distribution import tx_distribution
    from aichain.cli.slashing import tx_slashing
    from aichain.cli.staking import tx_staking

    for group in (tx_staking, tx_distribution, tx_slashing):
        tx.add_command(group)


_register_pos_commands()
