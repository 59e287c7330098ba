"""Pure shaping of chain answers for the explorer's pages: no I/O, so each is easy to test.

The explorer reads only the chain's public interfaces (REST gateway, CometBFT RPC); these
functions turn their JSON into what a page draws: an inference's attribution by record and by
contributor, contributors' earnings over time, a proposal's tally as integers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

PPM = 1_000_000
"""Attribution weights are parts per million of an answer; they sum to PPM."""

TALLY_OPTIONS = ("yes", "abstain", "no", "no_with_veto")
"""The cosmos.gov.v1 tally fields, in the order the page draws them."""


def _int(value: object) -> int:
    """An integer from a proto3-JSON number or string ("" and None are 0)."""
    if value in (None, ""):
        return 0
    return int(str(value))


def record_label(entry: Mapping[str, Any]) -> str:
    """`datanet 1 v2 #7`: which record an attribution entry or payout names."""
    return (
        f"datanet {_int(entry.get('datanet_id'))} v{_int(entry.get('version'))} "
        f"#{_int(entry.get('record_id'))}"
    )


RecordKey = tuple[int, int]
"""(datanet_id, record_id): a record, whatever version names it."""


def record_keys(inferences: Iterable[Mapping[str, Any]]) -> list[RecordKey]:
    """The records the inferences' attributions and data payouts name, sorted, once each."""
    keys: set[RecordKey] = set()
    for inference in inferences:
        entries = list((inference.get("result") or {}).get("attributions") or ())
        entries += [p for p in inference.get("payouts") or () if p.get("role") == "data"]
        for entry in entries:
            keys.add((_int(entry.get("datanet_id")), _int(entry.get("record_id"))))
    return sorted(keys)


def payout_recipient(payout: Mapping[str, Any], contributors: Mapping[RecordKey, str]) -> str:
    """Who a payout is for: its recipient; for a data share (credited to the record, claimed
    by its contributor) the record's contributor; else `(community)`, `(burn)`."""
    recipient = str(payout.get("recipient") or "")
    role = str(payout.get("role") or "")
    if not recipient and role == "data":
        key = (_int(payout.get("datanet_id")), _int(payout.get("record_id")))
        recipient = contributors.get(key, "")
    return recipient or f"({role or 'unknown'})"


def compute_attribution_chart(
    inference: Mapping[str, Any], contributors: Mapping[RecordKey, str] | None = None
) -> dict[str, Any]:
    """An inference's attribution: records by weight (ppm) and who was paid what.

    contributors maps (datanet_id, record_id) to the record's contributor, who is paid a data
    share. Returns {"records": [{label, datanet_id, version, record_id, weight_ppm, paid,
    contributor}], "recipients": [{address, amount, roles}], "roles": {role: amount},
    "total_ppm", "total_paid"}; records by weight descending, then by label; recipients by
    amount descending, then by address.
    """
    contributors = contributors or {}
    result = inference.get("result") or {}
    paid_by_record: dict[tuple[int, int, int], int] = {}
    recipients: dict[str, dict[str, Any]] = {}
    roles: dict[str, int] = {}
    for payout in inference.get("payouts") or ():
        amount = _int(payout.get("amount"))
        role = str(payout.get("role") or "")
        roles[role] = roles.get(role, 0) + amount
        key = (
            _int(payout.get("datanet_id")),
            _int(payout.get("version")),
            _int(payout.get("record_id")),
        )
        if role == "data":
            paid_by_record[key] = paid_by_record.get(key, 0) + amount
        address = payout_recipient(payout, contributors)
        row = recipients.setdefault(address, {"address": address, "amount": 0, "roles": []})
        row["amount"] += amount
        if role and role not in row["roles"]:
            row["roles"].append(role)
    records = []
    for entry in result.get("attributions") or ():
        key = (
            _int(entry.get("datanet_id")),
            _int(entry.get("version")),
            _int(entry.get("record_id")),
        )
        records.append(
            {
                "label": record_label(entry),
                "datanet_id": key[0],
                "version": key[1],
                "record_id": key[2],
                "weight_ppm": _int(entry.get("weight_ppm")),
                "paid": paid_by_record.get(key, 0),
                "contributor": contributors.get((key[0], key[2]), ""),
            }
        )
    records.sort(key=lambda r: (-r["weight_ppm"], r["datanet_id"], r["version"], r["record_id"]))
    ordered = sorted(recipients.values(), key=lambda r: (-r["amount"], r["address"]))
    return {
        "records": records,
        "recipients": ordered,
        "roles": dict(sorted(roles.items())),
        "total_ppm": sum(r["weight_ppm"] for r in records),
        "total_paid": sum(roles.values()),
    }


def compute_earnings_series(
    inferences: Iterable[Mapping[str, Any]],
    contributors: Mapping[RecordKey, str] | None = None,
    roles: frozenset[str] = frozenset({"data"}),
) -> dict[str, Any]:
    """Each recipient's cumulative earnings over block height, from settled inferences' payouts.

    Only payouts whose role is in roles count (contributors: "data", each credited to the
    contributor of its record as contributors maps it). Returns {"heights":
    [h...], "series": [{address, points: [[height, cumulative]], total}]}: one point per height
    at which that recipient was paid, series by total descending then address.
    """
    by_height: dict[str, dict[int, int]] = {}
    heights: set[int] = set()
    for inference in inferences:
        height = _int(inference.get("result_height"))
        for payout in inference.get("payouts") or ():
            if str(payout.get("role") or "") not in roles:
                continue
            address = payout_recipient(payout, contributors or {})
            amounts = by_height.setdefault(address, {})
            amounts[height] = amounts.get(height, 0) + _int(payout.get("amount"))
            heights.add(height)
    series = []
    for address, amounts in by_height.items():
        running, points = 0, []
        for height in sorted(amounts):
            running += amounts[height]
            points.append([height, running])
        series.append({"address": address, "points": points, "total": running})
    series.sort(key=lambda s: (-s["total"], s["address"]))
    return {"heights": sorted(heights), "series": series}


def compute_tally(tally: Mapping[str, Any] | None) -> dict[str, int]:
    """A cosmos.gov.v1 TallyResult as integers: yes, abstain, no, no_with_veto and total."""
    tally = tally or {}
    out = {o: _int(tally.get(f"{o}_count", tally.get(o))) for o in TALLY_OPTIONS}
    out["total"] = sum(out.values())
    return out


def coin_amount(coins: Iterable[Mapping[str, Any]] | None, denom: str) -> int:
    """The amount of denom in a list of proto3-JSON coins (0 when absent)."""
    return sum(_int(c.get("amount")) for c in coins or () if c.get("denom") == denom)


def message_types(tx: Mapping[str, Any] | None) -> list[str]:
    """The short type names of a decoded tx's messages (`MsgSend`, ...)."""
    body = (tx or {}).get("body") or {}
    return [str(m.get("@type", "?")).rsplit(".", 1)[-1] for m in body.get("messages") or ()]
