"""The whole app in-process through ABCI requests: InitChain -> CheckTx -> FinalizeBlock ->
Commit -> Query, with every bad input the issue lists."""

from __future__ import annotations

import json

import pytest
from cosmos.bank.v1beta1 import query_pb2 as bank_q
from cosmos.bank.v1beta1 import tx_pb2 as bank_tx
from cosmos.base.v1beta1 import coin_pb2
from tendermint.abci import types_pb2 as abci

from aichain.app.ante import parse_min_gas_prices
from aichain.app.app import new_app
from aichain.app.baseapp import AppConfig
from aichain.app.coins import Coin
from aichain.app.crypto import account_address
from aichain.client.txbuilder import SignerData, build_tx, pack
from aichain.modules.bank.cli import msg_multi_send

from ..helpers import CHAIN_ID, DENOM, Chain, make_key

ALICE, BOB, MALLORY = make_key(1), make_key(2), make_key(3)
FUNDS = 10**12
CONFIG = AppConfig(
    min_gas_prices=parse_min_gas_prices("0.0025uaic"), max_tx_bytes=4096, invariant_check_period=1
)


@pytest.fixture
def chain() -> Chain:
    return Chain.start([(ALICE, FUNDS), (MALLORY, FUNDS)], CONFIG)


def _snapshot(chain: Chain) -> dict:
    ctx = chain.app.query_context()
    return (
        dict(chain.app.root.backend.iterate(b"bank/"))
        | dict(chain.app.root.backend.iterate(b"auth/"))
        | {"_": ctx.height}
    )


def _raw_send(
    chain: Chain, key, amount: list[coin_pb2.Coin], to: str | None = None, sender: str | None = None
) -> bytes:
    msg = bank_tx.MsgSend(
        from_address=sender or account_address(key.address),
        to_address=to or account_address(BOB.address),
        amount=amount,
    )
    return build_tx(
        [msg],
        key,
        SignerData(chain.numbers.get(key.address, 0), 0),
        CHAIN_ID,
        [Coin(DENOM, 500)],
        200_000,
    )


def test_send_moves_funds_and_commits_app_hash(chain: Chain) -> None:
    tx = chain.send_tx(ALICE, BOB.address, 1000)
    assert chain.check(tx).code == 0
    resp = chain.block([tx])
    assert [r.code for r in resp.tx_results] == [0]
    assert chain.balance(BOB.address) == 1000
    assert chain.balance(ALICE.address) == FUNDS - 1000 - 500
    assert chain.app.info(abci.RequestInfo()).last_block_app_hash == resp.app_hash
    assert chain.invariants() == []
    query = chain.app.query(
        abci.RequestQuery(
            path="/cosmos.bank.v1beta1.Query/Balance",
            data=bank_q.QueryBalanceRequest(
                address=account_address(BOB.address), denom=DENOM
            ).SerializeToString(),
        )
    )
    assert query.code == 0
    assert bank_q.QueryBalanceResponse.FromString(query.value).balance.amount == "1000"
    events = {e.type for e in resp.tx_results[0].events}
    assert {"tx", "message", "transfer", "coin_spent", "coin_received"} <= events


def test_multi_send(chain: Chain) -> None:
    carol = make_key(4)
    msg = msg_multi_send(
        account_address(ALICE.address),
        [Coin(DENOM, 30)],
        [
            (account_address(BOB.address), [Coin(DENOM, 10)]),
            (account_address(carol.address), [Coin(DENOM, 20)]),
        ],
    )
    tx = build_tx(
        [msg],
        ALICE,
        SignerData(chain.numbers[ALICE.address], 0),
        CHAIN_ID,
        [Coin(DENOM, 500)],
        200_000,
    )
    assert chain.block([tx]).tx_results[0].code == 0
    assert (chain.balance(BOB.address), chain.balance(carol.address)) == (10, 20)


def test_same_blocks_give_same_app_hash_on_two_apps() -> None:
    a = Chain.start([(ALICE, FUNDS)], CONFIG)
    b = Chain.start([(ALICE, FUNDS)], CONFIG)
    txs = [a.send_tx(ALICE, BOB.address, n) for n in (1, 2, 3)]
    assert a.block(txs).app_hash == b.block(txs).app_hash
    assert a.block([]).app_hash == b.block([]).app_hash


def test_info_reports_only_persisted_state(chain: Chain) -> None:
    committed = chain.app.info(abci.RequestInfo())
    chain.app.finalize_block(
        abci.RequestFinalizeBlock(
            txs=[chain.send_tx(ALICE, BOB.address, 5)], height=chain.height + 1
        )
    )
    info = chain.app.info(abci.RequestInfo())
    assert (info.last_block_height, info.last_block_app_hash) == (
        committed.last_block_height,
        committed.last_block_app_hash,
    )


def test_a_restarted_app_checks_txs_at_the_last_committed_block_time(chain: Chain) -> None:
    chain.block([])
    time_ns = (1_700_000_000 + chain.height) * 1_000_000_000
    assert chain.app.last_block_time_ns == time_ns
    restarted = new_app(chain.app.root.backend, CONFIG)  # same database, fresh process state
    assert restarted.last_block_time_ns == time_ns
    assert restarted.query_context().time_ns == time_ns
    # a block finalized but never committed does not move the persisted clock
    chain.app.finalize_block(abci.RequestFinalizeBlock(height=chain.height + 1))
    assert new_app(chain.app.root.backend, CONFIG).last_block_time_ns == time_ns


def _bad_cases(chain: Chain):
    """(name, tx bytes, expected codespace, code, log fragment)."""
    to = account_address(BOB.address)
    other_num = SignerData(chain.numbers[ALICE.address], 0)
    yield "not a tx", b"\x01\x02garbage", "sdk", 2, "not a cosmos.tx"
    yield (
        "too large",
        chain.send_tx(ALICE, BOB.address, 1, memo="x" * 5000, sequence=0),
        "sdk",
        21,
        "above the limit",
    )
    unknown = bank_tx.MsgSend(from_address=account_address(ALICE.address), to_address=to)
    any_msg = pack(unknown)
    any_msg.type_url = "/cosmos.bank.v1beta1.MsgBurn"
    from cosmos.tx.v1beta1 import tx_pb2

    body = tx_pb2.TxBody(messages=[any_msg]).SerializeToString()
    yield (
        "unknown type url",
        tx_pb2.TxRaw(body_bytes=body, auth_info_bytes=b"", signatures=[b""]).SerializeToString(),
        "sdk",
        6,
        "unrecognized message type",
    )
    yield (
        "wrong chain id",
        chain.send_tx(ALICE, BOB.address, 1, sequence=1, chain_id="evil-1"),
        "sdk",
        4,
        "signature verification failed",
    )
    msg = bank_tx.MsgSend(
        from_address=account_address(ALICE.address),
        to_address=to,
        amount=[coin_pb2.Coin(denom=DENOM, amount="1")],
    )
    yield (
        "signed by another key",
        build_tx([msg], MALLORY, other_num, CHAIN_ID, [Coin(DENOM, 500)], 200_000),
        "sdk",
        8,
        "pubkey does not match",
    )
    yield (
        "stale sequence",
        chain.send_tx(ALICE, BOB.address, 1, sequence=0),
        "sdk",
        3,
        "account sequence mismatch",
    )
    yield (
        "future sequence",
        chain.send_tx(ALICE, BOB.address, 1, sequence=7),
        "sdk",
        3,
        "expected 1, got 7",
    )
    yield (
        "negative amount",
        _raw_send(chain, MALLORY, [coin_pb2.Coin(denom=DENOM, amount="-5")]),
        "sdk",
        10,
        "invalid amount",
    )
    yield (
        "zero amount",
        _raw_send(chain, MALLORY, [coin_pb2.Coin(denom=DENOM, amount="0")]),
        "sdk",
        10,
        "must be positive",
    )
    yield (
        "malformed amount",
        _raw_send(chain, MALLORY, [coin_pb2.Coin(denom=DENOM, amount="12abc")]),
        "sdk",
        10,
        "invalid amount",
    )
    yield "empty amount", _raw_send(chain, MALLORY, []), "sdk", 10, "no coins"
    yield (
        "invalid bech32",
        _raw_send(chain, MALLORY, [coin_pb2.Coin(denom=DENOM, amount="1")], to="aic1qqqq"),
        "sdk",
        7,
        "bech32",
    )
    yield (
        "wrong prefix",
        _raw_send(chain, MALLORY, [coin_pb2.Coin(denom=DENOM, amount="1")], to="cosmos1" + to[4:]),
        "sdk",
        7,
        "bech32",
    )
    yield (
        "duplicate denoms",
        _raw_send(
            chain,
            MALLORY,
            [coin_pb2.Coin(denom=DENOM, amount="1"), coin_pb2.Coin(denom=DENOM, amount="2")],
        ),
        "sdk",
        10,
        "duplicate denomination",
    )
    yield (
        "bad denom",
        _raw_send(chain, MALLORY, [coin_pb2.Coin(denom="u", amount="1")]),
        "sdk",
        10,
        "invalid denom",
    )


def test_bad_input_is_rejected_with_a_clear_error_and_changes_nothing(chain: Chain) -> None:
    assert chain.block([chain.send_tx(ALICE, BOB.address, 1, sequence=0)]).tx_results[0].code == 0
    for name, tx, codespace, code, fragment in _bad_cases(chain):
        before = _snapshot(chain)
        checked = chain.check(tx)
        assert (checked.codespace, checked.code) == (codespace, code), (name, checked.log)
        assert fragment in checked.log, (name, checked.log)
        result = chain.block([tx]).tx_results[0]
        assert (result.codespace, result.code) == (codespace, code), (name, result.log)
        assert _snapshot(chain) | {"_": 0} == before | {"_": 0}, name
        assert chain.invariants() == [], name


def test_fee_below_min_gas_price_is_refused_by_check_tx_only(chain: Chain) -> None:
    tx = chain.send_tx(ALICE, BOB.address, 1, fee=10)
    checked = chain.check(tx)
    assert (checked.codespace, checked.code) == ("sdk", 13)
    assert "insufficient fees; got: 10uaic required: 500uaic" in checked.log
    # the minimum gas price is this node's mempool policy, not a consensus rule
    assert chain.block([tx]).tx_results[0].code == 0


def test_more_than_balance_in_a_block_charges_only_the_fee(chain: Chain) -> None:
    tx = chain.send_tx(ALICE, BOB.address, FUNDS * 2)
    checked = chain.check(tx)  # CheckTx runs the messages too: refused before any fee
    assert (checked.code, "insufficient funds" in checked.log) == (5, True)
    result = chain.block([tx]).tx_results[0]  # a proposer may still include it
    assert "insufficient funds" in result.log
    assert result.code == 5
    assert chain.balance(ALICE.address) == FUNDS - 500
    assert chain.account(ALICE.address).sequence == 1
    assert chain.balance(BOB.address) == 0


def test_out_of_gas_charges_the_fee_and_nothing_else(chain: Chain) -> None:
    tx = chain.send_tx(ALICE, BOB.address, 100, gas=40_000)
    assert chain.check(tx).code == 11  # refused at the mempool: out of gas
    result = chain.block([tx]).tx_results[0]
    assert (result.codespace, result.code) == ("sdk", 11), result.log
    assert "out of gas" in result.log
    assert chain.balance(ALICE.address) == FUNDS - 500
    assert chain.balance(BOB.address) == 0
    assert result.gas_used <= result.gas_wanted == 40_000
    assert chain.invariants() == []


def test_check_state_tracks_sequences_and_resets_at_commit(chain: Chain) -> None:
    first = chain.send_tx(ALICE, BOB.address, 1)
    second = chain.send_tx(ALICE, BOB.address, 1)
    assert chain.check(first).code == 0
    assert chain.check(second).code == 0  # check state already advanced to sequence 1
    assert chain.check(first).code == 3
    chain.block([first, second])
    assert chain.account(ALICE.address).sequence == 2


def test_query_errors_are_clear(chain: Chain) -> None:
    bad = chain.app.query(
        abci.RequestQuery(
            path="/cosmos.bank.v1beta1.Query/Balance",
            data=bank_q.QueryBalanceRequest(address="nope", denom=DENOM).SerializeToString(),
        )
    )
    assert bad.code == 7 and "bech32" in bad.log
    unknown = chain.app.query(abci.RequestQuery(path="/nope.Query/X", data=b""))
    assert unknown.code == 6
    future = chain.app.query(
        abci.RequestQuery(path="/cosmos.bank.v1beta1.Query/Params", height=999)
    )
    assert future.code == 26
    raw = chain.app.query(abci.RequestQuery(path="/store/bank/key", data=b"\x03"))
    assert raw.code == 0 and raw.value


def test_genesis_rejects_supply_mismatch_and_bad_addresses() -> None:
    from aichain.app.app import memory_app

    for state, fragment in [
        (
            {
                "bank": {
                    "balances": [
                        {
                            "address": account_address(ALICE.address),
                            "coins": [{"denom": DENOM, "amount": "5"}],
                        }
                    ],
                    "supply": [{"denom": DENOM, "amount": "6"}],
                }
            },
            "!= sum of balances",
        ),
        ({"bank": {"balances": [{"address": "aic1bad", "coins": []}]}}, "bech32"),
    ]:
        from aichain.modules.bank.errors import InvalidGenesisError

        with pytest.raises(InvalidGenesisError) as info:
            memory_app().init_chain(
                abci.RequestInitChain(chain_id="x", app_state_bytes=json.dumps(state).encode())
            )
        assert fragment in str(info.value)


def test_prepare_proposal_respects_max_tx_bytes(chain: Chain) -> None:
    txs = [b"a" * 100, b"b" * 100, b"c" * 100]
    resp = chain.app.prepare_proposal(abci.RequestPrepareProposal(txs=txs, max_tx_bytes=250))
    assert list(resp.txs) == txs[:2]
    assert (
        chain.app.process_proposal(abci.RequestProcessProposal()).status
        == abci.ResponseProcessProposal.ACCEPT
    )
