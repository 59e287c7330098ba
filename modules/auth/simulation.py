"""Auth's simulation: param changes, and txs the ante chain must refuse (a stale or future
sequence, another chain's id, too little gas, a fee above the balance, a memo over the
limit), each carrying an otherwise valid send."""

from __future__ import annotations

import random
from collections.abc import Sequence

from cosmos.auth.v1beta1 import tx_pb2
from cosmos.bank.v1beta1 import tx_pb2 as bank_tx
from cosmos.base.v1beta1 import coin_pb2

from aichain.app.simulation.types import (
    BEYOND_ANY_BALANCE,
    SIM_DENOM,
    NoOp,
    SimEnv,
    SimTx,
    WeightedOperation,
    params_update,
)


def simulate_bad_ante(rng: random.Random, env: SimEnv) -> SimTx | NoOp:
    """A send of 1uaic to oneself in a tx the ante chain refuses."""
    signer = env.pick_account(rng)
    if signer is None:
        return NoOp("every account signed in this block")
    msg = bank_tx.MsgSend(
        from_address=signer.bech32,
        to_address=signer.bech32,
        amount=[coin_pb2.Coin(denom=SIM_DENOM, amount="1")],
    )
    kind = rng.randrange(5)
    if kind == 0:
        offset = rng.choice((-3, -1, 1, 2, 100))
        sequence = env.keeper("auth").get_account(env.ctx, signer.address).sequence
        offset = max(offset, -sequence) or 1
        return SimTx(signer, (msg,), valid=False, sequence_offset=offset)
    if kind == 1:
        return SimTx(signer, (msg,), valid=False, chain_id=env.chain_id + "-other")
    if kind == 2:
        return SimTx(signer, (msg,), valid=False, gas=rng.randint(1, 150))
    if kind == 3:
        return SimTx(
            signer, (msg,), valid=False, fee=env.balance(signer.address) + BEYOND_ANY_BALANCE
        )
    limit = env.keeper("auth").get_params(env.ctx).max_memo_characters
    return SimTx(signer, (msg,), valid=False, memo="m" * (limit + 1))


def simulate_update_params(rng: random.Random, env: SimEnv) -> SimTx | NoOp:
    """New auth params in ranges that keep the simulation's txs affordable; one time in six
    a zero signature limit (refused)."""
    bad = rng.randrange(6) == 0
    params = env.keeper("auth").get_params(env.ctx).to_proto()
    params.max_memo_characters = rng.randint(64, 512)
    params.tx_sig_limit = 0 if bad else rng.randint(1, 7)
    params.tx_size_cost_per_byte = rng.randint(1, 20)
    params.sig_verify_cost_secp256k1 = rng.randint(100, 2_000)

    def make(authority: str) -> tx_pb2.MsgUpdateParams:
        return tx_pb2.MsgUpdateParams(authority=authority, params=params)

    return params_update(rng, env, make, valid=not bad)


def weighted_operations() -> Sequence[WeightedOperation]:
    """Auth's operations and their default weights."""
    return (
        WeightedOperation("auth/bad-ante", 10, simulate_bad_ante),
        WeightedOperation("auth/update-params", 2, simulate_update_params),
    )
