"""Staking block-step benchmark: the cost of a block's begin- and end-block steps (mint,
reward allocation, liveness, validator set updates, maturing queues) against the number of
delegators. With F1 reward periods it must stay flat: a block touches validators, never
delegations. A delegator's withdrawal is timed too (O(1) in the number of delegators).

Setup writes N delegations to one validator straight into an in-memory backend (the block
logic, not the store's commit, is what is measured); each timed block runs on a fresh branch
of that state with the validators' votes in the last commit, and is then dropped.

    .venv/bin/python bench/staking_endblock.py [--sizes 100,10000,100000] [--blocks 50]
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import time

from aichain.app.app import memory_app
from aichain.app.baseapp import BaseApp
from aichain.app.coins import Coin
from aichain.app.context import BlockInfo, Context, VoteInfo
from aichain.app.crypto import PrivateKey, account_address, consensus_address
from aichain.app.gas import INFINITE_GAS, GasMeter
from aichain.modules.genutil.gentx import build_gentx, gentx_json

CHAIN_ID = "bench-1"
VALIDATORS = 4
"""Genesis validators (each votes in every block)."""


def module(app: BaseApp, name: str):  # noqa: ANN201 - the module object
    """The app's module by name."""
    return next(m for m in app.manager.modules if m.name == name)


def ctx_over(app: BaseApp, store, height: int, votes=()) -> Context:  # noqa: ANN001
    """A block context at height with the given last-commit votes."""
    return Context(
        store, height, 1_700_000_000 * 10**9 + height * 5 * 10**9, CHAIN_ID,
        GasMeter(INFINITE_GAS), block=BlockInfo(votes=tuple(votes)),
    )  # fmt: skip


def build(n: int) -> tuple[BaseApp, list[VoteInfo], list[bytes], bytes]:
    """An app whose validator 0 has n delegators; returns (app, votes, delegators, op)."""
    app = memory_app()
    keys = [PrivateKey((1000 + i).to_bytes(32, "big")) for i in range(VALIDATORS)]
    pubkeys = [hashlib.sha256(b"bench" + bytes([i])).digest() for i in range(VALIDATORS)]
    coins = [{"denom": "uaic", "amount": str(10**15)}]
    balances = [{"address": account_address(k.address), "coins": coins} for k in keys]
    gentxs = [
        gentx_json(build_gentx(k, pk, f"v{i}", 10**12, CHAIN_ID))
        for i, (k, pk) in enumerate(zip(keys, pubkeys, strict=True))
    ]
    balances.sort(key=lambda b: b["address"])
    state = {"bank": {"balances": balances}, "genutil": {"gen_txs": gentxs}}
    branch = app.root.branch()
    ctx = ctx_over(app, branch, 1)
    app.manager.init_genesis(ctx, state)
    bank, staking = module(app, "bank").keeper, module(app, "staking").keeper
    op = keys[0].address
    for i in range(n):
        delegator = hashlib.sha256(i.to_bytes(8, "big")).digest()[:20]
        bank.add_coins(ctx, delegator, [Coin("uaic", 2 * 10**6)])
        staking.delegate(ctx, delegator, 10**6, staking.must_get_validator(ctx, op))
    staking.apply_validator_set_updates(ctx)
    # the committed state is written only by a commit (the read cache refuses direct writes)
    app.root.commit(1, app.root.compute_next_app_hash(1, branch), branch)
    ctx = ctx_over(app, app.root.branch(), 1)
    votes = [
        VoteInfo(consensus_address(pk), staking.must_get_validator(ctx, k.address).power, True)
        for k, pk in zip(keys, pubkeys, strict=True)
    ]
    delegators = [hashlib.sha256(i.to_bytes(8, "big")).digest()[:20] for i in range(min(n, 50))]
    return app, votes, delegators, op


def time_blocks(app: BaseApp, votes: list[VoteInfo], blocks: int) -> list[float]:
    """Seconds of begin-block + end-block for each of `blocks` blocks (fresh branch each)."""
    out = []
    for h in range(blocks):
        branch = app.root.branch()
        ctx = ctx_over(app, branch, 10 + h, votes)
        start = time.perf_counter()
        app.manager.begin_block(ctx)
        app.manager.end_block(ctx)
        out.append(time.perf_counter() - start)
        branch.discard()
    return out


def time_withdrawals(
    app: BaseApp, votes: list[VoteInfo], delegators: list[bytes], op: bytes
) -> list[float]:
    """Seconds of one delegator's reward withdrawal, after a block of rewards."""
    distribution = module(app, "distribution").keeper
    out = []
    for d in delegators:
        branch = app.root.branch()
        ctx = ctx_over(app, branch, 10, votes)
        app.manager.begin_block(ctx)
        start = time.perf_counter()
        distribution.withdraw_delegation_rewards(ctx, op, d)
        distribution.initialize_delegation(ctx, op, d)
        out.append(time.perf_counter() - start)
        branch.discard()
    return out


def main() -> None:
    """Prints a table of median block and withdrawal times per delegator count."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,10000,100000")
    parser.add_argument("--blocks", type=int, default=50)
    args = parser.parse_args()
    header = ("delegators", "setup s", "block ms (median)", "p90 ms", "withdraw ms")
    print(f"{header[0]:>10} {header[1]:>8} {header[2]:>18} {header[3]:>8} {header[4]:>12}")
    for n in (int(s) for s in args.sizes.split(",")):
        start = time.perf_counter()
        app, votes, delegators, op = build(n)
        setup = time.perf_counter() - start
        blocks = sorted(time_blocks(app, votes, args.blocks))
        withdraw = time_withdrawals(app, votes, delegators, op)
        p90 = blocks[int(len(blocks) * 0.9) - 1]
        print(
            f"{n:>10} {setup:>8.1f} {statistics.median(blocks) * 1e3:>18.3f} {p90 * 1e3:>8.3f} "
            f"{statistics.median(withdraw) * 1e3:>12.3f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
