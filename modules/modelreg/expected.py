"""What the modelreg module needs from other modules."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from aichain.app.coins import Coin
from aichain.app.context import Context
from aichain.datanet.v1 import datanet_pb2


class BankKeeper(Protocol):
    """Worker bonds in the modelreg module account (bank)."""

    def get_balance(self, ctx: Context, address: bytes, denom: str) -> int:
        """The balance of denom at address."""

    def send_coins_from_account_to_module(
        self, ctx: Context, sender: bytes, module: str, coins: Sequence[Coin]
    ) -> None:
        """Escrows coins. Raises InsufficientFundsError."""

    def send_coins_from_module_to_account(
        self, ctx: Context, module: str, recipient: bytes, coins: Sequence[Coin]
    ) -> None:
        """Pays coins out of a module account."""

    def send_coins_from_module_to_module(
        self, ctx: Context, sender_module: str, recipient_module: str, coins: Sequence[Coin]
    ) -> None:
        """Moves coins between module accounts (a slashed bond to the slasher's account)."""

    def burn_coins(self, ctx: Context, module: str, coins: Sequence[Coin]) -> None:
        """Burns coins a module account holds."""


class AccountKeeper(Protocol):
    """Module account addresses (auth)."""

    def get_module_address(self, name: str) -> bytes:
        """The address of a module account."""


class DatanetKeeper(Protocol):
    """Datanet versions and access (datanet's ViewKeeper)."""

    def get_version(
        self, ctx: Context, datanet_id: int, version: int
    ) -> datanet_pb2.Version | None:
        """A datanet version, or None."""

    def has_access(self, ctx: Context, datanet_id: int, account: bytes) -> bool:
        """Whether account may train on the datanet. Raises DatanetNotFoundError."""
