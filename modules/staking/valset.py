"""Validators: creation, the bonded set CometBFT runs, status transitions and the maturing
queues."""

from __future__ import annotations

from aichain.app.coins import Coin
from aichain.app.context import Context, ValidatorUpdate
from aichain.app.crypto import valoper_address
from aichain.modules.staking import events, keys
from aichain.modules.staking.delegation import Delegations
from aichain.modules.staking.errors import (
    BadDenomError,
    ValidatorOwnerExistsError,
    ValidatorPubKeyExistsError,
)
from aichain.modules.staking.state import StakingState
from aichain.modules.staking.types import (
    BONDED,
    BONDED_POOL,
    NOT_BONDED_POOL,
    UNBONDED,
    UNBONDING,
    Validator,
)


class ValidatorSet:
    """Validator creation, validator set updates and the maturing of unbondings."""

    def __init__(self, state: StakingState, delegations: Delegations) -> None:
        self.state = state
        self.delegations = delegations

    def create_validator(
        self,
        ctx: Context,
        validator: Validator,
        self_delegation: Coin | None = None,
        *,
        run_hooks: bool = True,
    ) -> Validator:
        """Registers a new validator: its record, its consensus-address and power index
        entries, its place in the unbonding queue when it is unbonding (genesis import), the
        after_validator_created hook (unless run_hooks is False: an exported genesis carries
        the other modules' records), then the operator's self-delegation from its account
        (None at genesis import, whose delegations come on their own). Returns the validator.

        Raises ValidatorOwnerExistsError, ValidatorPubKeyExistsError, BadDenomError,
        InsufficientFundsError.
        """
        s = self.state
        op = validator.operator
        if s.get_validator(ctx, op) is not None:
            raise ValidatorOwnerExistsError(
                f"{valoper_address(op)} is already a validator; use edit-validator"
            )
        if s.get_validator_by_cons(ctx, validator.cons_address) is not None:
            raise ValidatorPubKeyExistsError(
                "another validator already uses this consensus key; generate a new one"
            )
        if self_delegation is not None:
            denom = s.get_params(ctx).bond_denom
            if self_delegation.denom != denom:
                raise BadDenomError(f"got {self_delegation.denom}, expected the bond denom {denom}")
        s.set_validator(ctx, validator)
        s.set_validator_by_cons(ctx, validator)
        s.set_power_index(ctx, validator)
        if validator.status == UNBONDING:
            s.insert_validator_queue(ctx, validator)
        if run_hooks:
            s.hooks.after_validator_created(ctx, op)
        if self_delegation is not None:
            self.delegations.delegate(ctx, op, self_delegation.amount, validator)
        return validator

    def bond_validator(self, ctx: Context, validator: Validator) -> Validator:
        """Moves an unbonded or unbonding validator into the bonded set."""
        s = self.state
        if validator.status == UNBONDING:
            s.delete_validator_queue(ctx, validator)
        s.move_pool_tokens(ctx, NOT_BONDED_POOL, BONDED_POOL, validator.tokens)
        new = validator.replace(status=BONDED, unbonding_height=0, unbonding_time_ns=0)
        s.update_validator(ctx, validator, new)
        s.hooks.after_validator_bonded(ctx, new.cons_address, new.operator)
        return new

    def begin_unbonding_validator(self, ctx: Context, validator: Validator) -> Validator:
        """Moves a bonded validator out of the set; its tokens unbond over the period."""
        s = self.state
        completion = ctx.time_ns + s.get_params(ctx).unbonding_time_ns
        s.move_pool_tokens(ctx, BONDED_POOL, NOT_BONDED_POOL, validator.tokens)
        new = validator.replace(
            status=UNBONDING, unbonding_height=ctx.height, unbonding_time_ns=completion
        )
        s.update_validator(ctx, validator, new)
        s.insert_validator_queue(ctx, new)
        s.hooks.after_validator_begin_unbonding(ctx, new.cons_address, new.operator)
        return new

    def apply_validator_set_updates(self, ctx: Context) -> list[ValidatorUpdate]:
        """Bonds the top max_validators by power, unbonds the rest of the last set, and
        appends only the changed powers (0 removes) to ctx.validator_updates."""
        s = self.state
        params = s.get_params(ctx)
        last = dict(s.iter_last_powers(ctx))
        updates: list[ValidatorUpdate] = []
        total = count = 0
        for op in list(s.iter_by_power(ctx)):
            if count >= params.max_validators:
                break
            validator = s.must_get_validator(ctx, op)
            if validator.power == 0:
                break
            if validator.status != BONDED:
                validator = self.bond_validator(ctx, validator)
            old = last.pop(op, None)
            if old != validator.power:
                updates.append(ValidatorUpdate(validator.pubkey, validator.power))
                s.set_last_power(ctx, op, validator.power)
            count += 1
            total += validator.power
        for op in sorted(last):
            validator = s.must_get_validator(ctx, op)
            if validator.status == BONDED:
                validator = self.begin_unbonding_validator(ctx, validator)
            s.set_last_power(ctx, op, None)
            updates.append(ValidatorUpdate(validator.pubkey, 0))
        if updates or total != s.get_last_total_power(ctx):
            s.set_last_total_power(ctx, total)
        ctx.validator_updates.extend(updates)
        for update in updates:
            events.emit_validator_update(ctx, update.pubkey, update.power)
        return updates

    def process_mature_validators(self, ctx: Context) -> None:
        """Completes the unbonding of validators whose period has passed; removes those left
        without shares."""
        s = self.state
        for key in s.pop_due(ctx, keys.VALIDATOR_QUEUE):
            _, op = keys.split_validator_queue_key(key)
            validator = s.get_validator(ctx, op)
            if validator is None or validator.status != UNBONDING:
                continue
            new = validator.replace(status=UNBONDED)
            s.update_validator(ctx, validator, new)
            events.emit_complete_unbonding_validator(ctx, new.operator)
            if new.shares == 0:
                s.remove_validator(ctx, new)

    def process_mature_unbondings(self, ctx: Context) -> None:
        """Pays out unbonding delegation entries whose time has come."""
        for key in self.state.pop_due(ctx, keys.UBD_QUEUE):
            _, delegator, op = keys.split_ubd_queue_key(key)
            self.delegations.complete_unbonding(ctx, delegator, op)

    def process_mature_redelegations(self, ctx: Context) -> None:
        """Drops redelegation entries whose time has come."""
        for key in self.state.pop_due(ctx, keys.RED_QUEUE):
            _, delegator, src, dst = keys.split_red_queue_key(key)
            self.delegations.complete_redelegation(ctx, delegator, src, dst)
