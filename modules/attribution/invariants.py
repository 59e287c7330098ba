"""Attribution invariants: escrow conservation, the module account's holdings, ppm sums,
provenance of every paid record, and earnings bookkeeping."""

from __future__ import annotations

from aichain.app.context import Context
from aichain.modules.attribution.view import HELD_STATUSES, ViewKeeper
from aichain.modules.attribution.weights import PPM_TOTAL


def escrow_invariant(ctx: Context, keeper: ViewKeeper) -> str | None:
    """escrow in == paid + refunded + burned + pooled + participation (sent to governance's
    participation pool) + still held, the held part equals the
    fees of open requests, and the module account holds exactly what it owes: held fees,
    prepaid balances, unclaimed earnings and challenge bonds."""
    t = keeper.get_totals(ctx)
    if t.escrow_in != t.paid + t.refunded + t.burned + t.pooled + t.participation + t.held:
        return (f"escrow in {t.escrow_in} != paid {t.paid} + refunded {t.refunded} + burned "
                f"{t.burned} + pooled {t.pooled} + participation {t.participation} + held "
                f"{t.held}")  # fmt: skip
    held = sum(int(i.request.fee) for i in keeper.iter_inferences(ctx)
               if i.request.status in HELD_STATUSES)  # fmt: skip
    if held != t.held:
        return f"open requests hold {held}, the accounting says {t.held}"
    prepaid = sum(balance for _, _, balance in keeper.iter_prepaid(ctx))
    claimable = sum(int(e.claimable or "0") for e in keeper.iter_earnings(ctx))
    owed = t.held + prepaid + claimable + t.bonds
    balance = keeper.module_balance(ctx)
    if balance != owed:
        return (f"attribution module account holds {balance}, owes {owed} (held {t.held}, "
                f"prepaid {prepaid}, claimable {claimable}, bonds {t.bonds})")  # fmt: skip
    if any(int(e.claimable or "0") < 0 or int(e.pending or "0") < 0
           for e in keeper.iter_earnings(ctx)):  # fmt: skip
        return "an earnings balance is negative"
    return None


def results_invariant(ctx: Context, keeper: ViewKeeper) -> str | None:
    """Every stored result's weights sum to 10^6, and every record paid from an inference is
    in the provenance of the model (or its lineage)."""
    provenance: dict[int, frozenset[tuple[int, int]]] = {}
    for inference in keeper.iter_inferences(ctx):
        if not inference.worker:
            continue
        total = sum(e.weight_ppm for e in inference.result.attributions)
        if total != PPM_TOTAL:
            return f"inference {inference.request.id}'s weights sum to {total}"
        model_id = inference.request.model_id
        if model_id not in provenance:
            provenance[model_id] = frozenset(
                (r.datanet_id, r.version)
                for m in keeper.modelreg.get_lineage(ctx, model_id)
                for r in m.provenance
            )
        for payout in inference.payouts:
            if (
                payout.role == "data"
                and (payout.datanet_id, payout.version) not in provenance[model_id]
            ):
                return (f"inference {inference.request.id} pays record {payout.record_id} of "
                        f"datanet {payout.datanet_id} v{payout.version}, outside model "
                        f"{model_id}'s provenance")  # fmt: skip
    return None


def earnings_invariant(ctx: Context, keeper: ViewKeeper) -> str | None:
    """claimable + claimed == credited (the per-model credits) for every account."""
    from aichain.app.crypto import parse_account_address

    for earning in keeper.iter_earnings(ctx):
        account = parse_account_address(earning.account)
        credited = sum(int(m.amount) for m in keeper.iter_model_earnings(ctx, account))
        if int(earning.claimable or "0") + int(earning.claimed or "0") != credited:
            return (f"{earning.account}: claimable {earning.claimable} + claimed "
                    f"{earning.claimed} != credited {credited}")  # fmt: skip
    return None
