"""Event types and attributes the distribution module emits (the Cosmos SDK's names)."""

from __future__ import annotations

from collections.abc import Sequence

from aichain.app.coins import Coin, format_coins
from aichain.app.context import Context
from aichain.app.crypto import account_address

SET_WITHDRAW_ADDRESS = "set_withdraw_address"
"""A delegator chose where its rewards go."""

WITHDRAW_REWARDS = "withdraw_rewards"
"""A delegator's rewards were paid out."""

WITHDRAW_COMMISSION = "withdraw_commission"
"""A validator's commission was paid out."""


def emit_set_withdraw_address(ctx: Context, target: bytes) -> None:
    """set_withdraw_address(withdraw_address)."""
    ctx.emit(SET_WITHDRAW_ADDRESS, ("withdraw_address", account_address(target)))


def emit_withdraw_rewards(ctx: Context, coins: Sequence[Coin], delegator: bytes) -> None:
    """withdraw_rewards(amount, delegator)."""
    ctx.emit(
        WITHDRAW_REWARDS,
        ("amount", format_coins(coins)),
        ("delegator", account_address(delegator)),
    )


def emit_withdraw_commission(ctx: Context, coins: Sequence[Coin]) -> None:
    """withdraw_commission(amount)."""
    ctx.emit(WITHDRAW_COMMISSION, ("amount", format_coins(coins)))
