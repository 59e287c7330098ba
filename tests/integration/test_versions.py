"""Queries at past heights through ABCI: gRPC paths and raw store keys with proofs that verify
against the app hash of that height; pruned and future heights give clear errors."""

from __future__ import annotations

from cosmos.bank.v1beta1 import query_pb2 as bank_q
from tendermint.abci import types_pb2 as abci

from aichain.app.baseapp import AppConfig
from aichain.app.crypto import account_address
from aichain.app.store.options import parse_store_options
from aichain.client.proofs import verify_proof_ops

from ..helpers import DENOM, Chain, make_key

ALICE, BOB = make_key(1), make_key(2)


def _balance_at(chain: Chain, address: bytes, height: int) -> abci.ResponseQuery:
    req = bank_q.QueryBalanceRequest(address=account_address(address), denom=DENOM)
    return chain.app.query(
        abci.RequestQuery(
            path="/cosmos.bank.v1beta1.Query/Balance",
            data=req.SerializeToString(),
            height=height,
        )
    )


def _amount(res: abci.ResponseQuery) -> int:
    assert res.code == 0, res.log
    return int(bank_q.QueryBalanceResponse.FromString(res.value).balance.amount or 0)


def test_grpc_and_store_queries_at_past_heights_with_proofs() -> None:
    chain = Chain.start([(ALICE, 10**9)])
    app_hashes = {1: chain.app.info(abci.RequestInfo()).last_block_app_hash}
    for amount in (10, 20, 30):
        resp = chain.block([chain.send_tx(ALICE, BOB.address, amount)])
        app_hashes[chain.height] = resp.app_hash
    assert [_amount(_balance_at(chain, BOB.address, h)) for h in (1, 2, 3, 4)] == [0, 10, 30, 60]
    all_balances = chain.app.query(
        abci.RequestQuery(
            path="/cosmos.bank.v1beta1.Query/AllBalances",
            data=bank_q.QueryAllBalancesRequest(
                address=account_address(BOB.address)
            ).SerializeToString(),
            height=2,
        )
    )
    assert all_balances.code == 0
    assert bank_q.QueryAllBalancesResponse.FromString(all_balances.value).balances[0].amount == "10"
    # every raw bank key, at every height, proven against that height's app hash
    keys = [k[len(b"bank/") :] for k, _ in chain.app.root.backend.iterate(b"bank/")]
    for height in (1, 2, 3, 4):
        for key in [*keys, b"\x02nothing-here"]:
            res = chain.app.query(
                abci.RequestQuery(path="/store/bank/key", data=key, height=height, prove=True)
            )
            assert res.code == 0 and res.height == height
            ops = [(o.type, o.key, o.data) for o in res.proof_ops.ops]
            verify_proof_ops(app_hashes[height], b"bank/" + key, res.value or None, ops)


def test_pruned_and_future_heights_are_clear_errors() -> None:
    store = parse_store_options("custom", keep_recent=2, interval=1)
    chain = Chain.start([(ALICE, 10**9)], AppConfig(store=store))
    for amount in (1, 2, 3):
        chain.block([chain.send_tx(ALICE, BOB.address, amount)])
    pruned = _balance_at(chain, BOB.address, 1)
    assert (
        pruned.code == 26 and "pruned" in pruned.log and "earliest kept height is 3" in pruned.log
    )
    future = _balance_at(chain, BOB.address, 99)
    assert future.code == 26 and "not committed yet" in future.log
    assert _amount(_balance_at(chain, BOB.address, 3)) == 3
