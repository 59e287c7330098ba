"""Property tests of the contributor reward accumulator: whatever the order of versions,
credits (whole-version and per-record) and claims, paid == claimed + claimable (exactly, in
units of 10^-18), the module account holds bonds plus unclaimed rewards, and nobody is paid
more than was credited."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from aichain.modules.datanet.errors import NothingToClaimError
from aichain.modules.datanet.invariants import accumulator_invariant, escrow_invariant
from aichain.modules.datanet.keeper import MODULE
from aichain.modules.datanet.types import REWARD_SCALE, compute_claim, compute_credit
from tests.unit.datanet_fakes import (
    DENOM,
    addr,
    bech,
    context,
    make_keeper,
    new_datanet,
    new_record,
)

CONTRIBUTORS = 5

ops = st.lists(
    st.one_of(
        st.tuples(st.just("credit"), st.integers(1, 10**9)),
        st.tuples(
            st.just("records"),
            st.lists(st.tuples(st.integers(0, 7), st.integers(0, 10**6)), max_size=4),
        ),
        st.tuples(st.just("claim"), st.integers(1, CONTRIBUTORS)),
        st.tuples(st.just("publish"), st.integers(1, 3)),
    ),
    max_size=25,
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, CONTRIBUTORS), min_size=8, max_size=8), ops)
def test_paid_equals_claimed_plus_claimable(owners: list[int], steps) -> None:
    keeper, bank = make_keeper(range(0, CONTRIBUTORS + 1))
    ctx = context()
    keeper.create_datanet(ctx, new_datanet(access_price="0"))
    for i, owner in enumerate(owners, start=1):
        keeper.contribute(ctx, addr(owner), new_record(i))
        keeper.review(ctx, bech(0), 1, i, True, "")
    keeper.publish_version(ctx, bech(0), 1, [1, 2, 3], [], "")
    published = [1, 2, 3]
    module = bank.accounts.get_module_address(MODULE)
    credited = claimed = 0
    for op, arg in steps:
        version = keeper.require_datanet(ctx, 1).latest_version
        if op == "credit":
            bank.balances[(module, DENOM)] = bank.module_balance() + arg
            keeper.credit_version(ctx, 1, version, arg)
            credited += arg
        elif op == "records":
            credits = [(published[i % len(published)], amount) for i, amount in arg]
            total = sum(a for _, a in credits)
            bank.balances[(module, DENOM)] = bank.module_balance() + total
            keeper.credit_records(ctx, 1, version, credits)
            credited += total
        elif op == "claim":
            try:
                claimed += keeper.claim(ctx, addr(arg), 1, [])
            except NothingToClaimError:
                pass
        else:
            new = [r for r in range(1, 9) if r not in published][:arg]
            if new:
                keeper.publish_version(ctx, bech(0), 1, new, [], "")
                published += new
        assert accumulator_invariant(ctx, keeper) is None
        assert escrow_invariant(ctx, keeper) is None
    assert claimed <= credited
    claimable = sum(
        c for n in range(1, CONTRIBUTORS + 1) for _, _, c in keeper.iter_earnings(ctx, 1, addr(n))
    )
    assert claimed + claimable <= credited
    # what is left unclaimable is only rounding dust: under one unit per contributor and version
    versions = keeper.require_datanet(ctx, 1).latest_version
    assert credited - claimed - claimable <= versions * (CONTRIBUTORS + 1)


@given(
    st.lists(st.integers(0, 10**12), min_size=1, max_size=20),
    st.integers(1, 10**6),
)
def test_credit_spreads_exactly(amounts: list[int], weight: int) -> None:
    rpw = remainder = 0
    for amount in amounts:
        rpw, remainder = compute_credit(rpw, remainder, amount, weight)
    assert rpw * weight + remainder == sum(amounts) * REWARD_SCALE
    paid, carry = compute_claim(rpw * weight)
    assert paid * REWARD_SCALE + carry == rpw * weight
    assert paid <= sum(amounts)
