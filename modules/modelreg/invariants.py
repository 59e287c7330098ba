"""Modelreg invariants: the module account holds exactly the workers' bonds; governance's
version rankings are chains."""

from __future__ import annotations

from aichain.app.context import Context
from aichain.modelreg.v1 import modelreg_pb2 as pb
from aichain.modules.modelreg.keeper import MODULE, ViewKeeper
from aichain.modules.modelreg.types import MAX_RANKED_VERSIONS


def bonds_invariant(ctx: Context, keeper: ViewKeeper) -> str | None:
    """None if the modelreg module account's balance == the sum of worker bonds."""
    bonds = sum(int(w.bond) for w in keeper.iter_workers(ctx))
    denom = keeper.get_params(ctx).bond_denom
    balance = keeper.bank.get_balance(ctx, keeper.accounts.get_module_address(MODULE), denom)
    if balance != bonds:
        return f"modelreg module account holds {balance}{denom}, worker bonds sum to {bonds}"
    return None


def rankings_invariant(ctx: Context, keeper: ViewKeeper) -> str | None:
    """None if governance's version rankings are well formed: each successor link has its
    predecessor link back (and the reverse), links join models of one kind and family, and
    every ranking is a chain without a cycle of at most MAX_RANKED_VERSIONS models."""
    models = {m.id: m for m in keeper.iter_models(ctx)}
    for model in models.values():
        for field, back in (("successor_id", "predecessor_id"), ("predecessor_id", "successor_id")):
            other_id = getattr(model, field)
            if not other_id:
                continue
            other = models.get(other_id)
            if other is None or getattr(other, back) != model.id:
                return f"model {model.id}: {field} {other_id} does not link back"
            if other.kind != model.kind or (
                model.kind == pb.MODEL_KIND_ADAPTER and other.base_model_id != model.base_model_id
            ):
                return f"models {model.id} and {other_id} are ranked but not of one family"
    linked = sum(1 for m in models.values() if m.successor_id or m.predecessor_id)
    reached = 0
    for model in models.values():
        if model.predecessor_id or not model.successor_id:
            continue
        current, length = model, 1  # the bottom of a chain: walk it up
        while current.successor_id:
            current = models[current.successor_id]
            length += 1
            if length > MAX_RANKED_VERSIONS:
                return f"the ranking above model {model.id} holds over {MAX_RANKED_VERSIONS}"
        reached += length
    if reached != linked:
        return f"{linked - reached} ranked models are on a cycle (no lowest version)"
    return None
