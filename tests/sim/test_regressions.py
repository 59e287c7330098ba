"""Bugs the simulation found, kept as plain regression tests (each names the seed that found
it; the simulation itself may take another path once its operations change)."""

from __future__ import annotations

import json

from google.protobuf import timestamp_pb2
from tendermint.abci import types_pb2 as abci

from aichain.app.app import memory_app
from aichain.app.coins import Coin
from aichain.app.crypto import account_address, valoper_address
from aichain.app.simulation.runner import store_diff
from aichain.modules.staking.cli import msg_cancel_unbonding, msg_delegate, msg_undelegate
from tests.helpers import CHAIN_ID, DENOM, make_key
from tests.integration.staking_chain import StakingChain, validator_keys

AIC = 10**6


def _reimport(chain: StakingChain):
    """A fresh app holding chain's exported genesis, imported at the next height."""
    exported = chain.app.manager.export_genesis(chain.app.query_context())
    fresh = memory_app()
    resp = fresh.init_chain(
        abci.RequestInitChain(
            chain_id=CHAIN_ID,
            app_state_bytes=json.dumps(exported).encode(),
            initial_height=chain.height + 1,
            time=timestamp_pb2.Timestamp(seconds=chain.time_s),
        )
    )
    return fresh, resp.app_hash


def test_cancelling_a_whole_unbonding_entry_drops_its_queue_key() -> None:
    """Seed 3 of `aichain sim --blocks 300`: a cancelled entry left its unbonding-queue key, so
    an exported genesis imported to another app hash."""
    (op_key, cons), alice = validator_keys(1)[0], make_key(1)
    chain = StakingChain.start(
        [(op_key, cons, 100 * AIC)],
        [(alice, 1000 * AIC)],
        {"staking": {"params": {"unbonding_time": "600s", "bond_denom": DENOM}}},
    )
    me, val = account_address(alice.address), valoper_address(op_key.address)
    assert chain.run([chain.tx(alice, [msg_delegate(me, val, Coin(DENOM, 40 * AIC))])])[0].code == 0
    assert (
        chain.run([chain.tx(alice, [msg_undelegate(me, val, Coin(DENOM, 10 * AIC))])])[0].code == 0
    )
    height = chain.height
    cancel = msg_cancel_unbonding(me, val, Coin(DENOM, 10 * AIC), height)
    assert chain.run([chain.tx(alice, [cancel])])[0].code == 0
    fresh, app_hash = _reimport(chain)
    assert store_diff(chain.app, fresh) == []
    assert app_hash == chain.app.root.last_app_hash
    assert chain.invariants() == []
