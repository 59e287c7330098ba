"""Staking keepers: ViewKeeper (reads, for queries and other modules) and Keeper (writes).

The Keeper is composed, not inherited: one StakingState (state.py: the record writes and
their indexes) shared by three parts, one file per job: Delegations (delegation.py: delegate,
unbond, redelegate), ValidatorSet (valset.py: create validators, the bonded set, the maturing
queues) and Slasher (slash.py: slash, jail, unjail). Its methods are the verbs the message
server, genesis, the block steps and other modules call; each hands over to one part.
"""

from __future__ import annotations

from collections.abc import Sequence

from aichain.app.coins import Coin
from aichain.app.context import Context, ValidatorUpdate
from aichain.app.store_keys import StoreKey
from aichain.modules.staking.delegation import Delegations
from aichain.modules.staking.expected import AccountKeeper, BankKeeper
from aichain.modules.staking.hooks import StakingHooks
from aichain.modules.staking.slash import Slasher
from aichain.modules.staking.state import StakingState, ViewKeeper
from aichain.modules.staking.types import Params, Redelegation, UnbondingDelegation, Validator
from aichain.modules.staking.valset import ValidatorSet


class Keeper(ViewKeeper):
    """Every staking write: validators, delegations, the bonded set, slashing."""

    def __init__(self, store_key: StoreKey, bank: BankKeeper, accounts: AccountKeeper) -> None:
        super().__init__(store_key, bank, accounts)
        self.state = StakingState(store_key, bank, accounts)
        self.delegations = Delegations(self.state)
        self.validator_set = ValidatorSet(self.state, self.delegations)
        self.slasher = Slasher(self.state, self.delegations)

    # -- wiring and records

    @property
    def hooks(self) -> StakingHooks:
        """The hooks other modules installed."""
        return self.state.hooks

    def set_hooks(self, hooks: StakingHooks) -> None:
        """Installs the hooks (once, at wiring)."""
        self.state.hooks = hooks

    def set_params(self, ctx: Context, params: Params) -> None:
        """Stores params (validated by the caller)."""
        self.state.set_params(ctx, params)

    def set_validator(self, ctx: Context, validator: Validator) -> None:
        """Stores a validator record whose power and consensus key are unchanged (edits)."""
        self.state.set_validator(ctx, validator)

    # -- validators

    def create_validator(
        self,
        ctx: Context,
        validator: Validator,
        self_delegation: Coin | None = None,
        *,
        run_hooks: bool = True,
    ) -> Validator:
        """Registers a new validator and its self-delegation (see ValidatorSet).

        Raises ValidatorOwnerExistsError, ValidatorPubKeyExistsError, BadDenomError,
        InsufficientFundsError.
        """
        return self.validator_set.create_validator(
            ctx, validator, self_delegation, run_hooks=run_hooks
        )

    def apply_validator_set_updates(self, ctx: Context) -> list[ValidatorUpdate]:
        """Recomputes the bonded set; appends the changed powers to ctx.validator_updates."""
        return self.validator_set.apply_validator_set_updates(ctx)

    def process_mature_validators(self, ctx: Context) -> None:
        """Completes the unbonding of validators whose period has passed."""
        self.validator_set.process_mature_validators(ctx)

    def process_mature_unbondings(self, ctx: Context) -> None:
        """Pays out unbonding delegation entries whose time has come."""
        self.validator_set.process_mature_unbondings(ctx)

    def process_mature_redelegations(self, ctx: Context) -> None:
        """Drops redelegation entries whose time has come."""
        self.validator_set.process_mature_redelegations(ctx)

    # -- delegations

    def delegate(
        self,
        ctx: Context,
        delegator: bytes,
        amount: int,
        validator: Validator,
        source_status: int | None = None,
    ) -> int:
        """Delegates amount tokens; returns the shares issued.

        Raises DelegatorShareExRateInvalidError, InsufficientFundsError.
        """
        return self.delegations.delegate(ctx, delegator, amount, validator, source_status)

    def shares_for_unbond(self, ctx: Context, delegator: bytes, op: bytes, amount: int) -> int:
        """The shares to remove so that amount tokens leave the delegation.

        Raises NoValidatorFoundError, NoDelegationError, InsufficientSharesError.
        """
        return self.delegations.shares_for_unbond(ctx, delegator, op, amount)

    def undelegate(self, ctx: Context, delegator: bytes, op: bytes, shares: int) -> tuple[int, int]:
        """Unbonds shares into an unbonding entry; returns (completion time ns, amount).

        Raises MaxUnbondingDelegationEntriesError, NoDelegationError, InsufficientSharesError.
        """
        return self.delegations.undelegate(ctx, delegator, op, shares)

    def begin_redelegation(
        self, ctx: Context, delegator: bytes, src: bytes, dst: bytes, shares: int
    ) -> int:
        """Moves shares' worth of tokens from src to dst; returns the completion time ns.

        Raises the errors of Delegations.begin_redelegation.
        """
        return self.delegations.begin_redelegation(ctx, delegator, src, dst, shares)

    def cancel_unbonding(
        self, ctx: Context, delegator: bytes, op: bytes, height: int, amount: int
    ) -> None:
        """Re-delegates amount of the unbonding entry created at height.

        Raises NoValidatorFoundError, ValidatorJailedError, NoUnbondingDelegationError,
        BadUnbondingEntryError.
        """
        self.delegations.cancel_unbonding(ctx, delegator, op, height, amount)

    # -- genesis import

    def import_delegation(
        self, ctx: Context, delegator: bytes, op: bytes, shares: int, *, run_hooks: bool = True
    ) -> None:
        """Stores a genesis delegation, with the delegation hooks unless run_hooks is False
        (an exported genesis carries the other modules' records)."""
        if run_hooks:
            self.state.hooks.before_delegation_created(ctx, delegator, op)
        self.state.set_delegation(ctx, delegator, op, shares)
        if run_hooks:
            self.state.hooks.after_delegation_modified(ctx, delegator, op)

    def import_unbonding_delegation(self, ctx: Context, ubd: UnbondingDelegation) -> None:
        """Stores a genesis unbonding delegation and queues each of its entries."""
        self.state.set_ubd(ctx, ubd)
        for e in ubd.entries:
            self.state.insert_ubd_queue(ctx, e.completion_time_ns, ubd.delegator, ubd.validator)

    def import_redelegation(self, ctx: Context, red: Redelegation) -> None:
        """Stores a genesis redelegation and queues each of its entries."""
        self.state.set_red(ctx, red)
        for e in red.entries:
            self.state.insert_red_queue(ctx, e.completion_time_ns, red.delegator, red.src, red.dst)

    def import_last_powers(self, ctx: Context, powers: Sequence[tuple[bytes, int]]) -> None:
        """Restores an exported bonded set: each (op, power) as the last power, their total,
        and the set handed to CometBFT in ctx.validator_updates. Raises NoValidatorFoundError
        for a power of a validator genesis did not create."""
        total = 0
        for op, power in powers:
            self.state.set_last_power(ctx, op, power)
            pubkey = self.must_get_validator(ctx, op).pubkey
            ctx.validator_updates.append(ValidatorUpdate(pubkey, power))
            total += power
        self.state.set_last_total_power(ctx, total)

    # -- slashing (by consensus address)

    def slash(
        self, ctx: Context, cons: bytes, infraction_height: int, power: int, fraction: int
    ) -> int:
        """Burns fraction of the stake the validator had at infraction_height; returns the
        tokens burned from the validator itself."""
        return self.slasher.slash(ctx, cons, infraction_height, power, fraction)

    def jail(self, ctx: Context, cons: bytes) -> None:
        """Jails the validator of a consensus address (no-op if unknown or already jailed)."""
        self.slasher.jail(ctx, cons)

    def unjail(self, ctx: Context, cons: bytes) -> None:
        """Unjails the validator of a consensus address (no-op if unknown or not jailed)."""
        self.slasher.unjail(ctx, cons)


__all__ = ["Keeper", "ViewKeeper"]
