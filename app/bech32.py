"""Bech32 (BIP-173) as Cosmos addresses use it: bytes under a human-readable prefix.

The checksum is BCH over GF(32): for each 5-bit value, shift the 30-bit state left by 5 and
xor in the value, then xor in the generator polynomials selected by the 5 bits shifted out.
Those five conditional xors depend only on the bits shifted out, so they are one lookup in a
32-entry table here; the state after a prefix is computed once per prefix; bytes become 5-bit
groups through one integer. Every string this accepts or refuses, and every string it makes, is
what the BIP-173 reference does (tests/unit/test_bech32.py compares them).
"""

from __future__ import annotations

from functools import lru_cache

CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
"""The 32 characters of the data part, by value."""

_VALUES = {c: i for i, c in enumerate(CHARSET)}

_GENERATOR = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)


def _xor_selected(top: int) -> int:
    selected = 0
    for i, generator in enumerate(_GENERATOR):
        if top >> i & 1:
            selected ^= generator
    return selected


_SHIFTED_OUT = tuple(_xor_selected(top) for top in range(32))
"""The xor of the generators selected by each value of the 5 bits a step shifts out."""

MAX_PREFIX = 83
"""Longest prefix accepted (the reference's bound: the separator at index 83 at most)."""


def _polymod(values: list[int], state: int = 1) -> int:
    table = _SHIFTED_OUT
    for value in values:
        state = ((state & 0x1FFFFFF) << 5 ^ value) ^ table[state >> 25]
    return state


@lru_cache(maxsize=64)
def _prefix_state(prefix: str) -> int:
    """The checksum state after the expanded prefix (high bits, 0, low bits of each char)."""
    return _polymod([ord(c) >> 5 for c in prefix] + [0] + [ord(c) & 31 for c in prefix])


def to_words(data: bytes) -> list[int]:
    """Bytes as 5-bit groups, the last one zero-padded."""
    count = (len(data) * 8 + 4) // 5
    n = int.from_bytes(data, "big") << (count * 5 - len(data) * 8)
    return [(n >> shift) & 31 for shift in range(count * 5 - 5, -5, -5)]


def from_words(words: list[int]) -> bytes | None:
    """5-bit groups back to bytes; None when 5 or more bits are left over or the padding bits
    are not zero."""
    n = 0
    for word in words:
        n = n << 5 | word
    size, spare = divmod(len(words) * 5, 8)
    if spare >= 5 or n & ((1 << spare) - 1):
        return None
    return (n >> spare).to_bytes(size, "big")


def encode(prefix: str, data: bytes) -> str:
    """The bech32 string of data under prefix."""
    words = to_words(data)
    check = _polymod(words + [0, 0, 0, 0, 0, 0], _prefix_state(prefix)) ^ 1
    words += [(check >> shift) & 31 for shift in (25, 20, 15, 10, 5, 0)]
    return prefix + "1" + "".join([CHARSET[w] for w in words])


def decode(text: str) -> tuple[str, list[int]] | None:
    """(prefix, 5-bit data groups without the checksum) of a valid bech32 string, else None:
    characters outside 33..126, mixed case, no separator after a non-empty prefix of at most
    83 characters, fewer than 6 checksum characters, a character outside the charset, or a
    wrong checksum. Upper-case strings are read as their lower case."""
    if not text.isascii() or any(c < "!" or c > "~" for c in text):
        return None
    lower = text.lower()
    if lower != text and text.upper() != text:
        return None
    pos = lower.rfind("1")
    if pos < 1 or pos > MAX_PREFIX or pos + 7 > len(lower):
        return None
    try:
        data = [_VALUES[c] for c in lower[pos + 1 :]]
    except KeyError:
        return None
    prefix = lower[:pos]
    if _polymod(data, _prefix_state(prefix)) != 1:
        return None
    return prefix, data[:-6]
