"""Datanet invariants: the module account holds exactly the escrowed bonds plus the unclaimed
rewards, and every version's accumulator accounts for every unit credited to it."""

from __future__ import annotations

from aichain.app.context import Context
from aichain.modules.datanet.keeper import MODULE, ViewKeeper
from aichain.modules.datanet.types import REWARD_SCALE, compute_owed


def escrow_invariant(ctx: Context, keeper: ViewKeeper) -> str | None:
    """None if the module account's balance == bonds held + (credited - claimed)."""
    bonds = 0
    unclaimed = 0
    for datanet in keeper.iter_datanets(ctx):
        bonds += sum(int(r.bond) for r in keeper.iter_records(ctx, datanet.id))
        unclaimed += sum(r.paid - r.claimed for _, r in keeper.iter_rewards(ctx, datanet.id))
    denom = keeper.get_params(ctx).bond_denom
    balance = keeper.bank.get_balance(ctx, keeper.accounts.get_module_address(MODULE), denom)
    if balance != bonds + unclaimed:
        return (
            f"datanet module account holds {balance}{denom} but bonds escrowed are {bonds} and "
            f"unclaimed rewards {unclaimed}"
        )
    return None


def accumulator_invariant(ctx: Context, keeper: ViewKeeper) -> str | None:
    """None if, for every credited version, paid == claimed + claimable (in units of 10^-18:
    paid * 10^18 == claimed * 10^18 + sum of what contributors are owed + remainder)."""
    for datanet in keeper.iter_datanets(ctx):
        contributors = list(keeper.iter_contributors(ctx, datanet.id))
        for version, rewards in keeper.iter_rewards(ctx, datanet.id):
            owed = 0
            for contributor in contributors:
                snapshot, carry = keeper.get_claim_state(ctx, datanet.id, version, contributor)
                weight = keeper.get_weight(ctx, datanet.id, contributor, version)
                owed += compute_owed(weight, rewards.reward_per_weight, snapshot, carry)
            lhs = rewards.paid * REWARD_SCALE
            rhs = rewards.claimed * REWARD_SCALE + owed + rewards.remainder
            if lhs != rhs:
                return (
                    f"datanet {datanet.id} v{version}: paid {rewards.paid} != claimed "
                    f"{rewards.claimed} + claimable ({owed} + {rewards.remainder}) / 10^18"
                )
    return None
