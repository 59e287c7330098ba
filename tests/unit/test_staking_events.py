"""Staking and slashing event constructors: the exact types and attributes on the wire (the
Cosmos SDK's names), and nothing recorded in CheckTx."""

from __future__ import annotations

from aichain.app.context import Event
from aichain.app.crypto import account_address, valcons_address, valoper_address
from aichain.modules.slashing import events as slashing_events
from aichain.modules.staking import events

from .staking_fakes import addr, context

OP, DEL, DST = addr(1), addr(2), addr(3)
VAL = valoper_address(OP)
ACC = account_address(DEL)


def one(build) -> Event:  # noqa: ANN001
    ctx = context()
    build(ctx)
    assert len(ctx.events) == 1
    return ctx.events[0]


def test_message_events() -> None:
    assert one(lambda c: events.emit_create_validator(c, VAL, 5, "uaic")) == Event(
        "create_validator", (("validator", VAL), ("amount", "5uaic"))
    )
    assert one(lambda c: events.emit_edit_validator(c, VAL)) == Event(
        "edit_validator", (("validator", VAL),)
    )
    assert one(lambda c: events.emit_delegate(c, VAL, ACC, 7, "uaic")) == Event(
        "delegate", (("validator", VAL), ("delegator", ACC), ("amount", "7uaic"))
    )
    assert one(lambda c: events.emit_unbond(c, VAL, ACC, 7, "uaic", 1_500_000_000)) == Event(
        "unbond",
        (
            ("validator", VAL),
            ("delegator", ACC),
            ("amount", "7uaic"),
            ("completion_time", "1970-01-01T00:00:01.500Z"),
        ),
    )
    assert one(lambda c: events.emit_redelegate(c, OP, DST, DEL, 9, "uaic")) == Event(
        "redelegate",
        (
            ("source_validator", VAL),
            ("destination_validator", valoper_address(DST)),
            ("delegator", ACC),
            ("amount", "9uaic"),
        ),
    )
    assert one(
        lambda c: events.emit_cancel_unbonding_delegation(c, VAL, ACC, 3, "uaic", 12)
    ) == Event(
        "cancel_unbonding_delegation",
        (("validator", VAL), ("delegator", ACC), ("amount", "3uaic"), ("creation_height", "12")),
    )


def test_block_events() -> None:
    assert one(lambda c: events.emit_complete_unbonding(c, 4, "uaic", OP, DEL)) == Event(
        "complete_unbonding", (("amount", "4uaic"), ("validator", VAL), ("delegator", ACC))
    )
    assert one(lambda c: events.emit_complete_unbonding_validator(c, OP)) == Event(
        "complete_unbonding_validator", (("validator", VAL),)
    )
    assert one(lambda c: events.emit_validator_update(c, b"\xab\xcd", 10)) == Event(
        "validator_update", (("pubkey", "abcd"), ("power", "10"))
    )
    assert one(lambda c: events.emit_jail(c, OP)) == Event("jail", (("validator", VAL),))
    assert one(lambda c: events.emit_unjail(c, OP)) == Event("unjail", (("validator", VAL),))
    assert one(lambda c: events.emit_slash(c, DEL, OP, 10, 100)) == Event(
        "slash",
        (
            ("address", valcons_address(DEL)),
            ("validator", VAL),
            ("power", "10"),
            ("burned", "100"),
        ),
    )


def test_slashing_events() -> None:
    cons = valcons_address(DEL)
    assert one(lambda c: slashing_events.emit_liveness(c, DEL, 3, 40)) == Event(
        "liveness", (("address", cons), ("missed_blocks", "3"), ("height", "40"))
    )
    for reason in (slashing_events.REASON_MISSING_SIGNATURE, slashing_events.REASON_DOUBLE_SIGN):
        assert one(lambda c, r=reason: slashing_events.emit_slash(c, DEL, 10, r)) == Event(
            "slash", (("address", cons), ("power", "10"), ("reason", reason), ("jailed", cons))
        )
    assert slashing_events.REASON_MISSING_SIGNATURE == "missing_signature"
    assert slashing_events.REASON_DOUBLE_SIGN == "double_sign"


def test_check_tx_records_no_events() -> None:
    ctx = context(is_check=True)
    events.emit_delegate(ctx, VAL, ACC, 7, "uaic")
    events.emit_jail(ctx, OP)
    slashing_events.emit_liveness(ctx, DEL, 1, 2)
    assert ctx.events == []
