"""Slashing a validator: its tokens, and the unbonding and redelegation entries created at or
after the infraction (the Cosmos SDK's rule)."""

from __future__ import annotations

from aichain.app.context import Context
from aichain.app.dec import ONE, mul_trunc, quo_round_up
from aichain.modules.staking import events
from aichain.modules.staking.delegation import Delegations
from aichain.modules.staking.state import StakingState, pool_of
from aichain.modules.staking.types import (
    NOT_BONDED_POOL,
    POWER_REDUCTION,
    UNBONDED,
    Redelegation,
    UnbondingDelegation,
    UnbondingEntry,
)


def compute_slash_amount(power: int, fraction: int) -> int:
    """Tokens to slash: power at the infraction, in tokens, times fraction (truncated)."""
    return power * POWER_REDUCTION * fraction // ONE


class Slasher:
    """Slashing, jailing and unjailing by consensus address, over the staking state."""

    def __init__(self, state: StakingState, delegations: Delegations) -> None:
        self.state = state
        self.delegations = delegations

    def slash(
        self, ctx: Context, cons: bytes, infraction_height: int, power: int, fraction: int
    ) -> int:
        """Burns fraction of the stake the validator had at infraction_height (power); returns
        the tokens burned from the validator itself. Unknown or unbonded validators are left
        alone (their stake has already left)."""
        validator = self.state.get_validator_by_cons(ctx, cons)
        if validator is None or validator.status == UNBONDED:
            return 0
        remaining = compute_slash_amount(power, fraction)
        if infraction_height < ctx.height:
            for ubd in self.state.iter_validator_ubds(ctx, validator.operator):
                remaining -= self.slash_unbonding(ctx, ubd, infraction_height, fraction)
            for red in self.state.iter_reds_from(ctx, validator.operator):
                remaining -= self.slash_redelegation(ctx, red, infraction_height, fraction)
        validator = self.state.must_get_validator(ctx, validator.operator)
        burn = max(0, min(remaining, validator.tokens))
        effective = min(ONE, quo_round_up(burn, validator.tokens)) if validator.tokens else 0
        self.state.hooks.before_validator_slashed(ctx, validator.operator, effective)
        validator = self.state.must_get_validator(ctx, validator.operator)
        new = validator.replace(tokens=validator.tokens - burn)
        self.state.update_validator(ctx, validator, new)
        self.state.burn_pool_tokens(ctx, pool_of(validator), burn)
        events.emit_slash(ctx, cons, validator.operator, power, burn)
        return burn

    def slash_unbonding(
        self, ctx: Context, ubd: UnbondingDelegation, infraction_height: int, fraction: int
    ) -> int:
        """Slashes immature entries created at or after the infraction; returns the amount
        due (what was burned may be less when balances ran short)."""
        due = burned = 0
        entries = []
        for e in ubd.entries:
            if e.creation_height < infraction_height or e.completion_time_ns <= ctx.time_ns:
                entries.append(e)
                continue
            amount = mul_trunc(e.initial_balance * ONE, fraction) // ONE
            due += amount
            cut = min(amount, e.balance)
            burned += cut
            entries.append(
                UnbondingEntry(
                    e.creation_height, e.completion_time_ns, e.initial_balance, e.balance - cut
                )
            )
        if burned:
            self.state.set_ubd(
                ctx, UnbondingDelegation(ubd.delegator, ubd.validator, tuple(entries))
            )
            self.state.burn_pool_tokens(ctx, NOT_BONDED_POOL, burned)
        return due

    def slash_redelegation(
        self, ctx: Context, red: Redelegation, infraction_height: int, fraction: int
    ) -> int:
        """Unbonds and burns fraction of the shares redelegated at or after the infraction;
        returns the amount due."""
        due = 0
        for e in red.entries:
            if e.creation_height < infraction_height or e.completion_time_ns <= ctx.time_ns:
                continue
            due += mul_trunc(e.initial_balance * ONE, fraction) // ONE
            shares = mul_trunc(e.shares_dst, fraction)
            held = self.state.get_delegation(ctx, red.delegator, red.dst)
            if shares == 0 or held is None:
                continue
            shares = min(shares, held)
            dst = self.state.must_get_validator(ctx, red.dst)
            amount = self.delegations.unbond(ctx, red.delegator, red.dst, shares)
            self.state.burn_pool_tokens(ctx, pool_of(dst), amount)
        return due

    def jail(self, ctx: Context, cons: bytes) -> None:
        """Jails the validator of a consensus address (no-op if unknown or already jailed)."""
        validator = self.state.get_validator_by_cons(ctx, cons)
        if validator is not None and not validator.jailed:
            self.state.jail_validator(ctx, validator)

    def unjail(self, ctx: Context, cons: bytes) -> None:
        """Unjails the validator of a consensus address (no-op if unknown or not jailed)."""
        validator = self.state.get_validator_by_cons(ctx, cons)
        if validator is not None and validator.jailed:
            self.state.unjail_validator(ctx, validator)
