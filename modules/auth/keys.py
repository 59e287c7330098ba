"""Store layout of the auth module (every key of its prefix is built here).

0x01 | len(addr) | addr  -> Any(BaseAccount | ModuleAccount) bytes
0x02                     -> next account number, 8 bytes big-endian
0x03                     -> Params (cosmos.auth.v1beta1.Params) bytes
"""

from __future__ import annotations

STORE_PREFIX = b"auth/"
"""The auth module's prefix in the root store."""

ACCOUNT = b"\x01"
"""Collection: account by address."""

NEXT_ACCOUNT_NUMBER = b"\x02"
"""Singleton: the next account number to assign."""

PARAMS = b"\x03"
"""Singleton: module params."""


def account_key(address: bytes) -> bytes:
    """Key of the account at address (length-prefixed so no key prefixes another)."""
    return ACCOUNT + bytes([len(address)]) + address


def address_from_account_key(key: bytes) -> bytes:
    """The address inside an account key."""
    return key[2 : 2 + key[1]]
