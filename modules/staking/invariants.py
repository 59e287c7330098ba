"""Staking invariants: checks that must hold after every block."""

from __future__ import annotations

from collections import Counter

from aichain.app.context import Context
from aichain.app.crypto import valoper_address
from aichain.modules.staking.state import ViewKeeper
from aichain.modules.staking.types import BONDED


def module_accounts_invariant(ctx: Context, keeper: ViewKeeper) -> str | None:
    """None if the bonded pool holds the bonded validators' tokens and the not-bonded pool
    holds the other validators' tokens plus every unbonding entry's balance."""
    bonded = not_bonded = 0
    for v in keeper.iter_validators(ctx):
        if v.status == BONDED:
            bonded += v.tokens
        else:
            not_bonded += v.tokens
    for ubd in keeper.iter_all_ubds(ctx):
        not_bonded += sum(e.balance for e in ubd.entries)
    pool_not_bonded, pool_bonded = keeper.get_pool(ctx)
    if (pool_bonded, pool_not_bonded) != (bonded, not_bonded):
        return (
            f"pools hold bonded={pool_bonded} not_bonded={pool_not_bonded}, but validators and "
            f"unbondings account for bonded={bonded} not_bonded={not_bonded}"
        )
    return None


def delegator_shares_invariant(ctx: Context, keeper: ViewKeeper) -> str | None:
    """None if each validator's shares equal the sum of its delegations' shares."""
    sums: Counter[bytes] = Counter()
    for _, op, shares in keeper.iter_all_delegations(ctx):
        if shares <= 0:
            return f"non-positive delegation to {valoper_address(op)}"
        sums[op] += shares
    for v in keeper.iter_validators(ctx):
        if sums.pop(v.operator, 0) != v.shares:
            return f"validator {valoper_address(v.operator)} shares != sum of its delegations"
        if v.tokens < 0:
            return f"validator {valoper_address(v.operator)} has negative tokens"
    if sums:
        return f"delegations to missing validators: {[valoper_address(op) for op in sorted(sums)]}"
    return None
