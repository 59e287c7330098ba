"""What the genutil module needs from other modules."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, Self, TypeVar

from aichain.app.context import Context, ValidatorUpdate


class GenesisAccount(Protocol):
    """The account fields delivering a gentx reads and sets."""

    @property
    def sequence(self) -> int:
        """The account's next sequence."""

    def with_pubkey(self, pubkey: bytes) -> Self:
        """A copy with the public key set."""

    def with_sequence(self, sequence: int) -> Self:
        """A copy with another sequence."""


AccountT = TypeVar("AccountT", bound=GenesisAccount)
"""The account type of the auth keeper genutil is given."""


class GenesisAccounts(Protocol[AccountT]):
    """What delivering a gentx needs from auth."""

    def get_account(self, ctx: Context, address: bytes) -> AccountT | None:
        """The account at address, or None."""

    def set_account(self, ctx: Context, account: AccountT) -> None:
        """Stores an account."""


class StakingValidatorSet(Protocol):
    """What genutil needs from staking."""

    def apply_validator_set_updates(self, ctx: Context) -> Sequence[ValidatorUpdate]:
        """Recomputes the bonded set and appends the updates to ctx."""
