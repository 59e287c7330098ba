"""Governance messages' stateless checks, params validation and genesis round trips."""

from __future__ import annotations

import dataclasses
import json

import pytest
from cosmos.base.v1beta1 import coin_pb2
from cosmos.gov.v1 import gov_pb2
from cosmos.gov.v1 import tx_pb2 as gov_tx

from aichain.app.coins import Coin
from aichain.app.crypto import account_address
from aichain.app.errors import InvalidAddressError, InvalidCoinsError, InvalidRequestError
from aichain.modules.gov import genesis, keys, msgs
from aichain.modules.gov.errors import (
    InvalidGenesisError,
    InvalidParamsError,
    InvalidVoteError,
    NoProposalMsgsError,
)
from aichain.modules.gov.types import (
    ABSTAIN,
    NO,
    YES,
    Params,
    Proposal,
    Vote,
    compute_reward_share,
)

from .gov_fakes import AIC, DENOM, GOV, ONE, POOL, T0, addr, at, send_enabled_msg, setup

ALICE = account_address(addr(1))


def submit_msg(**kw) -> gov_tx.MsgSubmitProposal:  # noqa: ANN003
    fields = dict(
        messages=[send_enabled_msg(False)],
        proposer=ALICE,
        title="t",
        summary="s",
        initial_deposit=[coin_pb2.Coin(denom=DENOM, amount="1")],
    )
    fields.update(kw)
    return gov_tx.MsgSubmitProposal(**fields)


def test_validate_submit_accepts_a_full_proposal_and_a_text_one() -> None:
    msgs.validate_submit_proposal(submit_msg())
    msgs.validate_submit_proposal(submit_msg(messages=[], metadata="ipfs://x"))


def test_validate_submit_rejects_an_empty_proposal() -> None:
    with pytest.raises(NoProposalMsgsError):
        msgs.validate_submit_proposal(submit_msg(messages=[]))


@pytest.mark.parametrize(
    ("field", "error"),
    [
        ("title", InvalidRequestError),
        ("summary", InvalidRequestError),
        ("proposer", InvalidAddressError),
    ],
)
def test_validate_submit_rejects_a_missing_field(field: str, error: type) -> None:
    with pytest.raises(error, match=field if field != "proposer" else None):
        msgs.validate_submit_proposal(submit_msg(**{field: ""}))


def test_validate_submit_rejects_bad_coins() -> None:
    with pytest.raises(InvalidCoinsError):
        msgs.validate_submit_proposal(
            submit_msg(initial_deposit=[coin_pb2.Coin(denom=DENOM, amount="-1")])
        )


def test_validate_deposit_rejects_an_empty_amount() -> None:
    with pytest.raises(InvalidCoinsError):
        msgs.validate_deposit(gov_tx.MsgDeposit(proposal_id=1, depositor=ALICE))


def test_validate_vote_rejects_an_unspecified_option() -> None:
    msgs.validate_vote(gov_tx.MsgVote(proposal_id=1, voter=ALICE, option=YES))
    with pytest.raises(InvalidVoteError):
        msgs.validate_vote(gov_tx.MsgVote(proposal_id=1, voter=ALICE, option=0))


def weighted(*pairs: tuple[int, str]) -> gov_tx.MsgVoteWeighted:
    options = [gov_pb2.WeightedVoteOption(option=o, weight=w) for o, w in pairs]  # type: ignore[arg-type]
    return gov_tx.MsgVoteWeighted(proposal_id=1, voter=ALICE, options=options)


def test_weighted_options_summing_to_one_are_accepted() -> None:
    assert msgs.compute_weighted_options(weighted((YES, "0.6"), (NO, "0.4")).options) == (
        (YES, ONE * 6 // 10),
        (NO, ONE * 4 // 10),
    )


@pytest.mark.parametrize(
    ("pairs", "match"),
    [
        (((YES, "0.6"), (NO, "0.3")), "sum to 0.9"),
        (((YES, "0.6"), (NO, "0.5")), "sum to 1.1"),
        (((YES, "0.5"), (YES, "0.5")), "duplicated"),
        (((YES, "1.5"),), r"\(0, 1\]"),
        (((YES, "0"), (NO, "1")), r"\(0, 1\]"),
        (((9, "1"),), "invalid vote option"),
        (((YES, "half"),), "invalid weight"),
    ],
)
def test_weighted_vote_rejects_bad_weights(pairs: tuple, match: str) -> None:
    with pytest.raises(InvalidVoteError, match=match):
        msgs.validate_vote_weighted(weighted(*pairs))


def test_weighted_vote_rejects_no_options() -> None:
    with pytest.raises(InvalidRequestError):
        msgs.validate_vote_weighted(weighted())


# --- params --------------------------------------------------------------------------------


def test_params_round_trip_through_proto_and_json() -> None:
    p = Params()
    assert Params.from_proto(p.to_proto()) == p
    assert Params.from_json(p.to_json()) == p
    short = Params.from_json({"voting_period": "10s", "expedited_voting_period": "5s"})
    assert (short.voting_period_ns, short.quorum) == (10 * 10**9, Params().quorum)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"quorum": ONE + 1}, "params.quorum"),
        ({"threshold": 0}, "params.threshold"),
        ({"veto_threshold": -1}, "params.veto_threshold"),
        ({"expedited_threshold": ONE // 2}, "params.expedited_threshold"),
        ({"voting_period_ns": 0}, "params.voting_period"),
        ({"expedited_voting_period_ns": 3 * 86400 * 10**9}, "params.expedited_voting_period"),
        ({"min_deposit": ()}, "params.min_deposit"),
        ({"expedited_min_deposit": (Coin(DENOM, 1),)}, "params.expedited_min_deposit"),
        ({"proposal_cancel_dest": "nope"}, "params.proposal_cancel_dest"),
        ({"min_deposit_ratio": 2 * ONE}, "params.min_deposit_ratio"),
    ],
)
def test_params_validate_names_the_bad_field(change: dict, field: str) -> None:
    with pytest.raises(InvalidParamsError, match=field):
        dataclasses.replace(Params(), **change).validate()


def test_params_from_proto_rejects_a_bad_decimal_and_a_missing_duration() -> None:
    p = Params().to_proto()
    p.quorum = "a third"
    with pytest.raises(InvalidParamsError, match="params.quorum"):
        Params.from_proto(p)
    p = Params().to_proto()
    p.ClearField("voting_period")
    with pytest.raises(InvalidParamsError, match="params.voting_period must be set"):
        Params.from_proto(p)


def test_reward_share_floors_and_never_exceeds_the_reward() -> None:
    reward = (Coin(DENOM, 100), Coin("uzzz", 7))
    shares = [compute_reward_share(p, 6, reward) for p in (1, 2, 3)]
    assert shares[0] == (Coin(DENOM, 16), Coin("uzzz", 1))
    assert sum(s[0].amount for s in shares) <= 100
    assert compute_reward_share(5, 0, reward) == ()


# --- genesis -------------------------------------------------------------------------------


def test_default_genesis_round_trips() -> None:
    s = setup()
    g = genesis.default_genesis()
    genesis.init_genesis(s.ctx, s.keeper, g)
    assert genesis.export_genesis(s.ctx, s.keeper) == g


def test_genesis_with_proposals_votes_deposits_and_model_records_round_trips() -> None:
    s = setup()
    s.bank.balances[(GOV, DENOM)] = 150 * AIC
    s.bank.balances[(POOL, DENOM)] = 1000
    voting = Proposal(
        1,
        (("/cosmos.bank.v1beta1.MsgUpdateParams", b"\x12\x00"),),
        2,
        T0,
        T0 + 1,
        addr(1),
        "t",
        "s",
        total_deposit=(Coin(DENOM, 150 * AIC),),
        voting_start_time_ns=T0,
        voting_end_time_ns=T0 + 10**12,
    )
    g = genesis.default_genesis()
    g["starting_proposal_id"] = "3"
    g["proposals"] = [genesis._to_json(voting.to_proto())]
    g["deposits"] = [
        {
            "proposal_id": "1",
            "depositor": ALICE,
            "amount": [{"denom": DENOM, "amount": str(150 * AIC)}],
        }
    ]
    g["votes"] = [
        genesis._to_json(Vote(1, addr(2), ((YES, ONE // 2), (ABSTAIN, ONE // 2))).to_proto())
    ]
    g["model_track"]["params"]["participation_reward"] = [{"denom": DENOM, "amount": "10"}]
    g["model_track"]["model_proposals"] = [
        {"proposal_id": "1", "total_power": "5", "reward": [], "claimed": [], "voting_ended": False}
    ]
    g["model_track"]["stakes"] = [
        {"proposal_id": "1", "voter": account_address(addr(2)), "power": "5"}
    ]
    g = json.loads(json.dumps(g))  # genesis is JSON
    genesis.init_genesis(s.ctx, s.keeper, g)
    assert json.loads(json.dumps(genesis.export_genesis(s.ctx, s.keeper))) == g
    assert s.keeper.iter_due(at(s.ctx, T0 + 10**12), keys.VOTING_QUEUE) == [1]  # re-queued


def test_genesis_rejects_deposits_the_gov_account_does_not_hold() -> None:
    s = setup()
    g = genesis.default_genesis()
    p = Proposal(1, (), 1, T0, T0 + 1, addr(1), "t", "s", metadata="m")
    g["starting_proposal_id"] = "2"
    g["proposals"] = [genesis._to_json(p.to_proto())]
    g["deposits"] = [
        {"proposal_id": "1", "depositor": ALICE, "amount": [{"denom": DENOM, "amount": "5"}]}
    ]
    with pytest.raises(InvalidGenesisError, match="gov module account holds nothing"):
        genesis.init_genesis(s.ctx, s.keeper, g)


def test_genesis_rejects_a_vote_on_a_missing_proposal_and_bad_params() -> None:
    s = setup()
    g = genesis.default_genesis()
    g["votes"] = [genesis._to_json(Vote(4, addr(2), ((YES, ONE),)).to_proto())]
    with pytest.raises(InvalidGenesisError, match="names no proposal"):
        genesis.init_genesis(s.ctx, s.keeper, g)
    with pytest.raises(InvalidGenesisError, match="params.quorum"):
        genesis.init_genesis(s.ctx, s.keeper, {"params": {"quorum": "2"}})
