"""Inference settlement through ABCI on a real datanet and model registry: request (escrow,
assignment), signed results (single and batch), settlement when the challenge window closes
(worker, owner, lineage, data, community, burn), claims, timeouts, prepaid receipts, and
challenges resolved by a committee's commit-reveal; every bad input is a registered error in
CheckTx and in FinalizeBlock with nothing changed, and the invariants hold after every block."""

from __future__ import annotations

import pytest
from cosmos.base.abci.v1beta1 import abci_pb2

from aichain.attribution.v1 import attribution_pb2 as apb
from aichain.attribution.v1 import query_pb2 as aq
from aichain.attribution.v1 import tx_pb2 as atx
from aichain.datanet.v1 import tx_pb2 as dtx
from aichain.modelreg.v1 import modelreg_pb2 as mpb
from aichain.modelreg.v1 import tx_pb2 as mtx
from aichain.modules.attribution.signing import commitment, make_bundle, vote_bytes
from tests.helpers import CHAIN_ID
from tests.integration.attribution_chain import (
    ALICE,
    BOB,
    BOND,
    CHALLENGER,
    FUNDS,
    HOT1,
    OWNER,
    PRICE,
    USER,
    W1,
    WORKERS,
    AttributionChain,
    addr,
    h,
    setup,
    sign,
)


def response(res, cls):
    data = abci_pb2.TxMsgData.FromString(res.data)
    return cls.FromString(data.msg_responses[0].value)


def unseeded(state: dict) -> dict:
    """Module states without bank (fees move) and the per-block assignment seed (key 0x10)."""
    out = {k: v for k, v in state.items() if k != "bank"}
    out["attribution"] = [e for e in state["attribution"]["state"] if e[0] != "10"]
    return out


def worker_key(address: str):
    return next(w for w, _ in WORKERS if addr(w) == address)


def other_workers(address: str):
    return [w for w, _ in WORKERS if addr(w) != address]


def requested(ac: AttributionChain, **kw) -> tuple[int, object]:
    res = ac.run(USER, ac.request(**kw))
    assert res.code == 0, res.log
    resp = response(res, atx.MsgRequestInferenceResponse)
    return resp.request_id, worker_key(resp.assigned_worker)


@pytest.fixture
def ac() -> AttributionChain:
    return setup()


def test_request_result_settlement_and_claims(ac) -> None:
    before_user = ac.c.balance(USER.address)
    request_id, worker = requested(ac)
    assert ac.c.balance(USER.address) == before_user - PRICE - 5_000
    req = ac.inference(request_id).request
    assert req.status == apb.REQUEST_STATUS_PENDING and req.fee == str(PRICE)
    pending = ac.query("PendingRequests", aq.QueryPendingRequestsRequest(worker=addr(worker)),
                       aq.QueryPendingRequestsResponse)  # fmt: skip
    assert [r.id for r in pending.requests] == [request_id]

    res = ac.submit(sign(ac.result(request_id, worker)))
    assert res.code == 0, res.log
    assert list(response(res, atx.MsgSubmitInferenceResponse).inference_ids) == [request_id]
    inf = ac.inference(request_id)
    assert inf.request.status == apb.REQUEST_STATUS_ANSWERED
    shares = {(p.role, p.recipient, p.record_id): int(p.amount) for p in inf.payouts}
    # 20 % worker, 15 % owner (10 % of it to the base model's owner), 50 % data by weight,
    # 10 % community (a tenth of it, participation_bps 1,000, to gov's participation pool),
    # 5 % burned
    assert shares == {
        ("worker", addr(worker), 0): 200_000,
        ("owner", addr(ALICE), 0): 135_000,
        ("lineage", addr(OWNER), 0): 15_000,
        ("data", "", 1): 300_000,
        ("data", "", 2): 200_000,
        ("community", "", 0): 90_000,
        ("participation", "", 0): 10_000,
        ("burn", "", 0): 50_000,
    }
    earnings = ac.query("Earnings", aq.QueryEarningsRequest(account=addr(worker)),
                        aq.QueryEarningsResponse)  # fmt: skip
    assert (earnings.earning.pending, earnings.earning.claimable) == ("200000", "0")
    # not claimable before the challenge window closes
    res = ac.run(worker, atx.MsgClaim(claimant=addr(worker)))
    assert (res.codespace, res.code) == ("attribution", 36), res.log

    ac.empty_blocks(3)
    inf = ac.inference(request_id)
    assert inf.request.status == apb.REQUEST_STATUS_SETTLED
    before = ac.c.balance(worker.address)
    res = ac.run(worker, atx.MsgClaim(claimant=addr(worker)))
    assert res.code == 0, res.log
    assert ac.c.balance(worker.address) == before + 200_000 - 5_000
    for key, amount in ((ALICE, 135_000), (OWNER, 15_000)):
        before = ac.c.balance(key.address)
        assert ac.run(key, atx.MsgClaim(claimant=addr(key))).code == 0
        assert ac.c.balance(key.address) == before + amount - 5_000
    # data contributors claim from the datanet accumulators
    for key, amount in ((ALICE, 300_000), (BOB, 200_000)):
        before = ac.c.balance(key.address)
        res = ac.run(key, dtx.MsgClaim(contributor=addr(key), datanet_id=1))
        assert res.code == 0, res.log
        assert ac.c.balance(key.address) == before + amount - 5_000
    revenue = ac.query("DatanetRevenue", aq.QueryDatanetRevenueRequest(datanet_id=1),
                       aq.QueryDatanetRevenueResponse)  # fmt: skip
    assert (revenue.revenue, revenue.inferences) == ("500000", 1)
    usage = ac.query("ModelUsage", aq.QueryModelUsageRequest(model_id=2),
                     aq.QueryModelUsageResponse)  # fmt: skip
    assert (usage.inferences, usage.revenue) == (1, str(PRICE))
    earnings = ac.query("Earnings", aq.QueryEarningsRequest(account=addr(worker)),
                        aq.QueryEarningsResponse)  # fmt: skip
    assert earnings.earning.claimed == "200000"
    assert [(m.model_id, m.amount) for m in earnings.models] == [(2, "200000")]


def test_batch_of_results_in_one_message(ac) -> None:
    requests = [requested(ac) for _ in range(4)]
    bundles = [sign(ac.result(rid, worker)) for rid, worker in requests]
    res = ac.submit(*bundles)
    assert res.code == 0, res.log
    ids = list(response(res, atx.MsgSubmitInferenceResponse).inference_ids)
    assert ids == [rid for rid, _ in requests]
    ac.empty_blocks(3)
    assert all(ac.inference(i).request.status == apb.REQUEST_STATUS_SETTLED for i in ids)
    listed = ac.query("Inferences", aq.QueryInferencesRequest(model_id=2),
                      aq.QueryInferencesResponse)  # fmt: skip
    assert [i.request.id for i in listed.inferences] == sorted(ids, reverse=True)


def test_any_serving_worker_may_answer_after_the_assignment_window(ac) -> None:
    request_id, worker = requested(ac)
    other = other_workers(addr(worker))[0]
    res = ac.submit(sign(ac.result(request_id, other)))
    assert (res.codespace, res.code) == ("attribution", 14), res.log
    ac.empty_blocks(2)  # assignment window of 2 blocks is over
    res = ac.submit(sign(ac.result(request_id, other)))
    assert res.code == 0, res.log
    assert ac.inference(request_id).worker == addr(other)


def test_timeout_refunds_penalises_and_jails_after_repeated_misses(ac) -> None:
    request_id, worker = requested(ac, timeout_height=0)
    before_user = ac.c.balance(USER.address)
    before_bond = int(ac.worker(worker).bond)
    ac.empty_blocks(6)
    inf = ac.inference(request_id)
    assert inf.request.status == apb.REQUEST_STATUS_TIMED_OUT
    assert ac.c.balance(USER.address) == before_user + PRICE
    assert int(ac.worker(worker).bond) == before_bond - 10_000
    res = ac.submit(sign(ac.result(request_id, worker)))
    assert (res.codespace, res.code) == ("attribution", 13), res.log
    # a second miss of the same worker (max_misses = 2) jails it
    for _ in range(20):
        rid, assigned = requested(ac, timeout_height=ac.c.height + 2)
        if assigned.address == worker.address:
            break
        ac.submit(sign(ac.result(rid, assigned)))
    ac.empty_blocks(3)
    assert ac.worker(worker).status == mpb.WORKER_STATUS_JAILED
    assert ac.inference(rid).request.status == apb.REQUEST_STATUS_TIMED_OUT
    # a jailed worker is never assigned, and its results are refused
    later, assigned = requested(ac)
    assert assigned.address != worker.address
    ac.empty_blocks(2)  # past the assignment window: any active worker may answer
    res = ac.submit(sign(ac.result(later, worker)))
    assert (res.codespace, res.code) == ("attribution", 15), res.log
    assert "JAILED" in res.log


def _bad_submits(ac: AttributionChain):
    """(name, bundle maker, expected code); each gets a fresh request (id, assigned worker)."""

    def wrong_key(rid, w):
        return make_bundle(HOT1 if addr(w) != addr(W1) else WORKERS[1][1], ac.result(rid, w))

    def flipped_signature(rid, w):
        bundle = sign(ac.result(rid, w))
        bundle.signature = bundle.signature[:-1] + bytes([bundle.signature[-1] ^ 1])
        return bundle

    def records(rs):
        return lambda rid, w: sign(ac.result(rid, w, records=rs))

    return [
        ("not assigned", lambda rid, w: sign(ac.result(rid, other_workers(addr(w))[0])), 14),
        ("wrong key", wrong_key, 16),
        ("bad signature", flipped_signature, 16),
        ("adapter hash", lambda rid, w: sign(ac.result(rid, w, adapter_weights_hash=h("x"))), 17),
        ("base hash", lambda rid, w: sign(ac.result(rid, w, base_weights_hash=h("x"))), 17),
        ("record outside provenance", records([(1, 500_000), (99, 500_000)]), 18),
        ("sum", records([(1, 600_000), (2, 300_000)]), 19),
        ("duplicate", records([(1, 500_000), (1, 500_000)]), 20),
        ("too many", records([(1, 250_000), (2, 250_000), (3, 250_000), (4, 250_000)]), 21),
        ("chain", lambda rid, w: sign(ac.result(rid, w, chain_id="other")), 11),
        ("unknown request", lambda rid, w: sign(ac.result(rid + 100, w)), 9),
        ("model", lambda rid, w: sign(ac.result(rid, w, model_id=1)), 10),
    ]


def test_bad_results_are_registered_errors_in_checktx_and_finalize_and_change_nothing() -> None:
    ac = setup({"max_attributions": 3})
    for name, make, code in _bad_submits(ac):
        request_id, worker = requested(ac)
        msg = atx.MsgSubmitInference(submitter=addr(OWNER), results=[make(request_id, worker)])
        seq = ac.c.sequences.get(OWNER.address, 0)
        tx = ac.c.tx(OWNER, [msg], gas=50_000_000)
        check = ac.c.check(tx)
        assert (check.codespace, check.code) == ("attribution", code), (name, check.log)
        before = ac.state()
        res = ac.c.block([tx]).tx_results[0]
        assert (res.codespace, res.code) == ("attribution", code), (name, res.log)
        after = ac.state()
        # only the fee moved (bank); attribution, modelreg and datanet state are untouched
        assert unseeded(after) == unseeded(before), name
        assert ac.inference(request_id).request.status == apb.REQUEST_STATUS_PENDING, name
        assert ac.c.invariants() == []
        ac.c.sequences[OWNER.address] = seq + 1


def test_second_result_for_the_same_request_is_refused(ac) -> None:
    request_id, worker = requested(ac)
    bundle = sign(ac.result(request_id, worker))
    res = ac.submit(bundle, bundle)
    assert (res.codespace, res.code) == ("attribution", 12), res.log
    assert ac.inference(request_id).request.status == apb.REQUEST_STATUS_PENDING
    assert ac.submit(bundle).code == 0
    res = ac.submit(bundle)
    assert (res.codespace, res.code) == ("attribution", 12), res.log


def test_jailed_worker_cannot_submit(ac) -> None:
    request_id, worker = requested(ac)
    modelreg = ac.c.app.manager.module("modelreg").keeper
    # jail through the keeper (settlement's own path) on a committed-state branch
    ctx = ac.c.app.query_context()
    assert modelreg.get_worker(ctx, worker.address).status == mpb.WORKER_STATUS_ACTIVE
    res = ac.run(worker, mtx.MsgUnbondWorker(operator=addr(worker)))
    assert res.code == 0, res.log
    res = ac.submit(sign(ac.result(request_id, worker)))
    assert (res.codespace, res.code) == ("attribution", 15), res.log


BAD_REQUESTS = [
    ("fee below price", dict(max_fee=PRICE - 1), 7),
    ("timeout too far", dict(timeout_height=10**6), 5),
    ("inline too large", dict(input_inline=b"x" * 5000), 5),
]


@pytest.mark.parametrize(("name", "kw", "code"), BAD_REQUESTS)
def test_bad_requests_are_refused(ac, name, kw, code) -> None:
    before = unseeded(ac.state())
    res = ac.run(USER, ac.request(**kw))
    assert (res.codespace, res.code) == ("attribution", code), res.log
    assert unseeded(ac.state()) == before


def test_request_for_a_deprecated_model_is_refused(ac) -> None:
    assert ac.run(ALICE, mtx.MsgDeprecateModel(authority=addr(ALICE), model_id=2)).code == 0
    res = ac.run(USER, ac.request())
    assert (res.codespace, res.code) == ("attribution", 6), res.log


def test_token_price_is_charged_within_max_fee_and_the_rest_refunded(ac) -> None:
    price = mtx.MsgSetPrice(owner=addr(ALICE), model_id=2, price_per_request=str(PRICE),
                            price_per_1k_tokens="1000000")  # fmt: skip
    assert ac.run(ALICE, price).code == 0
    before = ac.c.balance(USER.address)
    request_id, worker = requested(ac, max_fee=5 * PRICE)
    assert ac.c.balance(USER.address) == before - 5 * PRICE - 5_000
    assert ac.submit(sign(ac.result(request_id, worker))).code == 0  # 12 tokens
    inf = ac.inference(request_id)
    assert inf.request.fee == str(PRICE + 12_000)
    assert ac.c.balance(USER.address) == before - PRICE - 12_000 - 5_000


# --- challenges ----------------------------------------------------------------------------


def answered(ac, records=None) -> tuple[int, object]:
    request_id, worker = requested(ac)
    assert ac.submit(sign(ac.result(request_id, worker, records=records))).code == 0
    return request_id, worker


def vote(ac, dispute_id, member, records, salt=b"s" * 16):
    entries = [apb.AttributionEntry(datanet_id=1, version=1, record_id=r, weight_ppm=w)
               for r, w in records]  # fmt: skip
    digest = commitment(dispute_id, member.address, vote_bytes(entries, h("o"), h("e")), salt)
    reveal = atx.MsgRevealVote(voter=addr(member), dispute_id=dispute_id, attributions=entries,
                               output_hash=h("o"), evidence_hash=h("e"), salt=salt)  # fmt: skip
    return atx.MsgCommitVote(voter=addr(member), dispute_id=dispute_id, commitment=digest), reveal


HONEST = [(1, 600_000), (2, 400_000)]
SWAPPED = [(3, 600_000), (4, 400_000)]


def challenge(ac, inference_id, bond=1_000_000):
    res = ac.run(
        CHALLENGER,
        atx.MsgChallenge(challenger=addr(CHALLENGER), inference_id=inference_id, bond=str(bond)),
    )
    assert res.code == 0, res.log
    assert ac.dispute(response(res, atx.MsgChallengeResponse).dispute_id).committee == []
    ac.empty_blocks(1)  # the committee is drawn in the next block's begin-block
    return response(res, atx.MsgChallengeResponse).dispute_id


def test_false_attribution_is_challenged_and_the_worker_slashed(ac) -> None:
    request_id, worker = answered(ac, SWAPPED)
    before_user = ac.c.balance(USER.address)
    before_challenger = ac.c.balance(CHALLENGER.address)
    dispute_id = challenge(ac, request_id)
    assert ac.inference(request_id).request.status == apb.REQUEST_STATUS_DISPUTED
    dispute = ac.dispute(dispute_id)
    members = [worker_key(v.member) for v in dispute.committee]
    assert sorted(addr(m) for m in members) == sorted(addr(w) for w in other_workers(addr(worker)))
    votes = [vote(ac, dispute_id, m, HONEST) for m in members]
    assert ac.run(members[0], votes[0][0]).code == 0
    # reveals only after the commit window (CheckTx refuses as FinalizeBlock would)
    seq = ac.c.sequences[members[0].address]
    check = ac.c.check(ac.c.tx(members[0], [votes[0][1]]))
    assert (check.codespace, check.code) == ("attribution", 33), check.log
    ac.c.sequences[members[0].address] = seq
    assert ac.run(members[1], votes[1][0]).code == 0
    for m, (_, reveal) in zip(members, votes, strict=True):
        res = ac.run(m, reveal)
        assert res.code == 0, res.log
        assert response(res, atx.MsgRevealVoteResponse).agrees is False
    ac.empty_blocks(2)
    dispute = ac.dispute(dispute_id)
    assert dispute.status == apb.DISPUTE_STATUS_UPHELD
    slashed = BOND // 10
    assert (dispute.slashed, dispute.rewarded, dispute.burned) == (
        str(slashed), str(slashed // 2), str(slashed - slashed // 2))  # fmt: skip
    assert int(ac.worker(worker).bond) == BOND - slashed
    assert ac.c.balance(CHALLENGER.address) == before_challenger - 5_000 + slashed // 2
    assert ac.c.balance(USER.address) == before_user + PRICE
    assert ac.inference(request_id).request.status == apb.REQUEST_STATUS_REFUNDED
    usage = ac.query("ModelUsage", aq.QueryModelUsageRequest(model_id=2),
                     aq.QueryModelUsageResponse)  # fmt: skip
    assert (usage.disputes, usage.upheld_disputes) == (1, 1)
    listed = ac.query("Disputes", aq.QueryDisputesRequest(member=addr(members[0])),
                      aq.QueryDisputesResponse)  # fmt: skip
    assert [d.id for d in listed.disputes] == [dispute_id]


def test_honest_attribution_challenged_costs_the_challenger(ac) -> None:
    request_id, worker = answered(ac, HONEST)
    dispute_id = challenge(ac, request_id, 2_000_000)
    members = [worker_key(v.member) for v in ac.dispute(dispute_id).committee]
    # re-runs on other hardware differ by float noise: within tolerance, so they agree
    noisy = [(1, 590_000), (2, 410_000)]
    votes = [vote(ac, dispute_id, m, noisy) for m in members]
    for m, (commit, _) in zip(members, votes, strict=True):
        assert ac.run(m, commit).code == 0
    before_worker = ac.c.balance(worker.address)
    for m, (_, reveal) in zip(members, votes, strict=True):
        assert response(ac.run(m, reveal), atx.MsgRevealVoteResponse).agrees is True
    ac.empty_blocks(2)
    dispute = ac.dispute(dispute_id)
    assert dispute.status == apb.DISPUTE_STATUS_REJECTED
    assert ac.c.balance(worker.address) == before_worker + 1_000_000
    assert ac.inference(request_id).request.status == apb.REQUEST_STATUS_SETTLED


def test_reveal_that_does_not_match_the_commitment_is_refused_and_silence_is_penalised(ac):
    request_id, _ = answered(ac, HONEST)
    dispute_id = challenge(ac, request_id)
    members = [worker_key(v.member) for v in ac.dispute(dispute_id).committee]
    commit, reveal = vote(ac, dispute_id, members[0], HONEST)
    assert ac.run(members[0], commit).code == 0
    res = ac.run(members[0], commit)
    assert (res.codespace, res.code) == ("attribution", 34), res.log
    del reveal.attributions[:]
    reveal.attributions.extend(
        apb.AttributionEntry(datanet_id=1, version=1, record_id=r, weight_ppm=w) for r, w in SWAPPED
    )
    before = unseeded(ac.state())
    res = ac.run(members[0], reveal)
    assert (res.codespace, res.code) == ("attribution", 35), res.log
    assert unseeded(ac.state()) == before
    bonds = {addr(m): int(ac.worker(m).bond) for m in members}
    ac.empty_blocks(2)
    dispute = ac.dispute(dispute_id)
    assert dispute.status == apb.DISPUTE_STATUS_VOID
    for m in members:
        assert int(ac.worker(m).bond) == bonds[addr(m)] - 100_000
    assert ac.inference(request_id).request.status == apb.REQUEST_STATUS_SETTLED


def test_bad_challenges_are_refused(ac) -> None:
    request_id, worker = answered(ac, HONEST)
    for bond, code in ((999_999, 28),):
        res = ac.run(
            CHALLENGER,
            atx.MsgChallenge(challenger=addr(CHALLENGER), inference_id=request_id, bond=str(bond)),
        )
        assert (res.codespace, res.code) == ("attribution", code), res.log
    res = ac.run(worker, atx.MsgChallenge(challenger=addr(worker), inference_id=request_id,
                                          bond="1000000"))  # fmt: skip
    assert (res.codespace, res.code) == ("attribution", 29), res.log
    res = ac.run(CHALLENGER, atx.MsgCommitVote(voter=addr(CHALLENGER), dispute_id=7,
                                               commitment=b"c" * 32))  # fmt: skip
    assert (res.codespace, res.code) == ("attribution", 31), res.log
    ac.empty_blocks(3)
    res = ac.run(CHALLENGER, atx.MsgChallenge(challenger=addr(CHALLENGER),
                                              inference_id=request_id, bond="1000000"))  # fmt: skip
    assert (res.codespace, res.code) == ("attribution", 27), res.log  # settled: window over
    assert ac.inference(request_id).request.status == apb.REQUEST_STATUS_SETTLED


def test_challenge_after_the_window_is_refused() -> None:
    ac = setup({"challenge_window_blocks": 0})
    request_id, _ = requested(ac)
    # an answer whose window closes in its own block cannot be challenged in the next one
    ac.submit(sign(ac.result(request_id, worker_key(ac.inference(request_id).request
                                                    .assigned_worker))))  # fmt: skip
    res = ac.run(CHALLENGER, atx.MsgChallenge(challenger=addr(CHALLENGER),
                                              inference_id=request_id, bond="1000000"))  # fmt: skip
    assert (res.codespace, res.code) == ("attribution", 27), res.log


# --- prepaid ------------------------------------------------------------------------------


def receipt(nonce: int, price: int = PRICE) -> apb.PrepaidReceipt:
    return apb.PrepaidReceipt(
        chain_id=CHAIN_ID,
        requester=addr(USER),
        model_id=2,
        request_hash=h(f"prompt {nonce}"),
        price=str(price),
        nonce=nonce,
    )


def test_prepaid_receipts_settle_and_replays_are_refused(ac) -> None:
    res = ac.run(USER, atx.MsgFundPrepaid(requester=addr(USER), model_id=2, amount=str(3 * PRICE)))
    assert res.code == 0, res.log
    worker, hot = WORKERS[0]

    def bundle(nonce, key=USER):
        return make_bundle(hot, ac.result(0, worker), receipt=receipt(nonce), requester_key=key)

    res = ac.submit(bundle(1), bundle(2))
    assert res.code == 0, res.log
    ids = list(response(res, atx.MsgSubmitInferenceResponse).inference_ids)
    assert len(ids) == 2 and ac.inference(ids[0]).request.prepaid_nonce == 1
    balance = ac.query("Prepaid", aq.QueryPrepaidRequest(requester=addr(USER), model_id=2),
                       aq.QueryPrepaidResponse).balance  # fmt: skip
    assert balance.amount == str(PRICE)
    res = ac.submit(bundle(1))
    assert (res.codespace, res.code) == ("attribution", 23), res.log
    res = ac.submit(bundle(3, key=CHALLENGER))
    assert (res.codespace, res.code) == ("attribution", 16), res.log
    res = ac.submit(bundle(3), bundle(4))  # the second exceeds the balance: neither lands
    assert (res.codespace, res.code) == ("attribution", 24), res.log
    ac.empty_blocks(3)
    assert ac.inference(ids[1]).request.status == apb.REQUEST_STATUS_SETTLED
    res = ac.run(USER, atx.MsgWithdrawPrepaid(requester=addr(USER), model_id=2,
                                              amount=str(2 * PRICE)))  # fmt: skip
    assert (res.codespace, res.code) == ("attribution", 24), res.log
    before = ac.c.balance(USER.address)
    res = ac.run(USER, atx.MsgWithdrawPrepaid(requester=addr(USER), model_id=2, amount=str(PRICE)))
    assert res.code == 0, res.log
    assert ac.c.balance(USER.address) == before + PRICE - 5_000


# --- params and genesis -------------------------------------------------------------------


def test_update_params_needs_the_authority_and_valid_params(ac) -> None:
    params = ac.query("Params", aq.QueryParamsRequest(), aq.QueryParamsResponse).params
    res = ac.run(USER, atx.MsgUpdateParams(authority=addr(USER), params=params))
    assert (res.codespace, res.code) == ("sdk", 4), res.log
    params.worker_bps += 1
    res = ac.run(OWNER, atx.MsgUpdateParams(authority=addr(OWNER), params=params))
    assert (res.codespace, res.code) == ("attribution", 3), res.log
    assert "sum" in res.log


def test_genesis_round_trip(ac) -> None:
    answered(ac, HONEST)
    module = ac.c.app.manager.module("attribution")
    exported = module.export_genesis(ac.c.app.query_context())
    from aichain.app.app import memory_app

    fresh = memory_app()
    ctx = fresh.query_context()
    fresh_module = fresh.manager.module("attribution")
    fresh_module.init_genesis(ctx, exported)
    assert fresh_module.export_genesis(ctx) == exported
    assert FUNDS  # the chain was funded from genesis
