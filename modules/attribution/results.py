"""Results: every check of a signed result (the same in CheckTx and FinalizeBlock), the
payouts computed at once and held until the challenge window closes, prepaid receipts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from google.protobuf.message import DecodeError

from aichain.app.context import Context
from aichain.attribution.v1 import attribution_pb2 as pb
from aichain.modelreg.v1 import modelreg_pb2 as mpb
from aichain.modules.attribution import events, keys
from aichain.modules.attribution.errors import (
    BadSignatureError,
    DuplicateRecordError,
    DuplicateResultError,
    FeeBelowPriceError,
    InsufficientPrepaidError,
    InvalidReceiptError,
    InvalidResultError,
    NotAssignedError,
    ReceiptReplayedError,
    RecordNotInProvenanceError,
    RequestClosedError,
    TooManyAttributionsError,
    TooManyResultsError,
    WeightsMismatchError,
    WeightsSumError,
    WorkerNotActiveError,
    WrongChainError,
)
from aichain.modules.attribution.signing import verify_receipt, verify_result
from aichain.modules.attribution.state import AttributionState, address
from aichain.modules.attribution.types import (
    Params,
    compute_split,
    compute_token_fee,
    parse_amount,
)
from aichain.modules.attribution.view import ANSWERED, PENDING
from aichain.modules.attribution.weights import PPM_TOTAL
from aichain.modules.modelreg.types import compute_lineage_royalties

ACTIVE_WORKER = mpb.WORKER_STATUS_ACTIVE


@dataclass(frozen=True, slots=True)
class ModelFacts:
    """What checking a result against a model needs, read once per message."""

    model: mpb.Model
    adapter_hash: str
    base_hash: str
    provenance: frozenset[tuple[int, int]]
    owners: tuple[str, ...]
    """The model's owner, then each ancestor's (nearest first)."""


def check_attributions(result: pb.InferenceResult, params: Params) -> None:
    """Stateless checks of a result's attribution. Raises TooManyAttributionsError,
    WeightsSumError, DuplicateRecordError."""
    entries = result.attributions
    if not entries:
        raise WeightsSumError("a result attributes at least one record (weights sum to 10^6)")
    if len(entries) > params.max_attributions:
        raise TooManyAttributionsError(
            f"{len(entries)} records attributed; at most params.max_attributions = "
            f"{params.max_attributions}"
        )
    total = sum(e.weight_ppm for e in entries)
    if total != PPM_TOTAL:
        raise WeightsSumError(
            f"attribution weights sum to {total}, not {PPM_TOTAL}: apply the shared ppm rule "
            "(modules/attribution/weights.py)"
        )
    seen = set()
    for e in entries:
        key = (e.datanet_id, e.version, e.record_id)
        if key in seen:
            raise DuplicateRecordError(f"record {key} is attributed twice")
        seen.add(key)


class Results:
    """MsgSubmitInference: single results and batches, on-chain requests and prepaid ones."""

    def __init__(self, state: AttributionState) -> None:
        self.state = state

    def model_facts(self, ctx: Context, model_id: int) -> ModelFacts:
        """The registry facts of a model. Raises ModelNotFoundError."""
        lineage = self.state.modelreg.get_lineage(ctx, model_id)
        model = lineage[0]
        if model.kind == mpb.MODEL_KIND_ADAPTER:
            adapter_hash, base_hash = model.weights_hash, lineage[-1].weights_hash
        else:
            adapter_hash, base_hash = "", model.weights_hash
        provenance = frozenset((r.datanet_id, r.version) for m in lineage for r in m.provenance)
        return ModelFacts(model, adapter_hash, base_hash, provenance,
                          tuple(m.owner for m in lineage))  # fmt: skip

    def submit(self, ctx: Context, bundles: Sequence[pb.ResultBundle]) -> list[int]:
        """Checks and stores every result (all or none); returns the inference ids.

        Raises TooManyResultsError and what check_result raises."""
        params = self.state.get_params(ctx)
        if len(bundles) > params.max_results_per_msg:
            raise TooManyResultsError(
                f"{len(bundles)} results in one message; at most params.max_results_per_msg = "
                f"{params.max_results_per_msg}"
            )
        facts: dict[int, ModelFacts] = {}
        members: dict[tuple[int, int, int], bool] = {}
        pending: dict[str, int] = {}
        ids = [self.submit_one(ctx, params, bundle, facts, members, pending) for bundle in bundles]
        for account in sorted(pending):  # one earnings write per account per message
            self.state.add_pending(ctx, account, pending[account])
        return ids

    def submit_one(
        self, ctx: Context, params: Params, bundle: pb.ResultBundle,
        facts: dict[int, ModelFacts], members: dict[tuple[int, int, int], bool],
        pending: dict[str, int],
    ) -> int:  # fmt: skip
        """One result: checks (cheap first), then the stored answer with its payouts.

        Raises InvalidResultError, WrongChainError, TooManyAttributionsError, WeightsSumError,
        DuplicateRecordError, RequestNotFoundError, DuplicateResultError, RequestClosedError,
        WorkerNotActiveError, NotAssignedError, BadSignatureError, WeightsMismatchError,
        RecordNotInProvenanceError, and for prepaid results InvalidReceiptError,
        ReceiptReplayedError, InsufficientPrepaidError, FeeBelowPriceError."""
        try:
            result = pb.InferenceResult.FromString(bundle.body)
        except DecodeError:
            raise InvalidResultError("result body is not an InferenceResult") from None
        if result.chain_id != ctx.chain_id:
            raise WrongChainError(
                f"result signed for chain {result.chain_id!r}, this is {ctx.chain_id!r}"
            )
        if len(result.output_inline) > params.max_inline_output_bytes:
            raise InvalidResultError(
                f"inline output of {len(result.output_inline)} bytes exceeds "
                f"{params.max_inline_output_bytes}"
            )
        check_attributions(result, params)
        if result.request_id:
            if bundle.receipt:
                raise InvalidResultError("a result for an on-chain request carries no receipt")
            inference = self._open_request(ctx, result)
        else:
            inference = self._prepaid_request(ctx, result, bundle)
        worker = self._check_worker(ctx, result, inference.request, bundle)
        model = facts.get(result.model_id)
        if model is None:
            model = facts[result.model_id] = self.model_facts(ctx, result.model_id)
        self._check_weights(ctx, result, model, members)
        self._store(ctx, params, inference, result, worker, model, pending)
        return inference.request.id

    def _open_request(self, ctx: Context, result: pb.InferenceResult) -> pb.Inference:
        inference = self.state.require_request(ctx, result.request_id)
        request = inference.request
        if request.status != PENDING:
            if request.status in (pb.REQUEST_STATUS_TIMED_OUT,):
                raise RequestClosedError(f"request {request.id} timed out and was refunded")
            raise DuplicateResultError(
                f"request {request.id} already has a result (one result per request)"
            )
        if ctx.height > request.timeout_height:
            raise RequestClosedError(
                f"request {request.id} timed out at height {request.timeout_height}"
            )
        if result.model_id != request.model_id:
            raise InvalidResultError(
                f"result names model {result.model_id}, request {request.id} asked model "
                f"{request.model_id}"
            )
        return inference

    def _prepaid_request(
        self, ctx: Context, result: pb.InferenceResult, bundle: pb.ResultBundle
    ) -> pb.Inference:
        """A request made of a requester-signed receipt; spends its nonce and its price from
        the prepaid balance."""
        if not bundle.receipt:
            raise InvalidResultError("request id 0 needs a prepaid receipt")
        try:
            receipt = pb.PrepaidReceipt.FromString(bundle.receipt)
        except DecodeError:
            raise InvalidReceiptError("receipt is not a PrepaidReceipt") from None
        if receipt.chain_id != ctx.chain_id:
            raise WrongChainError(f"receipt signed for chain {receipt.chain_id!r}")
        if receipt.model_id != result.model_id:
            raise InvalidReceiptError(
                f"receipt is for model {receipt.model_id}, the result for {result.model_id}"
            )
        try:
            requester = address(receipt.requester)
        except Exception:  # noqa: BLE001 - any malformed address is the receipt's fault
            raise InvalidReceiptError(f"receipt requester {receipt.requester!r}") from None
        price = parse_amount(receipt.price, "receipt price")
        if self.state.is_nonce_spent(ctx, requester, receipt.nonce):
            raise ReceiptReplayedError(
                f"receipt nonce {receipt.nonce} of {receipt.requester} was already spent"
            )
        account = self.state.accounts.get_account(ctx, requester)
        pubkey = account.pubkey if account is not None else None
        if not pubkey or not verify_receipt(pubkey, bundle.receipt, bundle.receipt_signature):
            raise BadSignatureError(
                f"receipt signature is not {receipt.requester}'s (sign sha256("
                "'aichain/attribution/v1/receipt' || receipt) with the account key)"
            )
        model = self.state.modelreg.require_model(ctx, receipt.model_id)
        if price < int(model.price_per_request or "0"):
            raise FeeBelowPriceError(
                f"receipt price {price} is below model {model.id}'s price {model.price_per_request}"
            )
        balance = self.state.get_prepaid(ctx, requester, receipt.model_id)
        if balance < price:
            raise InsufficientPrepaidError(
                f"prepaid balance {balance} for model {receipt.model_id} is below the receipt "
                f"price {price}: fund it (`aichain tx attribution fund-prepaid`)"
            )
        store = ctx.kv(self.state.store_key)
        store.set(keys.nonce_key(requester, receipt.nonce), b"")
        prepaid = keys.prepaid_key(requester, receipt.model_id)
        if balance - price:
            store.set(prepaid, str(balance - price).encode())
        else:
            store.delete(prepaid)
        request_id = self.state.allocate_id(ctx)
        self.state.add_totals(ctx, escrow_in=price, held=price)
        request = pb.InferenceRequest(
            id=request_id, requester=receipt.requester, model_id=receipt.model_id,
            input_hash=receipt.request_hash, fee=str(price), timeout_height=ctx.height,
            assignment_end_height=ctx.height, height=ctx.height, status=PENDING,
            prepaid_nonce=receipt.nonce,
        )  # fmt: skip
        return pb.Inference(request=request)

    def _check_worker(
        self, ctx: Context, result: pb.InferenceResult, request: pb.InferenceRequest,
        bundle: pb.ResultBundle,
    ) -> bytes:  # fmt: skip
        try:
            operator = address(result.worker)
        except Exception:  # noqa: BLE001 - a malformed address is the result's fault
            raise InvalidResultError(f"result worker {result.worker!r} is not an address") from None
        worker = self.state.modelreg.get_worker(ctx, operator)
        if worker is None:
            raise WorkerNotActiveError(f"{result.worker} has no registered worker")
        if worker.status != ACTIVE_WORKER:
            raise WorkerNotActiveError(
                f"worker {result.worker} is {mpb.WorkerStatus.Name(worker.status)}"
            )
        if request.model_id not in worker.models:
            raise NotAssignedError(
                f"worker {result.worker} does not serve model {request.model_id}"
            )
        if request.assigned_worker and ctx.height <= request.assignment_end_height:
            if result.worker != request.assigned_worker:
                raise NotAssignedError(
                    f"request {request.id} is assigned to {request.assigned_worker} until height "
                    f"{request.assignment_end_height}"
                )
        if not verify_result(worker.hot_pubkey, bundle.body, bundle.signature):
            raise BadSignatureError(
                f"result signature is not worker {result.worker}'s current hot key's"
            )
        return operator

    def _check_weights(
        self, ctx: Context, result: pb.InferenceResult, facts: ModelFacts,
        members: dict[tuple[int, int, int], bool],
    ) -> None:  # fmt: skip
        """Weight hashes, and every record in the provenance (membership answers are kept for
        the rest of the message: a batch often names the same records). A provenance names
        only published versions (modelreg checked each against the chain at registration), so
        membership is one read of the record's position."""
        if (result.adapter_weights_hash, result.base_weights_hash) != (
            facts.adapter_hash, facts.base_hash,
        ):  # fmt: skip
            raise WeightsMismatchError(
                f"result served adapter {result.adapter_weights_hash or '(none)'} on base "
                f"{result.base_weights_hash}; model {facts.model.id} is registered as adapter "
                f"{facts.adapter_hash or '(none)'} on base {facts.base_hash}"
            )
        datanet = self.state.datanet
        for e in result.attributions:
            record = (e.datanet_id, e.version, e.record_id)
            member = members.get(record)
            if member is None and (e.datanet_id, e.version) in facts.provenance:
                member = members[record] = datanet.find_position(ctx, *record) is not None
            if not member:
                raise RecordNotInProvenanceError(
                    f"record {e.record_id} of datanet {e.datanet_id} v{e.version} is not in the "
                    f"provenance of model {facts.model.id} or its lineage"
                )

    def _store(
        self, ctx: Context, params: Params, inference: pb.Inference, result: pb.InferenceResult,
        worker: bytes, facts: ModelFacts, pending: dict[str, int],
    ) -> None:  # fmt: skip
        request = inference.request
        fee = int(request.fee)
        per_tokens = int(facts.model.price_per_1k_tokens or "0")
        if per_tokens and request.prepaid_nonce == 0:
            tokens = result.prompt_tokens + result.completion_tokens
            charged = min(fee, compute_token_fee(
                int(facts.model.price_per_request or "0"), per_tokens, tokens))  # fmt: skip
            if charged < fee:
                self.state.pay(ctx, request.requester, fee - charged)
                self.state.add_totals(ctx, refunded=fee - charged, held=charged - fee)
                inference.payouts.append(
                    pb.Payout(role="refund", recipient=request.requester, amount=str(fee - charged))
                )
                fee = charged
                request.fee = str(fee)
        if request.assigned_worker:
            assigned = address(request.assigned_worker)
            ctx.kv(self.state.store_key).delete(keys.pending_by_worker_key(assigned, request.id))
            self.state.dequeue(ctx, keys.TIMEOUTS, request.timeout_height, request.id)
        weights = [((e.datanet_id, e.version, e.record_id), e.weight_ppm)
                   for e in result.attributions]  # fmt: skip
        split = compute_split(fee, params, weights)
        royalty_bps = self.state.modelreg.get_params(ctx).royalty_bps
        kept = compute_lineage_royalties(split.owner, len(facts.owners) - 1, royalty_bps)
        payouts = [("worker", result.worker, split.worker)]
        payouts += [
            ("owner" if i == 0 else "lineage", owner, amount)
            for i, (owner, amount) in enumerate(zip(facts.owners, kept, strict=True))
        ]
        for role, recipient, amount in payouts:
            if amount:
                inference.payouts.append(pb.Payout(role=role, recipient=recipient,
                                                   amount=str(amount)))  # fmt: skip
                pending[recipient] = pending.get(recipient, 0) + amount
        for (datanet_id, version, record_id), amount in split.records:
            if amount:
                inference.payouts.append(pb.Payout(
                    role="data", amount=str(amount), datanet_id=datanet_id, version=version,
                    record_id=record_id))  # fmt: skip
        shares = (("community", split.community), ("participation", split.participation),
                  ("burn", split.burn))  # fmt: skip
        for role, amount in shares:
            if amount:
                inference.payouts.append(pb.Payout(role=role, amount=str(amount)))
        request.status = ANSWERED
        inference.result.CopyFrom(result)
        inference.worker = result.worker
        inference.result_height = ctx.height
        inference.challenge_end_height = ctx.height + params.challenge_window_blocks
        self.state.set_inference(ctx, inference)
        self.state.queue(ctx, keys.MATURITY, inference.challenge_end_height, request.id)
        if self.state.get_misses(ctx, worker):
            self.state.set_misses(ctx, worker, 0)
        events.emit_submitted(ctx, request.id, result.worker, request.model_id,
                              len(result.attributions), inference.challenge_end_height)  # fmt: skip
