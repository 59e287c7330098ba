"""The tally, by property (Hypothesis) against a reference that walks every delegation with
exact fractions: weighted votes split a voter's power by its weights, delegators inherit
their validator's vote, a delegator who votes overrides it for its own stake, only bonded
stake counts, and each voter's delegations are visited once. Then the outcome rules at their
boundaries."""

from __future__ import annotations

from collections import Counter
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from aichain.modules.gov.tally import (
    ValidatorGovInfo,
    compute_tally,
    compute_tally_outcome,
    compute_vote_results,
)
from aichain.modules.gov.types import ABSTAIN, NO, NO_WITH_VETO, OPTIONS, YES, Params

ONE = 10**18


def op(i: int) -> bytes:
    return b"V" + bytes([i]) * 19


def delegator(i: int) -> bytes:
    return b"D" + bytes([i]) * 19


@st.composite
def weighted_options(draw: st.DrawFn) -> tuple[tuple[int, int], ...]:
    """1-4 distinct options whose weights (atomics) sum to exactly 1."""
    chosen = draw(st.lists(st.sampled_from(OPTIONS), min_size=1, max_size=4, unique=True))
    cuts = sorted(
        draw(
            st.lists(
                st.integers(1, ONE - 1),
                min_size=len(chosen) - 1,
                max_size=len(chosen) - 1,
                unique=True,
            )
        )
    )
    bounds = [0, *cuts, ONE]
    return tuple((o, bounds[k + 1] - bounds[k]) for k, o in enumerate(chosen))


@st.composite
def chains(draw: st.DrawFn):  # noqa: ANN201
    """Validators (tokens, bonded), delegations (delegator, validator, shares) including each
    operator's self-delegation, and votes by some delegators and some operators."""
    n_val = draw(st.integers(1, 5))
    bonded = [draw(st.booleans()) or i == 0 for i in range(n_val)]
    delegations: dict[bytes, dict[bytes, int]] = {}
    for i in range(n_val):
        delegations.setdefault(op(i), {})[op(i)] = draw(st.integers(1, 10**6)) * ONE
    for d in range(draw(st.integers(0, 8))):
        for i in draw(st.lists(st.integers(0, n_val - 1), max_size=3, unique=True)):
            delegations.setdefault(delegator(d), {})[op(i)] = draw(st.integers(1, 10**24))
    shares = Counter()
    for entries in delegations.values():
        for v, s in entries.items():
            shares[v] += s
    # tokens per validator: any exchange rate (slashing makes it uneven)
    tokens = {op(i): draw(st.integers(1, 10**12)) for i in range(n_val)}
    voters = draw(st.lists(st.sampled_from(sorted(delegations)), unique=True))
    votes = {v: draw(weighted_options()) for v in voters}
    return n_val, bonded, delegations, shares, tokens, votes


def validators_of(n_val, bonded, shares, tokens) -> dict[bytes, ValidatorGovInfo]:  # noqa: ANN001
    return {
        op(i): ValidatorGovInfo(op(i), tokens[op(i)], shares[op(i)])
        for i in range(n_val)
        if bonded[i]
    }


def reference(n_val, bonded, delegations, shares, tokens, votes):  # noqa: ANN001, ANN201
    """Exact results: every bonded delegation votes its delegator's options, else its
    validator operator's, else not at all."""
    results = {o: Fraction(0) for o in OPTIONS}
    total = Fraction(0)
    live = {op(i) for i in range(n_val) if bonded[i]}
    for d, entries in delegations.items():
        for v, s in entries.items():
            if v not in live:
                continue
            options = votes.get(d) or votes.get(v)
            if options is None:
                continue
            power = Fraction(s * tokens[v], shares[v])
            total += power
            for o, w in options:
                results[o] += power * Fraction(w, ONE)
    return total, results


@settings(max_examples=300, deadline=None)
@given(chains())
def test_tally_matches_the_reference_within_truncation(chain) -> None:  # noqa: ANN001
    n_val, bonded, delegations, shares, tokens, votes = chain
    calls: Counter[bytes] = Counter()
    visited: Counter[tuple[bytes, bytes]] = Counter()

    def delegations_of(voter: bytes):  # noqa: ANN202
        calls[voter] += 1
        for v, s in sorted(delegations.get(voter, {}).items()):
            visited[(voter, v)] += 1
            yield v, s

    validators = validators_of(n_val, bonded, shares, tokens)
    total, results = compute_vote_results(validators, sorted(votes.items()), delegations_of)
    want_total, want = reference(n_val, bonded, delegations, shares, tokens, votes)
    slack = 5 * (sum(len(e) for e in delegations.values()) + n_val) + 5
    assert 0 <= want_total * ONE - total <= slack
    for o in OPTIONS:
        assert 0 <= want[o] * ONE - results[o] <= slack
    # each voter's delegations are asked for once and each delegation visited at most once
    assert set(calls) == set(votes) and all(n == 1 for n in calls.values())
    assert all(n == 1 for n in visited.values())


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(1, 10**12), min_size=1, max_size=5), st.data())
def test_delegators_who_do_not_vote_inherit_their_validators_vote(tokens, data) -> None:  # noqa: ANN001
    validators = {op(i): ValidatorGovInfo(op(i), t, 3 * t * ONE) for i, t in enumerate(tokens)}
    delegations = {op(i): [(op(i), t * ONE)] for i, t in enumerate(tokens)}  # the rest: others'
    choice = {op(i): data.draw(st.sampled_from(OPTIONS)) for i in range(len(tokens))}
    votes = [(v, ((o, ONE),)) for v, o in sorted(choice.items())]
    total, results = compute_vote_results(validators, votes, lambda v: delegations.get(v, []))
    slack = 2 * len(tokens)  # the operator's own part and the inherited rest each truncate
    assert 0 <= sum(tokens) * ONE - total <= slack  # all of each validator's stake voted
    for o in OPTIONS:
        want = sum(t for i, t in enumerate(tokens) if choice[op(i)] == o) * ONE
        assert 0 <= want - results[o] <= slack


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 10**9), st.integers(1, 10**9), st.sampled_from(OPTIONS), weighted_options())
def test_a_delegator_who_votes_overrides_its_validator_for_its_own_stake(
    own: int, theirs: int, validator_option: int, delegator_options
) -> None:  # noqa: ANN001
    v = op(0)
    validators = {v: ValidatorGovInfo(v, own + theirs, (own + theirs) * ONE)}
    delegations = {v: [(v, own * ONE)], delegator(0): [(v, theirs * ONE)]}
    votes = [(v, ((validator_option, ONE),)), (delegator(0), delegator_options)]
    total, results = compute_vote_results(validators, votes, lambda a: delegations.get(a, []))
    assert total == (own + theirs) * ONE
    for o in OPTIONS:
        want = own * ONE * (o == validator_option) + sum(
            theirs * w for opt, w in delegator_options if opt == o
        )
        assert results[o] == want


def test_unbonded_validators_and_their_delegations_do_not_count() -> None:
    validators = {op(0): ValidatorGovInfo(op(0), 10, 10 * ONE)}  # op(1) is not bonded
    delegations = {delegator(0): [(op(1), 5 * ONE), (op(0), 5 * ONE)]}
    total, results = compute_vote_results(
        validators, [(delegator(0), ((YES, ONE),))], lambda a: delegations.get(a, [])
    )
    assert (total, results[YES]) == (5 * ONE, 5 * ONE)


# --- the outcome -----------------------------------------------------------------------------

P = Params()  # quorum 0.334, threshold 0.5, veto 0.334, expedited threshold 0.667


def outcome(yes: int, abstain: int, no: int, veto: int, bonded: int, expedited: bool = False):  # noqa: ANN201
    results = {YES: yes * ONE, ABSTAIN: abstain * ONE, NO: no * ONE, NO_WITH_VETO: veto * ONE}
    return compute_tally_outcome(sum(results.values()), results, bonded, P, expedited)


def test_outcome_quorum_is_exact_at_its_boundary() -> None:
    assert outcome(334, 0, 0, 0, 1000) == (True, False)
    assert outcome(333, 0, 0, 0, 1000) == (False, P.burn_vote_quorum)


def test_outcome_nothing_bonded_or_all_abstain_fails_without_burning() -> None:
    assert outcome(0, 0, 0, 0, 0) == (False, False)
    assert outcome(0, 1000, 0, 0, 1000) == (False, False)


def test_outcome_veto_above_its_threshold_fails_and_burns() -> None:
    assert outcome(666, 0, 0, 334, 1000) == (True, False)  # exactly 0.334 is not above
    assert outcome(665, 0, 0, 335, 1000) == (False, True)


def test_outcome_threshold_counts_non_abstaining_votes_and_is_strict() -> None:
    assert outcome(300, 400, 300, 0, 1000) == (False, False)  # exactly half of 600
    assert outcome(301, 400, 299, 0, 1000) == (True, False)
    assert outcome(600, 0, 400, 0, 1000, expedited=True) == (False, False)
    assert outcome(668, 0, 332, 0, 1000, expedited=True) == (True, False)


@settings(max_examples=200, deadline=None)
@given(chains())
def test_each_voting_validator_is_credited_the_power_of_its_non_voting_delegators(chain) -> None:  # noqa: ANN001
    """The participation reward's power (docs/governance.md): a voter's own bonded delegations
    plus, for a voting validator's operator, the shares its non-voting delegators left to it.
    The tally reports the second part per voting validator, and with the first it adds up to
    the power that voted."""
    n_val, bonded, delegations, shares, tokens, votes = chain
    validators = validators_of(n_val, bonded, shares, tokens)
    outcome = compute_tally(
        validators,
        sorted(votes.items()),
        lambda voter: sorted(delegations.get(voter, {}).items()),
        1,
        Params(),
        False,
    )
    live = {op(i) for i in range(n_val) if bonded[i]}
    inherited = dict(outcome.inherited)
    assert [o for o, _ in outcome.inherited] == sorted(inherited)  # by operator
    assert set(inherited) == {v for v in votes if v in live}
    own_total = Fraction(0)
    for voter in votes:
        own_total += sum(
            (
                Fraction(s * tokens[v], shares[v])
                for v, s in delegations[voter].items()
                if v in live
            ),
            Fraction(0),
        )
    slack = 5 * (sum(len(e) for e in delegations.values()) + n_val) + 5
    for operator, power in inherited.items():
        lent = sum(
            (
                Fraction(entries[operator] * tokens[operator], shares[operator])
                for d, entries in delegations.items()
                if d not in votes and operator in entries
            ),
            Fraction(0),
        )
        assert 0 <= lent * ONE - power <= slack
    want_total, _ = reference(n_val, bonded, delegations, shares, tokens, votes)
    assert want_total == own_total + sum(
        (
            Fraction(entries[o] * tokens[o], shares[o])
            for d, entries in delegations.items()
            if d not in votes
            for o in inherited
            if o in entries
        ),
        Fraction(0),
    )
