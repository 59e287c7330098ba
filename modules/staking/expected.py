"""What the staking module needs from other modules."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from aichain.app.coins import Coin
from aichain.app.context import Context


class BankKeeper(Protocol):
    """Balances and module-account transfers (bank)."""

    def get_balance(self, ctx: Context, address: bytes, denom: str) -> int:
        """The balance of denom at address."""

    def send_coins_from_account_to_module(
        self, ctx: Context, sender: bytes, module: str, coins: Sequence[Coin]
    ) -> None:
        """Moves coins into a module account."""

    def send_coins_from_module_to_account(
        self, ctx: Context, module: str, recipient: bytes, coins: Sequence[Coin]
    ) -> None:
        """Pays coins out of a module account."""

    def send_coins_from_module_to_module(
        self, ctx: Context, sender_module: str, recipient_module: str, coins: Sequence[Coin]
    ) -> None:
        """Moves coins between module accounts."""

    def burn_coins(self, ctx: Context, module: str, coins: Sequence[Coin]) -> None:
        """Destroys coins held by a module account."""


class AccountKeeper(Protocol):
    """Module addresses (auth)."""

    def get_module_address(self, name: str) -> bytes:
        """The address of a module account."""
