"""Decimal coins (denom -> decimal atomics), the unit of every reward record.

All operations are pure and truncate; zero amounts are dropped so equal values compare equal.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from cosmos.base.v1beta1 import coin_pb2

from aichain.app.coins import Coin
from aichain.app.dec import ONE, dec_wire, parse_dec_wire

DecCoins = dict[str, int]
"""denom -> amount in decimal atomics."""


def compute_add(a: Mapping[str, int], b: Mapping[str, int]) -> DecCoins:
    """a + b."""
    out = dict(a)
    for denom, amount in b.items():
        out[denom] = out.get(denom, 0) + amount
    return {d: v for d, v in sorted(out.items()) if v}


def compute_sub(a: Mapping[str, int], b: Mapping[str, int]) -> DecCoins:
    """a - b (may go negative; callers check)."""
    return compute_add(a, {d: -v for d, v in b.items()})


def compute_mul_dec(a: Mapping[str, int], dec: int) -> DecCoins:
    """Each amount times a decimal, truncated."""
    return {d: v * dec // ONE for d, v in sorted(a.items()) if v * dec // ONE}


def compute_quo_int(a: Mapping[str, int], n: int) -> DecCoins:
    """Each amount divided by an integer, truncated."""
    return {d: v // n for d, v in sorted(a.items()) if v // n}


def compute_min(a: Mapping[str, int], b: Mapping[str, int]) -> DecCoins:
    """The per-denom minimum (denoms missing from either are 0)."""
    return {d: min(v, b.get(d, 0)) for d, v in sorted(a.items()) if min(v, b.get(d, 0)) > 0}


def compute_truncate(a: Mapping[str, int]) -> tuple[list[Coin], DecCoins]:
    """(whole coins, the decimal remainder)."""
    whole = [Coin(d, v // ONE) for d, v in sorted(a.items()) if v // ONE > 0]
    rest = {d: v % ONE for d, v in sorted(a.items()) if v % ONE}
    return whole, rest


def from_coins(coins: Iterable[Coin]) -> DecCoins:
    """Integer coins as decimal coins."""
    return {c.denom: c.amount * ONE for c in sorted(coins) if c.amount}


def is_negative(a: Mapping[str, int]) -> bool:
    """Whether any amount is below zero."""
    return any(v < 0 for v in a.values())


def to_proto(a: Mapping[str, int]) -> list[coin_pb2.DecCoin]:
    """As cosmos.base.v1beta1.DecCoin messages (wire atomics)."""
    return [coin_pb2.DecCoin(denom=d, amount=dec_wire(v)) for d, v in sorted(a.items()) if v]


def from_proto(items: Iterable[coin_pb2.DecCoin]) -> DecCoins:
    """From cosmos.base.v1beta1.DecCoin messages."""
    return compute_add({}, {i.denom: parse_dec_wire(i.amount) for i in items})
