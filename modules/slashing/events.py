"""Event types and attributes the slashing module emits (the Cosmos SDK's names), one
constructor per event. In CheckTx, whose events nobody reads, the constructors record nothing.
"""

from __future__ import annotations

from aichain.app.context import Context
from aichain.app.crypto import valcons_address

LIVENESS = "liveness"
"""A validator missed a block."""

SLASH = "slash"
"""A validator was slashed and jailed."""

ATTR_ADDRESS = "address"
"""Consensus address (aicvalcons)."""

ATTR_MISSED_BLOCKS = "missed_blocks"
"""Blocks missed in the current window."""

ATTR_HEIGHT = "height"
"""Height of the block missed."""

ATTR_POWER = "power"
"""Consensus power at the infraction."""

ATTR_REASON = "reason"
"""Why: REASON_MISSING_SIGNATURE or REASON_DOUBLE_SIGN."""

ATTR_JAILED = "jailed"
"""Consensus address of the jailed validator."""

REASON_MISSING_SIGNATURE = "missing_signature"
"""Slashed for downtime."""

REASON_DOUBLE_SIGN = "double_sign"
"""Slashed for signing two blocks at one height."""


def emit_liveness(ctx: Context, cons: bytes, missed_blocks: int, height: int) -> None:
    """liveness: consensus address, blocks missed in the window, the height missed."""
    if ctx.records_events:
        ctx.emit(
            LIVENESS,
            (ATTR_ADDRESS, valcons_address(cons)),
            (ATTR_MISSED_BLOCKS, str(missed_blocks)),
            (ATTR_HEIGHT, str(height)),
        )


def emit_slash(ctx: Context, cons: bytes, power: int, reason: str) -> None:
    """slash: consensus address, power, reason and the jailed validator."""
    if ctx.records_events:
        address = valcons_address(cons)
        ctx.emit(
            SLASH,
            (ATTR_ADDRESS, address),
            (ATTR_POWER, str(power)),
            (ATTR_REASON, reason),
            (ATTR_JAILED, address),
        )
