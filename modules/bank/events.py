"""Event types and attributes the bank module emits (the Cosmos SDK's names)."""

from __future__ import annotations

from aichain.app.coins import Coin, format_coins
from aichain.app.context import Context
from aichain.app.crypto import account_address

TRANSFER = "transfer"
"""A send between two accounts."""

COIN_SPENT = "coin_spent"
"""Coins left an account."""

COIN_RECEIVED = "coin_received"
"""Coins arrived in an account."""

COINBASE = "coinbase"
"""Coins were minted."""

BURN = "burn"
"""Coins were burned."""


def emit_transfer(ctx: Context, sender: bytes, recipient: bytes, coins: tuple[Coin, ...]) -> None:
    """coin_spent, coin_received and transfer events for one send."""
    if not ctx.records_events:
        return
    amount = format_coins(coins)
    ctx.emit(COIN_SPENT, ("spender", account_address(sender)), ("amount", amount))
    ctx.emit(COIN_RECEIVED, ("receiver", account_address(recipient)), ("amount", amount))
    ctx.emit(
        TRANSFER,
        ("recipient", account_address(recipient)),
        ("sender", account_address(sender)),
        ("amount", amount),
    )
