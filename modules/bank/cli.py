"""`aichain tx bank ...` and `aichain query bank ...` (cosmos.bank.v1beta1), and bank's
message builders.

Click commands only: parse, build the message, hand it to the shared broadcaster. Protobuf
and the app load inside the functions, so listing commands stays fast.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from aichain.cli.common import (
    QUERY_HEIGHT,
    TxFlags,
    broadcast,
    emit,
    fail,
    query_message,
    query_options,
    resolve_node,
    tx_options,
)

if TYPE_CHECKING:
    from cosmos.bank.v1beta1 import tx_pb2

    from aichain.app.coins import Coin


def msg_send(sender: str, recipient: str, coins: Sequence[Coin]) -> tx_pb2.MsgSend:
    """A bank MsgSend."""
    from cosmos.bank.v1beta1 import tx_pb2

    from aichain.client.txbuilder import coins_proto

    return tx_pb2.MsgSend(from_address=sender, to_address=recipient, amount=coins_proto(coins))


def msg_multi_send(
    sender: str, total: Sequence[Coin], outputs: Sequence[tuple[str, Sequence[Coin]]]
) -> tx_pb2.MsgMultiSend:
    """A bank MsgMultiSend with one input."""
    from cosmos.bank.v1beta1 import bank_pb2, tx_pb2

    from aichain.client.txbuilder import coins_proto

    return tx_pb2.MsgMultiSend(
        inputs=[bank_pb2.Input(address=sender, coins=coins_proto(total))],
        outputs=[bank_pb2.Output(address=a, coins=coins_proto(c)) for a, c in outputs],
    )


@click.group("bank")
def tx_bank() -> None:
    """Bank transactions (cosmos.bank.v1beta1)."""


@tx_bank.command("send")
@click.argument("from_key")
@click.argument("to_address")
@click.argument("amount")
@tx_options
def send(from_key: str, to_address: str, amount: str, tx: TxFlags) -> None:
    """Send AMOUNT (e.g. 1000uaic) from the key FROM_KEY to TO_ADDRESS.

    \b
    Example:
      aichain tx bank send alice aic1... 1000uaic --fees 5000uaic --chain-id aichain-local -y
    """
    from aichain.app.coins import parse_coins
    from aichain.app.crypto import account_address, parse_account_address
    from aichain.app.errors import AppError

    try:
        coins = parse_coins(amount)
        parse_account_address(to_address)
    except AppError as exc:
        fail(str(exc))
    if not coins:
        raise click.BadParameter("give a positive amount, e.g. 1000uaic", param_hint="AMOUNT")
    broadcast(
        from_key,
        lambda sender: [msg_send(account_address(sender), to_address, coins)],
        f"send {amount} to {to_address}",
        tx,
    )


@click.group("bank")
def query_bank() -> None:
    """Bank queries (cosmos.bank.v1beta1.Query)."""


@query_bank.command("balances")
@click.argument("address")
@click.option("--denom", default=None, help="Only this denom.")
@click.option(
    "--prove",
    is_flag=True,
    help="With --denom: prove the balance (ICS23 proof of its store key, checked against the "
    "light-client-verified header of block H+1).",
)
@click.option(
    "--trust-validators-hash",
    default=None,
    metavar="HEX",
    help="With --prove: the validator set hash you trust (see `query store --help`).",
)
@query_options
def balances(
    address: str,
    denom: str | None,
    prove: bool,
    trust_validators_hash: str | None,
    node: str | None,
    home: Path,
    output: str,
) -> None:
    """Balances of ADDRESS (aic1...); with --denom --prove, one balance proven against the
    app hash the validators signed (exit status 1 if it does not verify)."""
    node = resolve_node(node, home)
    from cosmos.bank.v1beta1 import query_pb2

    from aichain.cli.common import as_dict

    if (prove or trust_validators_hash) and not denom:
        fail("--prove needs --denom: a proof covers one balance (one store key)")
    if trust_validators_hash is not None and not prove:
        fail("--trust-validators-hash only applies with --prove")
    if prove:
        _prove_balance(node, address, denom, trust_validators_hash, output)  # type: ignore[arg-type]
        return
    if denom:
        resp = query_message(
            node,
            "/cosmos.bank.v1beta1.Query/Balance",
            query_pb2.QueryBalanceRequest(address=address, denom=denom),
            query_pb2.QueryBalanceResponse,
        )
        emit(as_dict(resp), output, lambda d: f"{d['balance']['amount']}{d['balance']['denom']}")
        return
    resp = query_message(
        node,
        "/cosmos.bank.v1beta1.Query/AllBalances",
        query_pb2.QueryAllBalancesRequest(address=address),
        query_pb2.QueryAllBalancesResponse,
    )
    data = as_dict(resp)
    data.setdefault("balances", [])
    emit(
        data,
        output,
        lambda d: "\n".join(f"{c['amount']}{c['denom']}" for c in d["balances"]) or "(no balances)",
    )


def _prove_balance(
    node: str, address: str, denom: str, trusted_hash: str | None, output: str
) -> None:
    """Prints one balance read from its bank store key with a verified proof."""
    from aichain.app.crypto import parse_account_address
    from aichain.app.errors import AppError
    from aichain.cli.query_store import emit_proven
    from aichain.client.light import LightClientError
    from aichain.client.rpc import CometRPC, RPCError
    from aichain.client.store_query import query_store
    from aichain.modules.bank.keys import balance_key

    try:
        raw = parse_account_address(address)
    except AppError as exc:
        fail(str(exc))
    trusted = None
    if trusted_hash is not None:
        from aichain.cli.query_store import _parse_trusted_hash

        trusted = _parse_trusted_hash(trusted_hash)
    try:
        res = query_store(
            CometRPC(node), "bank", balance_key(raw, denom), QUERY_HEIGHT.get(), True, trusted
        )
    except (RPCError, LightClientError) as exc:
        fail(str(exc))
    amount = int(res.value) if res.value is not None else 0
    emit_proven(
        res,
        {"balance": {"denom": denom, "amount": str(amount)}},
        output,
        lambda d: [f"height: {d['height']}", f"balance: {amount}{denom}"],
    )


@query_bank.command("total")
@click.option("--denom", default=None, help="Only this denom.")
@query_options
def total(denom: str | None, node: str | None, home: Path, output: str) -> None:
    """Total supply of every denom (or one)."""
    node = resolve_node(node, home)
    from cosmos.bank.v1beta1 import query_pb2

    from aichain.cli.common import as_dict

    if denom:
        resp = query_message(
            node,
            "/cosmos.bank.v1beta1.Query/SupplyOf",
            query_pb2.QuerySupplyOfRequest(denom=denom),
            query_pb2.QuerySupplyOfResponse,
        )
        emit(as_dict(resp), output, lambda d: f"{d['amount']['amount']}{d['amount']['denom']}")
        return
    resp = query_message(
        node,
        "/cosmos.bank.v1beta1.Query/TotalSupply",
        query_pb2.QueryTotalSupplyRequest(),
        query_pb2.QueryTotalSupplyResponse,
    )
    emit(
        as_dict(resp),
        output,
        lambda d: "\n".join(f"{c['amount']}{c['denom']}" for c in d.get("supply", [])),
    )


def tx_command() -> click.Group:
    """`aichain tx bank`."""
    return tx_bank


def query_command() -> click.Group:
    """`aichain query bank`."""
    return query_bank
