"""Slashing's reactions to staking changes."""

from __future__ import annotations

from aichain.app.context import Context
from aichain.modules.slashing.keeper import Keeper
from aichain.modules.slashing.types import SigningInfo
from aichain.modules.staking.hooks import StakingHooks


class SlashingHooks(StakingHooks):
    """Starts (or restarts) a validator's liveness window when it bonds."""

    def __init__(self, keeper: Keeper) -> None:
        self.keeper = keeper

    def after_validator_bonded(self, ctx: Context, cons: bytes, op: bytes) -> None:
        """Creates the signing info, or moves its start height to now."""
        info = self.keeper.get_signing_info(ctx, cons)
        if info is None:
            info = SigningInfo(cons, start_height=ctx.height)
        else:
            info = SigningInfo(
                cons, ctx.height, info.index_offset, info.jailed_until_ns, info.tombstoned,
                info.missed_blocks_counter,
            )  # fmt: skip
        self.keeper.set_signing_info(ctx, info)
