"""Store layout of the staking module (every key of its prefix is built here).

Addresses (operator, delegator, consensus) are fixed 20 bytes; times are nanoseconds and
powers are consensus power, both 8-byte big-endian so byte order is time/power order; a value
outside [0, 2^64) raises InvalidKeyError rather than being clamped. Every key is decoded here
too (the `split_*` functions), so no other file knows an offset.

0x01 | op                        -> Validator (cosmos.staking.v1beta1.Validator) bytes
0x02 | cons                      -> op of the validator with that consensus address
0x03 | power | ~op               -> op; non-jailed validators by power (iterate reversed)
0x04 | op                        -> last power handed to CometBFT, 8 bytes
0x05                             -> last total power, decimal ASCII
0x06                             -> Params (cosmos.staking.v1beta1.Params) bytes
0x10 | del | op                  -> delegation shares (decimal atomics, ASCII)
0x11 | op | del                  -> b"" (delegations by validator)
0x20 | del | op                  -> UnbondingDelegation bytes
0x21 | op | del                  -> b"" (unbonding delegations by validator)
0x22 | time | del | op           -> b"" (unbonding queue)
0x30 | del | src | dst           -> Redelegation bytes
0x31 | src | del | dst           -> b"" (redelegations by source validator)
0x32 | time | del | src | dst    -> b"" (redelegation queue)
0x40 | time | op                 -> b"" (unbonding validator queue)
"""

from __future__ import annotations

from aichain.app.errors import InvalidAddressError
from aichain.modules.staking.errors import InvalidKeyError

STORE_PREFIX = b"staking/"
"""The staking module's prefix in the root store (documentation: the keeper opens its store
with the StoreKey("staking") the app issues, whose prefix this is)."""

ADDR = 20
"""Length of every address in a key."""

VALIDATOR = b"\x01"
"""Collection: validators by operator."""

VALIDATOR_BY_CONS = b"\x02"
"""Collection: operator by consensus address."""

POWER_INDEX = b"\x03"
"""Collection: non-jailed validators by power."""

LAST_POWER = b"\x04"
"""Collection: last validator powers given to CometBFT."""

LAST_TOTAL_POWER = b"\x05"
"""Singleton: sum of the last powers."""

PARAMS = b"\x06"
"""Singleton: module params."""

DELEGATION = b"\x10"
"""Collection: delegation shares by (delegator, validator)."""

DELEGATION_BY_VAL = b"\x11"
"""Index: delegations by (validator, delegator)."""

UBD = b"\x20"
"""Collection: unbonding delegations by (delegator, validator)."""

UBD_BY_VAL = b"\x21"
"""Index: unbonding delegations by (validator, delegator)."""

UBD_QUEUE = b"\x22"
"""Queue: unbonding delegation entries by completion time."""

RED = b"\x30"
"""Collection: redelegations by (delegator, source, destination)."""

RED_BY_SRC = b"\x31"
"""Index: redelegations by (source, delegator, destination)."""

RED_QUEUE = b"\x32"
"""Queue: redelegation entries by completion time."""

VALIDATOR_QUEUE = b"\x40"
"""Queue: unbonding validators by unbonding completion time."""


U64_MAX = 2**64 - 1
"""Largest time or power a key holds (8 bytes big-endian)."""


def _addr(address: bytes) -> bytes:
    """Checks an address is 20 bytes. Raises InvalidAddressError."""
    if len(address) != ADDR:
        raise InvalidAddressError(f"staking keys take {ADDR}-byte addresses, got {len(address)}")
    return address


def _u64(n: int, what: str) -> bytes:
    """n as 8 bytes big-endian. Raises InvalidKeyError unless 0 <= n < 2^64."""
    if not 0 <= n <= U64_MAX:
        raise InvalidKeyError(f"{what} {n} does not fit a staking key: it must be within [0, 2^64)")
    return n.to_bytes(8, "big")


def _split(key: bytes, collection: bytes, widths: tuple[int, ...]) -> tuple[bytes, ...]:
    """The fixed-width parts after the collection byte of key. Raises InvalidKeyError when
    key is not of that collection or not of that length."""
    if key[:1] != collection or len(key) != 1 + sum(widths):
        raise InvalidKeyError(
            f"key {key.hex()} is not a {collection.hex()} key of {1 + sum(widths)} bytes"
        )
    parts, at = [], 1
    for width in widths:
        parts.append(key[at : at + width])
        at += width
    return tuple(parts)


def validator_key(op: bytes) -> bytes:
    """Key of a validator."""
    return VALIDATOR + _addr(op)


def validator_by_cons_key(cons: bytes) -> bytes:
    """Key of the operator of a consensus address."""
    return VALIDATOR_BY_CONS + _addr(cons)


def power_index_key(power: int, op: bytes) -> bytes:
    """Key of a validator in the power index: higher power sorts later, and for equal power
    the lower operator address sorts later (iterate reversed for the bonded order). Raises
    InvalidKeyError for a power outside [0, 2^64)."""
    inverted = bytes(255 - b for b in _addr(op))
    return POWER_INDEX + _u64(power, "power") + inverted


def split_power_index_key(key: bytes) -> tuple[int, bytes]:
    """(power, op) of a power index key."""
    power, inverted = _split(key, POWER_INDEX, (8, ADDR))
    return int.from_bytes(power, "big"), bytes(255 - b for b in inverted)


def last_power_key(op: bytes) -> bytes:
    """Key of a validator's last power."""
    return LAST_POWER + _addr(op)


def split_last_power_key(key: bytes) -> bytes:
    """op of a last power key."""
    return _split(key, LAST_POWER, (ADDR,))[0]


def delegation_key(delegator: bytes, op: bytes) -> bytes:
    """Key of a delegation."""
    return DELEGATION + _addr(delegator) + _addr(op)


def split_delegation_key(key: bytes) -> tuple[bytes, bytes]:
    """(delegator, op) of a delegation key."""
    delegator, op = _split(key, DELEGATION, (ADDR, ADDR))
    return delegator, op


def delegations_prefix(delegator: bytes) -> bytes:
    """Prefix of every delegation of a delegator."""
    return DELEGATION + _addr(delegator)


def delegation_by_val_key(op: bytes, delegator: bytes) -> bytes:
    """Index key of a delegation by validator."""
    return DELEGATION_BY_VAL + _addr(op) + _addr(delegator)


def split_delegation_by_val_key(key: bytes) -> tuple[bytes, bytes]:
    """(op, delegator) of a delegation-by-validator index key."""
    op, delegator = _split(key, DELEGATION_BY_VAL, (ADDR, ADDR))
    return op, delegator


def delegations_by_val_prefix(op: bytes) -> bytes:
    """Prefix of every delegation to a validator."""
    return DELEGATION_BY_VAL + _addr(op)


def ubd_key(delegator: bytes, op: bytes) -> bytes:
    """Key of an unbonding delegation."""
    return UBD + _addr(delegator) + _addr(op)


def ubds_prefix(delegator: bytes) -> bytes:
    """Prefix of every unbonding delegation of a delegator."""
    return UBD + _addr(delegator)


def ubd_by_val_key(op: bytes, delegator: bytes) -> bytes:
    """Index key of an unbonding delegation by validator."""
    return UBD_BY_VAL + _addr(op) + _addr(delegator)


def split_ubd_by_val_key(key: bytes) -> tuple[bytes, bytes]:
    """(op, delegator) of an unbonding-delegation-by-validator index key."""
    op, delegator = _split(key, UBD_BY_VAL, (ADDR, ADDR))
    return op, delegator


def ubds_by_val_prefix(op: bytes) -> bytes:
    """Prefix of every unbonding delegation from a validator."""
    return UBD_BY_VAL + _addr(op)


def ubd_queue_key(time_ns: int, delegator: bytes, op: bytes) -> bytes:
    """Queue key of an unbonding delegation entry maturing at time_ns. Raises InvalidKeyError
    for a time outside [0, 2^64)."""
    return UBD_QUEUE + _u64(time_ns, "completion time") + _addr(delegator) + _addr(op)


def split_ubd_queue_key(key: bytes) -> tuple[int, bytes, bytes]:
    """(time ns, delegator, op) of an unbonding queue key."""
    time, delegator, op = _split(key, UBD_QUEUE, (8, ADDR, ADDR))
    return int.from_bytes(time, "big"), delegator, op


def red_key(delegator: bytes, src: bytes, dst: bytes) -> bytes:
    """Key of a redelegation."""
    return RED + _addr(delegator) + _addr(src) + _addr(dst)


def reds_prefix(delegator: bytes) -> bytes:
    """Prefix of every redelegation of a delegator."""
    return RED + _addr(delegator)


def red_by_src_key(src: bytes, delegator: bytes, dst: bytes) -> bytes:
    """Index key of a redelegation by source validator."""
    return RED_BY_SRC + _addr(src) + _addr(delegator) + _addr(dst)


def split_red_by_src_key(key: bytes) -> tuple[bytes, bytes, bytes]:
    """(src, delegator, dst) of a redelegation-by-source index key."""
    src, delegator, dst = _split(key, RED_BY_SRC, (ADDR, ADDR, ADDR))
    return src, delegator, dst


def reds_by_src_prefix(src: bytes) -> bytes:
    """Prefix of every redelegation away from a validator."""
    return RED_BY_SRC + _addr(src)


def red_queue_key(time_ns: int, delegator: bytes, src: bytes, dst: bytes) -> bytes:
    """Queue key of a redelegation entry maturing at time_ns. Raises InvalidKeyError for a
    time outside [0, 2^64)."""
    time = _u64(time_ns, "completion time")
    return RED_QUEUE + time + _addr(delegator) + _addr(src) + _addr(dst)


def split_red_queue_key(key: bytes) -> tuple[int, bytes, bytes, bytes]:
    """(time ns, delegator, src, dst) of a redelegation queue key."""
    time, delegator, src, dst = _split(key, RED_QUEUE, (8, ADDR, ADDR, ADDR))
    return int.from_bytes(time, "big"), delegator, src, dst


def validator_queue_key(time_ns: int, op: bytes) -> bytes:
    """Queue key of a validator whose unbonding completes at time_ns. Raises InvalidKeyError
    for a time outside [0, 2^64)."""
    return VALIDATOR_QUEUE + _u64(time_ns, "unbonding completion time") + _addr(op)


def split_validator_queue_key(key: bytes) -> tuple[int, bytes]:
    """(time ns, op) of a validator queue key."""
    time, op = _split(key, VALIDATOR_QUEUE, (8, ADDR))
    return int.from_bytes(time, "big"), op


QUEUES = (UBD_QUEUE, RED_QUEUE, VALIDATOR_QUEUE)
"""The time-ordered queues; their keys start with the 8-byte time."""


def queue_time(key: bytes) -> int:
    """The time of a queue key (any of the three queues). Raises InvalidKeyError for a key of
    another collection or one too short to hold a time."""
    if key[:1] not in QUEUES or len(key) < 9:
        raise InvalidKeyError(f"key {key.hex()} is not a queue key")
    return int.from_bytes(key[1:9], "big")
