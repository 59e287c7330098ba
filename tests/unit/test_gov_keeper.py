"""The governance keeper over fakes: submission checks, deposits, votes, cancellation, the
end-block steps (drop, tally, execution all-or-nothing, burns, the expedited track) and the
model-vote track's participation rewards; invariants after each."""

from __future__ import annotations

from dataclasses import replace

import pytest
from cosmos.base.v1beta1 import coin_pb2
from cosmos.gov.v1 import tx_pb2 as gov_tx
from google.protobuf import any_pb2

from aichain.app.coins import Coin
from aichain.app.crypto import account_address
from aichain.app.errors import InsufficientFundsError, UnauthorizedError
from aichain.gov.v1 import tx_pb2 as aic_tx
from aichain.modules.gov import end_block, invariants, keys
from aichain.modules.gov.errors import (
    InactiveProposalError,
    InvalidDepositDenomError,
    InvalidParamsError,
    InvalidProposalMsgError,
    InvalidProposerError,
    InvalidSignerError,
    MetadataTooLongError,
    MinDepositTooSmallError,
    NoParticipationRewardError,
    NotModelProposalError,
    RewardNotReadyError,
    UnknownProposalError,
    UnroutableProposalMsgError,
    VotingPeriodEndedError,
)
from aichain.modules.gov.msg_server import MsgServer
from aichain.modules.gov.types import (
    ABSTAIN,
    NO,
    NO_WITH_VETO,
    STATUS_DEPOSIT_PERIOD,
    STATUS_FAILED,
    STATUS_PASSED,
    STATUS_REJECTED,
    STATUS_VOTING_PERIOD,
    YES,
    ModelParams,
)

from .gov_fakes import (
    AIC,
    DENOM,
    GOV,
    GOV_ADDRESS,
    ONE,
    POOL,
    SECOND,
    T0,
    TEST_PARAMS,
    Setup,
    addr,
    at,
    fake_send_enabled,
    pool_spend_msg,
    send_enabled_msg,
    setup,
)

ALICE, BOB, CAROL = addr(1), addr(2), addr(3)


def coins(amount: int, denom: str = DENOM) -> list[coin_pb2.Coin]:
    return [coin_pb2.Coin(denom=denom, amount=str(amount))]


def submit(
    s: Setup,
    messages: list[any_pb2.Any] | None = None,
    deposit: int = 100 * AIC,
    proposer: bytes = ALICE,
    expedited: bool = False,
    model: bool = False,
    ctx=None,  # noqa: ANN001
) -> int:
    """Submits through the msg server; returns the proposal id."""
    cls = aic_tx.MsgSubmitModelProposal if model else gov_tx.MsgSubmitProposal
    msg = cls(
        messages=messages if messages is not None else [send_enabled_msg(False)],
        initial_deposit=coins(deposit) if deposit else [],
        proposer=account_address(proposer),
        title="t",
        summary="s",
        expedited=expedited,
    )
    server = MsgServer(s.keeper, GOV_ADDRESS)
    handler = server.submit_model_proposal if model else server.submit_proposal
    return handler(ctx or s.ctx, msg).proposal_id  # type: ignore[arg-type]


def vote(s: Setup, ctx, proposal_id: int, voter: bytes, option: int = YES) -> None:  # noqa: ANN001
    s.keeper.add_vote(ctx, proposal_id, voter, ((option, ONE),), "")


def check_invariants(s: Setup, ctx) -> None:  # noqa: ANN001
    assert invariants.deposits_invariant(ctx, s.keeper) is None
    assert invariants.participation_invariant(ctx, s.keeper) is None


def end_of_voting(s: Setup, proposal_id: int):  # noqa: ANN201
    """A context just at the proposal's voting end, after running end-block there."""
    end = s.keeper.must_get_proposal(s.ctx, proposal_id).voting_end_time_ns
    ctx = at(s.ctx, end)
    end_block.end_block(ctx, s.keeper)
    return ctx


# --- submission ------------------------------------------------------------------------------


def test_submit_stores_a_proposal_in_voting_at_the_minimum_deposit() -> None:
    s = setup()
    pid = submit(s)
    p = s.keeper.must_get_proposal(s.ctx, pid)
    assert (pid, p.status, p.proposer) == (1, STATUS_VOTING_PERIOD, ALICE)
    assert p.voting_end_time_ns == T0 + TEST_PARAMS.voting_period_ns
    assert p.total_deposit == (Coin(DENOM, 100 * AIC),)
    assert s.bank.get_balance(s.ctx, GOV, DENOM) == 100 * AIC
    assert s.keeper.get_next_proposal_id(s.ctx) == 2
    assert s.keeper.iter_due(at(s.ctx, p.voting_end_time_ns), keys.VOTING_QUEUE) == [pid]
    check_invariants(s, s.ctx)


def test_submit_below_the_minimum_stays_in_the_deposit_period() -> None:
    s = setup()
    pid = submit(s, deposit=10 * AIC)
    p = s.keeper.must_get_proposal(s.ctx, pid)
    assert p.status == STATUS_DEPOSIT_PERIOD and p.voting_start_time_ns is None
    assert s.keeper.iter_due(at(s.ctx, p.deposit_end_time_ns), keys.DEPOSIT_QUEUE) == [pid]


def test_submit_rejects_a_message_carrying_another_authority() -> None:
    s = setup()
    with pytest.raises(InvalidSignerError, match="governance account"):
        submit(s, [send_enabled_msg(False, authority=account_address(ALICE))])
    assert s.keeper.get_proposal(s.ctx, 1) is None


def test_submit_rejects_an_unroutable_message() -> None:
    s = setup()
    bogus = any_pb2.Any(type_url="/nobody.v1.MsgNothing", value=b"")
    with pytest.raises(UnroutableProposalMsgError, match="MsgNothing"):
        submit(s, [bogus])


def test_submit_rejects_a_message_failing_its_validate_basic() -> None:
    s = setup()
    empty = gov_tx.MsgUpdateParams(authority=GOV_ADDRESS)  # bank's validate: params missing
    bad = any_pb2.Any(
        type_url="/cosmos.bank.v1beta1.MsgUpdateParams", value=empty.SerializeToString()
    )
    with pytest.raises(InvalidProposalMsgError, match="message 0"):
        submit(s, [bad])


def test_submit_rejects_long_metadata() -> None:
    s = setup()
    with pytest.raises(MetadataTooLongError):
        s.keeper.submit_proposal(s.ctx, [], "x" * 256, "t", "s", ALICE, False)


def test_submit_rejects_a_deposit_below_the_min_deposit_ratio() -> None:
    s = setup()
    with pytest.raises(MinDepositTooSmallError, match="min_deposit_ratio"):
        submit(s, deposit=0)


def test_submit_rejects_an_initial_deposit_in_the_wrong_denom() -> None:
    s = setup()
    msg = gov_tx.MsgSubmitProposal(
        messages=[send_enabled_msg(False)],
        initial_deposit=coins(5, "ufoo"),
        proposer=account_address(ALICE),
        title="t",
        summary="s",
    )
    with pytest.raises(InvalidDepositDenomError, match="accepts only uaic"):
        MsgServer(s.keeper, GOV_ADDRESS).submit_proposal(s.ctx, msg)


# --- deposits --------------------------------------------------------------------------------


def test_deposit_reaching_the_minimum_starts_voting() -> None:
    s = setup()
    pid = submit(s, deposit=40 * AIC)
    later = at(s.ctx, T0 + 10 * SECOND)
    assert s.keeper.add_deposit(later, pid, BOB, (Coin(DENOM, 60 * AIC),)) is True
    p = s.keeper.must_get_proposal(later, pid)
    assert p.status == STATUS_VOTING_PERIOD and p.voting_start_time_ns == T0 + 10 * SECOND
    assert s.keeper.get_deposit(later, pid, BOB).amount == (Coin(DENOM, 60 * AIC),)  # type: ignore[union-attr]
    assert s.keeper.iter_due(at(s.ctx, p.deposit_end_time_ns), keys.DEPOSIT_QUEUE) == []
    check_invariants(s, later)


def test_deposit_rejects_the_wrong_denom() -> None:
    s = setup()
    pid = submit(s, deposit=40 * AIC)
    s.bank.balances[(BOB, "ufoo")] = 10**9
    with pytest.raises(InvalidDepositDenomError):
        s.keeper.add_deposit(s.ctx, pid, BOB, (Coin("ufoo", 10**8),))
    assert s.bank.get_balance(s.ctx, BOB, "ufoo") == 10**9
    assert s.keeper.get_deposit(s.ctx, pid, BOB) is None


def test_deposit_rejects_an_unknown_or_decided_proposal() -> None:
    s = setup()
    with pytest.raises(UnknownProposalError):
        s.keeper.add_deposit(s.ctx, 9, BOB, (Coin(DENOM, AIC),))
    pid = submit(s)
    for op in s.validators:
        vote(s, s.ctx, pid, op)
    ctx = end_of_voting(s, pid)
    with pytest.raises(InactiveProposalError):
        s.keeper.add_deposit(ctx, pid, BOB, (Coin(DENOM, AIC),))


def test_deposit_rejects_insufficient_funds_changing_nothing() -> None:
    s = setup()
    pid = submit(s, deposit=40 * AIC)
    with pytest.raises(InsufficientFundsError):
        s.keeper.add_deposit(s.ctx, pid, addr(99), (Coin(DENOM, AIC),))
    assert s.keeper.must_get_proposal(s.ctx, pid).total_deposit == (Coin(DENOM, 40 * AIC),)


# --- votes -----------------------------------------------------------------------------------


def test_vote_rejects_a_proposal_in_its_deposit_period() -> None:
    s = setup()
    pid = submit(s, deposit=40 * AIC)
    with pytest.raises(InactiveProposalError, match="not in its voting period"):
        vote(s, s.ctx, pid, BOB)
    assert s.keeper.get_vote(s.ctx, pid, BOB) is None


def test_vote_rejects_at_or_after_the_voting_end() -> None:
    s = setup()
    pid = submit(s)
    end = s.keeper.must_get_proposal(s.ctx, pid).voting_end_time_ns
    with pytest.raises(VotingPeriodEndedError):
        vote(s, at(s.ctx, end), pid, BOB)  # type: ignore[arg-type]
    vote(s, at(s.ctx, end - 1), pid, BOB)  # type: ignore[operator]
    assert s.keeper.get_vote(s.ctx, pid, BOB) is not None


def test_a_second_vote_replaces_the_first() -> None:
    s = setup()
    pid = submit(s)
    vote(s, s.ctx, pid, BOB, YES)
    vote(s, s.ctx, pid, BOB, NO)
    assert [v.options for v in s.keeper.iter_votes(s.ctx, pid)] == [((NO, ONE),)]


# --- cancellation ----------------------------------------------------------------------------


def test_cancel_rejects_anyone_but_the_proposer() -> None:
    s = setup()
    pid = submit(s)
    with pytest.raises(InvalidProposerError):
        s.keeper.cancel_proposal(s.ctx, pid, BOB)


def test_cancel_burns_the_cancel_ratio_and_refunds_the_rest() -> None:
    s = setup()
    pid = submit(s)
    s.keeper.add_deposit(s.ctx, pid, BOB, (Coin(DENOM, 10 * AIC),))
    vote(s, s.ctx, pid, BOB)
    before = s.bank.get_balance(s.ctx, ALICE, DENOM)
    s.keeper.cancel_proposal(s.ctx, pid, ALICE)
    assert s.keeper.get_proposal(s.ctx, pid) is None
    assert s.bank.get_balance(s.ctx, ALICE, DENOM) == before + 50 * AIC
    assert s.bank.burned[DENOM] == 55 * AIC
    assert list(s.keeper.iter_votes(s.ctx, pid)) == []
    assert s.keeper.iter_due(at(s.ctx, 2**62), keys.VOTING_QUEUE) == []
    check_invariants(s, s.ctx)


def test_cancel_rejects_after_voting_ended() -> None:
    s = setup()
    pid = submit(s)
    end = s.keeper.must_get_proposal(s.ctx, pid).voting_end_time_ns
    with pytest.raises(VotingPeriodEndedError):
        s.keeper.cancel_proposal(at(s.ctx, end), pid, ALICE)  # type: ignore[arg-type]


# --- end-block -------------------------------------------------------------------------------


def test_a_proposal_short_of_its_deposit_is_dropped_and_refunded() -> None:
    s = setup()
    pid = submit(s, deposit=40 * AIC)
    before = s.bank.get_balance(s.ctx, ALICE, DENOM)
    ctx = at(s.ctx, T0 + TEST_PARAMS.max_deposit_period_ns)
    end_block.end_block(ctx, s.keeper)
    assert s.keeper.get_proposal(ctx, pid) is None
    assert s.bank.get_balance(ctx, ALICE, DENOM) == before + 40 * AIC
    assert ctx.events[-1].type == "inactive_proposal"
    check_invariants(s, ctx)


def test_a_dropped_proposal_burns_with_burn_proposal_deposit_prevote() -> None:
    s = setup(replace(TEST_PARAMS, burn_proposal_deposit_prevote=True))
    pid = submit(s, deposit=40 * AIC)
    ctx = at(s.ctx, T0 + TEST_PARAMS.max_deposit_period_ns)
    end_block.end_block(ctx, s.keeper)
    assert s.keeper.get_proposal(ctx, pid) is None and s.bank.burned[DENOM] == 40 * AIC


def test_a_passed_proposal_executes_and_refunds() -> None:
    s = setup()
    pid = submit(s)
    for op in s.validators:
        vote(s, s.ctx, pid, op)
    ctx = end_of_voting(s, pid)
    p = s.keeper.must_get_proposal(ctx, pid)
    assert p.status == STATUS_PASSED and p.final_tally.yes == 1000 * AIC
    assert fake_send_enabled(ctx) == b"0"
    assert s.bank.get_balance(ctx, GOV, DENOM) == 0
    assert list(s.keeper.iter_votes(ctx, pid)) == []
    check_invariants(s, ctx)


def test_a_failing_second_message_leaves_the_first_unapplied() -> None:
    s = setup()
    pid = submit(s, [send_enabled_msg(False), pool_spend_msg(BOB, 10**12)])
    for op in s.validators:
        vote(s, s.ctx, pid, op)
    ctx = end_of_voting(s, pid)
    p = s.keeper.must_get_proposal(ctx, pid)
    assert p.status == STATUS_FAILED
    assert "message 1 (/cosmos.distribution.v1beta1.MsgCommunityPoolSpend)" in p.failed_reason
    assert "community pool holds less" in p.failed_reason
    assert fake_send_enabled(ctx) is None
    check_invariants(s, ctx)


def test_a_vetoed_proposal_burns_its_deposits() -> None:
    s = setup()
    pid = submit(s)
    vote(s, s.ctx, pid, s.validators[3], NO_WITH_VETO)  # 400 of 1000
    vote(s, s.ctx, pid, s.validators[2], YES)
    ctx = end_of_voting(s, pid)
    p = s.keeper.must_get_proposal(ctx, pid)
    assert p.status == STATUS_REJECTED and s.bank.burned[DENOM] == 100 * AIC
    assert fake_send_enabled(ctx) is None
    check_invariants(s, ctx)


def test_failed_quorum_refunds_unless_burn_vote_quorum() -> None:
    for burn in (False, True):
        s = setup(replace(TEST_PARAMS, burn_vote_quorum=burn))
        pid = submit(s)
        vote(s, s.ctx, pid, s.validators[1])  # 200 of 1000 < 33.4%
        ctx = end_of_voting(s, pid)
        assert s.keeper.must_get_proposal(ctx, pid).status == STATUS_REJECTED
        assert s.bank.burned.get(DENOM, 0) == (100 * AIC if burn else 0)
        check_invariants(s, ctx)


def test_all_abstain_is_rejected() -> None:
    s = setup()
    pid = submit(s)
    for op in s.validators:
        vote(s, s.ctx, pid, op, ABSTAIN)
    ctx = end_of_voting(s, pid)
    assert s.keeper.must_get_proposal(ctx, pid).status == STATUS_REJECTED


def test_a_failed_expedited_proposal_votes_on_as_a_regular_one() -> None:
    s = setup()
    pid = submit(s, deposit=500 * AIC, expedited=True)
    p = s.keeper.must_get_proposal(s.ctx, pid)
    assert p.voting_end_time_ns == T0 + TEST_PARAMS.expedited_voting_period_ns
    vote(s, s.ctx, pid, s.validators[3], YES)  # 400
    vote(s, s.ctx, pid, s.validators[2], NO)  # 300: 57% yes, below 66.7%
    ctx = end_of_voting(s, pid)
    p = s.keeper.must_get_proposal(ctx, pid)
    assert p.status == STATUS_VOTING_PERIOD and not p.expedited
    assert p.voting_end_time_ns == T0 + TEST_PARAMS.voting_period_ns
    assert len(list(s.keeper.iter_votes(ctx, pid))) == 2
    assert s.bank.get_balance(ctx, GOV, DENOM) == 500 * AIC
    ctx = end_of_voting(s, pid)
    assert s.keeper.must_get_proposal(ctx, pid).status == STATUS_PASSED
    check_invariants(s, ctx)


def test_a_delegator_overrides_its_validator_for_its_own_stake() -> None:
    s = setup()
    s.staking.delegate(BOB, s.validators[0], 50 * AIC)  # validator 0: 150, of which BOB 50
    pid = submit(s)
    vote(s, s.ctx, pid, s.validators[0], YES)
    vote(s, s.ctx, pid, BOB, NO)
    result = s.keeper.tally(s.ctx, s.keeper.must_get_proposal(s.ctx, pid)).result
    assert (result.yes, result.no) == (100 * AIC, 50 * AIC)


def test_update_params_rejects_another_authority_and_bad_params() -> None:
    s = setup()
    server = MsgServer(s.keeper, GOV_ADDRESS)
    params = TEST_PARAMS.to_proto()
    with pytest.raises(UnauthorizedError):
        server.update_params(
            s.ctx, gov_tx.MsgUpdateParams(authority=account_address(ALICE), params=params)
        )
    params.quorum = "1.5"
    with pytest.raises(InvalidParamsError, match="params.quorum"):
        server.update_params(s.ctx, gov_tx.MsgUpdateParams(authority=GOV_ADDRESS, params=params))
    assert s.keeper.get_params(s.ctx) == TEST_PARAMS


# --- the model-vote track --------------------------------------------------------------------


def fund_pool(s: Setup, amount: int) -> None:
    s.bank.balances[(POOL, DENOM)] = s.bank.balances.get((POOL, DENOM), 0) + amount


def test_model_voters_share_the_reward_by_power_and_non_voters_get_nothing() -> None:
    s = setup()
    s.keeper.set_model_params(s.ctx, ModelParams((Coin(DENOM, 1000),)))
    fund_pool(s, 5000)
    s.staking.delegate(BOB, s.validators[0], 100 * AIC)
    pid = submit(s, model=True)
    vote(s, s.ctx, pid, s.validators[3], YES)  # own stake 400 AIC
    vote(s, s.ctx, pid, s.validators[2], YES)  # 300 AIC
    vote(s, s.ctx, pid, BOB, NO)  # 100 AIC
    with pytest.raises(RewardNotReadyError):
        s.keeper.participation.claim(s.ctx, pid, BOB)
    ctx = end_of_voting(s, pid)
    record = s.keeper.get_model_proposal(ctx, pid)
    assert record is not None and (record.total_power, record.reward) == (
        800 * AIC,
        (Coin(DENOM, 1000),),
    )
    assert s.keeper.get_allocated(ctx) == (Coin(DENOM, 1000),)
    paid = {
        v: s.keeper.participation.claim(ctx, pid, v)
        for v in (s.validators[3], s.validators[2], BOB)
    }
    assert paid == {
        s.validators[3]: (Coin(DENOM, 500),),
        s.validators[2]: (Coin(DENOM, 375),),
        BOB: (Coin(DENOM, 125),),
    }
    with pytest.raises(NoParticipationRewardError):
        s.keeper.participation.claim(ctx, pid, s.validators[0])  # did not vote
    with pytest.raises(NoParticipationRewardError):
        s.keeper.participation.claim(ctx, pid, BOB)  # already claimed
    assert s.bank.get_balance(ctx, POOL, DENOM) == 4000
    assert s.keeper.get_allocated(ctx) == ()
    check_invariants(s, ctx)


def test_model_reward_is_capped_by_the_available_pool() -> None:
    s = setup()
    s.keeper.set_model_params(s.ctx, ModelParams((Coin(DENOM, 1000),)))
    fund_pool(s, 1500)
    first, second = submit(s, model=True), submit(s, model=True)
    for pid in (first, second):
        vote(s, s.ctx, pid, s.validators[0], YES)
    ctx = end_of_voting(s, first)
    rewards = [s.keeper.get_model_proposal(ctx, p).reward for p in (first, second)]  # type: ignore[union-attr]
    assert rewards == [(Coin(DENOM, 1000),), (Coin(DENOM, 500),)]
    check_invariants(s, ctx)


def test_a_re_vote_replaces_the_voters_power_and_a_standard_proposal_has_no_record() -> None:
    s = setup()
    pid = submit(s, model=True)
    vote(s, s.ctx, pid, BOB)  # no stake: power 0, no record
    assert s.keeper.get_stake(s.ctx, pid, BOB) is None
    s.staking.delegate(BOB, s.validators[0], 10 * AIC)
    vote(s, s.ctx, pid, BOB)
    vote(s, s.ctx, pid, BOB, NO)
    assert s.keeper.get_model_proposal(s.ctx, pid).total_power == 10 * AIC  # type: ignore[union-attr]
    check_invariants(s, s.ctx)
    std = submit(s)
    with pytest.raises(NotModelProposalError):
        s.keeper.participation.claim(s.ctx, std, BOB)


def test_a_cancelled_model_proposal_drops_its_stakes() -> None:
    s = setup()
    pid = submit(s, model=True)
    vote(s, s.ctx, pid, s.validators[0])
    s.keeper.cancel_proposal(s.ctx, pid, ALICE)
    assert s.keeper.get_model_proposal(s.ctx, pid) is None
    assert list(s.keeper.iter_stakes(s.ctx)) == []
    check_invariants(s, s.ctx)


def test_fund_from_community_pool_moves_coins_into_the_pool() -> None:
    s = setup()
    s.distribution.fund_community_pool(s.ctx, ALICE, [Coin(DENOM, 700)])
    s.keeper.participation.fund_from_community_pool(s.ctx, (Coin(DENOM, 300),))
    assert s.bank.get_balance(s.ctx, POOL, DENOM) == 300 and s.distribution.pool[DENOM] == 400
    with pytest.raises(InsufficientFundsError):
        s.keeper.participation.fund_from_community_pool(s.ctx, (Coin(DENOM, 401),))


def test_submit_rejects_governances_own_deposit_and_vote_messages() -> None:
    from aichain.app.router import MsgRoute

    s = setup()
    router = s.keeper.router
    router.add_msg(
        MsgRoute(
            "/cosmos.gov.v1.MsgDeposit",
            gov_tx.MsgDeposit,  # type: ignore[union-attr]
            lambda m: (GOV,),
            lambda m: None,
            lambda c, m: m,
            "gov",
        )
    )
    deposit = gov_tx.MsgDeposit(proposal_id=1, depositor=GOV_ADDRESS, amount=coins(1))
    packed = any_pb2.Any(type_url="/cosmos.gov.v1.MsgDeposit", value=deposit.SerializeToString())
    with pytest.raises(InvalidProposalMsgError, match="cannot be proposed"):
        submit(s, [packed])


def test_a_voting_validator_earns_for_the_stake_its_silent_delegators_lend_it() -> None:
    """The reward follows the tally's voting power: validator 0 votes its own stake and
    CAROL's (silent), not BOB's (who votes himself)."""
    s = setup()
    s.keeper.set_model_params(s.ctx, ModelParams((Coin(DENOM, 1000),)))
    fund_pool(s, 5000)
    s.staking.delegate(BOB, s.validators[0], 100 * AIC)
    s.staking.delegate(CAROL, s.validators[0], 200 * AIC)
    pid = submit(s, model=True)
    own = s.keeper.compute_own_power(s.ctx, s.validators[0])
    vote(s, s.ctx, pid, s.validators[0], YES)
    vote(s, s.ctx, pid, BOB, NO)
    assert s.keeper.get_model_proposal(s.ctx, pid).total_power == own + 100 * AIC  # while voting
    ctx = end_of_voting(s, pid)
    record = s.keeper.get_model_proposal(ctx, pid)
    assert record.total_power == own + 300 * AIC
    assert s.keeper.get_stake(ctx, pid, s.validators[0]) == own + 200 * AIC
    paid = {v: s.keeper.participation.claim(ctx, pid, v) for v in (s.validators[0], BOB)}
    total = own + 300 * AIC
    assert paid == {
        s.validators[0]: (Coin(DENOM, 1000 * (own + 200 * AIC) // total),),
        BOB: (Coin(DENOM, 1000 * 100 * AIC // total),),
    }
    with pytest.raises(NoParticipationRewardError):
        s.keeper.participation.claim(ctx, pid, CAROL)  # lent her stake, did not vote
    check_invariants(s, ctx)
