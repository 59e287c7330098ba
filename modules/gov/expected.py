"""What the governance module needs from other modules (and from the app's message router,
through which passed proposals execute)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol

from google.protobuf.message import Message

from aichain.app.coins import Coin
from aichain.app.context import Context


class AccountKeeper(Protocol):
    """Module account addresses (auth)."""

    def get_module_address(self, name: str) -> bytes:
        """The address of a module account."""


class BankKeeper(Protocol):
    """Escrow of deposits and the participation pool, refunds and burns (bank)."""

    def get_balance(self, ctx: Context, address: bytes, denom: str) -> int:
        """The balance of denom at address."""

    def get_all_balances(self, ctx: Context, address: bytes) -> tuple[Coin, ...]:
        """Every balance of address, by denom."""

    def send_coins_from_account_to_module(
        self, ctx: Context, sender: bytes, module: str, coins: Sequence[Coin]
    ) -> None:
        """Moves coins into a module account. Raises InsufficientFundsError."""

    def send_coins_from_module_to_account(
        self, ctx: Context, module: str, recipient: bytes, coins: Sequence[Coin]
    ) -> None:
        """Pays coins out of a module account. Raises InsufficientFundsError."""

    def send_coins_from_module_to_module(
        self, ctx: Context, sender_module: str, recipient_module: str, coins: Sequence[Coin]
    ) -> None:
        """Moves coins between module accounts. Raises InsufficientFundsError."""

    def burn_coins(self, ctx: Context, module: str, coins: Sequence[Coin]) -> None:
        """Burns coins a module account (with the burner permission) holds."""


class StakingValidator(Protocol):
    """The validator fields the tally reads."""

    operator: bytes
    status: int
    tokens: int
    shares: int


class StakingKeeper(Protocol):
    """The bonded validators and voters' delegations (staking)."""

    def iter_last_powers(self, ctx: Context) -> Iterator[tuple[bytes, int]]:
        """(operator, power) of the bonded set, by operator."""

    def get_validator(self, ctx: Context, op: bytes) -> StakingValidator | None:
        """The validator at op, or None."""

    def iter_delegator_delegations(
        self, ctx: Context, delegator: bytes
    ) -> Iterator[tuple[bytes, int]]:
        """(validator, shares) of a delegator's delegations."""

    def get_pool(self, ctx: Context) -> tuple[int, int]:
        """(not bonded, bonded) pool balances."""


class DistributionKeeper(Protocol):
    """The community pool (distribution)."""

    def fund_community_pool(self, ctx: Context, depositor: bytes, coins: list[Coin]) -> None:
        """Moves coins from depositor into the community pool."""

    def distribute_from_community_pool(
        self, ctx: Context, recipient: bytes, coins: list[Coin]
    ) -> None:
        """Pays coins out of the community pool. Raises InsufficientFundsError."""


class MsgRoute(Protocol):
    """How one message type decodes, checks, names its signers and executes."""

    type_url: str
    proto: type[Message]
    signers: Callable[[Any], tuple[bytes, ...]]
    validate_basic: Callable[[Any], None]
    handler: Callable[[Context, Any], Message]
    module: str


class MsgRouter(Protocol):
    """The app's message routes (a passed proposal's messages run through them)."""

    def msg_route(self, type_url: str) -> MsgRoute:
        """The route of a message type. Raises UnknownRequestError."""
