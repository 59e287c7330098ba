"""Event types and attributes the governance module emits (the Cosmos SDK's names), one
constructor per event. In CheckTx, whose events nobody reads, the constructors record
nothing."""

from __future__ import annotations

import json
from collections.abc import Sequence

from aichain.app.coins import Coin, format_coins
from aichain.app.context import Context
from aichain.app.crypto import account_address
from aichain.app.dec import format_dec
from aichain.modules.gov.types import WeightedOptions

SUBMIT_PROPOSAL = "submit_proposal"
"""A proposal was submitted (and, with voting_period_start, entered its voting period)."""

PROPOSAL_DEPOSIT = "proposal_deposit"
"""A deposit was added (and, with voting_period_start, the proposal entered voting)."""

PROPOSAL_VOTE = "proposal_vote"
"""A vote was cast."""

INACTIVE_PROPOSAL = "inactive_proposal"
"""A proposal's deposit period ended without enough deposit: it was dropped."""

ACTIVE_PROPOSAL = "active_proposal"
"""A proposal's voting period ended: passed, rejected, failed, or (expedited) extended."""

CANCEL_PROPOSAL = "cancel_proposal"
"""The proposer cancelled a proposal."""

PARTICIPATION_REWARD = "participation_reward"
"""A voter claimed a share of a model proposal's participation reward (aichain)."""

ATTR_PROPOSAL_ID = "proposal_id"
ATTR_PROPOSER = "proposal_proposer"
ATTR_MESSAGES = "proposal_messages"
ATTR_VOTING_PERIOD_START = "voting_period_start"
ATTR_DEPOSITOR = "depositor"
ATTR_AMOUNT = "amount"
ATTR_VOTER = "voter"
ATTR_OPTION = "option"
ATTR_RESULT = "proposal_result"
ATTR_LOG = "proposal_log"
ATTR_SENDER = "sender"

RESULT_DROPPED = "proposal_dropped"
RESULT_PASSED = "proposal_passed"
RESULT_REJECTED = "proposal_rejected"
RESULT_EXPEDITED_REJECTED = "expedited_proposal_rejected"
RESULT_FAILED = "proposal_failed"


def emit_submit_proposal(
    ctx: Context, proposal_id: int, proposer: bytes, type_urls: Sequence[str]
) -> None:
    """submit_proposal: id, proposer and the messages' type URLs (",url1,url2" as the SDK)."""
    if ctx.records_events:
        ctx.emit(
            SUBMIT_PROPOSAL,
            (ATTR_PROPOSAL_ID, str(proposal_id)),
            (ATTR_PROPOSER, account_address(proposer)),
            (ATTR_MESSAGES, "".join("," + url for url in type_urls)),
        )


def emit_voting_period_start(ctx: Context, event_type: str, proposal_id: int) -> None:
    """event_type (submit_proposal or proposal_deposit) with voting_period_start."""
    if ctx.records_events:
        ctx.emit(event_type, (ATTR_VOTING_PERIOD_START, str(proposal_id)))


def emit_deposit(ctx: Context, proposal_id: int, depositor: bytes, amount: Sequence[Coin]) -> None:
    """proposal_deposit: depositor, amount, id."""
    if ctx.records_events:
        ctx.emit(
            PROPOSAL_DEPOSIT,
            (ATTR_DEPOSITOR, account_address(depositor)),
            (ATTR_AMOUNT, format_coins(amount)),
            (ATTR_PROPOSAL_ID, str(proposal_id)),
        )


def format_options(options: WeightedOptions) -> str:
    """Weighted options as the SDK's event attribute: JSON [{"option":1,"weight":"1.0..."}]."""
    return json.dumps(
        [{"option": o, "weight": format_dec(w)} for o, w in options], separators=(",", ":")
    )


def emit_vote(ctx: Context, proposal_id: int, voter: bytes, options: WeightedOptions) -> None:
    """proposal_vote: voter, options, id."""
    if ctx.records_events:
        ctx.emit(
            PROPOSAL_VOTE,
            (ATTR_VOTER, account_address(voter)),
            (ATTR_OPTION, format_options(options)),
            (ATTR_PROPOSAL_ID, str(proposal_id)),
        )


def emit_inactive_proposal(ctx: Context, proposal_id: int) -> None:
    """inactive_proposal: the proposal was dropped at the end of its deposit period."""
    ctx.emit(INACTIVE_PROPOSAL, (ATTR_PROPOSAL_ID, str(proposal_id)), (ATTR_RESULT, RESULT_DROPPED))


def emit_active_proposal(ctx: Context, proposal_id: int, result: str, log: str) -> None:
    """active_proposal: the result of a proposal whose voting period ended."""
    ctx.emit(
        ACTIVE_PROPOSAL,
        (ATTR_PROPOSAL_ID, str(proposal_id)),
        (ATTR_RESULT, result),
        (ATTR_LOG, log),
    )


def emit_cancel_proposal(ctx: Context, proposal_id: int, proposer: bytes) -> None:
    """cancel_proposal: sender, id."""
    if ctx.records_events:
        ctx.emit(
            CANCEL_PROPOSAL,
            (ATTR_SENDER, account_address(proposer)),
            (ATTR_PROPOSAL_ID, str(proposal_id)),
        )


def emit_participation_reward(
    ctx: Context, proposal_id: int, voter: bytes, amount: Sequence[Coin]
) -> None:
    """participation_reward: voter, amount, id."""
    if ctx.records_events:
        ctx.emit(
            PARTICIPATION_REWARD,
            (ATTR_VOTER, account_address(voter)),
            (ATTR_AMOUNT, format_coins(amount)),
            (ATTR_PROPOSAL_ID, str(proposal_id)),
        )
