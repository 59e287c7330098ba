"""In-process throughput: pre-signed bank sends through CheckTx + FinalizeBlock + Commit.

Each block holds --txs sends from distinct senders (so sequences never collide), run on a
RocksDB-backed app in a temporary directory. Prints txs/s for the whole pipeline and its
parts, and the same pipeline with the caches off (every signature verified and every tx
decoded again in FinalizeBlock) as the baseline measured in the same run.

    .venv/bin/python bench/inprocess_throughput.py [--txs 5000] [--blocks 3]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from google.protobuf import timestamp_pb2
from tendermint.abci import types_pb2 as abci

from aichain.app.app import open_app
from aichain.app.baseapp import AppConfig
from aichain.app.coins import Coin
from aichain.app.crypto import PrivateKey, account_address
from aichain.client.txbuilder import SignerData, build_tx
from aichain.modules.bank.cli import msg_send
from aichain.node.gc_tuning import tune_gc

CHAIN_ID = "aichain-bench"


def make_keys(n: int) -> list[PrivateKey]:
    """n deterministic keys."""
    return [PrivateKey((i + 1).to_bytes(32, "big")) for i in range(n)]


def run(
    txs_per_block: int, blocks: int, caches: bool, data_dir: Path, check_msgs: bool = True
) -> dict[str, float]:
    """Runs `blocks` blocks; returns timings (seconds) summed over the blocks."""
    keys = make_keys(txs_per_block)
    app = open_app(data_dir, AppConfig(check_tx_runs_messages=check_msgs))
    balances = [
        {"address": account_address(k.address), "coins": [{"denom": "uaic", "amount": str(10**12)}]}
        for k in keys
    ]
    balances.sort(key=lambda b: b["address"])
    state = {"bank": {"balances": balances}}
    app.init_chain(
        abci.RequestInitChain(
            chain_id=CHAIN_ID, app_state_bytes=json.dumps(state).encode(), initial_height=1
        )
    )
    app.finalize_block(abci.RequestFinalizeBlock(height=1))
    app.commit(abci.RequestCommit())
    numbers = {}
    auth = app.manager.module("auth").keeper  # type: ignore[attr-defined]
    for key in keys:
        numbers[key.address] = auth.get_account(app.query_context(), key.address).account_number
    recipient = account_address(PrivateKey.generate().address)
    totals = {"check": 0.0, "finalize": 0.0, "commit": 0.0}
    for b in range(blocks):
        txs = [
            build_tx(
                [msg_send(account_address(k.address), recipient, [Coin("uaic", 1)])],
                k,
                SignerData(numbers[k.address], b),
                CHAIN_ID,
                [Coin("uaic", 500)],
                200_000,
            )
            for k in keys
        ]
        if not caches:
            app._verified.clear()  # noqa: SLF001 (baseline: no signature/decode reuse)
        t0 = time.perf_counter()
        for tx in txs:
            resp = app.check_tx(abci.RequestCheckTx(tx=tx))
            assert resp.code == 0, resp.log
        t1 = time.perf_counter()
        if not caches:
            app._verified.clear()  # noqa: SLF001
            app._decoded.clear()  # noqa: SLF001
        res = app.finalize_block(
            abci.RequestFinalizeBlock(
                txs=txs, height=b + 2, time=timestamp_pb2.Timestamp(seconds=1_700_000_000 + b)
            )
        )
        t2 = time.perf_counter()
        app.commit(abci.RequestCommit())
        t3 = time.perf_counter()
        assert all(r.code == 0 for r in res.tx_results)
        totals["check"] += t1 - t0
        totals["finalize"] += t2 - t1
        totals["commit"] += t3 - t2
    app.root.backend.close()
    return totals


def main() -> None:
    """Runs the benchmark and prints its figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--default-gc",
        action="store_true",
        help="keep CPython's default GC thresholds (the node tunes them)",
    )
    parser.add_argument(
        "--ante-only-checktx",
        action="store_true",
        help="CheckTx runs only the ante chain, as the Cosmos SDK does (app.toml "
        "check-tx-runs-messages = false); by default it runs the messages too",
    )
    parser.add_argument("--txs", type=int, default=5000)
    parser.add_argument("--blocks", type=int, default=3)
    args = parser.parse_args()
    if not args.default_gc:
        tune_gc()  # what `aichain start` does
    n = args.txs * args.blocks
    results = {}
    for label, caches in (("aichain", True), ("baseline-no-caches", False)):
        with tempfile.TemporaryDirectory() as tmp:
            t = run(args.txs, args.blocks, caches, Path(tmp), not args.ante_only_checktx)
        total = sum(t.values())
        results[label] = n / total
        print(
            f"{label:20s} {n} txs in {total:.2f}s -> {n / total:,.0f} tx/s "
            f"(CheckTx {n / t['check']:,.0f}/s, FinalizeBlock {n / t['finalize']:,.0f}/s, "
            f"Commit {t['commit'] / args.blocks * 1000:.0f} ms/block)"
        )
    ratio = results["aichain"] / results["baseline-no-caches"]
    print(f"speed-up from verify-once + decode-once: {ratio:.2f}x")


if __name__ == "__main__":
    main()
