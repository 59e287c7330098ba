"""Store layout of the bank module (every key of its prefix is built here).

0x00 | denom                          -> total supply of denom, decimal ASCII
0x01 | denom                          -> Metadata (cosmos.bank.v1beta1.Metadata) bytes
0x02 | len(addr) | addr | denom       -> balance of denom at addr, decimal ASCII
0x03                                  -> Params (cosmos.bank.v1beta1.Params) bytes
0x04 | denom                          -> send enabled flag, b"\\x01" or b"\\x00"
"""

from __future__ import annotations

STORE_PREFIX = b"bank/"
"""The bank module's prefix in the root store."""

SUPPLY = b"\x00"
"""Collection: total supply by denom."""

DENOM_METADATA = b"\x01"
"""Collection: denom metadata by base denom."""

BALANCES = b"\x02"
"""Collection: balances by (address, denom)."""

PARAMS = b"\x03"
"""Singleton: module params."""

SEND_ENABLED = b"\x04"
"""Collection: per-denom send-enabled flags."""


def supply_key(denom: str) -> bytes:
    """Key of the total supply of denom."""
    return SUPPLY + denom.encode()


def metadata_key(denom: str) -> bytes:
    """Key of the metadata of a base denom."""
    return DENOM_METADATA + denom.encode()


def balances_prefix(address: bytes) -> bytes:
    """Prefix of every balance of address."""
    return BALANCES + bytes([len(address)]) + address


def balance_key(address: bytes, denom: str) -> bytes:
    """Key of the balance of denom at address."""
    return balances_prefix(address) + denom.encode()


def split_balance_key(key: bytes) -> tuple[bytes, str]:
    """(address, denom) of a balance key."""
    n = key[1]
    return key[2 : 2 + n], key[2 + n :].decode()


def send_enabled_key(denom: str) -> bytes:
    """Key of the send-enabled flag of denom."""
    return SEND_ENABLED + denom.encode()


def denom_from_key(collection: bytes, key: bytes) -> str:
    """The denom of a supply, metadata or send-enabled key (collection byte + denom)."""
    return key[len(collection) :].decode()


def denom_from_balance_key(address: bytes, key: bytes) -> str:
    """The denom of one of address's balance keys."""
    return key[2 + len(address) :].decode()
