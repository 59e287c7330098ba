"""Coins: a denom and a non-negative integer amount, validated at every boundary."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from aichain.app.errors import InvalidCoinsError

MAX_AMOUNT = 2**256 - 1
"""Largest amount any coin may hold (uint256)."""

DENOM_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9/:._-]{2,127}$")
"""Valid denominations (the Cosmos SDK's rule)."""

COIN_RE = re.compile(r"^\s*([0-9]+)\s*([a-zA-Z][a-zA-Z0-9/:._-]{2,127})\s*$")
"""One coin as text, e.g. '1000uaic'."""


@dataclass(frozen=True, slots=True, order=True)
class Coin:
    """An amount of one denom."""

    denom: str
    amount: int

    def __str__(self) -> str:
        return f"{self.amount}{self.denom}"


def validate_denom(denom: str) -> None:
    """Raises InvalidCoinsError unless denom matches the denom rule."""
    if not DENOM_RE.match(denom):
        raise InvalidCoinsError(
            f"invalid denom {denom!r}: 3-128 characters, starting with a letter, "
            "then letters, digits or / : . _ -"
        )


def parse_amount(text: str) -> int:
    """Parses a decimal integer amount within [0, 2^256). Raises InvalidCoinsError."""
    if not text or not text.isdigit() or not text.isascii():
        raise InvalidCoinsError(f"invalid amount {text!r}: must be a non-negative integer")
    value = int(text)
    if value > MAX_AMOUNT:
        raise InvalidCoinsError(f"amount {text} is above the maximum 2^256-1")
    return value


def make_coin(denom: str, amount: int) -> Coin:
    """A validated Coin. Raises InvalidCoinsError."""
    validate_denom(denom)
    if amount < 0 or amount > MAX_AMOUNT:
        raise InvalidCoinsError(f"invalid amount {amount}{denom}: must be in [0, 2^256)")
    return Coin(denom, amount)


def validate_coins(coins: Sequence[Coin], allow_empty: bool = True) -> tuple[Coin, ...]:
    """Checks coins are positive, sorted by denom and without duplicates; returns them."""
    if not coins and not allow_empty:
        raise InvalidCoinsError("no coins given: give at least one positive amount, e.g. 1000uaic")
    prev = ""
    for coin in coins:
        validate_denom(coin.denom)
        if coin.amount <= 0:
            raise InvalidCoinsError(f"amount of {coin.denom} must be positive, got {coin.amount}")
        if coin.amount > MAX_AMOUNT:
            raise InvalidCoinsError(f"amount of {coin.denom} is above the maximum 2^256-1")
        if coin.denom == prev:
            raise InvalidCoinsError(f"duplicate denomination {coin.denom}")
        if coin.denom < prev:
            raise InvalidCoinsError(f"coins are not sorted by denom: {coin.denom} after {prev}")
        prev = coin.denom
    return tuple(coins)


def parse_coins(text: str) -> tuple[Coin, ...]:
    """Parses '1000uaic,5stake' into sorted, validated coins. Raises InvalidCoinsError."""
    text = text.strip()
    if not text:
        return ()
    coins = []
    for part in text.split(","):
        match = COIN_RE.match(part)
        if not match:
            raise InvalidCoinsError(
                f"invalid coin expression {part.strip()!r}: write AMOUNTDENOM, e.g. 1000uaic"
            )
        coins.append(Coin(match.group(2), parse_amount(match.group(1))))
    denoms = [c.denom for c in coins]
    if len(set(denoms)) != len(denoms):
        dup = next(d for d in denoms if denoms.count(d) > 1)
        raise InvalidCoinsError(f"duplicate denomination {dup}")
    return validate_coins(sorted(coins, key=lambda c: c.denom))


def coins_from_proto(items: Iterable[object], allow_empty: bool = True) -> tuple[Coin, ...]:
    """Validated coins from cosmos.base.v1beta1.Coin messages (order and duplicates checked)."""
    coins = [Coin(item.denom, parse_amount(item.amount)) for item in items]  # type: ignore[attr-defined]
    return validate_coins(coins, allow_empty=allow_empty)


def format_coins(coins: Iterable[Coin]) -> str:
    """'1000uaic,5stake' (empty string for none)."""
    return ",".join(str(c) for c in coins)
