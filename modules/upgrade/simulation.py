"""Upgrade's simulation: plans scheduled far beyond the run (valid), in the past or unnamed
(refused), and cancellations (refused when nothing is scheduled)."""

from __future__ import annotations

import random
from collections.abc import Sequence

from cosmos.upgrade.v1beta1 import tx_pb2, upgrade_pb2

from aichain.app.simulation.types import NoOp, SimEnv, SimTx, WeightedOperation, params_update

FAR = 10**9
"""Plans land this far beyond the current height, so no run reaches them."""


def simulate_software_upgrade(rng: random.Random, env: SimEnv) -> SimTx | NoOp:
    """A plan; one time in four in the past or without a name."""
    bad = rng.randrange(4) == 0
    height = env.ctx.height - 1 if bad and rng.randrange(2) else env.ctx.height + FAR
    name = "" if bad and height > env.ctx.height else f"v{rng.randint(2, 10**6)}"
    plan = upgrade_pb2.Plan(name=name, height=max(height, 1), info="sim")

    def make(authority: str) -> tx_pb2.MsgSoftwareUpgrade:
        return tx_pb2.MsgSoftwareUpgrade(authority=authority, plan=plan)

    return params_update(rng, env, make, valid=not bad)


def simulate_cancel_upgrade(rng: random.Random, env: SimEnv) -> SimTx | NoOp:
    """Cancels the scheduled plan (refused when none is)."""
    scheduled = env.keeper("upgrade").get_plan(env.ctx) is not None

    def make(authority: str) -> tx_pb2.MsgCancelUpgrade:
        return tx_pb2.MsgCancelUpgrade(authority=authority)

    return params_update(rng, env, make, valid=scheduled)


def weighted_operations() -> Sequence[WeightedOperation]:
    """Upgrade's operations and their default weights."""
    return (
        WeightedOperation("upgrade/software-upgrade", 1, simulate_software_upgrade),
        WeightedOperation("upgrade/cancel-upgrade", 1, simulate_cancel_upgrade),
    )
