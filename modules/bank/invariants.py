"""Bank invariants: checks that must hold after every block."""

from __future__ import annotations

from collections import Counter

from aichain.app.context import Context
from aichain.modules.bank.keeper import ViewKeeper


def total_supply_invariant(ctx: Context, keeper: ViewKeeper) -> str | None:
    """None if the supply of every denom equals the sum of balances, else what differs."""
    total: Counter[str] = Counter()
    for _, coin in keeper.iter_balances(ctx):
        total[coin.denom] += coin.amount
    supply = {c.denom: c.amount for c in keeper.iter_supply(ctx)}
    if supply != dict(total):
        return (
            f"total supply {dict(sorted(supply.items()))} != sum of balances "
            f"{dict(sorted(total.items()))}"
        )
    return None


def nonnegative_balances_invariant(ctx: Context, keeper: ViewKeeper) -> str | None:
    """None if every stored balance is positive (zero balances are deleted)."""
    for address, coin in keeper.iter_balances(ctx):
        if coin.amount <= 0:
            return f"non-positive balance {coin} at {address.hex()}"
    return None
