"""The model-vote track: voters of model proposals earn a share of a participation reward.

A model proposal (MsgSubmitModelProposal) gets a participation record. A voter's reward
power is the voting power it voted with, as the tally counts it: its own delegations, and,
for a validator's operator whose validator voted, the delegator shares its non-voting
delegators left to it. The first part is recorded when the vote is cast (the bonded tokens of
the voter's own delegations at that moment; a re-vote replaces it) and added to the record's
total. The second is known only at the final tally (a delegator may still vote and take its
shares back until the end): `close` adds each voting validator's inherited power from the
tally to its operator's stake, one write per voting validator (bounded by the validator set),
never one per voter. Then it sets the reward aside from the
participation pool: params.participation_reward, or less if the pool holds less. That fixes
the accumulator, reward per unit of power = reward / total_power, in O(1): no loop over
voters at end-block. Each voter later claims floor(power * reward / total_power) of each
denom, in O(1), once; the remainder of the divisions stays in the pool account, allocated.

Every unit of stake counts for one voter at a time: tokens leave a delegator only through
unbonding, which outlasts a voting period (unbonding_time > voting_period on any sane
chain), so moving stake to a second account to vote twice is not possible within one
proposal.

The pool (the gov_participation module account) is funded by anyone
(MsgFundParticipationPool), by governance from the community pool
(MsgFundParticipationPoolFromCommunityPool), and by other modules (fund_from_module, e.g. a
share of inference fees). Its available part is its balance less what is allocated.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from aichain.app.coins import Coin
from aichain.app.context import Context
from aichain.app.dec import ONE
from aichain.modules.gov import events, keys
from aichain.modules.gov.errors import (
    NoParticipationRewardError,
    NotModelProposalError,
    RewardNotReadyError,
)
from aichain.modules.gov.types import (
    PARTICIPATION_POOL,
    ModelProposal,
    add_coins,
    compute_reward_share,
    min_coins,
    sub_coins,
)

if TYPE_CHECKING:
    from aichain.modules.gov.keeper import Keeper


def compute_available(balance: tuple[Coin, ...], allocated: tuple[Coin, ...]) -> tuple[Coin, ...]:
    """What the pool can still give: balance less allocated, per denom (never negative)."""
    held = {c.denom: c.amount for c in allocated}
    left = (Coin(c.denom, c.amount - held.get(c.denom, 0)) for c in balance)
    return tuple(c for c in left if c.amount > 0)


class Participation:
    """The model-vote track's writes: records, stakes, the reward set aside, claims and the
    pool's funding."""

    def __init__(self, keeper: Keeper) -> None:
        self.keeper = keeper

    def set_model_proposal(self, ctx: Context, record: ModelProposal) -> None:
        """Stores a participation record."""
        key = keys.model_proposal_key(record.proposal_id)
        self.keeper.kv(ctx).set(key, record.to_proto().SerializeToString())

    def set_stake(self, ctx: Context, proposal_id: int, voter: bytes, power: int) -> None:
        """Stores a voter's reward power (a power of 0 deletes it)."""
        key = keys.stake_key(proposal_id, voter)
        if power > 0:
            self.keeper.kv(ctx).set(key, str(power).encode())
        else:
            self.keeper.kv(ctx).delete(key)

    def open(self, ctx: Context, proposal_id: int) -> None:
        """Puts a new proposal on the model-vote track."""
        self.set_model_proposal(ctx, ModelProposal(proposal_id))

    def record_vote(self, ctx: Context, proposal_id: int, voter: bytes) -> None:
        """A vote on a model proposal: the voter's reward power is its own bonded stake now
        (replacing the power of an earlier vote). Nothing on the standard track."""
        record = self.keeper.get_model_proposal(ctx, proposal_id)
        if record is None:
            return
        power = self.keeper.compute_own_power(ctx, voter)
        old = self.keeper.get_stake(ctx, proposal_id, voter) or 0
        self.set_stake(ctx, proposal_id, voter, power)
        if power != old:
            self.set_model_proposal(
                ctx, record.replace(total_power=record.total_power + power - old)
            )

    def close(
        self, ctx: Context, proposal_id: int, inherited: Iterable[tuple[bytes, int]] = ()
    ) -> tuple[Coin, ...]:
        """Voting on a model proposal has ended for good: each validator that voted gets the
        power it voted with for its non-voting delegators (inherited: (operator, decimal
        atomics) from the final tally, one entry per voting validator, so bounded by the
        validator set) added to its operator's reward power; then the reward is set aside
        from the pool's available part (participation_reward, capped per denom) and claims
        open. Returns the reward (empty when nobody with stake voted). Nothing on the
        standard track."""
        record = self.keeper.get_model_proposal(ctx, proposal_id)
        if record is None or record.voting_ended:
            return ()
        for operator, power in inherited:
            tokens = power // ONE
            if tokens > 0:
                own = self.keeper.get_stake(ctx, proposal_id, operator) or 0
                self.set_stake(ctx, proposal_id, operator, own + tokens)
                record = record.replace(total_power=record.total_power + tokens)
        reward: tuple[Coin, ...] = ()
        if record.total_power > 0:
            wanted = self.keeper.get_model_params(ctx).participation_reward
            allocated = self.keeper.get_allocated(ctx)
            available = compute_available(self.keeper.get_pool_balance(ctx), allocated)
            reward = min_coins(wanted, available)
            self.keeper.set_allocated(ctx, add_coins(allocated, reward))
        self.set_model_proposal(ctx, record.replace(reward=reward, voting_ended=True))
        return reward

    def claim(self, ctx: Context, proposal_id: int, voter: bytes) -> tuple[Coin, ...]:
        """Pays voter its share of a model proposal's reward, once. Returns what was paid.

        Raises NotModelProposalError, RewardNotReadyError, NoParticipationRewardError."""
        record = self.keeper.get_model_proposal(ctx, proposal_id)
        if record is None:
            raise NotModelProposalError(
                f"proposal {proposal_id} is not on the model-vote track (or was cancelled)"
            )
        if not record.voting_ended:
            raise RewardNotReadyError(
                f"voting on proposal {proposal_id} has not ended; claim after it does"
            )
        power = self.keeper.get_stake(ctx, proposal_id, voter)
        if power is None:
            raise NoParticipationRewardError(
                f"no unclaimed participation reward on proposal {proposal_id} for this voter "
                "(it did not vote with bonded stake, or already claimed)"
            )
        amount = compute_reward_share(power, record.total_power, record.reward)
        self.set_stake(ctx, proposal_id, voter, 0)
        if amount:
            self.set_model_proposal(ctx, record.replace(claimed=add_coins(record.claimed, amount)))
            self.keeper.set_allocated(ctx, sub_coins(self.keeper.get_allocated(ctx), amount))
            self.keeper.bank.send_coins_from_module_to_account(
                ctx, PARTICIPATION_POOL, voter, list(amount)
            )
        events.emit_participation_reward(ctx, proposal_id, voter, amount)
        return amount

    def drop(self, ctx: Context, proposal_id: int) -> None:
        """A model proposal cancelled or dropped before voting ended: its record and stakes
        go (nothing was set aside for it)."""
        store = self.keeper.kv(ctx)
        stale = [key for key, _ in store.iterate(keys.stakes_prefix(proposal_id))]
        for key in stale:
            store.delete(key)
        store.delete(keys.model_proposal_key(proposal_id))

    def fund(self, ctx: Context, depositor: bytes, coins: tuple[Coin, ...]) -> None:
        """Moves coins from depositor into the pool. Raises InsufficientFundsError."""
        self.keeper.bank.send_coins_from_account_to_module(
            ctx, depositor, PARTICIPATION_POOL, coins
        )

    def fund_from_module(self, ctx: Context, module: str, coins: tuple[Coin, ...]) -> None:
        """Moves coins from another module's account into the pool (e.g. a share of
        inference fees). Raises InsufficientFundsError."""
        self.keeper.bank.send_coins_from_module_to_module(ctx, module, PARTICIPATION_POOL, coins)

    def fund_from_community_pool(self, ctx: Context, coins: tuple[Coin, ...]) -> None:
        """Moves coins from the community pool into the pool (governance). Raises
        InsufficientFundsError naming what the community pool lacks."""
        self.keeper.distribution.distribute_from_community_pool(
            ctx, self.keeper.pool_address, list(coins)
        )
