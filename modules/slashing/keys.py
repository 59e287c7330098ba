"""Store layout of the slashing module (every key of its prefix is built here).

0x01 | cons                 -> ValidatorSigningInfo (cosmos.slashing.v1beta1) bytes
0x02 | cons | index         -> b"\\x01" when the block at that window index was missed
0x03                        -> Params (cosmos.slashing.v1beta1.Params) bytes
"""

from __future__ import annotations

STORE_PREFIX = b"slashing/"
"""The slashing module's prefix in the root store."""

SIGNING_INFO = b"\x01"
"""Collection: signing info by consensus address."""

MISSED = b"\x02"
"""Collection: missed-block bits by (consensus address, window index)."""

PARAMS = b"\x03"
"""Singleton: module params."""


def signing_info_key(cons: bytes) -> bytes:
    """Key of a validator's signing info."""
    return SIGNING_INFO + bytes([len(cons)]) + cons


def missed_prefix(cons: bytes) -> bytes:
    """Prefix of every missed-block bit of a validator."""
    return MISSED + bytes([len(cons)]) + cons


def missed_key(cons: bytes, index: int) -> bytes:
    """Key of the missed bit at a window index (8-byte big-endian)."""
    return missed_prefix(cons) + index.to_bytes(8, "big")
