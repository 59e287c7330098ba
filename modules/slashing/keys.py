"""Store layout of the slashing module (every key of its prefix is built and decoded here).

0x01 | len | cons            -> ValidatorSigningInfo (cosmos.slashing.v1beta1) bytes
0x02 | len | cons | index    -> b"\\x01" when the block at that window index was missed
0x03                         -> Params (cosmos.slashing.v1beta1.Params) bytes

Consensus addresses are length-prefixed (one byte), so no validator's keys are a prefix of
another's; window indexes are 8-byte big-endian, so byte order is index order, and an index
outside [0, 2^64) raises InvalidKeyError.
"""

from __future__ import annotations

from aichain.modules.slashing.errors import InvalidKeyError

STORE_PREFIX = b"slashing/"
"""The slashing module's prefix in the root store (documentation: the keeper opens its store
with the StoreKey("slashing") the app issues, whose prefix this is)."""

SIGNING_INFO = b"\x01"
"""Collection: signing info by consensus address."""

MISSED = b"\x02"
"""Collection: missed-block bits by (consensus address, window index)."""

PARAMS = b"\x03"
"""Singleton: module params."""

U64_MAX = 2**64 - 1
"""Largest window index a key holds (8 bytes big-endian)."""


def _cons(cons: bytes) -> bytes:
    """cons with its one-byte length prefix. Raises InvalidKeyError for an empty address or
    one longer than 255 bytes."""
    if not 0 < len(cons) < 256:
        raise InvalidKeyError(
            f"consensus address of {len(cons)} bytes does not fit a slashing key (1-255 bytes)"
        )
    return bytes([len(cons)]) + cons


def signing_info_key(cons: bytes) -> bytes:
    """Key of a validator's signing info."""
    return SIGNING_INFO + _cons(cons)


def split_signing_info_key(key: bytes) -> bytes:
    """The consensus address of a signing info key. Raises InvalidKeyError."""
    if key[:1] != SIGNING_INFO or len(key) < 2 or len(key) != 2 + key[1]:
        raise InvalidKeyError(f"key {key.hex()} is not a signing info key")
    return key[2:]


def missed_prefix(cons: bytes) -> bytes:
    """Prefix of every missed-block bit of a validator."""
    return MISSED + _cons(cons)


def missed_key(cons: bytes, index: int) -> bytes:
    """Key of the missed bit at a window index. Raises InvalidKeyError for an index outside
    [0, 2^64)."""
    if not 0 <= index <= U64_MAX:
        raise InvalidKeyError(f"window index {index} does not fit a slashing key: [0, 2^64)")
    return missed_prefix(cons) + index.to_bytes(8, "big")


def split_missed_key(key: bytes) -> tuple[bytes, int]:
    """(consensus address, window index) of a missed-block key. Raises InvalidKeyError."""
    if key[:1] != MISSED or len(key) < 2 or len(key) != 2 + key[1] + 8:
        raise InvalidKeyError(f"key {key.hex()} is not a missed-block key")
    return key[2:-8], int.from_bytes(key[-8:], "big")
