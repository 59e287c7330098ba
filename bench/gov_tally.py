"""Governance end-block benchmark: the cost of tallying a proposal whose voting period ends,
against the number of delegations and voters, and of the model-vote track's participation
rewards (setting the reward aside at the end, then one voter's claim).

The tally visits each voter's delegations once and each bonded validator once, never the
delegations of voters who did not vote: a proposal with N delegators costs O(voters + their
delegations + validators). Three cases per N:
  all vote      N delegators (one delegation each) all vote: the tally reads N votes and N
                delegations (and deletes N votes).
  inherit       N delegators, only the 4 validators vote: the delegators inherit their
                validator's vote without being read; flat in N.
  model close   the all-vote case on the model-vote track: what setting the reward aside adds
                at end-block (O(1)), and one voter's claim (O(1)).

Setup delegates through the staking keeper (the real path, hooks included) and casts the
votes through the gov keeper, into an in-memory backend; each timed end-block runs on a fresh
branch of that state at the voting end time and is then dropped.

    .venv/bin/python bench/gov_tally.py [--sizes 1000,100000] [--repeats 5] [--pending 0]

--pending N puts N writes in the block's branch first (as a block's txs leave them): the
store's cache layer filters every pending write on each prefix scan, and the tally scans
each voter's delegations, so its cost grows with N too.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import time

from aichain.app.app import memory_app
from aichain.app.baseapp import BaseApp
from aichain.app.coins import Coin
from aichain.app.context import Context
from aichain.app.crypto import PrivateKey, account_address, module_address
from aichain.app.dec import ONE
from aichain.app.gas import INFINITE_GAS, GasMeter
from aichain.modules.genutil.gentx import build_gentx, gentx_json
from aichain.modules.gov import end_block
from aichain.modules.gov.keeper import Keeper
from aichain.modules.gov.types import NO, PARTICIPATION_POOL, YES, ModelParams

CHAIN_ID = "bench-1"
VALIDATORS = 4
T0 = 1_700_000_000 * 10**9
GOV_PARAMS = {"voting_period": "100s", "expedited_voting_period": "50s"}


def module(app: BaseApp, name: str):  # noqa: ANN201 - the module object
    """The app's module by name."""
    return next(m for m in app.manager.modules if m.name == name)


def ctx_at(store, time_ns: int, height: int = 2) -> Context:  # noqa: ANN001
    """A block context over store at time_ns."""
    return Context(store, height, time_ns, CHAIN_ID, GasMeter(INFINITE_GAS))


def delegator(i: int) -> bytes:
    """The i-th benchmark delegator's address."""
    return hashlib.sha256(b"gov-bench" + i.to_bytes(8, "big")).digest()[:20]


def build(n: int, voters: int, model: bool) -> tuple[BaseApp, int, list[bytes]]:
    """An app with 4 validators and n delegators (one delegation each, round robin), a
    proposal in its voting period, votes by the validators and by the first `voters`
    delegators; returns (app, the proposal's voting end ns, some voters)."""
    app = memory_app()
    keys = [PrivateKey((2000 + i).to_bytes(32, "big")) for i in range(VALIDATORS)]
    pubkeys = [hashlib.sha256(b"gov-bench" + bytes([i])).digest() for i in range(VALIDATORS)]
    coins = [{"denom": "uaic", "amount": str(10**15)}]
    balances = sorted(
        ({"address": account_address(k.address), "coins": coins} for k in keys),
        key=lambda b: b["address"],
    )
    gentxs = [
        gentx_json(build_gentx(k, pk, f"v{i}", 10**12, CHAIN_ID))
        for i, (k, pk) in enumerate(zip(keys, pubkeys, strict=True))
    ]
    state = {
        "bank": {"balances": balances},
        "genutil": {"gen_txs": gentxs},
        "gov": {"params": GOV_PARAMS},
    }
    heights = iter(range(1, 10**9))

    def commit(branch) -> None:  # noqa: ANN001 - a CacheStore
        """Commits the branch as the next block (the committed state is written only so)."""
        height = next(heights)
        app.root.commit(height, app.root.compute_next_app_hash(height, branch), branch)

    branch = app.root.branch()
    ctx = ctx_at(branch, T0, 1)
    app.manager.init_genesis(ctx, state)
    bank, staking = module(app, "bank").keeper, module(app, "staking").keeper
    gov: Keeper = module(app, "gov").keeper
    for i in range(n):
        if i and i % 5000 == 0:  # in chunks: a branch's prefix scans grow with it
            commit(branch)
            branch = app.root.branch()
            ctx = ctx_at(branch, T0, 1)
        d = delegator(i)
        bank.add_coins(ctx, d, [Coin("uaic", 2 * 10**6)])
        op = keys[i % VALIDATORS].address
        staking.delegate(ctx, d, 10**6, staking.must_get_validator(ctx, op))
    staking.apply_validator_set_updates(ctx)
    commit(branch)
    branch = app.root.branch()
    ctx = ctx_at(branch, T0, 1)
    if model:
        gov.set_model_params(ctx, ModelParams((Coin("uaic", 10**9),)))
        bank.add_coins(ctx, module_address(PARTICIPATION_POOL), [Coin("uaic", 10**10)])
    proposal = gov.submit_proposal(ctx, [], "bench", "bench", "bench", keys[0].address, False)
    if model:
        gov.participation.open(ctx, proposal.id)
    gov.add_deposit(ctx, proposal.id, keys[0].address, (Coin("uaic", 10**7),))
    for k in keys:
        gov.add_vote(ctx, proposal.id, k.address, ((YES, ONE),), "")
    commit(branch)
    for first in range(0, voters, 1000):  # in chunks: a branch's prefix scans grow with it
        branch = app.root.branch()
        ctx = ctx_at(branch, T0 + 1, 1)
        for i in range(first, min(first + 1000, voters)):
            gov.add_vote(ctx, proposal.id, delegator(i), ((NO, ONE),), "")
        commit(branch)
    end = gov.must_get_proposal(app.query_context(), proposal.id).voting_end_time_ns
    return app, end, [delegator(i) for i in range(min(voters, 20))]


def block_branch(app: BaseApp, pending: int):  # noqa: ANN201 - a CacheStore
    """A fresh branch of the committed state holding `pending` writes, as the deliver branch
    holds the block's txs' writes when end-block runs."""
    branch = app.root.branch()
    for i in range(pending):
        branch.set(b"bank/\xffbench" + i.to_bytes(4, "big"), b"1")
    return branch


def time_end_block(
    app: BaseApp, end: int, repeats: int, pending: int = 0
) -> tuple[list[float], list[float]]:
    """(tally seconds, whole gov end-block seconds) of the proposal's end, on fresh branches."""
    gov: Keeper = module(app, "gov").keeper
    tallies, blocks = [], []
    for _ in range(repeats):
        branch = block_branch(app, pending)
        ctx = ctx_at(branch, end)
        proposal = gov.must_get_proposal(ctx, 1)
        start = time.perf_counter()
        gov.tally(ctx, proposal)
        tallies.append(time.perf_counter() - start)
        branch.discard()
        branch = block_branch(app, pending)
        ctx = ctx_at(branch, end)
        start = time.perf_counter()
        end_block.end_block(ctx, gov)
        blocks.append(time.perf_counter() - start)
        branch.discard()
    return tallies, blocks


def time_model(app: BaseApp, end: int, voters: list[bytes]) -> tuple[float, float]:
    """(seconds the reward's setting aside adds at end-block, median seconds of a claim)."""
    gov: Keeper = module(app, "gov").keeper
    branch = app.root.branch()
    ctx = ctx_at(branch, end)
    proposal = gov.must_get_proposal(ctx, 1)
    voters_seen: list[bytes] = []
    gov.tally(ctx, proposal, voters_seen)
    start = time.perf_counter()
    gov.participation.close(ctx, 1)
    close = time.perf_counter() - start
    claims = []
    for v in voters:
        start = time.perf_counter()
        gov.participation.claim(ctx, 1, v)
        claims.append(time.perf_counter() - start)
    branch.discard()
    return close, statistics.median(claims)


def main() -> None:
    """Prints, per size, the tally and gov end-block times of each case."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,100000")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--pending",
        type=int,
        default=0,
        help="writes already in the block's branch when end-block runs (the block's txs')",
    )
    args = parser.parse_args()
    head = ("case", "delegations", "votes", "setup s", "tally ms", "end-block ms", "us/vote")
    print("{:<12} {:>11} {:>7} {:>8} {:>10} {:>13} {:>8}".format(*head))
    for n in (int(s) for s in args.sizes.split(",")):
        for case, voters, model in (
            ("all vote", n, False),
            ("inherit", 0, False),
            ("model close", n, True),
        ):
            start = time.perf_counter()
            app, end, some = build(n, voters, model)
            setup = time.perf_counter() - start
            votes = voters + VALIDATORS
            if model:
                close, claim = time_model(app, end, some)
                print(
                    f"{case:<12} {n:>11,} {votes:>7,} {setup:>8.1f}   reward set aside "
                    f"{close * 1e6:,.0f} us at end-block, one claim {claim * 1e6:,.0f} us",
                    flush=True,
                )
                continue
            tallies, blocks = time_end_block(app, end, args.repeats, args.pending)
            tally, block = statistics.median(tallies), statistics.median(blocks)
            print(
                f"{case:<12} {n:>11,} {votes:>7,} {setup:>8.1f} {tally * 1e3:>10,.1f} "
                f"{block * 1e3:>13,.1f} {block / votes * 1e6:>8,.1f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
