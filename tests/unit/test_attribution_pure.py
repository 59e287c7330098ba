"""Pure rules of inference settlement: the fee split (conservation, determinism under
permutation, rounding bounds), the slash split, token pricing, assignment and committee draws
(deterministic, weighted, distinct), the challenge outcome, params validation, key builders,
signing (domain separation, low-S, tampering) and the messages' stateless checks."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aichain.app.crypto import PrivateKey
from aichain.attribution.v1 import attribution_pb2 as pb
from aichain.attribution.v1 import tx_pb2
from aichain.modules.attribution import keys, msgs
from aichain.modules.attribution.disputes import compute_outcome
from aichain.modules.attribution.errors import (
    InvalidParamsError,
    InvalidRequestError,
    InvalidResultError,
    InvalidVoteError,
)
from aichain.modules.attribution.signing import (
    commitment,
    make_bundle,
    receipt_sign_bytes,
    result_sign_bytes,
    sign_receipt,
    sign_result,
    verify_receipt,
    verify_result,
    vote_bytes,
)
from aichain.modules.attribution.types import (
    BPS,
    Params,
    compute_assignment,
    compute_committee,
    compute_data_split,
    compute_slash_split,
    compute_split,
    compute_token_fee,
)
from aichain.modules.attribution.weights import PPM_TOTAL, compute_ppm_weights


def _weights(draw_scores: list[int]) -> list[tuple[tuple[int, int, int], int]]:
    ppm = compute_ppm_weights([(str(i).zfill(4), s) for i, s in enumerate(draw_scores)])
    return [((1 + i % 3, 1, i), w) for i, (_, w) in enumerate(ppm)]


_scores = st.lists(st.integers(0, 10**9), min_size=1, max_size=40)
_shares = st.lists(st.integers(0, 10), min_size=5, max_size=5).filter(lambda s: sum(s) > 0)


def _params(shares: list[int], participation_bps: int = 1_000) -> Params:
    total = sum(shares)
    bps = [s * BPS // total for s in shares]
    bps[0] += BPS - sum(bps)
    return replace(Params(), worker_bps=bps[0], owner_bps=bps[1], data_bps=bps[2],
                   community_bps=bps[3], burn_bps=bps[4],
                   participation_bps=participation_bps)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 10**30), _scores, _shares, st.integers(0, BPS),
       st.randoms(use_true_random=False))  # fmt: skip
def test_split_conserves_is_order_free_and_within_a_unit(fee, scores, shares, pbps, rnd) -> None:
    params = _params(shares, pbps)
    weights = _weights(scores)
    split = compute_split(fee, params, weights)
    top = (split.worker, split.owner, split.data, split.community, split.participation,
           split.burn)  # fmt: skip
    assert sum(top) == fee and min(top) >= 0
    assert sum(a for _, a in split.records) == split.data
    shuffled = list(weights)
    rnd.shuffle(shuffled)
    assert compute_split(fee, params, shuffled) == split
    exact = {k: split.data * w for k, w in weights}  # scaled by 10^6
    for record, amount in split.records:
        assert abs(amount * PPM_TOTAL - exact[record]) < PPM_TOTAL
    # each top-level share is its floor, the community gets the (< 5) units left over
    assert split.worker == fee * params.worker_bps // BPS
    whole = split.community + split.participation  # the community share before the carve
    assert 0 <= whole - fee * params.community_bps // BPS < 5
    # the participation share is the floor of its bps of the community share, the community
    # pool keeps the rest (the floor's remainder included)
    assert split.participation == whole * pbps // BPS
    assert 0 <= split.participation * BPS <= whole * pbps < (split.participation + 1) * BPS


def test_participation_share_remainder_rule_is_the_written_one() -> None:
    # fee 1,000,003 at the default split: floors 200,000 / 150,000 / 500,001 / 100,000 /
    # 50,000 leave 2 units to the community share (100,002); 10 % of it, floor 10,000.2 ->
    # 10,000, goes to the participation pool; the community pool keeps 90,002
    split = compute_split(1_000_003, Params(), [((1, 1, 1), PPM_TOTAL)])
    assert (split.worker, split.owner, split.data, split.community, split.participation,
            split.burn) == (200_000, 150_000, 500_001, 90_002, 10_000, 50_000)  # fmt: skip
    # 0 bps: nothing carved; 10,000 bps: the whole community share
    none = compute_split(
        1_000_003, replace(Params(), participation_bps=0), [((1, 1, 1), PPM_TOTAL)]
    )
    assert (none.community, none.participation) == (100_002, 0)
    whole = compute_split(1_000_003, replace(Params(), participation_bps=BPS),
                          [((1, 1, 1), PPM_TOTAL)])  # fmt: skip
    assert (whole.community, whole.participation) == (0, 100_002)


def test_split_remainder_rule_is_the_written_one() -> None:
    weights = [((1, 1, 3), 333_334), ((1, 1, 1), 333_333), ((1, 1, 2), 333_333)]
    # data = 5: products 1,666,670 / 1,666,665 / 1,666,665 -> floors 1,1,1, remainder 2 to the
    # largest fractional parts (record 3: 666,670), then the tie by smaller record (1)
    assert compute_data_split(5, sorted(weights)) == [2, 1, 2]
    split = compute_split(10, Params(), weights)
    assert split.records == (((1, 1, 1), 2), ((1, 1, 2), 1), ((1, 1, 3), 2))
    assert (split.worker, split.owner, split.data, split.community, split.burn) == (2, 1, 5, 2, 0)
    assert split.participation == 0  # floor(2 * 1,000 / 10^4)


@given(st.integers(0, 10**30), st.integers(0, BPS))
def test_slash_split_conserves(amount, bps) -> None:
    reward, burned = compute_slash_split(amount, bps)
    assert reward + burned == amount and reward == amount * bps // BPS


def test_token_fee_rounds_up() -> None:
    assert compute_token_fee(10, 1_000, 1) == 11
    assert compute_token_fee(10, 1_000, 1_000) == 1_010
    assert compute_token_fee(10, 0, 5_000) == 10


_ops = st.lists(st.integers(1, 10**9), min_size=1, max_size=12)


@settings(max_examples=100, deadline=None)
@given(st.binary(min_size=32, max_size=32), st.integers(1, 10**9), _ops)
def test_assignment_is_deterministic_and_picks_a_candidate(seed, request_id, bonds) -> None:
    candidates = [(bytes([i]) * 20, b) for i, b in enumerate(bonds)]
    chosen = compute_assignment(seed, request_id, candidates)
    assert chosen in {c for c, _ in candidates}
    assert compute_assignment(seed, request_id, candidates) == chosen


def test_assignment_is_weighted_by_bond() -> None:
    candidates = [(b"a" * 20, 1), (b"b" * 20, 3)]
    picks = [compute_assignment(b"s" * 32, i, candidates) for i in range(4_000)]
    share = picks.count(b"b" * 20) / len(picks)
    assert 0.70 < share < 0.80


@settings(max_examples=100, deadline=None)
@given(st.binary(min_size=32, max_size=32), st.integers(1, 10**9), _ops, st.integers(1, 15))
def test_committee_is_distinct_and_bounded(seed, dispute_id, bonds, size) -> None:
    candidates = [(bytes([i]) * 20, b) for i, b in enumerate(bonds)]
    members = compute_committee(seed, dispute_id, candidates, size)
    assert len(members) == min(size, len(candidates)) == len(set(members))
    assert compute_committee(seed, dispute_id, candidates, size) == members


def test_outcome_is_the_majority_of_revealed_votes() -> None:
    def v(revealed: bool, agrees: bool) -> pb.CommitteeVote:
        return pb.CommitteeVote(revealed=revealed, agrees=agrees)

    assert compute_outcome([v(True, False), v(True, False), v(True, True)]) == (
        pb.DISPUTE_STATUS_UPHELD)  # fmt: skip
    assert compute_outcome([v(True, True), v(False, False)]) == pb.DISPUTE_STATUS_REJECTED
    assert compute_outcome([v(True, True), v(True, False)]) == pb.DISPUTE_STATUS_VOID
    assert compute_outcome([v(False, False), v(False, True)]) == pb.DISPUTE_STATUS_VOID


# --- params ---------------------------------------------------------------------------------


def test_default_params_validate_and_round_trip() -> None:
    params = Params()
    params.validate()
    assert Params.from_proto(params.to_proto()) == params


@pytest.mark.parametrize(
    ("field", "value", "named"),
    [
        ("worker_bps", 2_001, "sum to 10000"),
        ("participation_bps", BPS + 1, r"params.participation_bps .* \[0, 10000\]"),
        ("max_attributions", 0, "params.max_attributions"),
        ("max_timeout_blocks", 1, "params.max_timeout_blocks"),
        ("committee_size", 0, "params.committee_size"),
        ("min_overlap_ppm", PPM_TOTAL + 1, "params.min_overlap_ppm"),
        ("slash_bps", BPS + 1, "params.slash_bps"),
        ("min_challenge_bond", 0, "params.min_challenge_bond"),
    ],
)
def test_params_validate_rejects_with_the_field_named(field, value, named) -> None:
    with pytest.raises(InvalidParamsError, match=named):
        replace(Params(), **{field: value}).validate()


@pytest.mark.parametrize("value", [0, 1, BPS])
def test_participation_bps_bounds_are_accepted_and_round_trip(value) -> None:
    params = replace(Params(), participation_bps=value)
    params.validate()
    assert Params.from_proto(params.to_proto()) == params


def test_params_from_proto_rejects_a_bad_amount() -> None:
    proto = Params().to_proto()
    proto.timeout_penalty = "-5"
    with pytest.raises(InvalidParamsError, match="timeout_penalty"):
        Params.from_proto(proto)


# --- keys -------------------------------------------------------------------------------------


def test_height_queue_keys_order_by_height_then_id() -> None:
    built = [
        keys.height_queue_key(keys.TIMEOUTS, h, i) for h, i in ((1, 9), (2, 1), (2, 3), (10, 0))
    ]
    assert built == sorted(built)
    assert [keys.split_height_queue_key(k) for k in built] == [(1, 9), (2, 1), (2, 3), (10, 0)]
    with pytest.raises(keys.KeyError_):
        keys.height_queue_key(keys.INFERENCES, 1, 1)
    with pytest.raises(keys.KeyError_):
        keys.inference_key(-1)


def test_address_keys_do_not_collide_and_decode() -> None:
    a, b = b"\x01" * 20, b"\x01" * 21
    assert not keys.pending_by_worker_key(a, 1).startswith(keys.pending_by_worker_prefix(b))
    assert keys.id_from_pending_key(keys.pending_by_worker_key(a, 77)) == 77
    assert keys.split_prepaid_key(keys.prepaid_key(b, 5)) == (b, 5)
    assert keys.model_from_earning_key(keys.model_earning_key(a, 9)) == 9
    prefixes = {
        k[:1]
        for k in (
            keys.inference_key(1),
            keys.earning_key(a),
            keys.dispute_key(1),
            keys.nonce_key(a, 1),
            keys.misses_key(a),
            keys.draw_key(1),
        )
    }
    assert len(prefixes) == 6


# --- signing ----------------------------------------------------------------------------------

HOT = PrivateKey(hashlib.sha256(b"hot").digest())


def test_result_signature_is_domain_separated_and_low_s() -> None:
    body = pb.InferenceResult(chain_id="c", request_id=1).SerializeToString()
    sig = sign_result(HOT, body)
    assert len(sig) == 64 and int.from_bytes(sig[32:], "big") <= (2**256) // 2
    assert verify_result(HOT.pubkey, body, sig)
    assert not verify_receipt(HOT.pubkey, body, sig)  # a result signature is not a receipt's
    assert not verify_result(HOT.pubkey, body + b"\x00", sig)
    assert result_sign_bytes(body) != receipt_sign_bytes(body)
    assert verify_receipt(HOT.pubkey, body, sign_receipt(HOT, body))


def test_make_bundle_signs_the_carried_bytes() -> None:
    result = pb.InferenceResult(chain_id="c", request_id=3, worker="w")
    receipt = pb.PrepaidReceipt(chain_id="c", nonce=4)
    bundle = make_bundle(HOT.secret, result, receipt=receipt, requester_key=HOT)
    assert pb.InferenceResult.FromString(bundle.body) == result
    assert verify_result(HOT.pubkey, bundle.body, bundle.signature)
    assert verify_receipt(HOT.pubkey, bundle.receipt, bundle.receipt_signature)


def test_commitment_binds_member_vote_and_salt() -> None:
    e = [pb.AttributionEntry(datanet_id=1, version=1, record_id=2, weight_ppm=PPM_TOTAL)]
    vote = vote_bytes(e, "a", "b")
    base = commitment(1, b"m" * 20, vote, b"s" * 16)
    assert base != commitment(2, b"m" * 20, vote, b"s" * 16)
    assert base != commitment(1, b"n" * 20, vote, b"s" * 16)
    assert base != commitment(1, b"m" * 20, vote_bytes(e, "a", "c"), b"s" * 16)
    assert base != commitment(1, b"m" * 20, vote, b"t" * 16)


# --- stateless checks -------------------------------------------------------------------------


def _valid_addr() -> str:
    from aichain.app.crypto import account_address

    return account_address(b"\x01" * 20)


def test_validate_request_rejects_missing_input_and_bad_hash() -> None:
    me = _valid_addr()
    with pytest.raises(InvalidRequestError, match="give the input"):
        msgs.validate_request(tx_pb2.MsgRequestInference(requester=me, model_id=1, max_fee="1"))
    with pytest.raises(InvalidRequestError, match="sha256"):
        msgs.validate_request(
            tx_pb2.MsgRequestInference(requester=me, model_id=1, input_hash="xyz", max_fee="1")
        )
    with pytest.raises(InvalidRequestError, match="model"):
        msgs.validate_request(tx_pb2.MsgRequestInference(requester=me, input_inline=b"x"))


def test_validate_submit_rejects_bad_bundles() -> None:
    me = _valid_addr()
    with pytest.raises(InvalidResultError, match="at least one"):
        msgs.validate_submit(tx_pb2.MsgSubmitInference(submitter=me))
    short = pb.ResultBundle(body=b"x", signature=b"s" * 63)
    with pytest.raises(InvalidResultError, match="64 bytes"):
        msgs.validate_submit(tx_pb2.MsgSubmitInference(submitter=me, results=[short]))


def test_validate_votes() -> None:
    me = _valid_addr()
    with pytest.raises(InvalidVoteError, match="32-byte"):
        msgs.validate_commit(tx_pb2.MsgCommitVote(voter=me, dispute_id=1, commitment=b"x"))
    entry = pb.AttributionEntry(datanet_id=1, version=1, record_id=1, weight_ppm=PPM_TOTAL)
    with pytest.raises(InvalidVoteError, match="salt"):
        msgs.validate_reveal(tx_pb2.MsgRevealVote(voter=me, dispute_id=1, attributions=[entry],
                                                  salt=b"s"))  # fmt: skip


def test_totals_round_trip_and_read_a_value_written_before_participation() -> None:
    from aichain.modules.attribution.view import Totals

    totals = Totals(10, 3, 2, 1, 1, 2, 7, 1)
    assert Totals.decode(totals.encode()) == totals
    assert totals.encode() == b"10:3:2:1:1:2:7:1"
    assert Totals.decode(b"10:3:2:1:1:3:7") == Totals(10, 3, 2, 1, 1, 3, 7, 0)
