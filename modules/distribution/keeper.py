"""Distribution keeper: F1 reward accounting (the Cosmos SDK's x/distribution).

Each validator has a current period accumulating rewards for its delegators; ending a period
(whenever a delegation changes or the validator is slashed) adds rewards / tokens to a
cumulative reward-per-token ratio stored for that period. A delegation remembers the period
it started in and its stake; its rewards are stake * (ratio[end] - ratio[start]), adjusted
for slashes in between. So a block costs O(validators) and a withdrawal O(slashes), never
O(delegators). Every amount is decimal atomics, truncated; dust goes to the community pool.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

from cosmos.distribution.v1beta1 import distribution_pb2 as pb
from google.protobuf.message import Message

from aichain.app.coins import Coin
from aichain.app.context import Context
from aichain.app.dec import ONE, dec_wire, parse_dec_wire
from aichain.app.errors import InsufficientFundsError
from aichain.app.store.prefix import PrefixStore
from aichain.app.store_keys import StoreKey
from aichain.modules.distribution import deccoins as dc
from aichain.modules.distribution import events, keys
from aichain.modules.distribution.deccoins import DecCoins
from aichain.modules.distribution.expected import AccountKeeper, BankKeeper, StakingKeeper
from aichain.modules.distribution.types import Params

MODULE = "distribution"
"""Module account holding undistributed rewards, commission and the community pool."""


@lru_cache(maxsize=64)
def _decode_params(raw: bytes) -> Params:
    """Params from their stored bytes."""
    return Params.from_proto(pb.Params.FromString(raw))


class ViewKeeper:
    """Reads reward records and computes pending rewards without writing."""

    def __init__(
        self,
        store_key: StoreKey,
        staking: StakingKeeper,
        bank: BankKeeper,
        accounts: AccountKeeper,
    ) -> None:
        self.store_key = store_key
        self.staking = staking
        self.bank = bank
        self.accounts = accounts

    def kv(self, ctx: Context) -> PrefixStore:
        """The distribution store (genesis and invariants read it through here)."""
        return ctx.kv(self.store_key)

    def _coins(self, ctx: Context, key: bytes, proto: type, field: str) -> DecCoins:
        raw = self.kv(ctx).get(key)
        return dc.from_proto(getattr(proto.FromString(raw), field)) if raw else {}

    def get_params(self, ctx: Context) -> Params:
        """Module params."""
        raw = self.kv(ctx).get(keys.PARAMS)
        return _decode_params(raw) if raw else Params()

    def get_community_pool(self, ctx: Context) -> DecCoins:
        """The community pool."""
        return self._coins(ctx, keys.FEE_POOL, pb.FeePool, "community_pool")

    def get_outstanding(self, ctx: Context, op: bytes) -> DecCoins:
        """Rewards allocated to a validator and not yet withdrawn (commission included)."""
        return self._coins(ctx, keys.outstanding_key(op), pb.ValidatorOutstandingRewards, "rewards")

    def get_commission(self, ctx: Context, op: bytes) -> DecCoins:
        """A validator's accumulated commission."""
        key = keys.commission_key(op)
        return self._coins(ctx, key, pb.ValidatorAccumulatedCommission, "commission")

    def get_current(self, ctx: Context, op: bytes) -> tuple[DecCoins, int]:
        """(rewards, period) of a validator's current period."""
        raw = self.kv(ctx).get(keys.current_key(op))
        if raw is None:
            return {}, 1
        cur = pb.ValidatorCurrentRewards.FromString(raw)
        return dc.from_proto(cur.rewards), cur.period

    def get_historical(self, ctx: Context, op: bytes, period: int) -> tuple[DecCoins, int]:
        """(cumulative ratio, reference count) stored for a period."""
        raw = self.kv(ctx).get(keys.historical_key(op, period))
        if raw is None:
            return {}, 0
        hist = pb.ValidatorHistoricalRewards.FromString(raw)
        return dc.from_proto(hist.cumulative_reward_ratio), hist.reference_count

    def get_starting_info(
        self, ctx: Context, op: bytes, delegator: bytes
    ) -> pb.DelegatorStartingInfo | None:
        """A delegation's starting info (previous_period, stake, height), or None."""
        raw = self.kv(ctx).get(keys.starting_key(op, delegator))
        return pb.DelegatorStartingInfo.FromString(raw) if raw else None

    def iter_slash_events(
        self, ctx: Context, op: bytes, start: int, end: int
    ) -> Iterator[tuple[int, int, int]]:
        """(height, period, fraction) of a validator's slashes with start <= height <= end."""
        prefix = keys.slash_events_prefix(op)
        for key, raw in self.kv(ctx).iterate(prefix):
            _, height, _ = keys.split_slash_event_key(key)
            if height < start:
                continue
            if height > end:
                break
            event = pb.ValidatorSlashEvent.FromString(raw)
            yield height, event.validator_period, parse_dec_wire(event.fraction)

    def get_withdraw_address(self, ctx: Context, delegator: bytes) -> bytes:
        """Where a delegator's rewards go (itself unless set)."""
        return self.kv(ctx).get(keys.withdraw_addr_key(delegator)) or delegator

    def compute_current_ratio(self, ctx: Context, op: bytes) -> tuple[int, DecCoins]:
        """(period, ratio) the current period would end with now (no writes)."""
        rewards, period = self.get_current(ctx, op)
        validator = self.staking.get_validator(ctx, op)
        step = (
            dc.compute_quo_int(rewards, validator.tokens) if validator and validator.tokens else {}
        )
        return period, dc.compute_add(self.get_historical(ctx, op, period - 1)[0], step)

    def _ratio(
        self, ctx: Context, op: bytes, period: int, ending: tuple[int, DecCoins]
    ) -> DecCoins:
        """The cumulative ratio of a period (the not-yet-stored ending one from `ending`)."""
        return ending[1] if period == ending[0] else self.get_historical(ctx, op, period)[0]

    def calculate_rewards(
        self, ctx: Context, op: bytes, delegator: bytes, ending: tuple[int, DecCoins]
    ) -> DecCoins:
        """Rewards a delegation earned from its starting period to the ending period."""
        start = self.get_starting_info(ctx, op, delegator)
        validator = self.staking.get_validator(ctx, op)
        shares = self.staking.get_delegation(ctx, delegator, op)
        if start is None or validator is None or shares is None:
            return {}
        period, stake = start.previous_period, parse_dec_wire(start.stake)
        rewards: DecCoins = {}

        def between(a: int, b: int, s: int) -> DecCoins:
            diff = dc.compute_sub(self._ratio(ctx, op, b, ending), self._ratio(ctx, op, a, ending))
            return {d: v * s // ONE for d, v in diff.items() if v * s // ONE > 0}

        if start.height < ctx.height:
            for _, event_period, fraction in self.iter_slash_events(
                ctx, op, start.height, ctx.height
            ):
                if event_period > period:
                    rewards = dc.compute_add(rewards, between(period, event_period, stake))
                    stake = stake * (ONE - fraction) // ONE
                    period = event_period
        stake = min(stake, validator.tokens_from_shares_dec(shares))
        return dc.compute_add(rewards, between(period, ending[0], stake))

    def pending_rewards(self, ctx: Context, op: bytes, delegator: bytes) -> DecCoins:
        """What withdrawing now would pay (before truncation), without writing."""
        return self.calculate_rewards(ctx, op, delegator, self.compute_current_ratio(ctx, op))


class Keeper(ViewKeeper):
    """Writes reward records and pays rewards out."""

    def _set_coins(self, ctx: Context, key: bytes, message: Message) -> None:
        self.kv(ctx).set(key, message.SerializeToString())

    def set_params(self, ctx: Context, params: Params) -> None:
        """Stores params."""
        self._set_coins(ctx, keys.PARAMS, params.to_proto())

    def set_community_pool(self, ctx: Context, coins: DecCoins) -> None:
        """Stores the community pool."""
        self._set_coins(ctx, keys.FEE_POOL, pb.FeePool(community_pool=dc.to_proto(coins)))

    def add_to_community_pool(self, ctx: Context, coins: DecCoins) -> None:
        """Adds coins (already held by the module account) to the community pool."""
        if coins:
            self.set_community_pool(ctx, dc.compute_add(self.get_community_pool(ctx), coins))

    def fund_community_pool(self, ctx: Context, depositor: bytes, coins: list[Coin]) -> None:
        """Moves coins from depositor into the community pool. Raises InsufficientFundsError."""
        self.bank.send_coins_from_account_to_module(ctx, depositor, MODULE, coins)
        self.add_to_community_pool(ctx, dc.from_coins(coins))

    def distribute_from_community_pool(
        self, ctx: Context, recipient: bytes, coins: list[Coin]
    ) -> None:
        """Pays coins out of the community pool. Raises InsufficientFundsError."""
        pool = dc.compute_sub(self.get_community_pool(ctx), dc.from_coins(coins))
        if dc.is_negative(pool):
            raise InsufficientFundsError(
                f"the community pool holds less than {','.join(map(str, coins))}"
            )
        self.set_community_pool(ctx, pool)
        self.bank.send_coins_from_module_to_account(ctx, MODULE, recipient, coins)

    def set_withdraw_address(self, ctx: Context, delegator: bytes, target: bytes) -> None:
        """Sends delegator's future rewards to target (back to itself when target is it)."""
        if target == delegator:
            self.kv(ctx).delete(keys.withdraw_addr_key(delegator))
        else:
            self.kv(ctx).set(keys.withdraw_addr_key(delegator), target)
        events.emit_set_withdraw_address(ctx, target)

    def set_outstanding(self, ctx: Context, op: bytes, coins: DecCoins) -> None:
        """Stores a validator's outstanding rewards."""
        msg = pb.ValidatorOutstandingRewards(rewards=dc.to_proto(coins))
        self._set_coins(ctx, keys.outstanding_key(op), msg)

    def set_commission(self, ctx: Context, op: bytes, coins: DecCoins) -> None:
        """Stores a validator's accumulated commission."""
        msg = pb.ValidatorAccumulatedCommission(commission=dc.to_proto(coins))
        self._set_coins(ctx, keys.commission_key(op), msg)

    def set_current(self, ctx: Context, op: bytes, rewards: DecCoins, period: int) -> None:
        """Stores a validator's current period."""
        msg = pb.ValidatorCurrentRewards(rewards=dc.to_proto(rewards), period=period)
        self._set_coins(ctx, keys.current_key(op), msg)

    def set_historical(
        self, ctx: Context, op: bytes, period: int, ratio: DecCoins, refs: int
    ) -> None:
        """Stores a period's cumulative ratio; zero references delete it."""
        key = keys.historical_key(op, period)
        if refs <= 0:
            self.kv(ctx).delete(key)
            return
        msg = pb.ValidatorHistoricalRewards(
            cumulative_reward_ratio=dc.to_proto(ratio), reference_count=refs
        )
        self._set_coins(ctx, key, msg)

    def change_reference(self, ctx: Context, op: bytes, period: int, delta: int) -> None:
        """Adds delta to a period's reference count (deleting it at zero)."""
        ratio, refs = self.get_historical(ctx, op, period)
        self.set_historical(ctx, op, period, ratio, refs + delta)

    def initialize_validator(self, ctx: Context, op: bytes) -> None:
        """Period 0 with a zero ratio, current period 1, nothing accrued."""
        self.set_historical(ctx, op, 0, {}, 1)
        self.set_current(ctx, op, {}, 1)
        self.set_commission(ctx, op, {})
        self.set_outstanding(ctx, op, {})

    def increment_validator_period(self, ctx: Context, op: bytes) -> int:
        """Ends the current period (storing its cumulative ratio); returns its number."""
        rewards, period = self.get_current(ctx, op)
        validator = self.staking.get_validator(ctx, op)
        if validator is None or validator.tokens == 0:
            self.add_to_community_pool(ctx, rewards)
            self.set_outstanding(ctx, op, dc.compute_sub(self.get_outstanding(ctx, op), rewards))
            step: DecCoins = {}
        else:
            step = dc.compute_quo_int(rewards, validator.tokens)
        previous = self.get_historical(ctx, op, period - 1)[0]
        self.change_reference(ctx, op, period - 1, -1)
        self.set_historical(ctx, op, period, dc.compute_add(previous, step), 1)
        self.set_current(ctx, op, {}, period + 1)
        return period

    def initialize_delegation(self, ctx: Context, op: bytes, delegator: bytes) -> None:
        """Starts a delegation's reward tracking at the last ended period."""
        period = self.get_current(ctx, op)[1] - 1
        self.change_reference(ctx, op, period, 1)
        validator = self.staking.get_validator(ctx, op)
        shares = self.staking.get_delegation(ctx, delegator, op) or 0
        stake = validator.tokens_from_shares_dec(shares) if validator else 0
        info = pb.DelegatorStartingInfo(
            previous_period=period, stake=dec_wire(stake), height=ctx.height
        )
        self._set_coins(ctx, keys.starting_key(op, delegator), info)

    def withdraw_rewards(self, ctx: Context, op: bytes, delegator: bytes) -> list[Coin]:
        """Pays a live delegation's rewards and starts its next period (MsgWithdrawDelegator
        Reward, the SDK's WithdrawDelegationRewards); returns the coins paid."""
        coins = self.withdraw_delegation_rewards(ctx, op, delegator)
        self.initialize_delegation(ctx, op, delegator)
        return coins

    def withdraw_delegation_rewards(self, ctx: Context, op: bytes, delegator: bytes) -> list[Coin]:
        """Pays a delegation's rewards to its withdraw address and ends its tracking (the
        caller re-initialises it if the delegation lives on); returns the coins paid."""
        start = self.get_starting_info(ctx, op, delegator)
        if start is None:
            return []
        ending = self.increment_validator_period(ctx, op)
        ratio = self.get_historical(ctx, op, ending)[0]
        raw = self.calculate_rewards(ctx, op, delegator, (ending, ratio))
        outstanding = self.get_outstanding(ctx, op)
        rewards = dc.compute_min(raw, outstanding)
        coins, remainder = dc.compute_truncate(rewards)
        if coins:
            recipient = self.get_withdraw_address(ctx, delegator)
            self.bank.send_coins_from_module_to_account(ctx, MODULE, recipient, coins)
        self.set_outstanding(ctx, op, dc.compute_sub(outstanding, rewards))
        self.add_to_community_pool(ctx, remainder)
        self.change_reference(ctx, op, start.previous_period, -1)
        self.kv(ctx).delete(keys.starting_key(op, delegator))
        events.emit_withdraw_rewards(ctx, coins, delegator)
        return coins

    def withdraw_commission(self, ctx: Context, op: bytes) -> list[Coin]:
        """Pays the whole-coin part of a validator's commission to its operator's withdraw
        address; returns the coins paid."""
        commission = self.get_commission(ctx, op)
        coins, remainder = dc.compute_truncate(commission)
        self.set_commission(ctx, op, remainder)
        if coins:
            paid = dc.from_coins(coins)
            self.set_outstanding(ctx, op, dc.compute_sub(self.get_outstanding(ctx, op), paid))
            recipient = self.get_withdraw_address(ctx, op)
            self.bank.send_coins_from_module_to_account(ctx, MODULE, recipient, coins)
        return coins

    def record_slash(self, ctx: Context, op: bytes, fraction: int) -> None:
        """Ends the period at a slash and remembers the fraction for later reward math."""
        if fraction <= 0:
            return
        period = self.increment_validator_period(ctx, op)
        self.change_reference(ctx, op, period, 1)
        event = pb.ValidatorSlashEvent(validator_period=period, fraction=dec_wire(fraction))
        self._set_coins(ctx, keys.slash_event_key(op, ctx.height, period), event)

    def remove_validator(self, ctx: Context, op: bytes) -> None:
        """Pays out the remaining commission, moves leftover rewards to the community pool
        and deletes the validator's records."""
        self.withdraw_commission(ctx, op)
        rest = self.get_outstanding(ctx, op)
        self.add_to_community_pool(ctx, rest)
        store = self.kv(ctx)
        for prefix in (keys.HISTORICAL + op, keys.slash_events_prefix(op)):
            for key, _ in list(store.iterate(prefix)):
                store.delete(key)
        for key in (keys.outstanding_key(op), keys.commission_key(op), keys.current_key(op)):
            store.delete(key)

    def allocate_to_validator(self, ctx: Context, op: bytes, rate: int, tokens: DecCoins) -> None:
        """Credits a validator's share of a block's rewards: commission at rate, the rest to
        its delegators' current period."""
        commission = dc.compute_mul_dec(tokens, rate)
        shared = dc.compute_sub(tokens, commission)
        self.set_commission(ctx, op, dc.compute_add(self.get_commission(ctx, op), commission))
        rewards, period = self.get_current(ctx, op)
        self.set_current(ctx, op, dc.compute_add(rewards, shared), period)
        self.set_outstanding(ctx, op, dc.compute_add(self.get_outstanding(ctx, op), tokens))
