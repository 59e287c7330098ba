"""Slashing's simulation: a short signing window at genesis (so validators the simulation
takes offline get jailed); unjails and param changes, valid and invalid. Downtime and
double-sign evidence come from the simulation's blocks (votes and misbehavior)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from cosmos.slashing.v1beta1 import tx_pb2
from google.protobuf import duration_pb2

from aichain.app.dec import ONE
from aichain.app.simulation.types import (
    GenesisEnv,
    NoOp,
    SimEnv,
    SimTx,
    WeightedOperation,
    params_update,
)
from aichain.modules.slashing.types import Params

BLOCK_GAP_NS = 10 * 10**9
"""Most time between two simulated blocks."""

MAX_SLASH_PERCENT = 10
"""Slash fractions stay at or below this (staking's valid undelegations leave 15% room)."""


def _random_params(rng: random.Random) -> Params:
    """A short window, a jail of seconds to minutes, slashes of at most 10%."""
    return Params(
        signed_blocks_window=rng.randint(5, 40),
        min_signed_per_window=rng.randint(10, 80) * ONE // 100,
        downtime_jail_duration_ns=rng.randint(10, 120) * 10**9,
        slash_fraction_double_sign=rng.randint(0, MAX_SLASH_PERCENT * 10) * ONE // 1000,
        slash_fraction_downtime=rng.randint(0, 20) * ONE // 1000,
    )


def randomized_genesis(genesis: GenesisEnv) -> dict[str, Any]:
    """Random slashing params."""
    return {"params": _random_params(genesis.rng).to_json()}


def simulate_unjail(rng: random.Random, env: SimEnv) -> SimTx | NoOp:
    """The operator of a jailed validator unjails it (valid once its jail time is over, it is
    not tombstoned and its self-delegation meets the minimum); or unjails a validator that
    is not jailed (refused)."""
    staking = env.keeper("staking")
    slashing = env.keeper("slashing")
    free = {a.address: a for a in env.free_accounts()}
    validators = [
        v for v in staking.iter_validators(env.ctx)
        if v.operator in free and v.operator not in env.locked
    ]  # fmt: skip
    if not validators:
        return NoOp("no free validator operator")
    jailed = [v for v in validators if v.jailed]
    pool = jailed if jailed and rng.randrange(4) else validators
    validator = rng.choice(pool)
    env.locked.add(validator.operator)
    info = slashing.get_signing_info(env.ctx, validator.cons_address)
    shares = staking.get_delegation(env.ctx, validator.operator, validator.operator)
    valid: bool | None = (
        validator.jailed
        and shares is not None
        and validator.tokens_from_shares(shares) >= validator.min_self_delegation
        and (info is None or not info.tombstoned)
    )
    if valid and info is not None and env.ctx.time_ns < info.jailed_until_ns:
        # the jail ends before or after this block's time, which is not known yet
        soon = info.jailed_until_ns - env.ctx.time_ns <= BLOCK_GAP_NS
        valid = None if soon else False
    signer = free[validator.operator]
    msg = tx_pb2.MsgUnjail(validator_addr=signer.valoper)
    return SimTx(signer, (msg,), valid=valid)


def simulate_update_params(rng: random.Random, env: SimEnv) -> SimTx | NoOp:
    """New random params; one time in six a zero window (refused)."""
    params = _random_params(rng).to_proto()
    bad = rng.randrange(6) == 0
    if bad:
        if rng.randrange(2):
            params.signed_blocks_window = 0
        else:
            params.downtime_jail_duration.CopyFrom(duration_pb2.Duration(seconds=0))

    def make(authority: str) -> tx_pb2.MsgUpdateParams:
        return tx_pb2.MsgUpdateParams(authority=authority, params=params)

    return params_update(rng, env, make, valid=not bad)


def weighted_operations() -> Sequence[WeightedOperation]:
    """Slashing's operations and their default weights."""
    return (
        WeightedOperation("slashing/unjail", 15, simulate_unjail),
        WeightedOperation("slashing/update-params", 2, simulate_update_params),
    )
