"""The attribution ViewKeeper: every read of the module's state (queries, invariants, the
stateful checks of the handlers)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from aichain.app.context import Context
from aichain.app.crypto import account_address
from aichain.app.store_keys import StoreKey
from aichain.attribution.v1 import attribution_pb2 as pb
from aichain.attribution.v1 import query_pb2
from aichain.modules.attribution import keys
from aichain.modules.attribution.errors import (
    DisputeNotFoundError,
    InferenceNotFoundError,
    RequestNotFoundError,
)
from aichain.modules.attribution.expected import (
    AccountKeeper,
    BankKeeper,
    DatanetKeeper,
    DistributionKeeper,
    ModelregKeeper,
)
from aichain.modules.attribution.types import Params

MODULE = "attribution"
"""The attribution module account (burner): escrowed fees, prepaid balances, unclaimed
earnings and challenge bonds."""

PENDING = pb.REQUEST_STATUS_PENDING
ANSWERED = pb.REQUEST_STATUS_ANSWERED
SETTLED = pb.REQUEST_STATUS_SETTLED
TIMED_OUT = pb.REQUEST_STATUS_TIMED_OUT
DISPUTED = pb.REQUEST_STATUS_DISPUTED
REFUNDED = pb.REQUEST_STATUS_REFUNDED

HELD_STATUSES = frozenset({PENDING, ANSWERED, DISPUTED})
"""Statuses whose fee is still escrowed."""


@dataclass(frozen=True, slots=True)
class Totals:
    """Escrow accounting: every fee escrowed is paid, refunded, burned, pooled (community
    pool), sent to governance's participation pool or still held; `bonds` are challenge bonds
    held."""

    escrow_in: int = 0
    paid: int = 0
    refunded: int = 0
    burned: int = 0
    pooled: int = 0
    held: int = 0
    bonds: int = 0
    participation: int = 0

    def encode(self) -> bytes:
        """Decimals joined by ':'."""
        return ":".join(str(v) for v in (self.escrow_in, self.paid, self.refunded, self.burned,
                                          self.pooled, self.held, self.bonds,
                                          self.participation)).encode()  # fmt: skip

    @classmethod
    def decode(cls, raw: bytes) -> Totals:
        """From encode() (a value written before `participation` existed has 7 fields: 0)."""
        return cls(*(int(v) for v in raw.decode().split(":")))


@lru_cache(maxsize=64)
def _decode_params(raw: bytes) -> Params:
    return Params.from_proto(pb.Params.FromString(raw))


def parse_pair(raw: bytes | None) -> tuple[int, int]:
    """Two decimals 'a:b' (0, 0 when absent)."""
    if not raw:
        return 0, 0
    a, b = raw.decode().split(":")
    return int(a), int(b)


class ViewKeeper:
    """Reads requests, inferences, earnings, disputes and prepaid balances."""

    def __init__(
        self, store_key: StoreKey, bank: BankKeeper, accounts: AccountKeeper,
        distribution: DistributionKeeper, datanet: DatanetKeeper, modelreg: ModelregKeeper,
    ) -> None:  # fmt: skip
        self.store_key = store_key
        self.bank = bank
        self.accounts = accounts
        self.distribution = distribution
        self.datanet = datanet
        self.modelreg = modelreg

    def get_params(self, ctx: Context) -> Params:
        """Stored params (defaults before genesis)."""
        raw = ctx.kv(self.store_key).get(keys.PARAMS)
        return _decode_params(raw) if raw else Params()

    def get_denom(self, ctx: Context) -> str:
        """The fee and bond denom (modelreg's bond denom)."""
        return self.modelreg.get_params(ctx).bond_denom

    def get_next_id(self, ctx: Context) -> int:
        """The id the next request gets."""
        raw = ctx.kv(self.store_key).get(keys.NEXT_ID)
        return keys.read_u64(raw) if raw else 1

    def get_inference(self, ctx: Context, inference_id: int) -> pb.Inference | None:
        """An inference (request and, once answered, result), or None."""
        raw = ctx.kv(self.store_key).get(keys.inference_key(inference_id))
        return pb.Inference.FromString(raw) if raw else None

    def require_inference(self, ctx: Context, inference_id: int) -> pb.Inference:
        """An inference. Raises InferenceNotFoundError."""
        inference = self.get_inference(ctx, inference_id)
        if inference is None:
            raise InferenceNotFoundError(
                f"inference {inference_id} does not exist (`aichain query attribution inferences`)"
            )
        return inference

    def require_request(self, ctx: Context, request_id: int) -> pb.Inference:
        """The inference of a request id. Raises RequestNotFoundError."""
        inference = self.get_inference(ctx, request_id)
        if inference is None:
            raise RequestNotFoundError(
                f"request {request_id} does not exist: results answer a MsgRequestInference id "
                "(or carry a prepaid receipt with request id 0)"
            )
        return inference

    def iter_inferences(self, ctx: Context, reverse: bool = False) -> Iterator[pb.Inference]:
        """Every inference by id."""
        for _, raw in ctx.kv(self.store_key).iterate(keys.INFERENCES, reverse):
            yield pb.Inference.FromString(raw)

    def iter_pending_of(
        self, ctx: Context, worker: bytes, reverse: bool = False
    ) -> Iterator[pb.Inference]:
        """Requests assigned to a worker and still waiting for a result."""
        store = ctx.kv(self.store_key)
        for key, _ in store.iterate(keys.pending_by_worker_prefix(worker), reverse):
            inference = self.get_inference(ctx, keys.id_from_pending_key(key))
            if inference is not None:
                yield inference

    def get_earning(self, ctx: Context, account: bytes) -> pb.Earning:
        """An account's worker, owner and lineage earnings."""
        raw = ctx.kv(self.store_key).get(keys.earning_key(account))
        if raw:
            return pb.Earning.FromString(raw)
        return pb.Earning(account=account_address(account), claimable="0", pending="0", claimed="0")

    def iter_earnings(self, ctx: Context) -> Iterator[pb.Earning]:
        """Every account's earnings."""
        for _, raw in ctx.kv(self.store_key).iterate(keys.EARNINGS):
            yield pb.Earning.FromString(raw)

    def iter_model_earnings(self, ctx: Context, account: bytes) -> Iterator[query_pb2.ModelEarning]:
        """What an account was credited from each model."""
        for key, raw in ctx.kv(self.store_key).iterate(keys.model_earnings_prefix(account)):
            yield query_pb2.ModelEarning(
                model_id=keys.model_from_earning_key(key), amount=raw.decode()
            )

    def get_datanet_revenue(self, ctx: Context, datanet_id: int) -> tuple[int, int]:
        """(revenue credited, inferences that credited it) of a datanet."""
        return parse_pair(ctx.kv(self.store_key).get(keys.datanet_revenue_key(datanet_id)))

    def get_model_stats(self, ctx: Context, model_id: int) -> tuple[int, int]:
        """(disputes, upheld disputes) of a model."""
        return parse_pair(ctx.kv(self.store_key).get(keys.model_stats_key(model_id)))

    def get_dispute(self, ctx: Context, dispute_id: int) -> pb.Dispute | None:
        """A dispute, or None."""
        raw = ctx.kv(self.store_key).get(keys.dispute_key(dispute_id))
        return pb.Dispute.FromString(raw) if raw else None

    def require_dispute(self, ctx: Context, dispute_id: int) -> pb.Dispute:
        """A dispute. Raises DisputeNotFoundError."""
        dispute = self.get_dispute(ctx, dispute_id)
        if dispute is None:
            raise DisputeNotFoundError(
                f"dispute {dispute_id} does not exist (`aichain query attribution disputes`)"
            )
        return dispute

    def iter_disputes(self, ctx: Context, reverse: bool = False) -> Iterator[pb.Dispute]:
        """Every dispute by id."""
        for _, raw in ctx.kv(self.store_key).iterate(keys.DISPUTES, reverse):
            yield pb.Dispute.FromString(raw)

    def get_prepaid(self, ctx: Context, requester: bytes, model_id: int) -> int:
        """A requester's prepaid balance for a model."""
        raw = ctx.kv(self.store_key).get(keys.prepaid_key(requester, model_id))
        return int(raw) if raw else 0

    def iter_prepaid(self, ctx: Context) -> Iterator[tuple[bytes, int, int]]:
        """(requester, model id, balance) of every prepaid balance."""
        for key, raw in ctx.kv(self.store_key).iterate(keys.PREPAID):
            requester, model_id = keys.split_prepaid_key(key)
            yield requester, model_id, int(raw)

    def is_nonce_spent(self, ctx: Context, requester: bytes, nonce: int) -> bool:
        """Whether a requester's receipt nonce was spent."""
        return ctx.kv(self.store_key).has(keys.nonce_key(requester, nonce))

    def get_seed(self, ctx: Context) -> bytes:
        """The seed of assignment and committee draws (from the last block's hash)."""
        return ctx.kv(self.store_key).get(keys.SEED) or b"aichain/attribution/genesis-seed"

    def get_totals(self, ctx: Context) -> Totals:
        """Escrow accounting."""
        raw = ctx.kv(self.store_key).get(keys.TOTALS)
        return Totals.decode(raw) if raw else Totals()

    def get_misses(self, ctx: Context, worker: bytes) -> int:
        """A worker's consecutive missed requests."""
        raw = ctx.kv(self.store_key).get(keys.misses_key(worker))
        return keys.read_u64(raw) if raw else 0

    def module_balance(self, ctx: Context) -> int:
        """What the attribution module account holds."""
        address = self.accounts.get_module_address(MODULE)
        return self.bank.get_balance(ctx, address, self.get_denom(ctx))
