"""What the attribution module needs from other modules."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol

from aichain.app.coins import Coin
from aichain.app.context import Context
from aichain.datanet.v1 import datanet_pb2
from aichain.modelreg.v1 import modelreg_pb2
from aichain.modules.auth.types import Account
from aichain.modules.modelreg.types import Params as ModelregParams


class BankKeeper(Protocol):
    """Escrow in the attribution module account, payouts and burns (bank)."""

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
        """Moves coins between module accounts (the data share to the datanet account)."""

    def burn_coins(self, ctx: Context, module: str, coins: Sequence[Coin]) -> None:
        """Burns coins a module account holds (needs the burner permission)."""


class AccountKeeper(Protocol):
    """Module addresses and account public keys (auth)."""

    def get_module_address(self, name: str) -> bytes:
        """The address of a module account."""

    def get_account(self, ctx: Context, address: bytes) -> Account | None:
        """An account (its public key verifies prepaid receipts), or None."""


class DistributionKeeper(Protocol):
    """The community pool (distribution)."""

    def fund_community_pool(self, ctx: Context, depositor: bytes, coins: list[Coin]) -> None:
        """Moves coins from depositor (here: the attribution module account) into the pool."""


class ParticipationPool(Protocol):
    """Governance's participation pool, the reward of model-proposal voters (gov's
    `Participation`)."""

    def fund_from_module(self, ctx: Context, module: str, coins: tuple[Coin, ...]) -> None:
        """Moves coins from a module account (here: attribution) into the pool. Raises
        InsufficientFundsError."""


class DatanetKeeper(Protocol):
    """Record membership and the contributors' reward accumulators (datanet)."""

    def find_position(
        self, ctx: Context, datanet_id: int, version: int, record_id: int
    ) -> int | None:
        """A record's position in a version known to be published (one read), or None."""

    def credit_records(
        self, ctx: Context, datanet_id: int, version: int, credits: Sequence[tuple[int, int]]
    ) -> None:
        """Credits (record id, amount) pairs, amounts already in the datanet module account."""

    def iter_datanets(self, ctx: Context, reverse: bool = False) -> Iterator[datanet_pb2.Datanet]:
        """Every datanet by id."""

    def iter_earnings(
        self, ctx: Context, datanet_id: int, contributor: bytes
    ) -> Iterator[tuple[int, int, int]]:
        """(version, weight, claimable now) for every credited version of a datanet."""


class ModelregKeeper(Protocol):
    """Models, lineage, workers and their bonds (modelreg)."""

    def get_params(self, ctx: Context) -> ModelregParams:
        """Modelreg params (the bond denom is the fee denom)."""

    def get_model(self, ctx: Context, model_id: int) -> modelreg_pb2.Model | None:
        """A model, or None."""

    def require_model(self, ctx: Context, model_id: int, what: str = "model") -> modelreg_pb2.Model:
        """A model. Raises ModelNotFoundError."""

    def get_lineage(self, ctx: Context, model_id: int) -> list[modelreg_pb2.Model]:
        """The model, its parent adapters (nearest first), then its base model."""

    def get_usage(self, ctx: Context, model_id: int) -> modelreg_pb2.Usage:
        """A model's usage counters."""

    def get_worker(self, ctx: Context, operator: bytes) -> modelreg_pb2.Worker | None:
        """A worker, or None."""

    def get_operator_of_hot_key(self, ctx: Context, hot_address: bytes) -> bytes | None:
        """The operator whose worker signs with a hot key."""

    def iter_workers(self, ctx: Context, reverse: bool = False) -> Iterator[modelreg_pb2.Worker]:
        """Every worker by operator key."""

    def jail_worker(self, ctx: Context, operator: bytes, until: int) -> None:
        """Jails a worker until a block time."""

    def record_usage(self, ctx: Context, model_id: int, inferences: int, revenue: int) -> None:
        """Adds to a model's usage counters."""

    def slash_worker_bond(
        self, ctx: Context, operator: bytes, amount: int, to_module: str | None = None
    ) -> int:
        """Cuts up to amount from a worker's bond (to to_module, or burned); returns the cut."""
