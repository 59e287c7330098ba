"""What the slashing module needs from staking."""

from __future__ import annotations

from typing import Protocol

from aichain.app.context import Context


class StakingValidator(Protocol):
    """The validator fields slashing reads."""

    @property
    def operator(self) -> bytes:
        """Operator address."""

    @property
    def jailed(self) -> bool:
        """Whether the validator is jailed."""

    @property
    def status(self) -> int:
        """Bond status (1 unbonded, 2 unbonding, 3 bonded)."""

    @property
    def min_self_delegation(self) -> int:
        """Tokens the operator must keep delegated to itself."""

    @property
    def cons_address(self) -> bytes:
        """Consensus address."""

    def tokens_from_shares(self, shares: int) -> int:
        """Tokens shares are worth."""


class StakingParams(Protocol):
    """The staking params slashing reads."""

    @property
    def unbonding_time_ns(self) -> int:
        """The unbonding period: evidence older than this is ignored."""


class StakingKeeper(Protocol):
    """Validators, slashing and jailing (staking)."""

    def get_validator(self, ctx: Context, op: bytes) -> StakingValidator | None:
        """The validator at op, or None."""

    def get_validator_by_cons(self, ctx: Context, cons: bytes) -> StakingValidator | None:
        """The validator with that consensus address, or None."""

    def get_delegation(self, ctx: Context, delegator: bytes, op: bytes) -> int | None:
        """Delegation shares, or None."""

    def slash(
        self, ctx: Context, cons: bytes, infraction_height: int, power: int, fraction: int
    ) -> int:
        """Burns fraction of the stake at the infraction."""

    def jail(self, ctx: Context, cons: bytes) -> None:
        """Jails a validator."""

    def unjail(self, ctx: Context, cons: bytes) -> None:
        """Unjails a validator."""

    def get_params(self, ctx: Context) -> StakingParams:
        """Staking params (unbonding_time_ns bounds evidence age)."""
