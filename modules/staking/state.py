"""Staking state: the ViewKeeper (reads) and StakingState, the record writes every operation
builds on (the part the Keeper's delegation, validator-set and slashing parts share)."""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

from cosmos.staking.v1beta1 import staking_pb2

from aichain.app.coins import Coin
from aichain.app.context import Context
from aichain.app.crypto import valoper_address
from aichain.app.store.prefix import PrefixStore
from aichain.app.store_keys import StoreKey
from aichain.modules.staking import events, keys
from aichain.modules.staking.errors import NoValidatorFoundError
from aichain.modules.staking.expected import AccountKeeper, BankKeeper
from aichain.modules.staking.hooks import StakingHooks
from aichain.modules.staking.types import (
    BONDED,
    BONDED_POOL,
    NOT_BONDED_POOL,
    Params,
    Redelegation,
    UnbondingDelegation,
    Validator,
)


@lru_cache(maxsize=1 << 14)
def decode_validator(raw: bytes) -> Validator:
    """A Validator from its stored bytes (memoised: records are immutable)."""
    return Validator.from_proto(staking_pb2.Validator.FromString(raw))


@lru_cache(maxsize=64)
def _decode_params(raw: bytes) -> Params:
    """Params from their stored bytes."""
    return Params.from_proto(staking_pb2.Params.FromString(raw))


class ViewKeeper:
    """Reads validators, delegations, unbondings, redelegations, powers and params."""

    def __init__(self, store_key: StoreKey, bank: BankKeeper, accounts: AccountKeeper) -> None:
        self.store_key = store_key
        self.bank = bank
        self.accounts = accounts

    def _kv(self, ctx: Context) -> PrefixStore:
        """The staking store."""
        return ctx.kv(self.store_key)

    def get_params(self, ctx: Context) -> Params:
        """Module params (defaults before genesis sets them)."""
        raw = self._kv(ctx).get(keys.PARAMS)
        return _decode_params(raw) if raw else Params()

    def get_validator(self, ctx: Context, op: bytes) -> Validator | None:
        """The validator with operator address op, or None."""
        raw = self._kv(ctx).get(keys.validator_key(op))
        return decode_validator(raw) if raw else None

    def must_get_validator(self, ctx: Context, op: bytes) -> Validator:
        """The validator at op. Raises NoValidatorFoundError."""
        validator = self.get_validator(ctx, op)
        if validator is None:
            raise NoValidatorFoundError(
                f"validator {valoper_address(op)} does not exist; list them with "
                "`aichain query staking validators`"
            )
        return validator

    def get_validator_by_cons(self, ctx: Context, cons: bytes) -> Validator | None:
        """The validator with consensus address cons, or None."""
        op = self._kv(ctx).get(keys.validator_by_cons_key(cons))
        return self.get_validator(ctx, op) if op else None

    def iter_validators(self, ctx: Context) -> Iterator[Validator]:
        """Every validator in operator address order."""
        for _, raw in self._kv(ctx).iterate(keys.VALIDATOR):
            yield decode_validator(raw)

    def iter_by_power(self, ctx: Context) -> Iterator[bytes]:
        """Operators of non-jailed validators, highest power first (ties: lower address)."""
        for key, _ in self._kv(ctx).iterate(keys.POWER_INDEX, reverse=True):
            yield keys.split_power_index_key(key)[1]

    def get_delegation(self, ctx: Context, delegator: bytes, op: bytes) -> int | None:
        """Shares (decimal atomics) of a delegation, or None."""
        raw = self._kv(ctx).get(keys.delegation_key(delegator, op))
        return int(raw) if raw is not None else None

    def iter_delegator_delegations(
        self, ctx: Context, delegator: bytes
    ) -> Iterator[tuple[bytes, int]]:
        """(validator, shares) of every delegation of delegator, by validator."""
        for key, raw in self._kv(ctx).iterate(keys.delegations_prefix(delegator)):
            yield keys.split_delegation_key(key)[1], int(raw)

    def iter_validator_delegations(self, ctx: Context, op: bytes) -> Iterator[tuple[bytes, int]]:
        """(delegator, shares) of every delegation to op, by delegator."""
        store = self._kv(ctx)
        for key, _ in store.iterate(keys.delegations_by_val_prefix(op)):
            delegator = keys.split_delegation_by_val_key(key)[1]
            raw = store.get(keys.delegation_key(delegator, op))
            if raw is not None:
                yield delegator, int(raw)

    def iter_all_delegations(self, ctx: Context) -> Iterator[tuple[bytes, bytes, int]]:
        """(delegator, validator, shares) of every delegation in key order."""
        for key, raw in self._kv(ctx).iterate(keys.DELEGATION):
            delegator, op = keys.split_delegation_key(key)
            yield delegator, op, int(raw)

    def get_ubd(self, ctx: Context, delegator: bytes, op: bytes) -> UnbondingDelegation | None:
        """The unbonding delegation of (delegator, op), or None."""
        raw = self._kv(ctx).get(keys.ubd_key(delegator, op))
        if raw is None:
            return None
        return UnbondingDelegation.from_proto(staking_pb2.UnbondingDelegation.FromString(raw))

    def iter_delegator_ubds(self, ctx: Context, delegator: bytes) -> Iterator[UnbondingDelegation]:
        """Every unbonding delegation of delegator."""
        for _, raw in self._kv(ctx).iterate(keys.ubds_prefix(delegator)):
            yield UnbondingDelegation.from_proto(staking_pb2.UnbondingDelegation.FromString(raw))

    def iter_validator_ubds(self, ctx: Context, op: bytes) -> Iterator[UnbondingDelegation]:
        """Every unbonding delegation from op, by delegator."""
        for key, _ in list(self._kv(ctx).iterate(keys.ubds_by_val_prefix(op))):
            ubd = self.get_ubd(ctx, keys.split_ubd_by_val_key(key)[1], op)
            if ubd is not None:
                yield ubd

    def iter_all_ubds(self, ctx: Context) -> Iterator[UnbondingDelegation]:
        """Every unbonding delegation in key order."""
        for _, raw in self._kv(ctx).iterate(keys.UBD):
            yield UnbondingDelegation.from_proto(staking_pb2.UnbondingDelegation.FromString(raw))

    def get_red(
        self, ctx: Context, delegator: bytes, src: bytes, dst: bytes
    ) -> Redelegation | None:
        """The redelegation (delegator, src, dst), or None."""
        raw = self._kv(ctx).get(keys.red_key(delegator, src, dst))
        if raw is None:
            return None
        return Redelegation.from_proto(staking_pb2.Redelegation.FromString(raw))

    def iter_delegator_reds(self, ctx: Context, delegator: bytes) -> Iterator[Redelegation]:
        """Every redelegation of delegator."""
        for _, raw in self._kv(ctx).iterate(keys.reds_prefix(delegator)):
            yield Redelegation.from_proto(staking_pb2.Redelegation.FromString(raw))

    def iter_reds_from(self, ctx: Context, src: bytes) -> Iterator[Redelegation]:
        """Every redelegation away from src."""
        for key, _ in list(self._kv(ctx).iterate(keys.reds_by_src_prefix(src))):
            _, delegator, dst = keys.split_red_by_src_key(key)
            red = self.get_red(ctx, delegator, src, dst)
            if red is not None:
                yield red

    def iter_all_reds(self, ctx: Context) -> Iterator[Redelegation]:
        """Every redelegation in key order."""
        for _, raw in self._kv(ctx).iterate(keys.RED):
            yield Redelegation.from_proto(staking_pb2.Redelegation.FromString(raw))

    def get_last_power(self, ctx: Context, op: bytes) -> int | None:
        """The power last handed to CometBFT for op, or None if not in the set."""
        raw = self._kv(ctx).get(keys.last_power_key(op))
        return int.from_bytes(raw, "big") if raw else None

    def iter_last_powers(self, ctx: Context) -> Iterator[tuple[bytes, int]]:
        """(op, power) of the last validator set, by operator."""
        for key, raw in self._kv(ctx).iterate(keys.LAST_POWER):
            yield keys.split_last_power_key(key), int.from_bytes(raw, "big")

    def get_last_total_power(self, ctx: Context) -> int:
        """Sum of the last validator set's powers."""
        raw = self._kv(ctx).get(keys.LAST_TOTAL_POWER)
        return int(raw) if raw else 0

    def pool_balance(self, ctx: Context, pool: str) -> int:
        """Bond-denom balance of a staking pool account."""
        address = self.accounts.get_module_address(pool)
        return self.bank.get_balance(ctx, address, self.get_params(ctx).bond_denom)

    def get_pool(self, ctx: Context) -> tuple[int, int]:
        """(not bonded, bonded) pool balances."""
        return self.pool_balance(ctx, NOT_BONDED_POOL), self.pool_balance(ctx, BONDED_POOL)


class StakingState(ViewKeeper):
    """Record writes, each keeping its indexes; every staking operation is built from these.

    Holds the hooks other modules install, which the writes call."""

    def __init__(self, store_key: StoreKey, bank: BankKeeper, accounts: AccountKeeper) -> None:
        super().__init__(store_key, bank, accounts)
        self.hooks = StakingHooks()

    def set_hooks(self, hooks: StakingHooks) -> None:
        """Installs the hooks (once, at wiring)."""
        self.hooks = hooks

    def set_params(self, ctx: Context, params: Params) -> None:
        """Stores params (validated by the caller)."""
        self._kv(ctx).set(keys.PARAMS, params.to_proto().SerializeToString())

    def set_validator(self, ctx: Context, validator: Validator) -> None:
        """Stores a validator record (indexes are the caller's job)."""
        raw = validator.to_proto().SerializeToString()
        self._kv(ctx).set(keys.validator_key(validator.operator), raw)

    def set_validator_by_cons(self, ctx: Context, validator: Validator) -> None:
        """Indexes a validator by its consensus address."""
        self._kv(ctx).set(keys.validator_by_cons_key(validator.cons_address), validator.operator)

    def set_power_index(self, ctx: Context, validator: Validator) -> None:
        """Indexes a non-jailed validator by its power."""
        if not validator.jailed:
            key = keys.power_index_key(validator.power, validator.operator)
            self._kv(ctx).set(key, validator.operator)

    def delete_power_index(self, ctx: Context, validator: Validator) -> None:
        """Removes a validator from the power index."""
        self._kv(ctx).delete(keys.power_index_key(validator.power, validator.operator))

    def update_validator(self, ctx: Context, old: Validator, new: Validator) -> Validator:
        """Stores new in place of old, moving its power index entry; returns new."""
        self.delete_power_index(ctx, old)
        self.set_validator(ctx, new)
        self.set_power_index(ctx, new)
        return new

    def remove_validator(self, ctx: Context, validator: Validator) -> None:
        """Deletes an unbonded validator with no shares left, and its indexes."""
        store = self._kv(ctx)
        store.delete(keys.validator_key(validator.operator))
        store.delete(keys.validator_by_cons_key(validator.cons_address))
        self.delete_power_index(ctx, validator)
        self.hooks.after_validator_removed(ctx, validator.cons_address, validator.operator)

    def set_delegation(self, ctx: Context, delegator: bytes, op: bytes, shares: int) -> None:
        """Stores a delegation's shares; zero deletes it."""
        store = self._kv(ctx)
        if shares == 0:
            store.delete(keys.delegation_key(delegator, op))
            store.delete(keys.delegation_by_val_key(op, delegator))
            return
        store.set(keys.delegation_key(delegator, op), str(shares).encode())
        store.set(keys.delegation_by_val_key(op, delegator), b"")

    def set_ubd(self, ctx: Context, ubd: UnbondingDelegation) -> None:
        """Stores an unbonding delegation; one without entries is deleted."""
        store = self._kv(ctx)
        key = keys.ubd_key(ubd.delegator, ubd.validator)
        index = keys.ubd_by_val_key(ubd.validator, ubd.delegator)
        if not ubd.entries:
            store.delete(key)
            store.delete(index)
            return
        store.set(key, ubd.to_proto().SerializeToString())
        store.set(index, b"")

    def set_red(self, ctx: Context, red: Redelegation) -> None:
        """Stores a redelegation; one without entries is deleted."""
        store = self._kv(ctx)
        key = keys.red_key(red.delegator, red.src, red.dst)
        index = keys.red_by_src_key(red.src, red.delegator, red.dst)
        if not red.entries:
            store.delete(key)
            store.delete(index)
            return
        store.set(key, red.to_proto().SerializeToString())
        store.set(index, b"")

    def set_last_power(self, ctx: Context, op: bytes, power: int | None) -> None:
        """Records op's power in the last set; None removes it."""
        if power is None:
            self._kv(ctx).delete(keys.last_power_key(op))
        else:
            self._kv(ctx).set(keys.last_power_key(op), power.to_bytes(8, "big"))

    def set_last_total_power(self, ctx: Context, power: int) -> None:
        """Records the last set's total power."""
        self._kv(ctx).set(keys.LAST_TOTAL_POWER, str(power).encode())

    def insert_ubd_queue(self, ctx: Context, time_ns: int, delegator: bytes, op: bytes) -> None:
        """Queues an unbonding entry of (delegator, op) maturing at time_ns."""
        self._kv(ctx).set(keys.ubd_queue_key(time_ns, delegator, op), b"")

    def delete_ubd_queue(self, ctx: Context, time_ns: int, delegator: bytes, op: bytes) -> None:
        """Drops the queue key of (delegator, op) at time_ns (its last entry there is gone)."""
        self._kv(ctx).delete(keys.ubd_queue_key(time_ns, delegator, op))

    def insert_red_queue(
        self, ctx: Context, time_ns: int, delegator: bytes, src: bytes, dst: bytes
    ) -> None:
        """Queues a redelegation entry of (delegator, src, dst) maturing at time_ns."""
        self._kv(ctx).set(keys.red_queue_key(time_ns, delegator, src, dst), b"")

    def insert_validator_queue(self, ctx: Context, validator: Validator) -> None:
        """Queues an unbonding validator at its unbonding completion time."""
        key = keys.validator_queue_key(validator.unbonding_time_ns, validator.operator)
        self._kv(ctx).set(key, b"")

    def delete_validator_queue(self, ctx: Context, validator: Validator) -> None:
        """Removes an unbonding validator from the queue."""
        key = keys.validator_queue_key(validator.unbonding_time_ns, validator.operator)
        self._kv(ctx).delete(key)

    def pop_due(self, ctx: Context, queue: bytes) -> Iterator[bytes]:
        """Each key of queue (keys.UBD_QUEUE, RED_QUEUE or VALIDATOR_QUEUE) due by the block
        time, in time order; each is deleted just before it is yielded."""
        store = self._kv(ctx)
        for key, _ in list(store.iterate(queue)):
            if keys.queue_time(key) > ctx.time_ns:
                break
            store.delete(key)
            yield key

    def jail_validator(self, ctx: Context, validator: Validator) -> Validator:
        """Marks a validator jailed and drops it from the power index (it leaves the bonded
        set at end-block)."""
        new = validator.replace(jailed=True)
        self.delete_power_index(ctx, validator)
        self.set_validator(ctx, new)
        events.emit_jail(ctx, validator.operator)
        return new

    def unjail_validator(self, ctx: Context, validator: Validator) -> Validator:
        """Clears the jailed flag; the validator competes for the set again at end-block."""
        new = validator.replace(jailed=False)
        self.set_validator(ctx, new)
        self.set_power_index(ctx, new)
        events.emit_unjail(ctx, new.operator)
        return new

    def move_pool_tokens(self, ctx: Context, src: str, dst: str, amount: int) -> None:
        """Moves bond-denom tokens between the two pools (no-op for 0 or src == dst)."""
        if amount > 0 and src != dst:
            coins = [Coin(self.get_params(ctx).bond_denom, amount)]
            self.bank.send_coins_from_module_to_module(ctx, src, dst, coins)

    def burn_pool_tokens(self, ctx: Context, pool: str, amount: int) -> None:
        """Burns bond-denom tokens from a pool (slashing)."""
        if amount > 0:
            self.bank.burn_coins(ctx, pool, [Coin(self.get_params(ctx).bond_denom, amount)])


def pool_of(validator: Validator) -> str:
    """The pool holding a validator's tokens."""
    return BONDED_POOL if validator.status == BONDED else NOT_BONDED_POOL
