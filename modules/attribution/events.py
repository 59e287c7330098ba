"""Event types and attributes the attribution module emits (one constructor per event), so
explorers and workers follow every step by subscription."""

from __future__ import annotations

from aichain.app.context import Context

INFERENCE_REQUESTED = "inference_requested"
"""A fee was escrowed and a worker assigned."""
INFERENCE_SUBMITTED = "inference_submitted"
"""A signed result was stored; payouts wait for the challenge window."""
INFERENCE_SETTLED = "inference_settled"
"""A fee was split and credited."""
INFERENCE_TIMED_OUT = "inference_timed_out"
"""No result by the timeout height: the fee went back."""
WORKER_PENALISED = "worker_penalised"
"""A worker's bond was cut (timeout, slash, no reveal)."""
INFERENCE_CHALLENGED = "inference_challenged"
"""A result was challenged with a bond."""
COMMITTEE_DRAWN = "committee_drawn"
"""A dispute's committee was drawn from a block hash."""
VOTE_COMMITTED = "vote_committed"
"""A committee member committed."""
VOTE_REVEALED = "vote_revealed"
"""A committee member revealed."""
DISPUTE_RESOLVED = "dispute_resolved"
"""A dispute ended (upheld, rejected, void)."""
PARTICIPATION_FUNDED = "participation_pool_funded"
"""A block's settled participation shares moved to governance's participation pool."""
EARNINGS_CLAIMED = "earnings_claimed"
"""An account claimed its matured earnings."""
PREPAID_CHANGED = "prepaid_changed"
"""A prepaid balance was funded, withdrawn or spent."""


def _emit(ctx: Context, type_: str, *attributes: tuple[str, str]) -> None:
    if ctx.records_events:
        ctx.emit(type_, *attributes)


def emit_requested(
    ctx: Context, request_id: int, requester: str, model_id: int, worker: str, fee: int
) -> None:
    """inference_requested."""
    _emit(ctx, INFERENCE_REQUESTED, ("request_id", str(request_id)), ("requester", requester),
          ("model_id", str(model_id)), ("assigned_worker", worker), ("fee", str(fee)))  # fmt: skip


def emit_submitted(
    ctx: Context, request_id: int, worker: str, model_id: int, records: int, challenge_end: int
) -> None:
    """inference_submitted."""
    _emit(ctx, INFERENCE_SUBMITTED, ("request_id", str(request_id)), ("worker", worker),
          ("model_id", str(model_id)), ("records", str(records)),
          ("challenge_end_height", str(challenge_end)))  # fmt: skip


def emit_settled(ctx: Context, request_id: int, fee: int, participation: int) -> None:
    """inference_settled (participation: its share for governance's participation pool)."""
    _emit(ctx, INFERENCE_SETTLED, ("request_id", str(request_id)), ("fee", str(fee)),
          ("participation", str(participation)))  # fmt: skip


def emit_participation_funded(ctx: Context, amount: int, inferences: int) -> None:
    """participation_pool_funded: one per block that settled a participation share."""
    _emit(ctx, PARTICIPATION_FUNDED, ("amount", str(amount)),
          ("inferences", str(inferences)))  # fmt: skip


def emit_timed_out(ctx: Context, request_id: int, requester: str, refund: int) -> None:
    """inference_timed_out."""
    _emit(ctx, INFERENCE_TIMED_OUT, ("request_id", str(request_id)), ("requester", requester),
          ("refund", str(refund)))  # fmt: skip


def emit_penalised(ctx: Context, worker: str, reason: str, amount: int, jailed: bool) -> None:
    """worker_penalised."""
    _emit(ctx, WORKER_PENALISED, ("worker", worker), ("reason", reason), ("amount", str(amount)),
          ("jailed", "true" if jailed else "false"))  # fmt: skip


def emit_challenged(
    ctx: Context, dispute_id: int, inference_id: int, challenger: str, bond: int
) -> None:
    """inference_challenged."""
    _emit(ctx, INFERENCE_CHALLENGED, ("dispute_id", str(dispute_id)),
          ("inference_id", str(inference_id)), ("challenger", challenger),
          ("bond", str(bond)))  # fmt: skip


def emit_committee(ctx: Context, dispute_id: int, members: list[str], commit_end: int) -> None:
    """committee_drawn."""
    _emit(ctx, COMMITTEE_DRAWN, ("dispute_id", str(dispute_id)), ("members", ",".join(members)),
          ("commit_end_height", str(commit_end)))  # fmt: skip


def emit_committed(ctx: Context, dispute_id: int, member: str) -> None:
    """vote_committed."""
    _emit(ctx, VOTE_COMMITTED, ("dispute_id", str(dispute_id)), ("member", member))


def emit_revealed(ctx: Context, dispute_id: int, member: str, agrees: bool) -> None:
    """vote_revealed."""
    _emit(ctx, VOTE_REVEALED, ("dispute_id", str(dispute_id)), ("member", member),
          ("agrees", "true" if agrees else "false"))  # fmt: skip


def emit_resolved(
    ctx: Context, dispute_id: int, outcome: str, slashed: int, rewarded: int, burned: int
) -> None:
    """dispute_resolved."""
    _emit(ctx, DISPUTE_RESOLVED, ("dispute_id", str(dispute_id)), ("outcome", outcome),
          ("slashed", str(slashed)), ("rewarded", str(rewarded)),
          ("burned", str(burned)))  # fmt: skip


def emit_claimed(ctx: Context, account: str, amount: int) -> None:
    """earnings_claimed."""
    _emit(ctx, EARNINGS_CLAIMED, ("account", account), ("amount", str(amount)))


def emit_prepaid(ctx: Context, requester: str, model_id: int, action: str, balance: int) -> None:
    """prepaid_changed."""
    _emit(ctx, PREPAID_CHANGED, ("requester", requester), ("model_id", str(model_id)),
          ("action", action), ("balance", str(balance)))  # fmt: skip
