"""Gas defaults shared by the CLI and the broadcaster.

No imports beyond the standard library, so the CLI can show them in --help without loading
protobuf or the app.
"""

from __future__ import annotations

DEFAULT_GAS = 200_000
"""Gas limit of every tx command when --gas is not given (the Cosmos SDK's default)."""

DEFAULT_GAS_ADJUSTMENT = 1.3
"""Multiplier applied to the simulated gas with --gas auto and --dry-run."""

SIMULATE_GAS_LIMIT = 10_000_000
"""Gas limit put in the tx that is simulated to estimate gas."""


def parse_gas(text: str) -> int | None:
    """--gas as text: 'auto' gives None (simulate), else a positive integer. Raises ValueError."""
    text = text.strip()
    if text == "auto":
        return None
    if not text.isdigit() or int(text) == 0:
        raise ValueError(f"invalid gas {text!r}: use 'auto' or a positive integer, e.g. 200000")
    return int(text)
