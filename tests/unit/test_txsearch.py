"""Tx search across event types: split, group, intersect and page (a fake CometBFT index)."""

from __future__ import annotations

from typing import Any

import pytest

from aichain.client.txsearch import (
    QuerySyntaxError,
    group_by_event,
    search_txs,
    split_conditions,
)


def test_split_conditions_reads_operators_quotes_and_exists() -> None:
    query = "message.sender='aic1 AND x' AND transfer.amount EXISTS AND tx.height>=5"
    assert split_conditions(query) == [
        "message.sender='aic1 AND x'",
        "transfer.amount EXISTS",
        "tx.height>=5",
    ]


@pytest.mark.parametrize("bad", ["a.b='x' OR c.d='y'", "(a.b='x')", "a.b='x"])
def test_split_conditions_rejects_what_it_cannot_read(bad: str) -> None:
    with pytest.raises(QuerySyntaxError):
        split_conditions(bad)


def test_group_by_event_puts_height_conditions_in_every_group() -> None:
    groups = group_by_event(["tx.height>=5", "message.sender='a'", "transfer.recipient='b'",
                             "message.module='bank'"])  # fmt: skip
    assert groups == [
        "tx.height>=5 AND message.sender='a' AND message.module='bank'",
        "tx.height>=5 AND transfer.recipient='b'",
    ]


class FakeIndex:
    """CometBFT's kv index: each condition group must match inside one event."""

    def __init__(self, txs: list[tuple[str, int, list[dict[str, str]]]]) -> None:
        self.txs = txs
        self.calls: list[str] = []

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        assert method == "tx_search"
        self.calls.append(params["query"])
        conditions = [c.split("=", 1) for c in params["query"].split(" AND ")]
        hits = [
            {"hash": h, "height": str(height)}
            for h, height, events in self.txs
            if any(all(e.get(k) == v.strip("'") for k, v in conditions) for e in events)
        ]
        if params["order_by"] == "desc":
            hits.reverse()
        page, per = int(params["page"]), int(params["per_page"])
        return {"txs": hits[(page - 1) * per : page * per], "total_count": str(len(hits))}


def events(sender: str, recipient: str) -> list[dict[str, str]]:
    return [{"message.sender": sender}, {"transfer.recipient": recipient}]


def test_a_query_across_event_types_finds_what_one_index_query_cannot() -> None:
    index = FakeIndex([(f"H{i}", i, events("A" if i % 2 else "B", "R" if i < 6 else "S"))
                       for i in range(1, 10)])  # fmt: skip
    found = search_txs(index, "message.sender='A' AND transfer.recipient='R'", 1, 2, "asc")
    assert [t["hash"] for t in found.txs] == ["H1", "H3"]
    assert found.total == 3  # H1, H3, H5
    second = search_txs(index, "message.sender='A' AND transfer.recipient='R'", 2, 2, "asc")
    assert [t["hash"] for t in second.txs] == ["H5"]
    desc = search_txs(index, "message.sender='A' AND transfer.recipient='R'", 1, 5, "desc")
    assert [t["hash"] for t in desc.txs] == ["H5", "H3", "H1"]


def test_a_one_event_query_goes_to_cometbft_unchanged() -> None:
    index = FakeIndex([("H1", 1, events("A", "R"))])
    found = search_txs(index, "message.sender='A'", 1, 30, "asc")
    assert index.calls == ["message.sender='A'"]
    assert found.total == 1
