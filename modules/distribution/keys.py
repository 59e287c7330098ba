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


ADDRESS_LEN = 20
"""Length of every address inside a distribution key (no length prefix: a fixed layout)."""

U64_MAX = 2**64 - 1
"""Largest period or height a key holds."""


def _u64(n: int) -> bytes:
    """8-byte big-endian. Raises ValueError outside [0, 2^64)."""
    if not 0 <= n <= U64_MAX:
        raise ValueError(f"{n} does not fit an unsigned 64-bit key field")
    return n.to_bytes(8, "big")


def _address(address: bytes) -> bytes:
    """address, checked to be 20 bytes. Raises ValueError."""
    if len(address) != ADDRESS_LEN:
        raise ValueError(f"distribution keys hold 20-byte addresses, got {len(address)} bytes")
    return address


def outstanding_key(op: bytes) -> bytes:
    """Key of a validator's outstanding rewards."""
    return OUTSTANDING + _address(op)


def commission_key(op: bytes) -> bytes:
    """Key of a validator's accumulated commission."""
    return COMMISSION + _address(op)


def historical_key(op: bytes, period: int) -> bytes:
    """Key of a validator's historical rewards for a period."""
    return HISTORICAL + _address(op) + _u64(period)


def current_key(op: bytes) -> bytes:
    """Key of a validator's current rewards."""
    return CURRENT + _address(op)


def starting_key(op: bytes, delegator: bytes) -> bytes:
    """Key of a delegation's starting info."""
    return STARTING + _address(op) + _address(delegator)


def slash_event_key(op: bytes, height: int, period: int) -> bytes:
    """Key of a validator slash event."""
    return SLASH_EVENT + _address(op) + _u64(height) + _u64(period)


def slash_events_prefix(op: bytes) -> bytes:
    """Prefix of every slash event of a validator."""
    return SLASH_EVENT + _address(op)


def withdraw_addr_key(delegator: bytes) -> bytes:
    """Key of a delegator's withdraw address."""
    return WITHDRAW_ADDR + _address(delegator)


def address_from_key(key: bytes) -> bytes:
    """The address of a one-address key (outstanding, commission, current, withdraw)."""
    return key[1 : 1 + ADDRESS_LEN]


def split_historical_key(key: bytes) -> tuple[bytes, int]:
    """(op, period) of a historical-rewards key."""
    a = 1 + ADDRESS_LEN
    return key[1:a], int.from_bytes(key[a : a + 8], "big")


def split_starting_key(key: bytes) -> tuple[bytes, bytes]:
    """(op, delegator) of a starting-info key."""
    a = 1 + ADDRESS_LEN
    return key[1:a], key[a : a + ADDRESS_LEN]


def split_slash_event_key(key: bytes) -> tuple[bytes, int, int]:
    """(op, height, period) of a slash-event key."""
    a = 1 + ADDRESS_LEN
    return (
        key[1:a],
        int.from_bytes(key[a : a + 8], "big"),
        int.from_bytes(key[a + 8 : a + 16], "big"),
    )
