"""Store layout of the upgrade module (every key of its store is built here).

0x00                      -> the scheduled Plan (cosmos.upgrade.v1beta1.Plan) bytes
0x01 | name               -> height the named upgrade was applied at, 8 bytes big-endian
"""

from __future__ import annotations

PLAN = b"\x00"
"""Singleton: the scheduled plan."""

DONE = b"\x01"
"""Collection: applied upgrades by name."""


def done_key(name: str) -> bytes:
    """Key of an applied upgrade (the name is the rest of the key: no key follows it)."""
    return DONE + name.encode()


def name_from_done_key(key: bytes) -> str:
    """The name inside an applied-upgrade key."""
    return key[len(DONE) :].decode()
