"""Governance invariants: deposits and participation rewards are conserved."""

from __future__ import annotations

from aichain.app.coins import Coin, format_coins
from aichain.app.context import Context
from aichain.modules.gov.keeper import ViewKeeper
from aichain.modules.gov.types import (
    STATUS_DEPOSIT_PERIOD,
    STATUS_VOTING_PERIOD,
    add_coins,
    compute_reward_share,
    is_all_gte,
    sub_coins,
)


def deposits_invariant(ctx: Context, keeper: ViewKeeper) -> str | None:
    """None if the gov module account holds exactly the sum of the stored deposits and each
    open proposal's total deposit is the sum of its deposits, else what differs."""
    held: tuple[Coin, ...] = ()
    per_proposal: dict[int, tuple[Coin, ...]] = {}
    for d in keeper.iter_deposits(ctx):
        held = add_coins(held, d.amount)
        per_proposal[d.proposal_id] = add_coins(per_proposal.get(d.proposal_id, ()), d.amount)
    balance = tuple(keeper.bank.get_all_balances(ctx, keeper.module_address))
    if balance != held:
        return (
            f"gov module account holds {format_coins(balance) or 'nothing'} but deposits sum "
            f"to {format_coins(held) or 'nothing'}"
        )
    for proposal in keeper.iter_proposals(ctx):
        open_ = proposal.status in (STATUS_DEPOSIT_PERIOD, STATUS_VOTING_PERIOD)
        deposits = per_proposal.pop(proposal.id, ())
        if open_ and deposits != proposal.total_deposit:
            return (
                f"proposal {proposal.id} records a total deposit of "
                f"{format_coins(proposal.total_deposit) or 'nothing'} but its deposits sum to "
                f"{format_coins(deposits) or 'nothing'}"
            )
        if not open_ and deposits:
            return f"proposal {proposal.id} is decided but still holds deposits"
    if per_proposal:
        return f"deposits on proposals that do not exist: {sorted(per_proposal)}"
    return None


def participation_invariant(ctx: Context, keeper: ViewKeeper) -> str | None:
    """None if the rewards set aside and unclaimed add up to the recorded allocation, the pool
    account holds them, every record's stakes add up to at most its total power (exactly
    while voting is on) and what its unclaimed stakes are owed plus what was claimed fits in
    its reward; else what is broken."""
    allocated: tuple[Coin, ...] = ()
    for record in keeper.iter_model_proposals(ctx):
        try:
            outstanding = sub_coins(record.reward, record.claimed)
        except ValueError:
            return f"model proposal {record.proposal_id} paid out more than its reward"
        allocated = add_coins(allocated, outstanding)
        stakes = [power for _, _, power in keeper.iter_stakes(ctx, record.proposal_id)]
        power = sum(stakes)
        if (
            (power != record.total_power)
            if not record.voting_ended
            else (power > record.total_power)
        ):
            return (
                f"model proposal {record.proposal_id}: stakes add up to {power}, total power "
                f"is {record.total_power}"
            )
        owed: tuple[Coin, ...] = record.claimed
        for stake in stakes:
            owed = add_coins(owed, compute_reward_share(stake, record.total_power, record.reward))
        if not is_all_gte(record.reward, owed):
            return (
                f"model proposal {record.proposal_id}: claims and unclaimed shares "
                f"{format_coins(owed)} exceed its reward {format_coins(record.reward)}"
            )
    recorded = keeper.get_allocated(ctx)
    if recorded != allocated:
        return (
            f"allocated participation rewards recorded as {format_coins(recorded) or 'nothing'}"
            f" but records owe {format_coins(allocated) or 'nothing'}"
        )
    pool = keeper.get_pool_balance(ctx)
    if not is_all_gte(pool, allocated):
        return (
            f"participation pool holds {format_coins(pool) or 'nothing'}, less than the "
            f"allocated {format_coins(allocated)}"
        )
    return None
