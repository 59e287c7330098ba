"""The minimum-gas-price check in integers: the same ceiling as exact fractions, and a fee one
unit short is refused with the amount to pay."""

from __future__ import annotations

import random
from fractions import Fraction
from types import SimpleNamespace

import pytest

from aichain.app.ante import MinGasPrice, check_min_gas_price, compute_required_fee
from aichain.app.coins import Coin
from aichain.app.errors import InsufficientFeeError


def test_required_fee_is_the_exact_ceiling_of_price_times_gas() -> None:
    rng = random.Random(15)
    for _ in range(5_000):
        price = Fraction(rng.randint(0, 10**6), rng.randint(1, 10**6))
        gas = rng.randint(0, 10**9)
        exact = price * gas
        expected = exact.numerator // exact.denominator + (exact.denominator != 1)
        assert compute_required_fee(gas, MinGasPrice("uaic", price)) == expected


def _tx(fee: int, gas: int) -> SimpleNamespace:
    return SimpleNamespace(fee=(Coin("uaic", fee),) if fee else (), gas_limit=gas)


def test_a_fee_one_unit_short_is_refused_and_the_exact_fee_passes() -> None:
    prices = (MinGasPrice("uaic", Fraction("0.025")),)
    check_min_gas_price(_tx(2_500, 100_000), prices)  # type: ignore[arg-type]
    with pytest.raises(InsufficientFeeError, match="required: 2500uaic for gas 100000") as exc:
        check_min_gas_price(_tx(2_499, 100_000), prices)  # type: ignore[arg-type]
    assert (exc.value.codespace, exc.value.code) == ("sdk", 13)
    with pytest.raises(InsufficientFeeError, match="got: nothing"):
        check_min_gas_price(_tx(0, 3), prices)  # type: ignore[arg-type]  (ceil(0.075) = 1)


def test_zero_prices_require_nothing() -> None:
    check_min_gas_price(_tx(0, 10**9), (MinGasPrice("uaic", Fraction(0)),))  # type: ignore[arg-type]
