"""Event types and attributes the bank module emits (the Cosmos SDK's names)."""

from __future__ import annotations

from collections.abc import Sequence

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


def emit_multi_send(
    ctx: Context,
    sender: bytes,
    total: Sequence[Coin],
    outputs: Sequence[tuple[bytes, Sequence[Coin]]],
) -> None:
    """coin_spent for the input, then coin_received and transfer for each output."""
    if not ctx.records_events:
        return
    ctx.emit(COIN_SPENT, ("spender", account_address(sender)), ("amount", format_coins(total)))
    for recipient, coins in outputs:
        amount = format_coins(coins)
        ctx.emit(COIN_RECEIVED, ("receiver", account_address(recipient)), ("amount", amount))
        ctx.emit(TRANSFER, ("recipient", account_address(recipient)), ("amount", amount))


def emit_burn(ctx: Context, holder: bytes, coins: tuple[Coin, ...]) -> None:
    """A burn event: coins destroyed from a module account."""
    ctx.emit(BURN, ("burner", account_address(holder)), ("amount", format_coins(coins)))


def emit_coinbase(ctx: Context, minter: bytes, coins: tuple[Coin, ...]) -> None:
    """A coinbase event: coins minted into a module account."""
    ctx.emit(COINBASE, ("minter", account_address(minter)), ("amount", format_coins(coins)))
