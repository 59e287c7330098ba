"""Store layout of the distribution module (every key of its prefix is built here).

Addresses are 20 bytes; periods and heights 8-byte big-endian.

0x00                         -> FeePool (community pool) bytes
0x01 | op                    -> ValidatorOutstandingRewards bytes
0x02 | op                    -> ValidatorAccumulatedCommission bytes
0x03 | op | period           -> ValidatorHistoricalRewards bytes
0x04 | op                    -> ValidatorCurrentRewards bytes
0x05 | op | del              -> DelegatorStartingInfo bytes
0x06 | op | height | period  -> ValidatorSlashEvent bytes
0x07 | del                   -> withdraw address (20 bytes)
0x08                         -> Params bytes
"""

from __future__ import annotations

STORE_PREFIX = b"distribution/"
"""The distribution module's prefix in the root store."""

FEE_POOL = b"\x00"
OUTSTANDING = b"\x01"
COMMISSION = b"\x02"
HISTORICAL = b"\x03"
CURRENT = b"\x04"
STARTING = b"\x05"
SLASH_EVENT = b"\x06"
WITHDRAW_ADDR = b"\x07"
PARAMS = b"\x08"


def _u64(n: int) -> bytes:
    """8-byte big-endian."""
    return n.to_bytes(8, "big")


def outstanding_key(op: bytes) -> bytes:
    """Key of a validator's outstanding rewards."""
    return OUTSTANDING + op


def commission_key(op: bytes) -> bytes:
    """Key of a validator's accumulated commission."""
    return COMMISSION + op


def historical_key(op: bytes, period: int) -> bytes:
    """Key of a validator's historical rewards for a period."""
    return HISTORICAL + op + _u64(period)


def current_key(op: bytes) -> bytes:
    """Key of a validator's current rewards."""
    return CURRENT + op


def starting_key(op: bytes, delegator: bytes) -> bytes:
    """Key of a delegation's starting info."""
    return STARTING + op + delegator


def slash_event_key(op: bytes, height: int, period: int) -> bytes:
    """Key of a validator slash event."""
    return SLASH_EVENT + op + _u64(height) + _u64(period)


def slash_events_prefix(op: bytes) -> bytes:
    """Prefix of every slash event of a validator."""
    return SLASH_EVENT + op


def withdraw_addr_key(delegator: bytes) -> bytes:
    """Key of a delegator's withdraw address."""
    return WITHDRAW_ADDR + delegator
