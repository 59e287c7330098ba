"""Finding committed txs by event query, across event types.

CometBFT's kv tx index (v0.37 and later) matches all conditions of a query inside ONE event:
`message.sender='a' AND transfer.recipient='b'` finds nothing, because no single event has both
attributes (cometbft/cometbft#4003). Users of a Cosmos chain write such queries all the time.
`search_txs` splits a query into one sub-query per event type (conditions on `tx.height` and
`tx.hash` go into each), asks CometBFT for each, keeps the txs every sub-query found, and pages
over that. A query on one event type goes to CometBFT unchanged, with its own paging.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Protocol

MAX_SCAN = 10_000
"""Most txs read per sub-query when a query spans event types (beyond it: refine the query,
e.g. with a tx.height range)."""

PER_PAGE = 100
"""Page size asked of CometBFT while scanning (its maximum)."""

_CONDITION = re.compile(
    r"""\s*([A-Za-z0-9_./:-]+)\s*(?:EXISTS|(?:<=|>=|=|<|>|CONTAINS)\s*(?:'[^']*'|[^\s']+))\s*""",
)


class SearchRPC(Protocol):
    """The CometBFT RPC calls the search makes."""

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        """One JSON-RPC call; raises RPCError."""


class QuerySyntaxError(ValueError):
    """A query this search cannot split (it is passed to CometBFT unchanged instead)."""


@dataclass(frozen=True, slots=True)
class Found:
    """One page of results."""

    txs: list[dict[str, Any]]
    """CometBFT's tx results (hash, height, index, tx_result, tx), in the asked order."""
    total: int


def split_conditions(query: str) -> list[str]:
    """The AND-ed conditions of a query. Raises QuerySyntaxError for anything else (OR,
    parentheses, unbalanced quotes)."""
    parts: list[str] = []
    rest = query.strip()
    while rest:
        match = _CONDITION.match(rest)
        if match is None:
            raise QuerySyntaxError(f"cannot read a condition at {rest[:40]!r}")
        parts.append(match.group(0).strip())
        rest = rest[match.end() :]
        if rest:
            if not rest.startswith("AND "):
                raise QuerySyntaxError(f"expected AND at {rest[:40]!r}")
            rest = rest[4:]
    return parts


def group_by_event(conditions: list[str]) -> list[str]:
    """One sub-query per event type; tx.height / tx.hash conditions join each."""
    shared = [c for c in conditions if c.startswith(("tx.height", "tx.hash"))]
    groups: dict[str, list[str]] = {}
    for condition in conditions:
        if condition in shared:
            continue
        groups.setdefault(condition.split(".", 1)[0], []).append(condition)
    if not groups:
        return [" AND ".join(shared)]
    return [" AND ".join(shared + group) for _, group in sorted(groups.items())]


def search_txs(
    rpc: SearchRPC, query: str, page: int = 1, per_page: int = 30, order_by: str = "asc"
) -> Found:
    """Committed txs matching query, one page of them. Raises RPCError (CometBFT refused the
    query) and QuerySyntaxError (a multi-event query that is not a plain AND of conditions)."""
    try:
        groups = group_by_event(split_conditions(query))
    except QuerySyntaxError:
        groups = [query]
    if len(groups) == 1:
        found = rpc.call(
            "tx_search",
            query=groups[0],
            prove=False,
            page=str(page),
            per_page=str(per_page),
            order_by=order_by,
        )
        return Found(list(found.get("txs") or []), int(found.get("total_count") or 0))
    first, *others = (_scan(rpc, group, order_by) for group in groups)
    keep = set(first)
    for hashes in others:
        keep &= set(hashes)
    ordered = [h for h in first if h in keep]
    chosen = ordered[(page - 1) * per_page : page * per_page]
    return Found([first[h] for h in chosen], len(ordered))


def _scan(rpc: SearchRPC, query: str, order_by: str) -> dict[str, dict[str, Any]]:
    """hash -> tx result of every tx the query finds (up to MAX_SCAN), in order."""
    out: dict[str, dict[str, Any]] = {}
    page = 1
    while len(out) < MAX_SCAN:
        found = rpc.call(
            "tx_search",
            query=query,
            prove=False,
            page=str(page),
            per_page=str(PER_PAGE),
            order_by=order_by,
        )
        txs = found.get("txs") or []
        for item in txs:
            out[item["hash"]] = item
        if len(txs) < PER_PAGE or len(out) >= int(found.get("total_count") or 0):
            break
        page += 1
    return out
