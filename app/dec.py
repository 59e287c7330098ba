"""Fixed-point decimals with 18 places, as the Cosmos SDK's LegacyDec: an int of atomics.

A decimal d is stored as the integer d * 10^18. On the protobuf wire (messages, state, gRPC
responses) a decimal is the decimal string of its atomics ("100000000000000000" is 0.1), as
the Cosmos SDK's gogoproto customtype writes it; in genesis JSON it is the decimal text
("0.100000000000000000"). Every operation rounds toward zero (truncates) unless its name says
otherwise; nothing here uses floats.
"""

from __future__ import annotations

import re

from aichain.app.errors import InvalidRequestError

PRECISION = 18
"""Decimal places."""

ONE = 10**PRECISION
"""The atomics of 1.0."""

MAX_DEC_BITS = 256 + 60
"""Largest bit length a decimal's atomics may have (the SDK's bound)."""

DEC_TEXT_RE = re.compile(r"^(-?)([0-9]+)(?:\.([0-9]{1,18}))?$")
"""A decimal as text: optional sign, digits, up to 18 decimal places."""


def parse_dec_text(text: str) -> int:
    """Atomics of a decimal written as text ('0.05', '1'). Raises InvalidRequestError."""
    match = DEC_TEXT_RE.match(text.strip())
    if not match:
        raise InvalidRequestError(f"invalid decimal {text!r}: write e.g. 0.05")
    sign, whole, frac = match.groups()
    value = int(whole) * ONE + int((frac or "").ljust(PRECISION, "0"))
    return -value if sign else value


def format_dec(atomics: int) -> str:
    """A decimal as text with 18 places ('0.100000000000000000')."""
    sign = "-" if atomics < 0 else ""
    whole, frac = divmod(abs(atomics), ONE)
    return f"{sign}{whole}.{frac:018d}"


def parse_dec_wire(text: str) -> int:
    """Atomics of a decimal as it travels in protobuf (atomics digits; decimal text with a '.'
    is accepted too). Empty is zero. Raises InvalidRequestError."""
    if not text:
        return 0
    if "." in text:
        return parse_dec_text(text)
    if not re.fullmatch(r"-?[0-9]+", text):
        raise InvalidRequestError(f"invalid decimal {text!r}: expected the digits of its atomics")
    value = int(text)
    if value.bit_length() > MAX_DEC_BITS:
        raise InvalidRequestError(f"decimal {text} is out of range")
    return value


def dec_wire(atomics: int) -> str:
    """A decimal as protobuf carries it: the digits of its atomics."""
    return str(atomics)


def parse_dec_json(text: str) -> int:
    """Atomics of a decimal in genesis JSON ('0.05' or '1' meaning 1.0)."""
    return parse_dec_text(text) if text else 0


def mul_int(dec: int, n: int) -> int:
    """dec * n as a decimal (exact)."""
    return dec * n


def mul_trunc(a: int, b: int) -> int:
    """a * b of two decimals, truncated."""
    return a * b // ONE if a * b >= 0 else -(-(a * b) // ONE)


def quo_trunc(a: int, b: int) -> int:
    """a / b of two decimals, truncated toward zero. Raises ZeroDivisionError when b is 0."""
    q = abs(a) * ONE // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def quo_round_up(a: int, b: int) -> int:
    """a / b of two non-negative decimals, rounded up."""
    return -(-(a * ONE) // b)


def truncate_int(dec: int) -> int:
    """The integer part of a decimal (toward zero)."""
    return dec // ONE if dec >= 0 else -(-dec // ONE)


def from_int(n: int) -> int:
    """The decimal of an integer."""
    return n * ONE
