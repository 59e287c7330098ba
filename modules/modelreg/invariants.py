"""Modelreg invariants: the module account holds exactly the workers' bonds."""

from __future__ import annotations

from aichain.app.context import Context
from aichain.modules.modelreg.keeper import MODULE, ViewKeeper


def bonds_invariant(ctx: Context, keeper: ViewKeeper) -> str | None:
    """None if the modelreg module account's balance == the sum of worker bonds."""
    bonds = sum(int(w.bond) for w in keeper.iter_workers(ctx))
    denom = keeper.get_params(ctx).bond_denom
    balance = keeper.bank.get_balance(ctx, keeper.accounts.get_module_address(MODULE), denom)
    if balance != bonds:
        return f"modelreg module account holds {balance}{denom}, worker bonds sum to {bonds}"
    return None
