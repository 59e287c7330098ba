"""Bad transactions into CheckTx and FinalizeBlock, in-process (Hypothesis).

Random bytes, mutated valid txs, validly signed txs with one message field corrupted (extreme
integers, huge or malformed numbers and addresses), wrong type URLs, deeply nested Any, huge
messages. For each: no exception escapes; a refusal carries a registered (codespace, code),
never the internal error; and state changes exactly as a refusal may: nothing at all when the
ante chain refused it (the app hash of an empty block), else only the fee and sequence (the
app hash of a reference tx refused after the same ante); invariants and supply hold.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from cosmos.bank.v1beta1 import bank_pb2
from cosmos.bank.v1beta1 import tx_pb2 as bank_tx
from cosmos.base.v1beta1 import coin_pb2
from cosmos.distribution.v1beta1 import tx_pb2 as dist_tx
from cosmos.gov.v1 import gov_pb2
from cosmos.gov.v1 import tx_pb2 as gov_tx
from cosmos.slashing.v1beta1 import tx_pb2 as slashing_tx
from cosmos.tx.v1beta1 import tx_pb2
from cosmos.upgrade.v1beta1 import tx_pb2 as upgrade_tx
from cosmos.upgrade.v1beta1 import upgrade_pb2
from google.protobuf import any_pb2
from google.protobuf.message import Message
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from aichain.app.coins import Coin
from aichain.app.crypto import account_address, valoper_address
from aichain.attribution.v1 import tx_pb2 as attribution_tx
from aichain.datanet.v1 import datanet_pb2
from aichain.datanet.v1 import tx_pb2 as datanet_tx
from aichain.gov.v1 import tx_pb2 as aic_gov_tx
from aichain.modelreg.v1 import tx_pb2 as modelreg_tx
from aichain.modules.attribution.types import Params as AttributionParams
from aichain.modules.staking.cli import (
    msg_cancel_unbonding,
    msg_create_validator,
    msg_delegate,
    msg_edit_validator,
    msg_redelegate,
    msg_undelegate,
)
from aichain.modules.staking.types import pubkey_any
from tests.helpers import DENOM, make_key

from .chain import (
    AIC,
    ALICE,
    BOB,
    OPERATOR,
    effect,
    judge,
    seed_ai_state,
    sign,
    start,
)
from .mutate import corrupt

LONG = int(os.environ.get("AICHAIN_FUZZ_EXAMPLES", "0"))
"""A long local run: AICHAIN_FUZZ_EXAMPLES=5000 pytest tests/fuzz (random, not derandomized)."""

FUZZ = settings(
    max_examples=LONG or 120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    derandomize=not LONG,
    database=None,
)
"""Each property: 120 examples, the same every run in CI."""

ME, BOB_ADDR = account_address(ALICE.address), account_address(BOB.address)
CHAIN_HOT = make_key(4)
"""The hot key of the worker ALICE's seed registers."""
VAL = valoper_address(OPERATOR.address)


@pytest.fixture(scope="module")
def chain():
    chain = start()
    seed_ai_state(chain)
    return chain


def valid_msgs() -> list[Message]:
    """One valid message of each kind ALICE can sign (the seeds the fuzzers corrupt)."""
    coin = Coin(DENOM, 3 * AIC)
    return [
        bank_tx.MsgSend(from_address=ME, to_address=BOB_ADDR, amount=[_coin(1000)]),
        bank_tx.MsgMultiSend(
            inputs=[bank_pb2.Input(address=ME, coins=[_coin(10)])],
            outputs=[bank_pb2.Output(address=BOB_ADDR, coins=[_coin(10)])],
        ),
        bank_tx.MsgUpdateParams(authority=ME, params=bank_pb2.Params(default_send_enabled=True)),
        msg_delegate(ME, VAL, coin),
        msg_undelegate(ME, VAL, coin),
        msg_redelegate(ME, VAL, VAL, coin),
        msg_cancel_unbonding(ME, VAL, Coin(DENOM, AIC), 3),
        msg_create_validator(ALICE.address, b"\x07" * 32, "alice", 10 * AIC),
        msg_edit_validator(ALICE.address, "renamed"),
        dist_tx.MsgWithdrawDelegatorReward(delegator_address=ME, validator_address=VAL),
        dist_tx.MsgSetWithdrawAddress(delegator_address=ME, withdraw_address=BOB_ADDR),
        dist_tx.MsgFundCommunityPool(depositor=ME, amount=[_coin(5)]),
        slashing_tx.MsgUnjail(validator_addr=valoper_address(ALICE.address)),
        *ai_msgs(),
    ]


def ai_msgs() -> list[Message]:
    """Valid messages of gov, upgrade, datanet, modelreg and attribution on the state
    seed_ai_state made (built like the modules' simulations build them)."""
    return [
        gov_tx.MsgSubmitProposal(
            initial_deposit=[_coin(10 * AIC)], proposer=ME, metadata="ipfs://fuzz",
            title="fuzz", summary="a text proposal"),
        gov_tx.MsgDeposit(proposal_id=1, depositor=ME, amount=[_coin(AIC)]),
        gov_tx.MsgVote(proposal_id=1, voter=ME, option=gov_pb2.VOTE_OPTION_YES),
        aic_gov_tx.MsgFundParticipationPool(depositor=ME, amount=[_coin(AIC)]),
        upgrade_tx.MsgSoftwareUpgrade(
            authority=ME, plan=upgrade_pb2.Plan(name="v2", height=10**9, info="fuzz")),
        datanet_tx.MsgCreateDatanet(
            creator=ME, name="fuzz-2", description="d", license="CC0",
            modality=datanet_pb2.MODALITY_TEXT, curation_mode=datanet_pb2.CURATION_MODE_OWNER,
            access_policy=datanet_pb2.ACCESS_POLICY_PUBLIC, bond_per_record="1000",
            max_record_size=1000),
        datanet_tx.MsgContribute(contributor=ME, datanet_id=1, content_hash="ef" * 32, size=12,
                                 media_type="text/plain"),
        datanet_tx.MsgReview(curator=ME, datanet_id=1, record_id=1, accept=True),
        modelreg_tx.MsgRegisterBaseModel(
            owner=ME, name="tiny-2", weights_hash="12" * 32, architecture="gpt2",
            parameter_count=1000, license="MIT"),
        modelreg_tx.MsgRegisterWorker(
            operator=ME, hot_pubkey=CHAIN_HOT.pubkey, models=[1], endpoint="https://w",
            bond=str(AIC)),
        attribution_tx.MsgRequestInference(requester=ME, model_id=1, input_inline=b"hello",
                                           max_fee="1000"),
        attribution_tx.MsgFundPrepaid(requester=ME, model_id=1, amount="5000"),
        attribution_tx.MsgUpdateParams(authority=ME, params=AttributionParams().to_proto()),
    ]  # fmt: skip


def _coin(amount: int | str, denom: str = DENOM) -> coin_pb2.Coin:
    return coin_pb2.Coin(denom=denom, amount=str(amount))


def test_every_seed_message_is_accepted_as_given(chain) -> None:
    """The seeds are valid (a corruption of them then tests one broken field)."""
    for msg in valid_msgs():
        result = effect(chain, [sign(chain, ALICE, [msg])]).tx_results[0]
        if type(msg).__name__ in ("MsgBeginRedelegate", "MsgUnjail", "MsgEditValidator"):
            assert result.code != 0  # to itself; ALICE operates no validator
            continue
        assert result.code == 0, (type(msg).__name__, result.log)


@FUZZ
@given(raw=st.binary(max_size=2048))
@example(raw=b"")
@example(raw=b"\x0a\x00")
@example(raw=b"\x0a\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01")  # varint length overflowing
@example(raw=b"\x0a\xff\xff\xff\xff\x0f")  # a length far past the end
def test_random_bytes_are_refused_without_a_trace(chain, raw: bytes) -> None:
    result = judge(chain, raw)
    assert result.code != 0


@FUZZ
@given(data=st.data())
def test_mutated_valid_txs_are_refused_or_valid(chain, data) -> None:
    msg = data.draw(st.sampled_from(valid_msgs()), label="seed")
    tx = bytearray(sign(chain, ALICE, [msg]))
    for _ in range(data.draw(st.integers(1, 4), label="mutations")):
        kind = data.draw(st.sampled_from(["flip", "cut", "insert", "truncate"]))
        at = data.draw(st.integers(0, max(0, len(tx) - 1)))
        if kind == "flip" and tx:
            tx[at] ^= 1 << data.draw(st.integers(0, 7))
        elif kind == "cut":
            del tx[at : at + data.draw(st.integers(1, 16))]
        elif kind == "insert":
            tx[at:at] = data.draw(st.binary(min_size=1, max_size=16))
        else:
            del tx[at:]
    judge(chain, bytes(tx), ALICE)


SEED_NAMES = [f"{i}-{type(m).__name__}" for i, m in enumerate(valid_msgs())]
"""One id per seed message: every one gets its own corruptions."""

PER_SEED = settings(FUZZ, max_examples=LONG or 16)
"""Corruptions of each seed message: 16, the same every run in CI."""


@pytest.mark.parametrize("seed", range(len(SEED_NAMES)), ids=SEED_NAMES)
@PER_SEED
@given(data=st.data())
def test_signed_txs_with_one_corrupted_field(chain, seed: int, data) -> None:
    msg = corrupt(data, valid_msgs()[seed])
    fee = data.draw(st.sampled_from([0, 1, 1000]), label="fee")
    judge(chain, sign(chain, ALICE, [msg], fee=fee), ALICE, fee=fee)


NEAR_URLS = (
    "", "/", "cosmos.bank.v1beta1.MsgSend", "/cosmos.bank.v1beta1.MsgSend ",
    "/google.protobuf.Any", "/cosmos.bank.v1beta1.MsgSendResponse", "/cosmos.tx.v1beta1.Tx",
)  # fmt: skip
"""Type URLs one step from a real message's."""


@FUZZ
@given(type_url=st.one_of(st.text(max_size=60), st.sampled_from(NEAR_URLS)))
def test_wrong_type_urls_are_refused(chain, type_url: str) -> None:
    send = valid_msgs()[0]
    body = tx_pb2.TxBody(messages=[any_pb2.Any(type_url=type_url, value=send.SerializeToString())])
    raw = _resign(chain, body)
    result = judge(chain, raw, ALICE)
    assert result.code != 0 or type_url == "/cosmos.bank.v1beta1.MsgSend"


def _resign(chain, body: tx_pb2.TxBody, fee: int = 0) -> bytes:
    """A tx carrying body as given, signed by ALICE."""
    valid = tx_pb2.TxRaw.FromString(sign(chain, ALICE, [valid_msgs()[0]], fee=fee))
    from aichain.app.tx import sign_doc_bytes

    body_bytes = body.SerializeToString()
    number = chain.account(ALICE.address).account_number
    doc = sign_doc_bytes(body_bytes, valid.auth_info_bytes, chain.app.chain_id, number)
    return tx_pb2.TxRaw(
        body_bytes=body_bytes,
        auth_info_bytes=valid.auth_info_bytes,
        signatures=[ALICE.sign(doc)],
    ).SerializeToString()


def _nested_any(depth: int) -> any_pb2.Any:
    inner = pubkey_any(b"\x09" * 32)
    for _ in range(depth):
        inner = any_pb2.Any(type_url="/google.protobuf.Any", value=inner.SerializeToString())
    return inner


@pytest.mark.parametrize("depth", [1, 2, 10, 100, 1000, 5000])
def test_deeply_nested_any_is_refused(chain, depth: int) -> None:
    create = msg_create_validator(ALICE.address, b"\x09" * 32, "nested", 10 * AIC)
    create.pubkey.CopyFrom(_nested_any(depth))
    result = judge(chain, sign(chain, ALICE, [create]), ALICE)
    assert result.code != 0
    outer = tx_pb2.TxBody(messages=[_nested_any(depth)])
    assert judge(chain, _resign(chain, outer), ALICE).code != 0


def test_deeply_nested_unknown_groups_in_tx_bytes_are_refused(chain) -> None:
    # field 9, wire type 3 (start group), nested 10,000 deep, never closed
    assert judge(chain, b"\x4b" * 10_000).code != 0
    body = tx_pb2.TxRaw.FromString(sign(chain, ALICE, [valid_msgs()[0]]))
    raw = tx_pb2.TxRaw(
        body_bytes=body.body_bytes + b"\x4b" * 5_000 + b"\x4c" * 5_000,
        auth_info_bytes=body.auth_info_bytes,
        signatures=body.signatures,
    ).SerializeToString()
    judge(chain, raw, ALICE)


@pytest.mark.parametrize(
    "case",
    ["memo-100k", "outputs-15k", "tx-over-limit", "signatures-1k", "denom-10k"],
)
def test_huge_messages_are_refused_or_bounded(chain, case: str) -> None:
    gas = 10_000_000
    if case == "memo-100k":
        raw = sign(chain, ALICE, [valid_msgs()[0]], memo="m" * 100_000)
    elif case == "outputs-15k":
        outputs = [bank_pb2.Output(address=BOB_ADDR, coins=[_coin(1)]) for _ in range(15_000)]
        msg = bank_tx.MsgMultiSend(
            inputs=[bank_pb2.Input(address=ME, coins=[_coin(15_000)])], outputs=outputs
        )
        raw = sign(chain, ALICE, [msg], gas=gas)
    elif case == "tx-over-limit":
        raw = sign(chain, ALICE, [valid_msgs()[0]], memo="m" * 2_000_000)
    elif case == "signatures-1k":
        valid = tx_pb2.TxRaw.FromString(sign(chain, ALICE, [valid_msgs()[0]]))
        raw = tx_pb2.TxRaw(
            body_bytes=valid.body_bytes,
            auth_info_bytes=valid.auth_info_bytes,
            signatures=list(valid.signatures) * 1000,
        ).SerializeToString()
    else:
        msg = bank_tx.MsgSend(from_address=ME, to_address=BOB_ADDR, amount=[_coin(1, "d" * 10_000)])
        raw = sign(chain, ALICE, [msg])
    result = judge(chain, raw, ALICE, gas=gas)
    if case == "outputs-15k":  # valid but bounded by gas: out of gas or within the limit
        assert result.code == 0 or (result.codespace, result.code) == ("sdk", 11)
    else:
        assert result.code != 0


@pytest.mark.parametrize(
    ("gas", "sequence", "chain_id"),
    [
        (0, None, None),
        (2**63, None, None),
        (2**64 - 1, None, None),
        (10**6, 2**64 - 1, None),
        (10**6, 1, None),
        (10**6, None, "aichain-other"),
        (10**6, None, ""),
    ],
)
def test_extreme_auth_fields_are_refused(chain, gas: int, sequence, chain_id) -> None:
    kw: dict[str, Any] = {"gas": gas, "sequence": sequence}
    if chain_id is not None:
        kw["chain_id"] = chain_id
    assert judge(chain, sign(chain, ALICE, [valid_msgs()[0]], **kw), ALICE, gas=gas).code != 0


def test_fuzzing_leaves_invariants_and_supply_intact(chain) -> None:
    bank = chain.app.manager.module("bank").keeper
    before = bank.get_supply(chain.app.query_context(), DENOM)
    chain.block([])  # nothing the fuzzers tried was committed
    assert chain.invariants() == []
    assert bank.get_supply(chain.app.query_context(), DENOM) >= before  # mint only adds
