"""Store layout of the mint module (every key of its store is built here).

0x00 -> params as canonical JSON (mint_denom, inflation_rate, blocks_per_year)
"""

from __future__ import annotations

STORE_KEY = "mint"
"""The mint module's store key (prefix b"mint/" in the root store)."""

PARAMS = b"\x00"
"""Singleton: params as canonical JSON."""
