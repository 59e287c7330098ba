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
    emit(_tx_json(res), output, _tx_text)


TX_TEXT_FIELDS = ("txhash", "height", "code", "codespace", "raw_log", "gas_wanted", "gas_used")
"""The fields `query tx` and `query txs` print as text."""


def _events_json(events: list[dict]) -> list[dict]:
    return [
        {
            "type": e["type"],
            "attributes": [{"key": a["key"], "value": a.get("value", "")} for a in e["attributes"]],
        }
        for e in events
    ]


def _tx_json(res: dict) -> dict:
    """A CometBFT tx result as the CLI prints it."""
    result = res["tx_result"]
    return {
        "txhash": res["hash"],
        "height": res["height"],
        "code": int(result.get("code", 0)),
        "codespace": result.get("codespace", ""),
        "raw_log": result.get("log", ""),
        "gas_wanted": result.get("gas_wanted", "0"),
        "gas_used": result.get("gas_used", "0"),
        "events": _events_json(result.get("events", [])),
        "tx": base64.b64decode(res["tx"]).hex(),
    }


def _tx_text(data: dict) -> str:
    return "\n".join(f"{k}: {data[k]}" for k in TX_TEXT_FIELDS)


@query.command("txs")
@click.option(
    "--query",
    "query_text",
    required=True,
    help="CometBFT event query, e.g. \"message.sender='aic1...' AND transfer.amount EXISTS\".",
)
@click.option("--page", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--limit", type=click.IntRange(1, 100), default=30, show_default=True)
@click.option("--order-by", type=click.Choice(["asc", "desc"]), default="asc", show_default=True)
@node_option
@home_option
@output_option
def txs_cmd(
    query_text: str, page: int, limit: int, order_by: str, node: str | None, home: Path, output: str
) -> None:
    """Committed txs matching an event query (CometBFT's tx index), a page at a time."""
    node = resolve_node(node, home)
    from aichain.client.rpc import CometRPC, RPCError
    from aichain.client.txsearch import search_txs

    try:
        found = search_txs(CometRPC(node), query_text, page, limit, order_by)
    except RPCError as exc:
        fail(f"tx search failed: {exc} (query syntax: key.attr='value' AND key.attr > 5)")
    txs = [_tx_json(item) for item in found.txs]
    data = {"total_count": str(found.total), "page": str(page), "txs": txs}
    emit(
        data,
        output,
        lambda d: (
            f"total: {d['total_count']} (page {d['page']})\n"
            + "\n---\n".join(_tx_text(t) for t in d["txs"])
        ),
    )


@query.command("block-results")
@click.argument("height", type=click.IntRange(min=1))
@node_option
@home_option
@output_option
def block_results_cmd(height: int, node: str | None, home: Path, output: str) -> None:
    """The results of every tx of block HEIGHT and its block events."""
    node = resolve_node(node, home)
    from aichain.client.rpc import CometRPC, RPCError

    try:
        res = CometRPC(node).call("block_results", height=str(height))
    except RPCError as exc:
        fail(str(exc))
    data = {
        "height": str(res.get("height", height)),
        "txs_results": [
            {
                "code": int(r.get("code", 0)),
                "codespace": r.get("codespace", ""),
                "log": r.get("log", ""),
                "gas_wanted": r.get("gas_wanted", "0"),
                "gas_used": r.get("gas_used", "0"),
                "events": _events_json(r.get("events", [])),
            }
            for r in res.get("txs_results") or []
        ],
        "finalize_block_events": _events_json(res.get("finalize_block_events") or []),
        "app_hash": res.get("app_hash", ""),
    }
    emit(
        data,
        output,
        lambda d: (
            f"height: {d['height']}\ntxs: {len(d['txs_results'])}\n"
            + "\n".join(
                f"  tx {i}: code {r['code']} gas {r['gas_used']}/{r['gas_wanted']} {r['log'][:80]}"
                for i, r in enumerate(d["txs_results"])
            )
            + f"\nblock events: {len(d['finalize_block_events'])}"
        ),
    )


def _register_store_command() -> None:
    """Adds `query store` (raw store values with proofs)."""
    from aichain.cli.query_store import store_cmd

    query.add_command(store_cmd)


_register_store_command()
