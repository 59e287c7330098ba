"""The tally: stake-weighted vote results and the outcome they give (pure; the keeper feeds it
from the store).

As the Cosmos SDK's x/gov: only bonded validators' stake counts. Each voter's delegations to
bonded validators vote with the voter's options and are deducted from their validator; each
validator that voted then votes the delegator shares left to it, so a delegator who does not
vote inherits its validator's vote and one who does overrides it for their own stake. The
tally visits each voter's delegations once (every delegation at most once) and each bonded
validator once; it never walks the delegations of non-voters.

Powers are decimal atomics of bond-denom tokens (18 places): a delegation of S shares of a
validator holding T tokens for V shares votes with S*T/V tokens, truncated to atomics, and
each option gets power*weight, truncated. The outcome's comparisons are exact (cross-
multiplied, no rounded quotients); the reported counts are truncated to whole tokens.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from aichain.app.dec import ONE
from aichain.modules.gov.types import (
    ABSTAIN,
    NO,
    NO_WITH_VETO,
    OPTIONS,
    YES,
    Params,
    TallyResult,
    WeightedOptions,
)


@dataclass(slots=True)
class ValidatorGovInfo:
    """A bonded validator as the tally sees it: its tokens and shares, the shares its voting
    delegators took back, and its own vote (None if it did not vote)."""

    operator: bytes
    bonded_tokens: int
    delegator_shares: int
    deductions: int = 0
    vote: WeightedOptions | None = None


@dataclass(frozen=True, slots=True)
class TallyOutcome:
    """Whether the proposal passes, whether its deposits burn, and the counts."""

    passes: bool
    burn_deposits: bool
    result: TallyResult
    total_power: int
    """Power that voted (decimal atomics of tokens)."""
    inherited: tuple[tuple[bytes, int], ...] = ()
    """(operator, power) of each validator that voted, by operator: the power (decimal
    atomics) of the delegator shares left to it, those of delegators who did not vote
    themselves. The model-vote track adds it to the operator's reward power."""


def compute_delegation_power(shares: int, validator: ValidatorGovInfo) -> int:
    """Voting power (decimal atomics of tokens) of shares of validator: shares * tokens /
    validator shares, truncated."""
    if validator.delegator_shares <= 0:
        return 0
    return shares * validator.bonded_tokens * ONE // validator.delegator_shares


def _add(results: dict[int, int], options: WeightedOptions, power: int) -> None:
    """Credits power * weight to each option of a vote."""
    for option, weight in options:
        results[option] += power * weight // ONE


def compute_vote_results(
    validators: Mapping[bytes, ValidatorGovInfo],
    votes: Iterable[tuple[bytes, WeightedOptions]],
    delegations_of: Callable[[bytes], Iterable[tuple[bytes, int]]],
) -> tuple[int, dict[int, int]]:
    """(total power that voted, power per option), decimal atomics.

    validators: the bonded validators by operator (their deductions and votes are filled in
    here); votes: (voter, options) of every vote; delegations_of(voter): the voter's
    (validator, shares), asked once per vote. A voter whose address is a validator's operator
    address also casts that validator's vote."""
    results = dict.fromkeys(OPTIONS, 0)
    total = 0
    for voter, options in votes:
        own = validators.get(voter)
        if own is not None:
            own.vote = options
        for op, shares in delegations_of(voter):
            validator = validators.get(op)
            if validator is None:
                continue
            validator.deductions += shares
            power = compute_delegation_power(shares, validator)
            _add(results, options, power)
            total += power
    for validator in validators.values():
        if validator.vote is None:
            continue
        remaining = validator.delegator_shares - validator.deductions
        power = compute_delegation_power(remaining, validator)
        _add(results, validator.vote, power)
        total += power
    return total, results


def compute_tally_outcome(
    total: int, results: Mapping[int, int], bonded_tokens: int, params: Params, expedited: bool
) -> tuple[bool, bool]:
    """(passes, burn deposits) of vote results, as the SDK decides: nothing bonded fails;
    below quorum fails (burning if burn_vote_quorum); all abstain fails; more veto than
    veto_threshold of the votes fails (burning if burn_vote_veto); else more yes than the
    threshold (the expedited one for expedited proposals) of the non-abstaining votes
    passes."""
    if bonded_tokens <= 0:
        return False, False
    if total < params.quorum * bonded_tokens:
        return False, params.burn_vote_quorum
    voting = total - results[ABSTAIN]
    if voting <= 0:
        return False, False
    if results[NO_WITH_VETO] * ONE > params.veto_threshold * total:
        return False, params.burn_vote_veto
    threshold = params.expedited_threshold if expedited else params.threshold
    if results[YES] * ONE > threshold * voting:
        return True, False
    return False, False


def compute_tally(
    validators: Mapping[bytes, ValidatorGovInfo],
    votes: Iterable[tuple[bytes, WeightedOptions]],
    delegations_of: Callable[[bytes], Iterable[tuple[bytes, int]]],
    bonded_tokens: int,
    params: Params,
    expedited: bool,
) -> TallyOutcome:
    """The tally of votes over the bonded validators (see compute_vote_results) and its
    outcome (see compute_tally_outcome)."""
    total, results = compute_vote_results(validators, votes, delegations_of)
    passes, burn = compute_tally_outcome(total, results, bonded_tokens, params, expedited)
    counts = TallyResult(
        results[YES] // ONE,
        results[ABSTAIN] // ONE,
        results[NO] // ONE,
        results[NO_WITH_VETO] // ONE,
    )
    inherited = tuple(
        (op, compute_delegation_power(v.delegator_shares - v.deductions, v))
        for op, v in sorted(validators.items())
        if v.vote is not None
    )
    return TallyOutcome(passes, burn, counts, total, inherited)
