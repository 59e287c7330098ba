"""Governance messages: cosmos.gov.v1 (the SDK's type URLs and fields) and aichain.gov.v1 (the
model-vote track). Type URLs, signers, and the stateless checks (validate_basic)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from cosmos.gov.v1 import gov_pb2, tx_pb2

from aichain.app.authority import authority_signers, validate_authority_msg
from aichain.app.coins import coins_from_proto
from aichain.app.crypto import parse_account_address
from aichain.app.dec import ONE, format_dec, parse_dec_text
from aichain.app.errors import AppError, InvalidRequestError
from aichain.gov.v1 import tx_pb2 as aic_tx_pb2
from aichain.modules.gov.errors import InvalidVoteError, NoProposalMsgsError
from aichain.modules.gov.types import OPTIONS, WeightedOptions

URL = "/cosmos.gov.v1."
"""Type URL prefix of the standard track's messages."""

AIC_URL = "/aichain.gov.v1."
"""Type URL prefix of the model-vote track's messages."""

MSG_SUBMIT_PROPOSAL_URL = URL + "MsgSubmitProposal"
MSG_DEPOSIT_URL = URL + "MsgDeposit"
MSG_VOTE_URL = URL + "MsgVote"
MSG_VOTE_WEIGHTED_URL = URL + "MsgVoteWeighted"
MSG_CANCEL_PROPOSAL_URL = URL + "MsgCancelProposal"
MSG_UPDATE_PARAMS_URL = URL + "MsgUpdateParams"
MSG_SUBMIT_MODEL_PROPOSAL_URL = AIC_URL + "MsgSubmitModelProposal"
MSG_CLAIM_PARTICIPATION_REWARD_URL = AIC_URL + "MsgClaimParticipationReward"
MSG_FUND_PARTICIPATION_POOL_URL = AIC_URL + "MsgFundParticipationPool"
MSG_FUND_FROM_COMMUNITY_POOL_URL = AIC_URL + "MsgFundParticipationPoolFromCommunityPool"
MSG_UPDATE_MODEL_PARAMS_URL = AIC_URL + "MsgUpdateParams"


class SubmitMsg(Protocol):
    """MsgSubmitProposal and MsgSubmitModelProposal: the same fields."""

    messages: Any
    initial_deposit: Any
    proposer: str
    metadata: str
    title: str
    summary: str
    expedited: bool


def proposer_signer(msg: SubmitMsg | tx_pb2.MsgCancelProposal) -> tuple[bytes, ...]:
    """The proposer signs."""
    return (parse_account_address(msg.proposer),)


def validate_submit_proposal(msg: SubmitMsg) -> None:
    """A proposer, a title and a summary, messages or metadata, a valid initial deposit.
    Raises InvalidAddressError, InvalidRequestError, NoProposalMsgsError, InvalidCoinsError."""
    parse_account_address(msg.proposer)
    if not msg.title:
        raise InvalidRequestError("proposal title cannot be empty: give a title")
    if not msg.summary:
        raise InvalidRequestError("proposal summary cannot be empty: give a summary")
    if not msg.messages and not msg.metadata:
        raise NoProposalMsgsError(
            "a proposal needs messages to execute or (for a text proposal) metadata"
        )
    for i, packed in enumerate(msg.messages):
        if not packed.type_url:
            raise InvalidRequestError(f"proposal message {i} has no type URL")
    coins_from_proto(msg.initial_deposit)


def depositor_signer(
    msg: tx_pb2.MsgDeposit | aic_tx_pb2.MsgFundParticipationPool,
) -> tuple[bytes, ...]:
    """The depositor signs."""
    return (parse_account_address(msg.depositor),)


def validate_deposit(msg: tx_pb2.MsgDeposit) -> None:
    """A depositor and a positive amount. Raises InvalidAddressError, InvalidCoinsError."""
    parse_account_address(msg.depositor)
    coins_from_proto(msg.amount, allow_empty=False)


def voter_signer(
    msg: tx_pb2.MsgVote | tx_pb2.MsgVoteWeighted | aic_tx_pb2.MsgClaimParticipationReward,
) -> tuple[bytes, ...]:
    """The voter signs."""
    return (parse_account_address(msg.voter),)


def check_option(option: int) -> int:
    """option when it is yes, abstain, no or no-with-veto. Raises InvalidVoteError."""
    if option not in OPTIONS:
        raise InvalidVoteError(
            f"invalid vote option {option}: use yes (1), abstain (2), no (3) or no_with_veto (4)"
        )
    return option


def validate_vote(msg: tx_pb2.MsgVote) -> None:
    """A voter and a valid option. Raises InvalidAddressError, InvalidVoteError."""
    parse_account_address(msg.voter)
    check_option(msg.option)


def compute_weighted_options(options: Iterable[gov_pb2.WeightedVoteOption]) -> WeightedOptions:
    """The (option, weight) pairs of a weighted vote: at least one, each a valid option once
    with a weight in (0, 1], the weights summing to exactly 1. Raises InvalidRequestError,
    InvalidVoteError."""
    pairs = []
    for o in options:
        check_option(o.option)
        try:
            weight = parse_dec_text(o.weight)
        except AppError:
            raise InvalidVoteError(
                f"invalid weight {o.weight!r}: write a decimal such as 0.5"
            ) from None
        if not 0 < weight <= ONE:
            raise InvalidVoteError(f"weight {o.weight} must be in (0, 1]")
        pairs.append((o.option, weight))
    if not pairs:
        raise InvalidRequestError("a weighted vote needs at least one option")
    if len({o for o, _ in pairs}) != len(pairs):
        raise InvalidVoteError("duplicated vote option: give each option once")
    total = sum(w for _, w in pairs)
    if total != ONE:
        raise InvalidVoteError(
            f"vote weights sum to {format_dec(total)}; they must sum to exactly 1"
        )
    return tuple(pairs)


def validate_vote_weighted(msg: tx_pb2.MsgVoteWeighted) -> None:
    """A voter and weighted options summing to 1. Raises InvalidAddressError,
    InvalidRequestError, InvalidVoteError."""
    parse_account_address(msg.voter)
    compute_weighted_options(msg.options)


def validate_cancel_proposal(msg: tx_pb2.MsgCancelProposal) -> None:
    """A proposer. Raises InvalidAddressError."""
    parse_account_address(msg.proposer)


authority_signer = authority_signers
"""The authority (the governance account) signs params updates and community-pool funding."""

validate_update_params = validate_authority_msg
"""The authority is an address and params are given (each field is checked statefully)."""


def validate_claim(msg: aic_tx_pb2.MsgClaimParticipationReward) -> None:
    """A voter. Raises InvalidAddressError."""
    parse_account_address(msg.voter)


def validate_fund_pool(msg: aic_tx_pb2.MsgFundParticipationPool) -> None:
    """A depositor and a positive amount. Raises InvalidAddressError, InvalidCoinsError."""
    parse_account_address(msg.depositor)
    coins_from_proto(msg.amount, allow_empty=False)


def validate_fund_from_community_pool(
    msg: aic_tx_pb2.MsgFundParticipationPoolFromCommunityPool,
) -> None:
    """An authority and a positive amount. Raises InvalidAddressError, InvalidCoinsError."""
    parse_account_address(msg.authority)
    coins_from_proto(msg.amount, allow_empty=False)
