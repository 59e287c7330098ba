"""Hooks staking calls when validators and delegations change (distribution and slashing
implement them; app/ wires them in, in a fixed order)."""

from __future__ import annotations

from collections.abc import Sequence

from aichain.app.context import Context


class StakingHooks:
    """No-op hooks; subclasses override what they react to."""

    def after_validator_created(self, ctx: Context, op: bytes) -> None:
        """A validator was created."""

    def after_validator_bonded(self, ctx: Context, cons: bytes, op: bytes) -> None:
        """A validator entered the bonded set."""

    def after_validator_begin_unbonding(self, ctx: Context, cons: bytes, op: bytes) -> None:
        """A validator left the bonded set."""

    def after_validator_removed(self, ctx: Context, cons: bytes, op: bytes) -> None:
        """A validator record was deleted (unbonded with no shares left)."""

    def before_delegation_created(self, ctx: Context, delegator: bytes, op: bytes) -> None:
        """A new delegation is about to be created."""

    def before_delegation_shares_modified(self, ctx: Context, delegator: bytes, op: bytes) -> None:
        """An existing delegation's shares are about to change."""

    def before_delegation_removed(self, ctx: Context, delegator: bytes, op: bytes) -> None:
        """A delegation is about to be deleted."""

    def after_delegation_modified(self, ctx: Context, delegator: bytes, op: bytes) -> None:
        """A delegation was created or changed."""

    def before_validator_slashed(self, ctx: Context, op: bytes, fraction: int) -> None:
        """A validator is about to lose fraction (decimal atomics) of its tokens."""


class MultiHooks(StakingHooks):
    """Calls several hooks in order."""

    def __init__(self, hooks: Sequence[StakingHooks] = ()) -> None:
        self.hooks = tuple(hooks)

    def after_validator_created(self, ctx: Context, op: bytes) -> None:
        for h in self.hooks:
            h.after_validator_created(ctx, op)

    def after_validator_bonded(self, ctx: Context, cons: bytes, op: bytes) -> None:
        for h in self.hooks:
            h.after_validator_bonded(ctx, cons, op)

    def after_validator_begin_unbonding(self, ctx: Context, cons: bytes, op: bytes) -> None:
        for h in self.hooks:
            h.after_validator_begin_unbonding(ctx, cons, op)

    def after_validator_removed(self, ctx: Context, cons: bytes, op: bytes) -> None:
        for h in self.hooks:
            h.after_validator_removed(ctx, cons, op)

    def before_delegation_created(self, ctx: Context, delegator: bytes, op: bytes) -> None:
        for h in self.hooks:
            h.before_delegation_created(ctx, delegator, op)

    def before_delegation_shares_modified(self, ctx: Context, delegator: bytes, op: bytes) -> None:
        for h in self.hooks:
            h.before_delegation_shares_modified(ctx, delegator, op)

    def before_delegation_removed(self, ctx: Context, delegator: bytes, op: bytes) -> None:
        for h in self.hooks:
            h.before_delegation_removed(ctx, delegator, op)

    def after_delegation_modified(self, ctx: Context, delegator: bytes, op: bytes) -> None:
        for h in self.hooks:
            h.after_delegation_modified(ctx, delegator, op)

    def before_validator_slashed(self, ctx: Context, op: bytes, fraction: int) -> None:
        for h in self.hooks:
            h.before_validator_slashed(ctx, op, fraction)
