"""Distribution's reactions to staking changes (the F1 bookkeeping points)."""

from __future__ import annotations

from aichain.app.context import Context
from aichain.modules.distribution.keeper import Keeper
from aichain.modules.staking.hooks import StakingHooks


class DistributionHooks(StakingHooks):
    """Keeps reward periods in step with validators and delegations."""

    def __init__(self, keeper: Keeper) -> None:
        self.keeper = keeper

    def after_validator_created(self, ctx: Context, op: bytes) -> None:
        """Starts the validator's reward records."""
        self.keeper.initialize_validator(ctx, op)

    def after_validator_removed(self, ctx: Context, cons: bytes, op: bytes) -> None:
        """Settles and deletes the validator's reward records."""
        self.keeper.remove_validator(ctx, op)

    def before_delegation_created(self, ctx: Context, delegator: bytes, op: bytes) -> None:
        """Ends the period so the new stake does not share earlier rewards."""
        self.keeper.increment_validator_period(ctx, op)

    def before_delegation_shares_modified(self, ctx: Context, delegator: bytes, op: bytes) -> None:
        """Pays out what the delegation earned at its old size."""
        self.keeper.withdraw_delegation_rewards(ctx, op, delegator)

    def after_delegation_modified(self, ctx: Context, delegator: bytes, op: bytes) -> None:
        """Starts tracking the delegation at its new size."""
        self.keeper.initialize_delegation(ctx, op, delegator)

    def before_validator_slashed(self, ctx: Context, op: bytes, fraction: int) -> None:
        """Records the slash so later reward math shrinks stakes from that period."""
        self.keeper.record_slash(ctx, op, fraction)
