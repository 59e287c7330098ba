"""Distribution invariants: rewards paid never exceed rewards accrued."""

from __future__ import annotations

from aichain.app.context import Context
from aichain.app.crypto import valoper_address
from aichain.app.dec import ONE
from aichain.modules.distribution import deccoins as dc
from aichain.modules.distribution import keys
from aichain.modules.distribution.keeper import MODULE, ViewKeeper


def nonnegative_outstanding_invariant(ctx: Context, keeper: ViewKeeper) -> str | None:
    """None if no validator's outstanding rewards or commission is negative, and commission
    never exceeds outstanding."""
    for key, _ in keeper.kv(ctx).iterate(keys.OUTSTANDING):
        op = keys.address_from_key(key)
        outstanding, commission = keeper.get_outstanding(ctx, op), keeper.get_commission(ctx, op)
        if dc.is_negative(outstanding) or dc.is_negative(dc.compute_sub(outstanding, commission)):
            return f"validator {valoper_address(op)} owes more than it was allocated"
    return None


def can_withdraw_invariant(ctx: Context, keeper: ViewKeeper) -> str | None:
    """None if, per validator, pending delegator rewards + commission <= outstanding, and the
    module account holds every validator's outstanding plus the community pool (O(delegators):
    an invariant, not a block step)."""
    total: dict[str, int] = dict(keeper.get_community_pool(ctx))
    for key, _ in keeper.kv(ctx).iterate(keys.OUTSTANDING):
        op = keys.address_from_key(key)
        outstanding = keeper.get_outstanding(ctx, op)
        owed = keeper.get_commission(ctx, op)
        for delegator, _ in keeper.staking.iter_validator_delegations(ctx, op):
            owed = dc.compute_add(owed, keeper.pending_rewards(ctx, op, delegator))
        if dc.is_negative(dc.compute_sub(outstanding, owed)):
            return f"validator {valoper_address(op)}: rewards owed exceed rewards accrued"
        total = dc.compute_add(total, outstanding)
    held = dc.from_coins(
        keeper.bank.get_all_balances(ctx, keeper.accounts.get_module_address(MODULE))
    )
    short = {d: v for d, v in dc.compute_sub(held, total).items() if v < 0}
    if short:
        return f"distribution account holds less than it owes: short {short} (atomics of {ONE})"
    return None
