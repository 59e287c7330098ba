"""Recheck after a block, on a RocksDB app whose check state reads through the read cache
(issue 15): a tx the block made invalid is refused on recheck (evicted), one still valid
passes, and nothing a full check of the committed state would refuse is accepted."""

from __future__ import annotations

from pathlib import Path

import tendermint.abci.types_pb2 as abci_pb

from aichain.app.app import open_app
from tests.helpers import Chain, make_key

ALICE, BOB, CAROL = make_key(71), make_key(72), make_key(73)
RECHECK = abci_pb.CheckTxType.Value("RECHECK")


def _recheck(chain: Chain, tx: bytes) -> abci_pb.ResponseCheckTx:
    return chain.app.check_tx(abci_pb.RequestCheckTx(tx=tx, type=RECHECK))


def test_recheck_evicts_what_the_block_invalidated_and_keeps_the_rest(tmp_path: Path) -> None:
    app = open_app(tmp_path / "data")
    chain = Chain.start([(ALICE, 10_000), (BOB, 10**9)], app=app)
    # both pending txs are checked first, so the cache holds ALICE's and BOB's accounts and
    # balances as the committed state had them
    spend = chain.send_tx(ALICE, CAROL.address, 9_000, fee=500)  # ALICE seq 0
    bob_pending = chain.send_tx(BOB, CAROL.address, 5, fee=500)  # BOB seq 0
    assert chain.check(spend).code == 0 and chain.check(bob_pending).code == 0
    # another proposer's block carries a different tx of ALICE's with sequence 0, and not BOB's
    rival = chain.send_tx(ALICE, BOB.address, 1_000, fee=500, sequence=0)
    assert [r.code for r in chain.block([rival]).tx_results] == [0]
    assert chain.balance(ALICE.address) == 8_500
    # recheck on the new committed state: ALICE's pending tx now has a used sequence (code 3,
    # sdk ErrInvalidSequence), BOB's is untouched and stays
    evicted = _recheck(chain, spend)
    assert (evicted.codespace, evicted.code) == ("sdk", 3), evicted.log
    assert "account sequence mismatch, expected 1, got 0" in evicted.log
    assert _recheck(chain, bob_pending).code == 0
    # a fresh check of a tx at ALICE's next sequence sees her committed balance of 8,500: the
    # fee and the amount are more than she has, so it is refused (insufficient funds, code 5)
    broke = chain.send_tx(ALICE, CAROL.address, 8_500, fee=500, sequence=1)
    refused = chain.check(broke)
    assert (refused.codespace, refused.code) == ("sdk", 5), refused.log
    # what a full check of committed state refuses is refused here too: the same tx on a
    # fresh app opened over the same database
    app.root.backend.close()
    reopened = open_app(tmp_path / "data")
    again = Chain(reopened, height=chain.height)
    assert again.check(broke).code == 5 and _recheck(again, spend).code == 3
    reopened.root.backend.close()
