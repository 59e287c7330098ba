"""What the bank module needs from other modules."""

from __future__ import annotations

from typing import Protocol

from aichain.app.context import Context


class AccountKeeper(Protocol):
    """Account creation and module addresses (auth)."""

    def has_account(self, ctx: Context, address: bytes) -> bool:
        """Whether an account exists."""

    def ensure_account(self, ctx: Context, address: bytes) -> None:
        """Creates an account at address if none exists."""

    def get_module_account(self, ctx: Context, name: str) -> bytes:
        """The address of a declared module account. Raises UnknownModuleAccountError."""

    def get_module_permissions(self, name: str) -> tuple[str, ...]:
        """A declared module account's permissions. Raises UnknownModuleAccountError."""

    def get_module_address(self, name: str) -> bytes:
        """The address of a module account."""
