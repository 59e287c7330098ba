"""`aichain query ...`: read chain state through the node's ABCI query (CometBFT RPC)."""

from __future__ import annotations

import base64
from pathlib import Path

import click
from google.protobuf import json_format
from google.protobuf.message import Message

from aichain.cli.common import (
    QUERY_HEIGHT,
    emit,
    fail,
    height_option,
    home_option,
    node_option,
    output_option,
    resolve_node,
)


def _ask(node: str, path: str, request: Message, response_type: type[Message]) -> Message:
    """Runs one gRPC query method through abci_query (at --height); exits with the node's
    error."""
    from aichain.client.rpc import CometRPC, RPCError

    try:
        result = CometRPC(node).abci_query(
            path, request.SerializeToString(), height=QUERY_HEIGHT.get()
        )
    except RPCError as exc:
        fail(str(exc))
    if result.code != 0:
        fail(result.log or f"query failed with code {result.codespace}/{result.code}")
    return response_type.FromString(result.value)


def _as_dict(message: Message) -> dict:
    """A response as Cosmos-style JSON (snake_case, 64-bit ints as strings)."""
    # key types that appear inside Any fields must be known to the descriptor pool
    import cosmos.crypto.ed25519.keys_pb2  # noqa: F401
    import cosmos.crypto.secp256k1.keys_pb2  # noqa: F401

    return json_format.MessageToDict(message, preserving_proto_field_name=True)


@click.group()
def query() -> None:
    """Query chain state (balances, accounts, transactions)."""


@query.group("bank")
def bank_group() -> None:
    """Bank queries (cosmos.bank.v1beta1.Query)."""


@bank_group.command("balances")
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
@height_option
@node_option
@home_option
@output_option
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

    if (prove or trust_validators_hash) and not denom:
        fail("--prove needs --denom: a proof covers one balance (one store key)")
    if trust_validators_hash is not None and not prove:
        fail("--trust-validators-hash only applies with --prove")
    if prove:
        _prove_balance(node, address, denom, trust_validators_hash, output)  # type: ignore[arg-type]
        return
    if denom:
        resp = _ask(
            node,
            "/cosmos.bank.v1beta1.Query/Balance",
            query_pb2.QueryBalanceRequest(address=address, denom=denom),
            query_pb2.QueryBalanceResponse,
        )
        emit(_as_dict(resp), output, lambda d: f"{d['balance']['amount']}{d['balance']['denom']}")
        return
    resp = _ask(
        node,
        "/cosmos.bank.v1beta1.Query/AllBalances",
        query_pb2.QueryAllBalancesRequest(address=address),
        query_pb2.QueryAllBalancesResponse,
    )
    data = _as_dict(resp)
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


@bank_group.command("total")
@click.option("--denom", default=None, help="Only this denom.")
@height_option
@node_option
@home_option
@output_option
def total(denom: str | None, node: str | None, home: Path, output: str) -> None:
    """Total supply of every denom (or one)."""
    node = resolve_node(node, home)
    from cosmos.bank.v1beta1 import query_pb2

    if denom:
        resp = _ask(
            node,
            "/cosmos.bank.v1beta1.Query/SupplyOf",
            query_pb2.QuerySupplyOfRequest(denom=denom),
            query_pb2.QuerySupplyOfResponse,
        )
        emit(_as_dict(resp), output, lambda d: f"{d['amount']['amount']}{d['amount']['denom']}")
        return
    resp = _ask(
        node,
        "/cosmos.bank.v1beta1.Query/TotalSupply",
        query_pb2.QueryTotalSupplyRequest(),
        query_pb2.QueryTotalSupplyResponse,
    )
    emit(
        _as_dict(resp),
        output,
        lambda d: "\n".join(f"{c['amount']}{c['denom']}" for c in d.get("supply", [])),
    )


@query.group("auth")
def auth_group() -> None:
    """Auth queries (cosmos.auth.v1beta1.Query)."""


@auth_group.command("account")
@click.argument("address")
@height_option
@node_option
@home_option
@output_option
def account(address: str, node: str | None, home: Path, output: str) -> None:
    """The account at ADDRESS: number, sequence and public key."""
    node = resolve_node(node, home)
    from cosmos.auth.v1beta1 import auth_pb2, query_pb2

    resp = _ask(
        node,
        "/cosmos.auth.v1beta1.Query/Account",
        query_pb2.QueryAccountRequest(address=address),
        query_pb2.QueryAccountResponse,
    )
    any_msg = resp.account  # type: ignore[attr-defined]
    if any_msg.type_url.endswith("ModuleAccount"):
        module = auth_pb2.ModuleAccount.FromString(any_msg.value)
        data = {"@type": any_msg.type_url, **_as_dict(module)}
    else:
        data = {
            "@type": any_msg.type_url,
            **_as_dict(auth_pb2.BaseAccount.FromString(any_msg.value)),
        }
    emit(data, output)


@query.command("tx")
@click.argument("tx_hash")
@node_option
@home_option
@output_option
def tx_cmd(tx_hash: str, node: str | None, home: Path, output: str) -> None:
    """The committed tx with hash TX_HASH (hex) and its result."""
    node = resolve_node(node, home)
    from aichain.client.rpc import CometRPC, RPCError

    try:
        digest = bytes.fromhex(tx_hash)
    except ValueError:
        fail(f"{tx_hash!r} is not a hex tx hash")
    try:
        res = CometRPC(node).tx(digest)
    except RPCError as exc:
        fail(str(exc))
    result = res["tx_result"]
    data = {
        "txhash": res["hash"],
        "height": res["height"],
        "code": int(result.get("code", 0)),
        "codespace": result.get("codespace", ""),
        "raw_log": result.get("log", ""),
        "gas_wanted": result.get("gas_wanted", "0"),
        "gas_used": result.get("gas_used", "0"),
        "events": [
            {
                "type": e["type"],
                "attributes": [
                    {"key": a["key"], "value": a.get("value", "")} for a in e["attributes"]
                ],
            }
            for e in result.get("events", [])
        ],
        "tx": base64.b64decode(res["tx"]).hex(),
    }
    emit(
        data,
        output,
        lambda d: "\n".join(
            f"{k}: {d[k]}"
            for k in ("txhash", "height", "code", "codespace", "raw_log", "gas_wanted", "gas_used")
        ),
    )


def _register_store_command() -> None:
    """Adds `query store` (raw store values with proofs)."""
    from aichain.cli.query_store import store_cmd

    query.add_command(store_cmd)


_register_store_command()


def _register_pos_queries() -> None:
    """Adds `query staking`, `query distribution` and `query slashing`."""
    from aichain.cli.distribution import query_distribution
    from aichain.cli.slashing import query_slashing
    from aichain.cli.staking import query_staking

    for group in (query_staking, query_distribution, query_slashing):
        query.add_command(group)


_register_pos_queries()
