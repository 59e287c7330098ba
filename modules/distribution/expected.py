"""What the distribution module needs from staking, bank and auth."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol

from aichain.app.coins import Coin
from aichain.app.context import Context


class ValidatorCommission(Protocol):
    """The commission field distribution reads."""

    @property
    def rate(self) -> int:
        """The commission rate (decimal atomics)."""


class StakingValidator(Protocol):
    """The validator fields distribution reads."""

    operator: bytes
    tokens: int

    @property
    def commission(self) -> ValidatorCommission:
        """The validator's commission."""

    def tokens_from_shares_dec(self, shares: int) -> int:
        """Tokens (decimal atomics) shares are worth."""


class StakingKeeper(Protocol):
    """Validators and delegations (staking)."""

    def get_validator(self, ctx: Context, op: bytes) -> StakingValidator | None:
        """The validator at op, or None."""

    def get_validator_by_cons(self, ctx: Context, cons: bytes) -> StakingValidator | None:
        """The validator with that consensus address, or None."""

    def get_delegation(self, ctx: Context, delegator: bytes, op: bytes) -> int | None:
        """Delegation shares, or None."""

    def iter_delegator_delegations(
        self, ctx: Context, delegator: bytes
    ) -> Iterator[tuple[bytes, int]]:
        """(validator, shares) of a delegator's delegations."""

    def iter_validator_delegations(self, ctx: Context, op: bytes) -> Iterator[tuple[bytes, int]]:
        """(delegator, shares) of a validator's delegations."""


class BankKeeper(Protocol):
    """Balances and module transfers (bank)."""

    def get_all_balances(self, ctx: Context, address: bytes) -> tuple[Coin, ...]:
        """Every balance of address."""

    def send_coins_from_module_to_module(
        self, ctx: Context, sender_module: str, recipient_module: str, coins: Sequence[Coin]
    ) -> None:
        """Moves coins between module accounts."""

    def send_coins_from_module_to_account(
        self, ctx: Context, module: str, recipient: bytes, coins: Sequence[Coin]
    ) -> None:
        """Pays coins out of a module account."""

    def send_coins_from_account_to_module(
        self, ctx: Context, sender: bytes, module: str, coins: Sequence[Coin]
    ) -> None:
        """Moves coins into a module account."""


class AccountKeeper(Protocol):
    """Module addresses (auth)."""

    def get_module_address(self, name: str) -> bytes:
        """The address of a module account."""
