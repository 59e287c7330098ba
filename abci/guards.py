"""Guards the server applies around every application call.

Each guard stops one known way a hand-written ABCI app kills a CometBFT v0.38 node: the app's
answer is repaired into a safe one (and logged), or, where consensus cannot continue, turned
into a FatalAppError so the server stops cleanly instead of sending a ResponseException.
See docs/abci.md for the list and the reasons.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import tendermint.abci.types_pb2 as abci_pb
from google.protobuf.message import Message

from aichain.abci.application import compute_txs_within
from aichain.abci.errors import FatalAppError

LOGGER = logging.getLogger("aichain.abci")

INTERNAL_ERROR_CODE = 1
"""Code of the error result that replaces a failed CheckTx or Query (the SDK's ErrInternal)."""

INTERNAL_ERROR_CODESPACE = "sdk"
"""Codespace of that error result."""

INTERNAL_ERROR_LOG = "internal error"
"""Log of that error result: no traceback leaves the process."""

Fallback = Callable[[Any], Message]
"""Builds the safe response to a request when the app raised or answered the wrong type."""

Check = Callable[[Any, Any], Message]
"""Inspects a well-typed response; returns it (possibly repaired) or raises FatalAppError."""


@dataclass(frozen=True, slots=True)
class Route:
    """How one request kind is guarded: expected response type, fallback, extra check."""

    kind: str
    response_type: type[Message]
    fallback: Fallback | None
    check: Check | None = None


def _check_tx_failed(req: Message) -> Message:
    """CheckTx error result: the tx is refused, the node lives."""
    return abci_pb.ResponseCheckTx(
        code=INTERNAL_ERROR_CODE, codespace=INTERNAL_ERROR_CODESPACE, log=INTERNAL_ERROR_LOG
    )


def _query_failed(req: Message) -> Message:
    """Query error result."""
    return abci_pb.ResponseQuery(
        code=INTERNAL_ERROR_CODE, codespace=INTERNAL_ERROR_CODESPACE, log=INTERNAL_ERROR_LOG
    )


def _proposal_rejected(req: Message) -> Message:
    """REJECT: this validator prevotes nil, the round moves on."""
    return abci_pb.ResponseProcessProposal(status=abci_pb.ResponseProcessProposal.REJECT)


def _extension_rejected(req: Message) -> Message:
    """REJECT: the vote carrying the extension is refused."""
    return abci_pb.ResponseVerifyVoteExtension(status=abci_pb.ResponseVerifyVoteExtension.REJECT)


def _proposal_from_mempool(req: abci_pb.RequestPrepareProposal) -> Message:
    """Propose the mempool's txs as CometBFT handed them, trimmed to max_tx_bytes."""
    return abci_pb.ResponsePrepareProposal(txs=compute_txs_within(list(req.txs), req.max_tx_bytes))


def _check_process_proposal(req: Message, resp: abci_pb.ResponseProcessProposal) -> Message:
    """A status other than ACCEPT/REJECT (UNKNOWN is the default) panics CometBFT: REJECT."""
    if resp.status in (resp.ACCEPT, resp.REJECT):
        return resp
    LOGGER.error("ProcessProposal returned status %d (not ACCEPT/REJECT); rejecting", resp.status)
    return _proposal_rejected(req)


def _check_verify_vote_extension(
    req: Message, resp: abci_pb.ResponseVerifyVoteExtension
) -> Message:
    """A status other than ACCEPT/REJECT panics CometBFT: REJECT."""
    if resp.status in (resp.ACCEPT, resp.REJECT):
        return resp
    LOGGER.error(
        "VerifyVoteExtension returned status %d (not ACCEPT/REJECT); rejecting", resp.status
    )
    return _extension_rejected(req)


def _check_prepare_proposal(
    req: abci_pb.RequestPrepareProposal, resp: abci_pb.ResponsePrepareProposal
) -> Message:
    """Txs beyond max_tx_bytes make CometBFT fail to build the block: trim from the end."""
    total = sum(len(tx) for tx in resp.txs)
    if total <= req.max_tx_bytes:
        return resp
    kept = compute_txs_within(list(resp.txs), req.max_tx_bytes)
    LOGGER.warning(
        "PrepareProposal returned %d txs of %d bytes > max_tx_bytes %d; keeping the first %d",
        len(resp.txs),
        total,
        req.max_tx_bytes,
        len(kept),
    )
    return abci_pb.ResponsePrepareProposal(txs=kept)


def _check_finalize_block(
    req: abci_pb.RequestFinalizeBlock, resp: abci_pb.ResponseFinalizeBlock
) -> Message:
    """CometBFT needs exactly one ExecTxResult per tx; anything else is fatal."""
    if len(resp.tx_results) != len(req.txs):
        raise FatalAppError(
            "finalize_block",
            f"{len(resp.tx_results)} tx_results for {len(req.txs)} txs at height {req.height}",
        )
    return resp


def _snapshot_offer_aborted(req: Message) -> Message:
    """ABORT state sync."""
    return abci_pb.ResponseOfferSnapshot(result=abci_pb.ResponseOfferSnapshot.ABORT)


def _snapshot_chunk_aborted(req: Message) -> Message:
    """ABORT state sync."""
    return abci_pb.ResponseApplySnapshotChunk(result=abci_pb.ResponseApplySnapshotChunk.ABORT)


def _check_snapshot_result(req: Message, resp: Any) -> Message:
    """A snapshot result of UNKNOWN means nothing to CometBFT: ABORT."""
    if resp.result != 0:
        return resp
    LOGGER.error("%s returned result UNKNOWN; aborting state sync", type(resp).__name__)
    if isinstance(resp, abci_pb.ResponseOfferSnapshot):
        return _snapshot_offer_aborted(req)
    return _snapshot_chunk_aborted(req)


ROUTES: dict[str, Route] = {
    r.kind: r
    for r in (
        Route("info", abci_pb.ResponseInfo, None),
        Route("init_chain", abci_pb.ResponseInitChain, None),
        Route("query", abci_pb.ResponseQuery, _query_failed),
        Route("check_tx", abci_pb.ResponseCheckTx, _check_tx_failed),
        Route(
            "prepare_proposal",
            abci_pb.ResponsePrepareProposal,
            _proposal_from_mempool,
            _check_prepare_proposal,
        ),
        Route(
            "process_proposal",
            abci_pb.ResponseProcessProposal,
            _proposal_rejected,
            _check_process_proposal,
        ),
        Route("finalize_block", abci_pb.ResponseFinalizeBlock, None, _check_finalize_block),
        Route("extend_vote", abci_pb.ResponseExtendVote, lambda req: abci_pb.ResponseExtendVote()),
        Route(
            "verify_vote_extension",
            abci_pb.ResponseVerifyVoteExtension,
            _extension_rejected,
            _check_verify_vote_extension,
        ),
        Route("commit", abci_pb.ResponseCommit, None),
        Route(
            "list_snapshots",
            abci_pb.ResponseListSnapshots,
            lambda req: abci_pb.ResponseListSnapshots(),
        ),
        Route(
            "offer_snapshot",
            abci_pb.ResponseOfferSnapshot,
            _snapshot_offer_aborted,
            _check_snapshot_result,
        ),
        Route(
            "load_snapshot_chunk",
            abci_pb.ResponseLoadSnapshotChunk,
            lambda req: abci_pb.ResponseLoadSnapshotChunk(),
        ),
        Route(
            "apply_snapshot_chunk",
            abci_pb.ResponseApplySnapshotChunk,
            _snapshot_chunk_aborted,
            _check_snapshot_result,
        ),
    )
}
"""Every request kind the application answers, keyed by the Request oneof field name."""


def is_fatal_kind(kind: str) -> bool:
    """Whether a failure of this request kind stops the server (no safe answer exists)."""
    return ROUTES[kind].fallback is None


def call_guarded(app: object, kind: str, req: Message) -> Message:
    """Call app.<kind>(req) and return a response that is safe to send; raises FatalAppError."""
    route = ROUTES[kind]
    try:
        resp = getattr(app, kind)(req)
    except Exception as exc:
        if route.fallback is None:
            raise FatalAppError(kind, f"{type(exc).__name__}: {exc}") from exc
        LOGGER.error("%s raised; answering with a safe default", kind, exc_info=exc)
        return route.fallback(req)
    if type(resp) is not route.response_type:
        reason = (
            f"returned {type(resp).__qualname__}, expected {route.response_type.DESCRIPTOR.name}"
        )
        if route.fallback is None:
            raise FatalAppError(kind, reason)
        LOGGER.error("%s %s; answering with a safe default", kind, reason)
        return route.fallback(req)
    if route.check is not None:
        return route.check(req, resp)
    return resp


_FLUSH = abci_pb.ResponseFlush()
"""The (empty) answer to every Flush."""


def respond_guarded_parts(app: object, request: abci_pb.Request) -> tuple[str, Message]:
    """The Response to one Request as (oneof field, inner response), not yet wrapped in a
    Response (the server frames it without copying it: `framing.encode_response_frame`);
    Echo and Flush included. Raises FatalAppError."""
    kind = request.WhichOneof("value")
    if kind == "flush":
        return kind, _FLUSH
    if kind == "echo":
        return kind, abci_pb.ResponseEcho(message=request.echo.message)
    if kind not in ROUTES:
        raise FatalAppError(str(kind), "unknown request kind")
    return kind, call_guarded(app, kind, getattr(request, kind))


def respond_guarded(app: object, request: abci_pb.Request) -> abci_pb.Response:
    """The Response to one Request (Echo and Flush included); raises FatalAppError."""
    kind, resp = respond_guarded_parts(app, request)
    response = abci_pb.Response()
    getattr(response, kind).CopyFrom(resp)
    return response
