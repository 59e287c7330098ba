"""Event types and attributes the staking module emits (the Cosmos SDK's names), one
constructor per event. In CheckTx, whose events nobody reads, the constructors record nothing.
"""

from __future__ import annotations

from aichain.app.context import Context
from aichain.app.crypto import account_address, valcons_address, valoper_address
from aichain.modules.staking.types import ts

CREATE_VALIDATOR = "create_validator"
"""A validator was created with its self-delegation."""

EDIT_VALIDATOR = "edit_validator"
"""A validator's description, commission or minimum self-delegation changed."""

DELEGATE = "delegate"
"""Tokens were delegated."""

UNBOND = "unbond"
"""A delegation began unbonding."""

REDELEGATE = "redelegate"
"""A delegation moved to another validator."""

CANCEL_UNBONDING_DELEGATION = "cancel_unbonding_delegation"
"""An unbonding entry was delegated back."""

COMPLETE_UNBONDING = "complete_unbonding"
"""Matured unbonding entries were paid out."""

COMPLETE_UNBONDING_VALIDATOR = "complete_unbonding_validator"
"""A validator finished unbonding."""

VALIDATOR_UPDATE = "validator_update"
"""A power change handed to CometBFT (0 removes the validator)."""

JAIL = "jail"
"""A validator was jailed."""

UNJAIL = "unjail"
"""A validator was unjailed."""

SLASH = "slash"
"""A validator's tokens were burned."""

ATTR_VALIDATOR = "validator"
"""Operator address (aicvaloper)."""

ATTR_DELEGATOR = "delegator"
"""Delegator address (aic)."""

ATTR_AMOUNT = "amount"
"""Amount with its denom, e.g. 1000uaic."""

ATTR_COMPLETION_TIME = "completion_time"
"""RFC 3339 time an unbonding completes."""

ATTR_SOURCE_VALIDATOR = "source_validator"
"""Operator address a redelegation leaves."""

ATTR_DESTINATION_VALIDATOR = "destination_validator"
"""Operator address a redelegation enters."""

ATTR_CREATION_HEIGHT = "creation_height"
"""Height an unbonding entry was created at."""

ATTR_PUBKEY = "pubkey"
"""Consensus public key, hex."""

ATTR_POWER = "power"
"""Consensus power."""

ATTR_ADDRESS = "address"
"""Consensus address (aicvalcons)."""

ATTR_BURNED = "burned"
"""Tokens burned."""


def emit_create_validator(ctx: Context, validator: str, amount: int, denom: str) -> None:
    """create_validator: validator (as the message gave it) and its self-delegation."""
    if ctx.records_events:
        ctx.emit(CREATE_VALIDATOR, (ATTR_VALIDATOR, validator), (ATTR_AMOUNT, f"{amount}{denom}"))


def emit_edit_validator(ctx: Context, validator: str) -> None:
    """edit_validator: validator (as the message gave it)."""
    if ctx.records_events:
        ctx.emit(EDIT_VALIDATOR, (ATTR_VALIDATOR, validator))


def emit_delegate(ctx: Context, validator: str, delegator: str, amount: int, denom: str) -> None:
    """delegate: validator, delegator (as the message gave them) and amount."""
    if ctx.records_events:
        ctx.emit(
            DELEGATE,
            (ATTR_VALIDATOR, validator),
            (ATTR_DELEGATOR, delegator),
            (ATTR_AMOUNT, f"{amount}{denom}"),
        )


def emit_unbond(
    ctx: Context, validator: str, delegator: str, amount: int, denom: str, completion_ns: int
) -> None:
    """unbond: validator, delegator, the amount unbonding and when it completes."""
    if ctx.records_events:
        ctx.emit(
            UNBOND,
            (ATTR_VALIDATOR, validator),
            (ATTR_DELEGATOR, delegator),
            (ATTR_AMOUNT, f"{amount}{denom}"),
            (ATTR_COMPLETION_TIME, ts(completion_ns).ToJsonString()),
        )


def emit_redelegate(
    ctx: Context, src: bytes, dst: bytes, delegator: bytes, amount: int, denom: str
) -> None:
    """redelegate: source and destination validators, delegator and amount."""
    if ctx.records_events:
        ctx.emit(
            REDELEGATE,
            (ATTR_SOURCE_VALIDATOR, valoper_address(src)),
            (ATTR_DESTINATION_VALIDATOR, valoper_address(dst)),
            (ATTR_DELEGATOR, account_address(delegator)),
            (ATTR_AMOUNT, f"{amount}{denom}"),
        )


def emit_cancel_unbonding_delegation(
    ctx: Context, validator: str, delegator: str, amount: int, denom: str, creation_height: int
) -> None:
    """cancel_unbonding_delegation: validator, delegator, amount and the entry's height."""
    if ctx.records_events:
        ctx.emit(
            CANCEL_UNBONDING_DELEGATION,
            (ATTR_VALIDATOR, validator),
            (ATTR_DELEGATOR, delegator),
            (ATTR_AMOUNT, f"{amount}{denom}"),
            (ATTR_CREATION_HEIGHT, str(creation_height)),
        )


def emit_complete_unbonding(
    ctx: Context, amount: int, denom: str, op: bytes, delegator: bytes
) -> None:
    """complete_unbonding: amount paid, validator and delegator."""
    if ctx.records_events:
        ctx.emit(
            COMPLETE_UNBONDING,
            (ATTR_AMOUNT, f"{amount}{denom}"),
            (ATTR_VALIDATOR, valoper_address(op)),
            (ATTR_DELEGATOR, account_address(delegator)),
        )


def emit_complete_unbonding_validator(ctx: Context, op: bytes) -> None:
    """complete_unbonding_validator: the validator."""
    if ctx.records_events:
        ctx.emit(COMPLETE_UNBONDING_VALIDATOR, (ATTR_VALIDATOR, valoper_address(op)))


def emit_validator_update(ctx: Context, pubkey: bytes, power: int) -> None:
    """validator_update: consensus key (hex) and new power."""
    if ctx.records_events:
        ctx.emit(VALIDATOR_UPDATE, (ATTR_PUBKEY, pubkey.hex()), (ATTR_POWER, str(power)))


def emit_jail(ctx: Context, op: bytes) -> None:
    """jail: the validator."""
    if ctx.records_events:
        ctx.emit(JAIL, (ATTR_VALIDATOR, valoper_address(op)))


def emit_unjail(ctx: Context, op: bytes) -> None:
    """unjail: the validator."""
    if ctx.records_events:
        ctx.emit(UNJAIL, (ATTR_VALIDATOR, valoper_address(op)))


def emit_slash(ctx: Context, cons: bytes, op: bytes, power: int, burned: int) -> None:
    """slash: consensus address, validator, power at the infraction and tokens burned."""
    if ctx.records_events:
        ctx.emit(
            SLASH,
            (ATTR_ADDRESS, valcons_address(cons)),
            (ATTR_VALIDATOR, valoper_address(op)),
            (ATTR_POWER, str(power)),
            (ATTR_BURNED, str(burned)),
        )
