"""`aichain query ...`: read chain state through the node's ABCI query (CometBFT RPC).

Module queries (`query bank`, `query staking`, ...) come from the modules' cli.py files, found
by aichain.cli.modules; this file holds the commands that belong to no module (`query tx`,
`query store`)."""

from __future__ import annotations

import base64
from pathlib import Path

import click

from aichain.cli.common import emit, fail, home_option, node_option, output_option, resolve_node


@click.group()
def query() -> None:
    """Query chain state (balances, accounts, transactions)."""


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
