"""Mint's simulation: a random fixed inflation at genesis; param changes, valid and
invalid (inflation_min must equal inflation_max; blocks_per_year must be positive)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from cosmos.mint.v1beta1 import mint_pb2, tx_pb2

from aichain.app.dec import ONE, dec_wire, format_dec
from aichain.app.simulation.types import (
    SIM_DENOM,
    GenesisEnv,
    NoOp,
    SimEnv,
    SimTx,
    WeightedOperation,
    params_update,
)


def randomized_genesis(genesis: GenesisEnv) -> dict[str, Any]:
    """Inflation 0..20% a year."""
    rng = genesis.rng
    return {
        "params": {
            "mint_denom": SIM_DENOM,
            "inflation_rate": format_dec(rng.randint(0, 200) * ONE // 1000),
            "blocks_per_year": str(rng.randint(10**5, 10**7)),
        }
    }


def simulate_update_params(rng: random.Random, env: SimEnv) -> SimTx | NoOp:
    """A new fixed inflation; one time in six a range (min < max) or 0 blocks a year."""
    rate = rng.randint(0, 200) * ONE // 1000
    blocks = rng.randint(10**5, 10**7)
    bad = rng.randrange(6)
    low, high = (rate, rate + ONE // 100) if bad == 0 else (rate, rate)
    if bad == 1:
        blocks = 0
    params = mint_pb2.Params(
        mint_denom=SIM_DENOM,
        inflation_rate_change=dec_wire(0),
        inflation_max=dec_wire(high),
        inflation_min=dec_wire(low),
        goal_bonded=dec_wire(ONE * 67 // 100),
        blocks_per_year=blocks,
    )

    def make(authority: str) -> tx_pb2.MsgUpdateParams:
        return tx_pb2.MsgUpdateParams(authority=authority, params=params)

    return params_update(rng, env, make, valid=bad > 1)


def weighted_operations() -> Sequence[WeightedOperation]:
    """Mint's operations and their default weights."""
    return (WeightedOperation("mint/update-params", 2, simulate_update_params),)
