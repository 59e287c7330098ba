"""Key parts every module's keys.py builds from: fixed-width big-endian integers (byte order =
numeric order) and length-prefixed addresses (no key is a prefix of another)."""

from __future__ import annotations

MAX_U64 = 2**64 - 1
"""Largest integer a u64 key part holds."""


class KeyPartError(ValueError):
    """A key part is out of range or a stored key is malformed (a bug, never user input)."""


def u64(n: int) -> bytes:
    """n as 8 big-endian bytes. Raises KeyPartError outside [0, 2^64)."""
    if not 0 <= n <= MAX_U64:
        raise KeyPartError(f"u64 key part out of range: {n}")
    return n.to_bytes(8, "big")


def read_u64(raw: bytes) -> int:
    """An 8-byte big-endian integer. Raises KeyPartError on another length."""
    if len(raw) != 8:
        raise KeyPartError(f"expected 8 bytes, got {len(raw)}")
    return int.from_bytes(raw, "big")


def length_prefixed(address: bytes) -> bytes:
    """address behind its one-byte length. Raises KeyPartError outside 1..255 bytes."""
    if not 1 <= len(address) <= 255:
        raise KeyPartError(f"address of {len(address)} bytes")
    return bytes([len(address)]) + address
