"""Requests: escrow, deterministic worker assignment, timeouts (refund, penalty, jail)."""

from __future__ import annotations

from aichain.app.context import Context
from aichain.attribution.v1 import attribution_pb2 as pb
from aichain.attribution.v1 import tx_pb2
from aichain.modelreg.v1 import modelreg_pb2 as mpb
from aichain.modules.attribution import events, keys
from aichain.modules.attribution.errors import (
    FeeBelowPriceError,
    InvalidRequestError,
    ModelNotServableError,
    NoWorkerError,
)
from aichain.modules.attribution.state import AttributionState, address, bech32
from aichain.modules.attribution.types import compute_assignment, parse_amount
from aichain.modules.attribution.view import PENDING, TIMED_OUT

ACTIVE_WORKER = mpb.WORKER_STATUS_ACTIVE


class Requests:
    """MsgRequestInference and the timeout step of end-block."""

    def __init__(self, state: AttributionState) -> None:
        self.state = state

    def require_servable(self, ctx: Context, model_id: int) -> mpb.Model:
        """An active model. Raises ModelNotFoundError, ModelNotServableError."""
        model = self.state.modelreg.require_model(ctx, model_id)
        if model.status != mpb.MODEL_STATUS_ACTIVE:
            raise ModelNotServableError(
                f"model {model_id} is {mpb.ModelStatus.Name(model.status)}: only active models "
                "take requests"
            )
        return model

    def candidates(
        self, ctx: Context, model_id: int, exclude: frozenset[bytes] = frozenset()
    ) -> list[tuple[bytes, int]]:
        """(operator, bond) of every active worker serving the model, in operator order."""
        found = []
        for worker in self.state.modelreg.iter_workers(ctx):
            if worker.status != ACTIVE_WORKER or model_id not in worker.models:
                continue
            operator = address(worker.operator)
            bond = int(worker.bond or "0")
            if bond > 0 and operator not in exclude:
                found.append((operator, bond))
        return found

    def assign(self, ctx: Context, model_id: int, request_id: int) -> bytes:
        """The worker a request goes to (weighted by bond, seeded by the last block's hash).
        Raises NoWorkerError."""
        candidates = self.candidates(ctx, model_id)
        if not candidates:
            raise NoWorkerError(
                f"no active worker serves model {model_id}: nobody could answer the request"
            )
        return compute_assignment(self.state.get_seed(ctx), request_id, candidates)

    def request(
        self, ctx: Context, requester: bytes, msg: tx_pb2.MsgRequestInference
    ) -> tuple[int, str, int]:
        """Escrows the fee and assigns a worker; returns (request id, worker, fee).

        Raises ModelNotFoundError, ModelNotServableError, FeeBelowPriceError,
        InvalidRequestError, NoWorkerError, InsufficientFundsError.
        """
        params = self.state.get_params(ctx)
        model = self.require_servable(ctx, msg.model_id)
        if len(msg.input_inline) > params.max_inline_input_bytes:
            raise InvalidRequestError(
                f"inline input of {len(msg.input_inline)} bytes exceeds "
                f"{params.max_inline_input_bytes}: put it in the content store and send its hash"
            )
        max_fee = parse_amount(msg.max_fee, "max fee")
        per_request = int(model.price_per_request or "0")
        per_tokens = int(model.price_per_1k_tokens or "0")
        if max_fee < per_request:
            raise FeeBelowPriceError(
                f"max fee {max_fee} is below model {model.id}'s price {per_request} per request"
            )
        timeout = msg.timeout_height or ctx.height + params.max_timeout_blocks
        low, high = ctx.height + params.min_timeout_blocks, ctx.height + params.max_timeout_blocks
        if not low <= timeout <= high:
            raise InvalidRequestError(
                f"timeout height {timeout} must be in [{low}, {high}] (this block + "
                f"[{params.min_timeout_blocks}, {params.max_timeout_blocks}] blocks)"
            )
        # a token price is settled when the result says how many tokens: escrow max_fee
        fee = max_fee if per_tokens else per_request
        request_id = self.state.allocate_id(ctx)
        worker = self.assign(ctx, model.id, request_id)
        self.state.escrow(ctx, requester, fee)
        request = pb.InferenceRequest(
            id=request_id, requester=bech32(requester), model_id=model.id,
            input_hash=msg.input_hash, input_inline=msg.input_inline, fee=str(fee),
            timeout_height=timeout, assigned_worker=bech32(worker),
            assignment_end_height=ctx.height + params.assignment_window_blocks,
            height=ctx.height, status=PENDING,
        )  # fmt: skip
        self.state.set_inference(ctx, pb.Inference(request=request))
        self.state.queue(ctx, keys.TIMEOUTS, timeout, request_id)
        ctx.kv(self.state.store_key).set(keys.pending_by_worker_key(worker, request_id), b"")
        self.state.add_totals(ctx, escrow_in=fee, held=fee)
        events.emit_requested(ctx, request_id, request.requester, model.id, request.assigned_worker,
                              fee)  # fmt: skip
        return request_id, request.assigned_worker, fee

    def process_timeouts(self, ctx: Context) -> None:
        """Refunds requests with no result by their timeout height; penalises the assigned
        worker and jails it after params.max_misses consecutive misses."""
        params = self.state.get_params(ctx)
        for height, request_id in self.state.due(ctx, keys.TIMEOUTS):
            self.state.dequeue(ctx, keys.TIMEOUTS, height, request_id)
            inference = self.state.get_inference(ctx, request_id)
            if inference is None or inference.request.status != PENDING:
                continue
            request = inference.request
            fee = int(request.fee)
            self.state.pay(ctx, request.requester, fee)
            self.state.add_totals(ctx, refunded=fee, held=-fee)
            request.status = TIMED_OUT
            inference.payouts.append(
                pb.Payout(role="refund", recipient=request.requester, amount=str(fee))
            )
            self.state.set_inference(ctx, inference)
            worker = address(request.assigned_worker)
            ctx.kv(self.state.store_key).delete(keys.pending_by_worker_key(worker, request_id))
            events.emit_timed_out(ctx, request_id, request.requester, fee)
            self.penalise_miss(ctx, worker, params.timeout_penalty, params)

    def penalise_miss(self, ctx: Context, worker: bytes, penalty: int, params) -> None:  # type: ignore[no-untyped-def]
        """Burns the timeout penalty from a worker's bond; jails it at max_misses in a row."""
        if self.state.modelreg.get_worker(ctx, worker) is None:
            return  # unbonded and removed meanwhile
        cut = self.state.modelreg.slash_worker_bond(ctx, worker, penalty)
        misses = self.state.get_misses(ctx, worker) + 1
        jailed = misses >= params.max_misses
        if jailed:
            until = ctx.time_ns // 1_000_000_000 + params.jail_seconds
            self.state.modelreg.jail_worker(ctx, worker, until)
            misses = 0
        self.state.set_misses(ctx, worker, misses)
        events.emit_penalised(ctx, bech32(worker), "timeout", cut, jailed)
