"""Governance through ABCI on a 4-validator chain (gentx genesis, invariants checked every
block): a param change passes and is in force in the next block; a veto burns the deposit;
a proposal short of quorum is rejected; a second message failing leaves the first unapplied;
a delegator overrides its validator; the expedited track; cancellation; the model-vote
track's participation rewards; and bad input refused with registered errors, nothing
changed."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from cosmos.bank.v1beta1 import bank_pb2
from cosmos.bank.v1beta1 import query_pb2 as bank_q
from cosmos.bank.v1beta1 import tx_pb2 as bank_tx
from cosmos.base.v1beta1 import coin_pb2
from cosmos.distribution.v1beta1 import tx_pb2 as dist_tx
from cosmos.gov.v1 import gov_pb2
from cosmos.gov.v1 import query_pb2 as gov_q
from cosmos.gov.v1 import tx_pb2 as gov_tx
from cosmos.staking.v1beta1 import tx_pb2 as staking_tx
from google.protobuf import any_pb2
from google.protobuf.message import Message

from aichain.app.authority import default_authority
from aichain.app.crypto import PrivateKey, account_address, module_address, valoper_address
from aichain.gov.v1 import query_pb2 as aic_q
from aichain.gov.v1 import tx_pb2 as aic_tx
from tests.helpers import DENOM, make_key

from .staking_chain import StakingChain, validator_keys

GOV = default_authority()
AIC = 10**6
BOND = 10**12  # 1,000,000 AIC per validator
VOTING_S = 30
EXPEDITED_S = 15
MIN_DEPOSIT = 10 * AIC
GENESIS = {
    "gov": {
        "params": {
            "voting_period": f"{VOTING_S}s",
            "expedited_voting_period": f"{EXPEDITED_S}s",
            "max_deposit_period": "60s",
            "min_deposit": [{"denom": DENOM, "amount": str(MIN_DEPOSIT)}],
            "expedited_min_deposit": [{"denom": DENOM, "amount": str(5 * MIN_DEPOSIT)}],
        }
    }
}
VALS = validator_keys(4)
ALICE, BOB = make_key(1), make_key(2)


def addr(key: PrivateKey) -> str:
    return account_address(key.address)


def packed(msg: Message) -> any_pb2.Any:
    return any_pb2.Any(type_url="/" + msg.DESCRIPTOR.full_name, value=msg.SerializeToString())


def coins(amount: int, denom: str = DENOM) -> list[coin_pb2.Coin]:
    return [coin_pb2.Coin(denom=denom, amount=str(amount))]


def send_enabled(enabled: bool, authority: str = GOV) -> any_pb2.Any:
    return packed(
        bank_tx.MsgUpdateParams(
            authority=authority, params=bank_pb2.Params(default_send_enabled=enabled)
        )
    )


@pytest.fixture
def chain() -> StakingChain:
    return StakingChain.start(
        [(k, pk, BOND) for k, pk in VALS], [(ALICE, 10**14), (BOB, 10**14)], app_state=GENESIS
    )


def submit(
    chain: StakingChain,
    messages: Sequence[any_pb2.Any],
    deposit: int = MIN_DEPOSIT,
    proposer: PrivateKey = ALICE,
    expedited: bool = False,
    model: bool = False,
    metadata: str = "",
) -> tuple[int, str]:
    """Submits in one block; returns (code, log) and leaves the id for the caller to query."""
    cls = aic_tx.MsgSubmitModelProposal if model else gov_tx.MsgSubmitProposal
    msg = cls(
        messages=list(messages),
        initial_deposit=coins(deposit) if deposit else [],
        proposer=addr(proposer),
        title="title",
        summary="summary",
        expedited=expedited,
        metadata=metadata,
    )
    [res] = chain.run([chain.tx(proposer, [msg])])
    return res.code, res.log


def proposal(chain: StakingChain, pid: int) -> gov_pb2.Proposal:
    return chain.query(
        "/cosmos.gov.v1.Query/Proposal",
        gov_q.QueryProposalRequest(proposal_id=pid),
        gov_q.QueryProposalResponse,
    ).proposal  # type: ignore[attr-defined]


def vote_all(chain: StakingChain, pid: int, option: int, keys: Sequence[PrivateKey]) -> None:
    msgs = [
        chain.tx(k, [gov_tx.MsgVote(proposal_id=pid, voter=addr(k), option=option)]) for k in keys
    ]
    assert [r.code for r in chain.run(msgs)] == [0] * len(msgs)


def until_voting_ends(chain: StakingChain, pid: int) -> None:
    """Blocks until the block whose end-block tallies the proposal has been committed."""
    end = proposal(chain, pid).voting_end_time.seconds
    while chain.time_s < end:
        chain.block([])


def supply(chain: StakingChain) -> int:
    return int(
        chain.query(
            "/cosmos.bank.v1beta1.Query/SupplyOf",
            bank_q.QuerySupplyOfRequest(denom=DENOM),
            bank_q.QuerySupplyOfResponse,
        ).amount.amount
    )  # type: ignore[attr-defined]


def validators(n: int) -> list[PrivateKey]:
    return [k for k, _ in VALS[:n]]


# --- outcomes --------------------------------------------------------------------------------


def test_a_param_change_passes_and_is_in_force_in_the_next_block(chain: StakingChain) -> None:
    assert submit(chain, [send_enabled(False)]) == (0, "")
    assert proposal(chain, 1).status == gov_pb2.PROPOSAL_STATUS_VOTING_PERIOD
    vote_all(chain, 1, gov_pb2.VOTE_OPTION_YES, validators(3))
    before = chain.balance(ALICE.address)
    until_voting_ends(chain, 1)
    p = proposal(chain, 1)
    assert p.status == gov_pb2.PROPOSAL_STATUS_PASSED
    assert p.final_tally_result.yes_count == str(3 * BOND)
    assert chain.balance(ALICE.address) == before + MIN_DEPOSIT  # deposit refunded
    # in force for the very next block: a plain send is refused by bank
    send = bank_tx.MsgSend(from_address=addr(ALICE), to_address=addr(BOB), amount=coins(1))
    [res] = chain.run([chain.tx(ALICE, [send])])
    assert (res.codespace, res.code) == ("bank", 5)  # send transactions are disabled
    assert chain.invariants() == []


def test_a_vetoed_proposal_burns_its_deposit(chain: StakingChain) -> None:
    assert submit(chain, [send_enabled(False)], deposit=3 * MIN_DEPOSIT)[0] == 0
    vote_all(chain, 1, gov_pb2.VOTE_OPTION_NO_WITH_VETO, validators(2))
    vote_all(chain, 1, gov_pb2.VOTE_OPTION_YES, validators(4)[2:])
    before_supply, before_balance = supply(chain), chain.balance(ALICE.address)
    until_voting_ends(chain, 1)
    assert proposal(chain, 1).status == gov_pb2.PROPOSAL_STATUS_REJECTED
    assert supply(chain) == before_supply - 3 * MIN_DEPOSIT
    assert chain.balance(ALICE.address) == before_balance
    assert chain.balance(module_address("gov")) == 0
    assert (
        chain.app.manager.module("bank")
        .keeper.get_params(chain.app.query_context())
        .default_send_enabled
    )  # type: ignore[attr-defined]


def test_a_proposal_short_of_quorum_is_rejected_and_refunded(chain: StakingChain) -> None:
    assert submit(chain, [send_enabled(False)])[0] == 0
    vote_all(chain, 1, gov_pb2.VOTE_OPTION_YES, validators(1))  # 25% < 33.4%
    before = chain.balance(ALICE.address)
    until_voting_ends(chain, 1)
    p = proposal(chain, 1)
    assert p.status == gov_pb2.PROPOSAL_STATUS_REJECTED
    assert p.failed_reason == "proposal did not get enough votes to pass"
    assert chain.balance(ALICE.address) == before + MIN_DEPOSIT


def test_a_failing_second_message_leaves_the_first_unapplied(chain: StakingChain) -> None:
    spend = dist_tx.MsgCommunityPoolSpend(authority=GOV, recipient=addr(BOB), amount=coins(10**15))
    assert submit(chain, [send_enabled(False), packed(spend)])[0] == 0
    vote_all(chain, 1, gov_pb2.VOTE_OPTION_YES, validators(4))
    until_voting_ends(chain, 1)
    p = proposal(chain, 1)
    assert p.status == gov_pb2.PROPOSAL_STATUS_FAILED
    assert p.failed_reason.startswith(
        "message 1 (/cosmos.distribution.v1beta1.MsgCommunityPoolSpend)"
    )
    bank = chain.app.manager.module("bank").keeper  # type: ignore[attr-defined]
    assert bank.get_params(chain.app.query_context()).default_send_enabled is True
    assert chain.invariants() == []


def test_a_community_pool_spend_executes_as_governance(chain: StakingChain) -> None:
    fund = dist_tx.MsgFundCommunityPool(depositor=addr(ALICE), amount=coins(5 * AIC))
    assert chain.run([chain.tx(ALICE, [fund])])[0].code == 0
    spend = dist_tx.MsgCommunityPoolSpend(authority=GOV, recipient=addr(BOB), amount=coins(2 * AIC))
    assert submit(chain, [packed(spend)])[0] == 0
    vote_all(chain, 1, gov_pb2.VOTE_OPTION_YES, validators(4))
    before = chain.balance(BOB.address)
    until_voting_ends(chain, 1)
    assert proposal(chain, 1).status == gov_pb2.PROPOSAL_STATUS_PASSED
    assert chain.balance(BOB.address) == before + 2 * AIC


def test_a_delegator_who_votes_overrides_its_validator(chain: StakingChain) -> None:
    v0 = VALS[0][0]
    delegate = staking_tx.MsgDelegate(
        delegator_address=addr(BOB),
        validator_address=valoper_address(v0.address),
        amount=coin_pb2.Coin(denom=DENOM, amount=str(BOND)),
    )
    assert chain.run([chain.tx(BOB, [delegate])])[0].code == 0
    assert submit(chain, [send_enabled(False)])[0] == 0
    vote_all(chain, 1, gov_pb2.VOTE_OPTION_YES, [v0])
    tally = chain.query(
        "/cosmos.gov.v1.Query/TallyResult",
        gov_q.QueryTallyResultRequest(proposal_id=1),
        gov_q.QueryTallyResultResponse,
    ).tally  # type: ignore[attr-defined]
    assert (tally.yes_count, tally.no_count) == (str(2 * BOND), "0")  # BOB inherits
    vote_all(chain, 1, gov_pb2.VOTE_OPTION_NO, [BOB])
    tally = chain.query(
        "/cosmos.gov.v1.Query/TallyResult",
        gov_q.QueryTallyResultRequest(proposal_id=1),
        gov_q.QueryTallyResultResponse,
    ).tally  # type: ignore[attr-defined]
    assert (tally.yes_count, tally.no_count) == (str(BOND), str(BOND))  # BOB overrides
    until_voting_ends(chain, 1)
    p = proposal(chain, 1)
    assert (p.final_tally_result.yes_count, p.final_tally_result.no_count) == (str(BOND), str(BOND))
    assert p.status == gov_pb2.PROPOSAL_STATUS_REJECTED  # 50% yes is not above 50%


def test_an_expedited_proposal_passes_early_or_votes_on(chain: StakingChain) -> None:
    assert submit(chain, [send_enabled(False)], deposit=5 * MIN_DEPOSIT, expedited=True)[0] == 0
    p = proposal(chain, 1)
    assert p.voting_end_time.seconds - p.voting_start_time.seconds == EXPEDITED_S
    vote_all(chain, 1, gov_pb2.VOTE_OPTION_YES, validators(2))
    vote_all(chain, 1, gov_pb2.VOTE_OPTION_NO, validators(3)[2:])  # 2/3 yes: not above 0.667
    until_voting_ends(chain, 1)
    p = proposal(chain, 1)
    assert p.status == gov_pb2.PROPOSAL_STATUS_VOTING_PERIOD and not p.expedited
    assert p.voting_end_time.seconds - p.voting_start_time.seconds == VOTING_S
    until_voting_ends(chain, 1)
    assert proposal(chain, 1).status == gov_pb2.PROPOSAL_STATUS_PASSED  # 2/3 > 1/2


def test_the_proposer_cancels_and_a_share_of_the_deposit_burns(chain: StakingChain) -> None:
    assert submit(chain, [send_enabled(False)])[0] == 0
    before_supply = supply(chain)
    cancel = gov_tx.MsgCancelProposal(proposal_id=1, proposer=addr(BOB))
    [res] = chain.run([chain.tx(BOB, [cancel])])
    assert (res.codespace, res.code) == ("gov", 18)
    cancel = gov_tx.MsgCancelProposal(proposal_id=1, proposer=addr(ALICE))
    assert chain.run([chain.tx(ALICE, [cancel])])[0].code == 0
    resp = chain.app.query(
        _req("/cosmos.gov.v1.Query/Proposal", gov_q.QueryProposalRequest(proposal_id=1))
    )
    assert (resp.codespace, resp.code) == ("gov", 2)
    assert supply(chain) == before_supply - MIN_DEPOSIT // 2


def _req(path: str, msg: Message):  # noqa: ANN202
    from tendermint.abci import types_pb2 as abci

    return abci.RequestQuery(path=path, data=msg.SerializeToString())


def test_gov_params_change_through_a_proposal(chain: StakingChain) -> None:
    params = chain.query(
        "/cosmos.gov.v1.Query/Params",
        gov_q.QueryParamsRequest(params_type="voting"),
        gov_q.QueryParamsResponse,
    )  # type: ignore[assignment]
    assert params.voting_params.voting_period.seconds == VOTING_S  # type: ignore[attr-defined]
    new = params.params  # type: ignore[attr-defined]
    new.voting_period.seconds = 40
    assert submit(chain, [packed(gov_tx.MsgUpdateParams(authority=GOV, params=new))])[0] == 0
    vote_all(chain, 1, gov_pb2.VOTE_OPTION_YES, validators(4))
    until_voting_ends(chain, 1)
    assert submit(chain, [send_enabled(False)])[0] == 0
    p = proposal(chain, 2)
    assert p.voting_end_time.seconds - p.voting_start_time.seconds == 40


# --- the model-vote track --------------------------------------------------------------------


def test_model_voters_earn_the_participation_reward_and_non_voters_do_not(
    chain: StakingChain,
) -> None:
    fund = aic_tx.MsgFundParticipationPool(depositor=addr(ALICE), amount=coins(10 * AIC))
    assert chain.run([chain.tx(ALICE, [fund])])[0].code == 0
    reward = aic_tx.MsgUpdateParams(authority=GOV)
    reward.params.participation_reward.extend(coins(3 * AIC))
    assert submit(chain, [packed(reward)])[0] == 0  # standard track: sets the reward
    vote_all(chain, 1, gov_pb2.VOTE_OPTION_YES, validators(4))
    until_voting_ends(chain, 1)
    assert submit(chain, [send_enabled(True)], model=True)[0] == 0
    vote_all(chain, 2, gov_pb2.VOTE_OPTION_YES, validators(2))
    vote_all(chain, 2, gov_pb2.VOTE_OPTION_NO, validators(3)[2:])
    until_voting_ends(chain, 2)
    record = chain.query(
        "/aichain.gov.v1.Query/ModelProposal",
        aic_q.QueryModelProposalRequest(proposal_id=2),
        aic_q.QueryModelProposalResponse,
    ).model_proposal  # type: ignore[attr-defined]
    assert record.voting_ended and record.total_power == str(3 * BOND)
    paid = []
    for k in validators(4):
        before = chain.balance(k.address)
        claim = aic_tx.MsgClaimParticipationReward(voter=addr(k), proposal_id=2)
        [res] = chain.run([chain.tx(k, [claim])])
        paid.append((res.code, res.codespace, chain.balance(k.address) - before))
    assert paid[:3] == [(0, "", AIC)] * 3  # 3 AIC shared by three equal voters
    assert paid[3][:2] == (103, "gov") and paid[3][2] == 0  # did not vote
    pool = chain.query(
        "/aichain.gov.v1.Query/ParticipationPool",
        aic_q.QueryParticipationPoolRequest(),
        aic_q.QueryParticipationPoolResponse,
    )
    assert pool.balance[0].amount == str(7 * AIC) and list(pool.allocated) == []  # type: ignore[attr-defined]
    assert chain.invariants() == []


# --- bad input -------------------------------------------------------------------------------


def unspent(chain: StakingChain, key: PrivateKey) -> None:
    """The last tx of key failed its stateless checks: its sequence was not used."""
    chain.sequences[key.address] -= 1


def _unchanged(chain: StakingChain, before: tuple[int, int]) -> None:
    assert (chain.balance(ALICE.address), chain.balance(module_address("gov"))) == before


def test_bad_input_is_refused_with_registered_errors_and_changes_nothing(
    chain: StakingChain,
) -> None:
    before = (chain.balance(ALICE.address), chain.balance(module_address("gov")))
    # a proposal whose messages carry another authority
    assert submit(chain, [send_enabled(False, authority=addr(ALICE))])[0] == 13
    # an empty proposal (no messages, no metadata)
    code, log = submit(chain, [])
    assert code == 11 and "messages" in log
    unspent(chain, ALICE)  # refused by its stateless check, before the sequence is used
    # a deposit in the wrong denom
    [res] = chain.run(
        [
            chain.tx(
                ALICE,
                [
                    gov_tx.MsgSubmitProposal(
                        messages=[send_enabled(False)],
                        initial_deposit=coins(MIN_DEPOSIT, "ufoo"),
                        proposer=addr(ALICE),
                        title="t",
                        summary="s",
                    )
                ],
            )
        ]
    )
    assert (res.codespace, res.code) == ("gov", 23)
    _unchanged(chain, before)
    resp = chain.app.query(
        _req("/cosmos.gov.v1.Query/Proposal", gov_q.QueryProposalRequest(proposal_id=1))
    )
    assert resp.code == 2  # nothing was created

    assert submit(chain, [send_enabled(False)], deposit=MIN_DEPOSIT // 2)[0] == 0  # deposit period
    after_submit = (chain.balance(ALICE.address), chain.balance(module_address("gov")))
    # a vote on a proposal not in its voting period
    [res] = chain.run([chain.tx(BOB, [gov_tx.MsgVote(proposal_id=1, voter=addr(BOB), option=1)])])
    assert (res.codespace, res.code) == ("gov", 3)
    # a deposit in the wrong denom
    [res] = chain.run(
        [
            chain.tx(
                ALICE,
                [gov_tx.MsgDeposit(proposal_id=1, depositor=addr(ALICE), amount=coins(5, "ufoo"))],
            )
        ]
    )
    assert (res.codespace, res.code) == ("gov", 23)
    # weighted votes not summing to 1
    weighted = gov_tx.MsgVoteWeighted(
        proposal_id=1,
        voter=addr(BOB),
        options=[
            gov_pb2.WeightedVoteOption(option=1, weight="0.5"),
            gov_pb2.WeightedVoteOption(option=3, weight="0.4"),
        ],
    )
    [res] = chain.run([chain.tx(BOB, [weighted])])
    assert (res.codespace, res.code) == ("gov", 7) and "sum to 0.9" in res.log
    unspent(chain, BOB)
    _unchanged(chain, after_submit)
    votes = chain.query(
        "/cosmos.gov.v1.Query/Votes",
        gov_q.QueryVotesRequest(proposal_id=1),
        gov_q.QueryVotesResponse,
    )
    assert list(votes.votes) == []  # type: ignore[attr-defined]
    assert chain.invariants() == []


def test_a_vote_after_the_proposal_is_decided_is_refused(chain: StakingChain) -> None:
    assert submit(chain, [send_enabled(True)])[0] == 0
    vote_all(chain, 1, gov_pb2.VOTE_OPTION_YES, validators(4))
    until_voting_ends(chain, 1)
    [res] = chain.run([chain.tx(BOB, [gov_tx.MsgVote(proposal_id=1, voter=addr(BOB), option=1)])])
    assert (res.codespace, res.code) == ("gov", 3)


def test_a_proposal_cannot_spend_the_deposits_the_gov_account_holds(chain: StakingChain) -> None:
    deposit = gov_tx.MsgDeposit(proposal_id=1, depositor=GOV, amount=coins(1))
    code, log = submit(chain, [packed(deposit)])
    assert code == 12 and "cannot be proposed" in log
    send = bank_tx.MsgSend(from_address=GOV, to_address=addr(BOB), amount=coins(MIN_DEPOSIT // 2))
    assert submit(chain, [packed(send)])[0] == 0  # signed by gov: accepted for a vote
    # proposal 2 waits in its deposit period: the gov account escrows its deposit meanwhile
    assert submit(chain, [send_enabled(False)], deposit=MIN_DEPOSIT // 2)[0] == 0
    vote_all(chain, 1, gov_pb2.VOTE_OPTION_YES, validators(4))
    before = chain.balance(BOB.address)
    until_voting_ends(chain, 1)
    p = proposal(chain, 1)
    assert p.status == gov_pb2.PROPOSAL_STATUS_FAILED
    assert "coins of the governance account" in p.failed_reason
    assert chain.balance(BOB.address) == before
    assert chain.invariants() == []


def test_a_model_activated_on_the_model_track_pays_its_voters_only() -> None:
    import hashlib

    from aichain.modelreg.v1 import modelreg_pb2
    from aichain.modelreg.v1 import tx_pb2 as modelreg_tx

    state = {
        **GENESIS,
        "modelreg": {"params": {"owner_activation": False}},
        "gov": {
            **GENESIS["gov"],
            "model_track": {
                "params": {"participation_reward": [{"denom": DENOM, "amount": "900"}]}
            },
        },
    }
    chain = StakingChain.start(
        [(k, pk, BOND) for k, pk in VALS], [(ALICE, 10**14), (BOB, 10**14)], app_state=state
    )
    fund = aic_tx.MsgFundParticipationPool(depositor=addr(BOB), amount=coins(5000))
    register = modelreg_tx.MsgRegisterBaseModel(
        owner=addr(ALICE), name="tiny", weights_hash=hashlib.sha256(b"w").hexdigest(),
        architecture="gpt2", parameter_count=10, license="MIT",
    )  # fmt: skip
    assert [r.code for r in chain.run([chain.tx(BOB, [fund]), chain.tx(ALICE, [register])])] == [
        0,
        0,
    ]
    activate = packed(modelreg_tx.MsgActivateModel(authority=GOV, model_id=1))
    assert submit(chain, [activate], model=True) == (0, "")
    vote_all(chain, 1, gov_pb2.VOTE_OPTION_YES, validators(2))
    vote_all(chain, 1, gov_pb2.VOTE_OPTION_ABSTAIN, validators(3)[2:])
    until_voting_ends(chain, 1)
    assert proposal(chain, 1).status == gov_pb2.PROPOSAL_STATUS_PASSED
    modelreg = chain.app.manager.module("modelreg").keeper  # type: ignore[attr-defined]
    model = modelreg.require_model(chain.app.query_context(), 1)
    assert model.status == modelreg_pb2.MODEL_STATUS_ACTIVE
    gains = []
    for k in validators(4):
        before = chain.balance(k.address)
        claim = aic_tx.MsgClaimParticipationReward(voter=addr(k), proposal_id=1)
        [res] = chain.run([chain.tx(k, [claim])])
        gains.append((res.code, chain.balance(k.address) - before))
    assert gains == [(0, 300), (0, 300), (0, 300), (103, 0)]  # three equal voters; one did not vote
    assert chain.invariants() == []
