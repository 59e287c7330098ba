"""Governance's end-block steps (the SDK's x/gov EndBlocker), and the atomic execution of a
passed proposal's messages as the governance account.

Governance runs before staking at end-block, so a change it makes (a staking param) is in
force when staking computes this block's validator set.
"""

from __future__ import annotations

import dataclasses
import logging

from aichain.app.context import Context
from aichain.app.errors import AppError
from aichain.app.store.cache import CacheStore
from aichain.modules.gov import events, keys
from aichain.modules.gov.keeper import Keeper
from aichain.modules.gov.types import (
    STATUS_FAILED,
    STATUS_PASSED,
    STATUS_REJECTED,
    Proposal,
)

log = logging.getLogger("aichain.gov")


def end_block(ctx: Context, keeper: Keeper) -> None:
    """Drops proposals whose deposit period ended short of the minimum deposit, then tallies
    those whose voting period ended."""
    process_deposit_period_ends(ctx, keeper)
    process_voting_period_ends(ctx, keeper)


def process_deposit_period_ends(ctx: Context, keeper: Keeper) -> None:
    """Each proposal whose deposit period has ended is deleted; its deposits are refunded, or
    burned when burn_proposal_deposit_prevote is set."""
    for proposal_id in keeper.iter_due(ctx, keys.DEPOSIT_QUEUE):
        proposal = keeper.must_get_proposal(ctx, proposal_id)
        keeper.delete_proposal(ctx, proposal)
        if keeper.get_params(ctx).burn_proposal_deposit_prevote:
            keeper.delete_and_burn_deposits(ctx, proposal_id)
        else:
            keeper.refund_and_delete_deposits(ctx, proposal_id)
        keeper.participation.drop(ctx, proposal_id)
        events.emit_inactive_proposal(ctx, proposal_id)


def process_voting_period_ends(ctx: Context, keeper: Keeper) -> None:
    """Each proposal whose voting period has ended is tallied. Passed: its messages execute
    (all or none) and it is marked passed, or failed with the error. Rejected: marked so. An
    expedited proposal that did not pass becomes a regular one, voting on until the regular
    period's end with its votes and deposits kept; otherwise deposits are refunded, or burned
    when the tally says so, votes are deleted and a model proposal's reward is set aside."""
    for proposal_id in keeper.iter_due(ctx, keys.VOTING_QUEUE):
        proposal = keeper.must_get_proposal(ctx, proposal_id)
        voters: list[bytes] = []
        outcome = keeper.tally(ctx, proposal, voters)
        keeper.remove_queue(ctx, proposal)
        extended = proposal.expedited and not outcome.passes
        if not extended:
            if outcome.burn_deposits:
                keeper.delete_and_burn_deposits(ctx, proposal_id)
            else:
                keeper.refund_and_delete_deposits(ctx, proposal_id)
            keeper.delete_votes(ctx, proposal_id, voters)
        if outcome.passes:
            error = execute_proposal(ctx, keeper, proposal)
            if error is None:
                proposal = proposal.replace(status=STATUS_PASSED)
                result, message = events.RESULT_PASSED, "passed"
            else:
                proposal = proposal.replace(status=STATUS_FAILED, failed_reason=error)
                result, message = events.RESULT_FAILED, f"passed, but {error}"
        elif extended:
            period = keeper.get_params(ctx).voting_period_ns
            start = proposal.voting_start_time_ns or ctx.time_ns
            proposal = proposal.replace(expedited=False, voting_end_time_ns=start + period)
            keeper.insert_queue(ctx, proposal)
            result, message = (
                events.RESULT_EXPEDITED_REJECTED,
                "expedited proposal converted to regular",
            )
        else:
            reason = "proposal did not get enough votes to pass"
            proposal = proposal.replace(status=STATUS_REJECTED, failed_reason=reason)
            result, message = events.RESULT_REJECTED, "rejected"
        keeper.set_proposal(ctx, proposal.replace(final_tally=outcome.result))
        if not extended:
            keeper.participation.close(ctx, proposal_id, outcome.inherited)
        log.info("proposal %d tallied: %s", proposal_id, message)
        events.emit_active_proposal(ctx, proposal_id, result, message)


def execute_proposal(ctx: Context, keeper: Keeper, proposal: Proposal) -> str | None:
    """Runs a proposal's messages in order on a branch of ctx's store, as the governance
    account (each message's handler checks its authority). All succeed: the branch and their
    events are kept, None is returned. One fails, or together they change the balance of the
    governance account (the deposits it escrows are not governance's to spend): nothing is
    kept, and the returned text says why."""
    router = keeper.router
    if router is None:
        raise RuntimeError("gov keeper used before the module registered its router")
    branch = CacheStore(ctx.store)
    sub = dataclasses.replace(ctx, store=branch, events=[], validator_updates=[], _stores={})
    escrow = keeper.bank.get_all_balances(ctx, keeper.module_address)
    for i, (url, value) in enumerate(proposal.messages):
        try:
            route = router.msg_route(url)
            msg = route.proto.FromString(value)
            route.validate_basic(msg)
            route.handler(sub, msg)
        except AppError as exc:
            return f"message {i} ({url}) failed: {exc.message}"
        except Exception as exc:  # a handler bug must not halt the chain: the proposal fails
            log.exception("proposal %d message %d (%s) raised", proposal.id, i, url)
            return f"message {i} ({url}) failed: internal error ({type(exc).__name__})"
    if keeper.bank.get_all_balances(sub, keeper.module_address) != escrow:
        return "the messages move coins of the governance account, which holds deposits"
    branch.write()
    ctx.events.extend(sub.events)
    ctx.validator_updates.extend(sub.validator_updates)
    return None
