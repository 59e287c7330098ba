"""What the mint module needs from other modules."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from aichain.app.coins import Coin
from aichain.app.context import Context


class BankKeeper(Protocol):
    """Supply, minting and paying out of module accounts (bank)."""

    def get_supply(self, ctx: Context, denom: str) -> int:
        """Total supply of denom."""

    def mint_coins(self, ctx: Context, module: str, coins: Sequence[Coin]) -> None:
        """Creates coins in a module account with the minter permission."""

    def send_coins_from_module_to_module(
        self, ctx: Context, sender_module: str, recipient_module: str, coins: Sequence[Coin]
    ) -> None:
        """Moves coins between module accounts."""


class StakingKeeper(Protocol):
    """The bonded power (staking)."""

    def get_last_total_power(self, ctx: Context) -> int:
        """Total power of the last validator set (0 when no validator is bonded)."""
