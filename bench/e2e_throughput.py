"""End-to-end throughput: committed bank sends per second through a real single-validator node.

Starts `aichain start` (app + CometBFT) in a temporary home on free loopback ports, funds
--accounts senders in genesis, and runs the load generator in a second process: --workers
threads, each owning its own senders (so sequences never collide), pre-sign every tx, then
broadcast_tx_sync them. Block watching records when each tx's block appeared; prints committed
tx/s over the busy window and the p50/p99 latency from broadcast to commit.

    .venv/bin/python bench/e2e_throughput.py [--accounts 2000] [--txs-per-account 5]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import multiprocessing as mp
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from aichain.app.coins import Coin
from aichain.app.crypto import PrivateKey, account_address
from aichain.client.rpc import CometRPC, RPCError
from aichain.client.txbuilder import SignerData, build_tx
from aichain.modules.bank.cli import msg_send
from aichain.node.home import Home, configure_cometbft
from aichain.node.init import init_home

CHAIN_ID = "aichain-bench"


def free_port() -> int:
    """A free port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_keys(n: int) -> list[PrivateKey]:
    """n deterministic keys."""
    return [PrivateKey((i + 1).to_bytes(32, "big")) for i in range(n)]


def setup_home(root: Path, accounts: int, timeout_commit: str) -> tuple[Home, str, list[int]]:
    """A node home whose genesis funds `accounts` senders; returns (home, rpc, numbers)."""
    from aichain.config.app_config import AppToml

    ports = {k: free_port() for k in ("rpc", "p2p", "grpc", "api", "metrics")}
    app = AppToml(
        minimum_gas_prices="0.025uaic",
        grpc_address=f"127.0.0.1:{ports['grpc']}",
        api_address=f"tcp://127.0.0.1:{ports['api']}",
        telemetry_address=f"tcp://127.0.0.1:{ports['metrics']}",
    )
    home = init_home(root, "bench", CHAIN_ID, app=app)
    configure_cometbft(
        home,
        {
            "rpc.laddr": json.dumps(f"tcp://127.0.0.1:{ports['rpc']}"),
            "p2p.laddr": json.dumps(f"tcp://127.0.0.1:{ports['p2p']}"),
            "consensus.timeout_commit": json.dumps(timeout_commit),
            "rpc.max_open_connections": "2000",
        },
    )
    genesis = json.loads(home.genesis.read_text())
    keys = make_keys(accounts)
    addrs = sorted(account_address(k.address) for k in keys)
    number = {a: i for i, a in enumerate(addrs)}
    genesis["app_state"]["auth"]["accounts"] = [
        {
            "@type": "/cosmos.auth.v1beta1.BaseAccount",
            "address": a,
            "account_number": str(i),
            "sequence": "0",
        }
        for i, a in enumerate(addrs)
    ]
    genesis["app_state"]["bank"]["balances"] = [
        {"address": a, "coins": [{"denom": "uaic", "amount": str(10**12)}]} for a in addrs
    ]
    home.genesis.write_text(json.dumps(genesis))
    return (
        home,
        f"tcp://127.0.0.1:{ports['rpc']}",
        [number[account_address(k.address)] for k in keys],
    )


def load(
    rpc: str, accounts: int, numbers: list[int], per_account: int, workers: int, out: mp.Queue
) -> None:
    """The load generator (second process): pre-sign, then broadcast from `workers` threads."""
    keys = make_keys(accounts)
    recipient = account_address(PrivateKey((10**9).to_bytes(32, "big")).address)
    shards: list[list[bytes]] = [[] for _ in range(workers)]
    for i, key in enumerate(keys):
        sender = account_address(key.address)
        for seq in range(per_account):
            tx = build_tx(
                [msg_send(sender, recipient, [Coin("uaic", 1)])],
                key,
                SignerData(numbers[i], seq),
                CHAIN_ID,
                [Coin("uaic", 2500)],
                100_000,
            )
            shards[i % workers].append(tx)
    # a worker sends its accounts' txs round-robin by sequence so each sequence arrives in order
    for w in range(workers):
        mine = [k for k in range(accounts) if k % workers == w]
        shards[w] = [
            shards[w][j * per_account + s] for s in range(per_account) for j in range(len(mine))
        ]
    sent: dict[str, float] = {}
    failures = []
    lock = threading.Lock()

    def worker(txs: list[bytes]) -> None:
        client = CometRPC(rpc, timeout=30)
        for tx in txs:
            t = time.time()
            try:
                res = client.broadcast_tx_sync(tx)
            except RPCError as exc:
                failures.append(str(exc))
                continue
            with lock:
                if int(res.get("code", 0)) != 0:
                    failures.append(res.get("log", ""))
                else:
                    sent[hashlib.sha256(tx).hexdigest().upper()] = t

    start = time.time()
    threads = [threading.Thread(target=worker, args=(s,)) for s in shards]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    out.put(
        {
            "sent": sent,
            "failures": failures[:5],
            "n_failures": len(failures),
            "start": start,
            "end": time.time(),
        }
    )


def watch_blocks(rpc: str, from_height: int, expect: int, deadline: float) -> dict[str, float]:
    """tx hash -> time its block was seen, until `expect` txs were seen or the deadline."""
    client = CometRPC(rpc)
    seen: dict[str, float] = {}
    height = from_height
    while len(seen) < expect and time.time() < deadline:
        try:
            latest = client.latest_height()
        except RPCError:
            time.sleep(0.05)
            continue
        while height <= latest:
            block = client.block(height)
            now = time.time()
            for tx in block["block"]["data"]["txs"] or []:
                seen[hashlib.sha256(base64.b64decode(tx)).hexdigest().upper()] = now
            height += 1
        time.sleep(0.02)
    return seen


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def main() -> None:
    """Runs the benchmark and prints its figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--txs-per-account", type=int, default=5)
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--timeout-commit", default="500ms")
    args = parser.parse_args()
    total = args.accounts * args.txs_per_account
    with tempfile.TemporaryDirectory() as tmp:
        home, rpc, numbers = setup_home(Path(tmp) / "node", args.accounts, args.timeout_commit)
        log = open(Path(tmp) / "node.log", "wb")  # noqa: SIM115
        aichain = str(Path(sys.executable).parent / "aichain")
        node = subprocess.Popen(
            [aichain, "start", "--home", str(home.root), "--log-level", "warning"],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            client = CometRPC(rpc)
            for _ in range(300):
                try:
                    if client.latest_height() >= 2:
                        break
                except RPCError:
                    pass
                time.sleep(0.1)
            start_height = client.latest_height() + 1
            ctx = mp.get_context("spawn")
            queue = ctx.Queue()
            gen = ctx.Process(
                target=load,
                args=(rpc, args.accounts, numbers, args.txs_per_account, args.workers, queue),
            )
            t0 = time.time()
            gen.start()
            seen: dict[str, float] = {}
            watcher = threading.Thread(
                target=lambda: seen.update(
                    watch_blocks(rpc, start_height, total, time.time() + 600)
                )
            )
            watcher.start()
            report = queue.get(timeout=900)
            gen.join()
            watcher.join()
            committed = [h for h in report["sent"] if h in seen]
            latencies = [seen[h] - report["sent"][h] for h in committed]
            first = min(report["sent"].values()) if report["sent"] else t0
            last = max(seen[h] for h in committed) if committed else time.time()
            print(
                f"txs pre-signed: {total}; accepted by CheckTx: {len(report['sent'])}; "
                f"refused: {report['n_failures']} {report['failures']}"
            )
            rate = len(report["sent"]) / (report["end"] - report["start"])
            print(
                f"broadcast rate: {rate:,.0f} tx/s "
                f"({args.workers} sender threads in a second process)"
            )
            print(
                f"committed: {len(committed)} txs in {last - first:.2f}s -> "
                f"{len(committed) / (last - first):,.0f} committed tx/s"
            )
            if latencies:
                print(
                    f"latency broadcast->commit: p50 {percentile(latencies, 50) * 1000:.0f} ms, "
                    f"p99 {percentile(latencies, 99) * 1000:.0f} ms"
                )
        finally:
            os.kill(node.pid, signal.SIGTERM)
            node.wait(30)
            log.close()


if __name__ == "__main__":
    main()
