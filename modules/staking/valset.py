"""The bonded set: which validators CometBFT runs, their status transitions and queues."""

from __future__ import annotations

from aichain.app.context import Context, ValidatorUpdate
from aichain.app.crypto import valoper_address
from aichain.modules.staking import keys
from aichain.modules.staking.delegation import DelegationKeeper
from aichain.modules.staking.types import (
    BONDED,
    BONDED_POOL,
    NOT_BONDED_POOL,
    UNBONDED,
    UNBONDING,
    Validator,
)


class ValsetKeeper(DelegationKeeper):
    """Validator set updates and the maturing of unbondings."""

    def bond_validator(self, ctx: Context, validator: Validator) -> Validator:
        """Moves an unbonded or unbonding validator into the bonded set."""
        store = self._kv(ctx)
        if validator.status == UNBONDING:
            store.delete(keys.validator_queue_key(validator.unbonding_time_ns, validator.operator))
        self.move_pool_tokens(ctx, NOT_BONDED_POOL, BONDED_POOL, validator.tokens)
        new = validator.replace(status=BONDED, unbonding_height=0, unbonding_time_ns=0)
        self.update_validator(ctx, validator, new)
        self.hooks.after_validator_bonded(ctx, new.cons_address, new.operator)
        return new

    def begin_unbonding_validator(self, ctx: Context, validator: Validator) -> Validator:
        """Moves a bonded validator out of the set; its tokens unbond over the period."""
        completion = ctx.time_ns + self.get_params(ctx).unbonding_time_ns
        self.move_pool_tokens(ctx, BONDED_POOL, NOT_BONDED_POOL, validator.tokens)
        new = validator.replace(
            status=UNBONDING, unbonding_height=ctx.height, unbonding_time_ns=completion
        )
        self.update_validator(ctx, validator, new)
        self._kv(ctx).set(keys.validator_queue_key(completion, validator.operator), b"")
        self.hooks.after_validator_begin_unbonding(ctx, new.cons_address, new.operator)
        return new

    def apply_validator_set_updates(self, ctx: Context) -> list[ValidatorUpdate]:
        """Bonds the top max_validators by power, unbonds the rest of the last set, and
        appends only the changed powers (0 removes) to ctx.validator_updates."""
        params = self.get_params(ctx)
        last = dict(self.iter_last_powers(ctx))
        updates: list[ValidatorUpdate] = []
        total = count = 0
        for op in list(self.iter_by_power(ctx)):
            if count >= params.max_validators:
                break
            validator = self.must_get_validator(ctx, op)
            if validator.power == 0:
                break
            if validator.status != BONDED:
                validator = self.bond_validator(ctx, validator)
            old = last.pop(op, None)
            if old != validator.power:
                updates.append(ValidatorUpdate(validator.pubkey, validator.power))
                self.set_last_power(ctx, op, validator.power)
            count += 1
            total += validator.power
        for op in sorted(last):
            validator = self.must_get_validator(ctx, op)
            if validator.status == BONDED:
                validator = self.begin_unbonding_validator(ctx, validator)
            self.set_last_power(ctx, op, None)
            updates.append(ValidatorUpdate(validator.pubkey, 0))
        if updates or total != self.get_last_total_power(ctx):
            self.set_last_total_power(ctx, total)
        ctx.validator_updates.extend(updates)
        for update in updates:
            ctx.emit(
                "validator_update", ("pubkey", update.pubkey.hex()), ("power", str(update.power))
            )
        return updates

    def process_mature_validators(self, ctx: Context) -> None:
        """Completes the unbonding of validators whose period has passed; removes those left
        without shares."""
        store = self._kv(ctx)
        for key, _ in list(store.iterate(keys.VALIDATOR_QUEUE)):
            if keys.queue_time(key) > ctx.time_ns:
                break
            store.delete(key)
            validator = self.get_validator(ctx, key[9:])
            if validator is None or validator.status != UNBONDING:
                continue
            new = validator.replace(status=UNBONDED)
            self.update_validator(ctx, validator, new)
            ctx.emit("complete_unbonding_validator", ("validator", valoper_address(new.operator)))
            if new.shares == 0:
                self.remove_validator(ctx, new)

    def process_mature_unbondings(self, ctx: Context) -> None:
        """Pays out unbonding delegation entries whose time has come."""
        store = self._kv(ctx)
        for key, _ in list(store.iterate(keys.UBD_QUEUE)):
            if keys.queue_time(key) > ctx.time_ns:
                break
            store.delete(key)
            self.complete_unbonding(ctx, key[9:29], key[29:49])

    def process_mature_redelegations(self, ctx: Context) -> None:
        """Drops redelegation entries whose time has come."""
        store = self._kv(ctx)
        for key, _ in list(store.iterate(keys.RED_QUEUE)):
            if keys.queue_time(key) > ctx.time_ns:
                break
            store.delete(key)
            self.complete_redelegation(ctx, key[9:29], key[29:49], key[49:69])

    def unjail_validator(self, ctx: Context, validator: Validator) -> Validator:
        """Clears the jailed flag; the validator competes for the set again at end-block."""
        new = validator.replace(jailed=False)
        self.set_validator(ctx, new)
        self.set_power_index(ctx, new)
        ctx.emit("unjail", ("validator", valoper_address(new.operator)))
        return new
