"""What the datanet module needs from other modules."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from aichain.app.coins import Coin
from aichain.app.context import Context


class BankKeeper(Protocol):
    """Escrow in the datanet module account, payouts and burns (bank)."""

    def get_balance(self, ctx: Context, address: bytes, denom: str) -> int:
        """The balance of denom at address."""

    def send_coins_from_account_to_module(
        self, ctx: Context, sender: bytes, module: str, coins: Sequence[Coin]
    ) -> None:
        """Escrows coins. Raises InsufficientFundsError."""

    def send_coins_from_module_to_account(
        self, ctx: Context, module: str, recipient: bytes, coins: Sequence[Coin]
    ) -> None:
        """Pays coins out of a module account. Raises InsufficientFundsError."""

    def burn_coins(self, ctx: Context, module: str, coins: Sequence[Coin]) -> None:
        """Burns coins a module account holds (needs the burner permission)."""


class AccountKeeper(Protocol):
    """Module account addresses (auth)."""

    def get_module_address(self, name: str) -> bytes:
        """The address of a module account."""
