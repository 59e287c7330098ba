"""The threat model's attribution lines that test_attribution_abci.py does not already show
(docs/security.md, "A malicious worker", "A malicious challenger", "A committee member",
"A prepaid-receipt forger"): each refusal is a registered error that changes nothing, and the
one limit written there (the committee judges attributions, not the answer) is pinned too."""

from __future__ import annotations

from aichain.attribution.v1 import attribution_pb2 as apb
from aichain.attribution.v1 import tx_pb2 as atx
from aichain.modules.attribution.signing import make_bundle
from tests.helpers import CHAIN_ID
from tests.integration.attribution_chain import (
    CHALLENGER,
    PRICE,
    USER,
    W2,
    WORKERS,
    addr,
    h,
    setup,
    sign,
)
from tests.integration.test_attribution_abci import (
    HONEST,
    answered,
    challenge,
    requested,
    response,
    unseeded,
    vote,
    worker_key,
)


def test_an_account_off_the_committee_cannot_vote() -> None:
    ac = setup()
    request_id, worker = answered(ac, HONEST)
    dispute_id = challenge(ac, request_id)
    members = {v.member for v in ac.dispute(dispute_id).committee}
    outsiders = [CHALLENGER, worker]  # the challenger and the judged worker are never members
    assert not members & {addr(k) for k in outsiders}
    for key in outsiders:
        commit, _ = vote(ac, dispute_id, key, HONEST)
        before = ac.dispute(dispute_id).committee
        res = ac.run(key, commit)
        assert (res.codespace, res.code) == ("attribution", 32), res.log
        assert ac.dispute(dispute_id).committee == before  # no vote recorded


def test_a_challenging_worker_is_kept_off_the_committee_of_its_own_challenge() -> None:
    ac = setup()
    request_id, worker = answered(ac, HONEST)
    challenger = W2 if addr(worker) != addr(W2) else WORKERS[2][0]
    msg = atx.MsgChallenge(challenger=addr(challenger), inference_id=request_id, bond=str(PRICE))
    res = ac.run(challenger, msg)
    assert res.code == 0, res.log
    dispute_id = response(res, atx.MsgChallengeResponse).dispute_id
    ac.empty_blocks(1)
    committee = [v.member for v in ac.dispute(dispute_id).committee]
    # three workers serve the model: the answering one and the challenger are excluded, so the
    # committee (size 2) holds the third alone
    third = {addr(w) for w, _ in WORKERS} - {addr(worker), addr(challenger)}
    assert committee == sorted(third)


def test_the_committee_judges_the_attribution_not_the_answer() -> None:
    """The limit written in docs/security.md: re-runs that agree on the attribution but not on
    the output hash still agree, so a challenge of the answer alone is rejected."""
    ac = setup()
    request_id, worker = answered(ac, HONEST)
    dispute_id = challenge(ac, request_id)
    members = [worker_key(v.member) for v in ac.dispute(dispute_id).committee]
    votes = [vote(ac, dispute_id, m, HONEST) for m in members]
    assert all(reveal.output_hash != h("output") for _, reveal in votes)  # another answer
    for m, (commit, _) in zip(members, votes, strict=True):
        assert ac.run(m, commit).code == 0
    for m, (_, reveal) in zip(members, votes, strict=True):
        assert response(ac.run(m, reveal), atx.MsgRevealVoteResponse).agrees is True
    ac.empty_blocks(2)
    assert ac.dispute(dispute_id).status == apb.DISPUTE_STATUS_REJECTED


def _receipt(**kw) -> apb.PrepaidReceipt:
    fields = dict(chain_id=CHAIN_ID, requester=addr(USER), model_id=2,
                  request_hash=h("prompt"), price=str(PRICE), nonce=7)  # fmt: skip
    fields.update(kw)
    return apb.PrepaidReceipt(**fields)


def test_a_forged_or_altered_prepaid_receipt_is_refused_and_spends_nothing() -> None:
    ac = setup()
    res = ac.run(USER, atx.MsgFundPrepaid(requester=addr(USER), model_id=2, amount=str(PRICE)))
    assert res.code == 0, res.log
    worker, hot = WORKERS[0]
    forged = [
        ("another chain", _receipt(chain_id="aichain-other"), USER, 11),
        ("another model", _receipt(model_id=1), USER, 25),
        ("below the price", _receipt(price=str(PRICE - 1)), USER, 7),
        ("signed by the worker", _receipt(), hot, 16),
        ("over the balance", _receipt(price=str(PRICE + 1)), USER, 24),
    ]
    for name, receipt, key, code in forged:
        bundle = make_bundle(hot, ac.result(0, worker), receipt=receipt, requester_key=key)
        before = unseeded(ac.state())
        res = ac.submit(bundle)
        assert (res.codespace, res.code) == ("attribution", code), (name, res.log)
        assert unseeded(ac.state()) == before, name
    # the untouched balance still pays an honest receipt with the same nonce
    bundle = make_bundle(hot, ac.result(0, worker), receipt=_receipt(), requester_key=USER)
    assert ac.submit(bundle).code == 0


def test_a_result_signed_for_a_request_cannot_be_moved_to_another() -> None:
    ac = setup()
    first, worker = requested(ac)
    second, _ = requested(ac)
    ac.empty_blocks(2)  # past the assignment window: any serving worker may answer either
    bundle = sign(ac.result(first, worker))
    moved = apb.InferenceResult.FromString(bundle.body)
    moved.request_id = second
    forged = apb.ResultBundle(body=moved.SerializeToString(), signature=bundle.signature)
    before = unseeded(ac.state())
    res = ac.submit(forged)
    assert (res.codespace, res.code) == ("attribution", 16), res.log
    assert unseeded(ac.state()) == before
    assert ac.submit(bundle).code == 0  # the bundle as signed still answers its own request
