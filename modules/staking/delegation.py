"""Delegations: delegate, unbond, undelegate, redelegate, cancel and complete unbondings.

Share math is integer: shares are decimal atomics (18 places). Tokens buy
shares * amount // tokens shares (truncated; the first delegation gets amount * 10^18), and
shares are worth shares * tokens // total_shares tokens (truncated). Truncation always favours
the validator's remaining delegators.
"""

from __future__ import annotations

from aichain.app.coins import Coin
from aichain.app.context import Context
from aichain.app.crypto import account_address, valoper_address
from aichain.app.dec import ONE
from aichain.modules.staking import events
from aichain.modules.staking.errors import (
    BadRedelegationDstError,
    BadUnbondingEntryError,
    DelegatorShareExRateInvalidError,
    InsufficientSharesError,
    MaxRedelegationEntriesError,
    MaxUnbondingDelegationEntriesError,
    NoDelegationError,
    NoUnbondingDelegationError,
    SelfRedelegationError,
    TinyRedelegationAmountError,
    TransitiveRedelegationError,
    ValidatorJailedError,
)
from aichain.modules.staking.state import StakingState, pool_of
from aichain.modules.staking.types import (
    BONDED,
    BONDED_POOL,
    NOT_BONDED_POOL,
    UNBONDED,
    UNBONDING,
    Redelegation,
    RedelegationEntry,
    UnbondingDelegation,
    UnbondingEntry,
    Validator,
)


def compute_issued_shares(validator: Validator, amount: int) -> int:
    """Shares (atomics) that delegating amount tokens issues."""
    if validator.shares == 0:
        return amount * ONE
    return validator.shares_from_tokens(amount)


class Delegations:
    """Delegation operations, over the staking state."""

    def __init__(self, state: StakingState) -> None:
        self.state = state

    def add_tokens(self, ctx: Context, validator: Validator, amount: int) -> tuple[Validator, int]:
        """Adds delegated tokens to a validator; returns it and the shares issued."""
        shares = compute_issued_shares(validator, amount)
        new = validator.replace(tokens=validator.tokens + amount, shares=validator.shares + shares)
        return self.state.update_validator(ctx, validator, new), shares

    def remove_shares(
        self, ctx: Context, validator: Validator, shares: int
    ) -> tuple[Validator, int]:
        """Removes delegator shares; returns the validator and the tokens they were worth."""
        remaining = validator.shares - shares
        amount = validator.tokens if remaining == 0 else validator.tokens_from_shares(shares)
        new = validator.replace(tokens=validator.tokens - amount, shares=remaining)
        return self.state.update_validator(ctx, validator, new), amount

    def delegate(
        self,
        ctx: Context,
        delegator: bytes,
        amount: int,
        validator: Validator,
        source_status: int | None = None,
    ) -> int:
        """Delegates amount tokens; returns the shares issued. source_status None takes the
        tokens from the delegator's account, else they already sit in that status's pool.

        Raises DelegatorShareExRateInvalidError, InsufficientFundsError.
        """
        if validator.tokens == 0 and validator.shares > 0:
            raise DelegatorShareExRateInvalidError(
                f"validator {valoper_address(validator.operator)} has shares but no tokens "
                "(slashed to zero); delegate to another validator"
            )
        op = validator.operator
        existing = self.state.get_delegation(ctx, delegator, op)
        if existing is None:
            self.state.hooks.before_delegation_created(ctx, delegator, op)
        else:
            self.state.hooks.before_delegation_shares_modified(ctx, delegator, op)
        validator = self.state.must_get_validator(ctx, op)
        if source_status is None:
            coins = [Coin(self.state.get_params(ctx).bond_denom, amount)]
            self.state.bank.send_coins_from_account_to_module(
                ctx, delegator, pool_of(validator), coins
            )
        else:
            src = BONDED_POOL if source_status == BONDED else NOT_BONDED_POOL
            self.state.move_pool_tokens(ctx, src, pool_of(validator), amount)
        validator, shares = self.add_tokens(ctx, validator, amount)
        self.state.set_delegation(ctx, delegator, op, (existing or 0) + shares)
        self.state.hooks.after_delegation_modified(ctx, delegator, op)
        return shares

    def shares_for_unbond(self, ctx: Context, delegator: bytes, op: bytes, amount: int) -> int:
        """The shares to remove so that amount tokens leave the delegation: rounded up (so at
        least amount leaves), capped at the delegation, and all of it when the rest would be
        worth 0 tokens.

        Raises NoValidatorFoundError, NoDelegationError, InsufficientSharesError.
        """
        validator = self.state.must_get_validator(ctx, op)
        held = self.state.get_delegation(ctx, delegator, op)
        if held is None:
            raise NoDelegationError(
                f"{account_address(delegator)} has no delegation to {valoper_address(op)}"
            )
        if validator.tokens == 0:
            raise InsufficientSharesError(f"validator {valoper_address(op)} has no tokens left")
        if validator.shares * amount // validator.tokens > held:
            raise InsufficientSharesError(
                f"cannot undelegate {amount} tokens: the delegation is worth only "
                f"{validator.tokens_from_shares(held)}; lower the amount"
            )
        shares = min(held, -(-validator.shares * amount // validator.tokens))
        return held if validator.tokens_from_shares(held - shares) == 0 else shares

    def unbond(self, ctx: Context, delegator: bytes, op: bytes, shares: int) -> int:
        """Removes shares from a delegation; returns the tokens they were worth (still in the
        validator's pool). Jails the validator if its operator drops below the minimum
        self-delegation. Raises NoDelegationError, InsufficientSharesError."""
        held = self.state.get_delegation(ctx, delegator, op)
        if held is None:
            raise NoDelegationError(
                f"{account_address(delegator)} has no delegation to {valoper_address(op)}"
            )
        if shares > held:
            raise InsufficientSharesError(f"unbonding {shares} shares but only {held} held")
        self.state.hooks.before_delegation_shares_modified(ctx, delegator, op)
        validator = self.state.must_get_validator(ctx, op)
        if (
            delegator == op
            and not validator.jailed
            and validator.tokens_from_shares(held - shares) < validator.min_self_delegation
        ):
            self.state.jail_validator(ctx, validator)
            validator = self.state.must_get_validator(ctx, op)
        if held == shares:
            self.state.hooks.before_delegation_removed(ctx, delegator, op)
            self.state.set_delegation(ctx, delegator, op, 0)
        else:
            self.state.set_delegation(ctx, delegator, op, held - shares)
            self.state.hooks.after_delegation_modified(ctx, delegator, op)
        validator, amount = self.remove_shares(ctx, validator, shares)
        if validator.shares == 0 and validator.status == UNBONDED:
            self.state.remove_validator(ctx, validator)
        return amount

    def undelegate(self, ctx: Context, delegator: bytes, op: bytes, shares: int) -> tuple[int, int]:
        """Unbonds shares into an unbonding entry; returns (completion time ns, amount).

        Raises MaxUnbondingDelegationEntriesError, NoDelegationError, InsufficientSharesError.
        """
        params = self.state.get_params(ctx)
        validator = self.state.must_get_validator(ctx, op)
        ubd = self.state.get_ubd(ctx, delegator, op)
        if ubd is not None and len(ubd.entries) >= params.max_entries:
            raise MaxUnbondingDelegationEntriesError(
                f"already {params.max_entries} unbonding entries from {valoper_address(op)}; "
                "wait for one to complete"
            )
        amount = self.unbond(ctx, delegator, op, shares)
        if validator.status == BONDED:
            self.state.move_pool_tokens(ctx, BONDED_POOL, NOT_BONDED_POOL, amount)
        completion = ctx.time_ns + params.unbonding_time_ns
        entry = UnbondingEntry(ctx.height, completion, amount, amount)
        entries = (ubd.entries if ubd else ()) + (entry,)
        self.state.set_ubd(ctx, UnbondingDelegation(delegator, op, entries))
        self.state.insert_ubd_queue(ctx, completion, delegator, op)
        return completion, amount

    def complete_unbonding(self, ctx: Context, delegator: bytes, op: bytes) -> int:
        """Releases every matured entry to the delegator; returns the amount paid."""
        ubd = self.state.get_ubd(ctx, delegator, op)
        if ubd is None:
            return 0
        kept, paid = [], 0
        for entry in ubd.entries:
            if entry.completion_time_ns <= ctx.time_ns:
                paid += entry.balance
            else:
                kept.append(entry)
        if paid:
            coins = [Coin(self.state.get_params(ctx).bond_denom, paid)]
            self.state.bank.send_coins_from_module_to_account(
                ctx, NOT_BONDED_POOL, delegator, coins
            )
        self.state.set_ubd(ctx, UnbondingDelegation(delegator, op, tuple(kept)))
        if paid:
            denom = self.state.get_params(ctx).bond_denom
            events.emit_complete_unbonding(ctx, paid, denom, op, delegator)
        return paid

    def cancel_unbonding(
        self, ctx: Context, delegator: bytes, op: bytes, height: int, amount: int
    ) -> None:
        """Re-delegates amount of the unbonding entry created at height.

        Raises NoValidatorFoundError, ValidatorJailedError, NoUnbondingDelegationError,
        BadUnbondingEntryError.
        """
        validator = self.state.must_get_validator(ctx, op)
        if validator.jailed:
            raise ValidatorJailedError(
                f"validator {valoper_address(op)} is jailed; cannot delegate back to it"
            )
        ubd = self.state.get_ubd(ctx, delegator, op)
        if ubd is None:
            raise NoUnbondingDelegationError(
                f"{account_address(delegator)} is not unbonding from {valoper_address(op)}"
            )
        index = next(
            (
                i
                for i, e in enumerate(ubd.entries)
                if e.creation_height == height and e.completion_time_ns > ctx.time_ns
            ),
            None,
        )
        if index is None:
            raise BadUnbondingEntryError(f"no unbonding entry created at height {height}")
        entry = ubd.entries[index]
        if amount > entry.balance:
            raise BadUnbondingEntryError(
                f"amount {amount} exceeds the entry's balance {entry.balance}"
            )
        self.delegate(ctx, delegator, amount, validator, source_status=UNBONDING)
        entries = list(ubd.entries)
        if amount == entry.balance:
            del entries[index]
            if all(e.completion_time_ns != entry.completion_time_ns for e in entries):
                # no entry left maturing then: the queue key goes too, so the state equals
                # what an export re-imports (found by the simulation's export/import check)
                self.state.delete_ubd_queue(ctx, entry.completion_time_ns, delegator, op)
        else:
            entries[index] = UnbondingEntry(
                entry.creation_height,
                entry.completion_time_ns,
                entry.initial_balance - amount,
                entry.balance - amount,
            )
        self.state.set_ubd(ctx, UnbondingDelegation(delegator, op, tuple(entries)))

    def has_receiving_redelegation(self, ctx: Context, delegator: bytes, op: bytes) -> bool:
        """Whether delegator has an immature redelegation into op."""
        return any(r.dst == op for r in self.state.iter_delegator_reds(ctx, delegator))

    def begin_redelegation(
        self, ctx: Context, delegator: bytes, src: bytes, dst: bytes, shares: int
    ) -> int:
        """Moves shares' worth of tokens from src to dst; returns the completion time ns.

        Raises SelfRedelegationError, BadRedelegationDstError, NoValidatorFoundError,
        TransitiveRedelegationError, MaxRedelegationEntriesError, NoDelegationError,
        InsufficientSharesError, TinyRedelegationAmountError, ValidatorJailedError.
        """
        if src == dst:
            raise SelfRedelegationError("source and destination validators are the same")
        src_val = self.state.must_get_validator(ctx, src)
        dst_val = self.state.get_validator(ctx, dst)
        if dst_val is None:
            raise BadRedelegationDstError(f"validator {valoper_address(dst)} does not exist")
        if dst_val.jailed:
            raise ValidatorJailedError(f"validator {valoper_address(dst)} is jailed")
        if self.has_receiving_redelegation(ctx, delegator, src):
            raise TransitiveRedelegationError(
                f"tokens redelegated into {valoper_address(src)} are still maturing; wait for "
                "that redelegation to complete"
            )
        params = self.state.get_params(ctx)
        red = self.state.get_red(ctx, delegator, src, dst)
        if red is not None and len(red.entries) >= params.max_entries:
            raise MaxRedelegationEntriesError(
                f"already {params.max_entries} redelegation entries for this pair; wait"
            )
        amount = self.unbond(ctx, delegator, src, shares)
        if amount == 0:
            raise TinyRedelegationAmountError("the shares are worth 0 tokens")
        dst_val = self.state.must_get_validator(ctx, dst)
        shares_dst = self.delegate(ctx, delegator, amount, dst_val, source_status=src_val.status)
        if src_val.status == UNBONDED:
            return ctx.time_ns
        if src_val.status == UNBONDING:
            completion, height = src_val.unbonding_time_ns, src_val.unbonding_height
        else:
            completion, height = ctx.time_ns + params.unbonding_time_ns, ctx.height
        entry = RedelegationEntry(height, completion, amount, shares_dst)
        entries = (red.entries if red else ()) + (entry,)
        self.state.set_red(ctx, Redelegation(delegator, src, dst, entries))
        self.state.insert_red_queue(ctx, completion, delegator, src, dst)
        return completion

    def complete_redelegation(self, ctx: Context, delegator: bytes, src: bytes, dst: bytes) -> None:
        """Drops matured redelegation entries (the tokens already sit at dst)."""
        red = self.state.get_red(ctx, delegator, src, dst)
        if red is not None:
            kept = tuple(e for e in red.entries if e.completion_time_ns > ctx.time_ns)
            self.state.set_red(ctx, Redelegation(delegator, src, dst, kept))
