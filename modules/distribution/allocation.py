"""Block reward allocation: the fee collector's balance (fees plus block provisions) is split
among the last commit's validators by voting power, after the community tax."""

from __future__ import annotations

from aichain.app.ante import FEE_COLLECTOR
from aichain.app.context import Context
from aichain.app.dec import ONE
from aichain.modules.distribution import deccoins as dc
from aichain.modules.distribution.keeper import MODULE, Keeper


def process_allocation(ctx: Context, keeper: Keeper) -> None:
    """Moves collected fees to the distribution account and credits validators pro rata to
    power (commission first); remainders and unknown voters' shares go to the community
    pool. A block without a last commit (the first, or in-process tests) leaves the fees for
    the next. Costs O(validators in the commit)."""
    total_power = sum(v.power for v in ctx.block.votes)
    if ctx.height <= 1 or total_power == 0:
        return
    collector = keeper.accounts.get_module_address(FEE_COLLECTOR)
    fees = list(keeper.bank.get_all_balances(ctx, collector))
    if not fees:
        return
    keeper.bank.send_coins_from_module_to_module(ctx, FEE_COLLECTOR, MODULE, fees)
    collected = dc.from_coins(fees)
    for_voters = dc.compute_mul_dec(collected, ONE - keeper.get_params(ctx).community_tax)
    remaining = collected
    for vote in ctx.block.votes:
        validator = keeper.staking.get_validator_by_cons(ctx, vote.address)
        if validator is None or vote.power == 0:
            continue
        reward = dc.compute_quo_int(
            dc.compute_add({}, {d: v * vote.power for d, v in for_voters.items()}), total_power
        )
        rate = validator.commission.rate
        keeper.allocate_to_validator(ctx, validator.operator, rate, reward)
        remaining = dc.compute_sub(remaining, reward)
    keeper.add_to_community_pool(ctx, remaining)
