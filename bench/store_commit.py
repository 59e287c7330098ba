"""Authenticated-store benchmark: commit time vs changed keys and state size, against a flat
Merkle root rebuilt over every key each block; proof size and verification time; disk use.

Each state size lives in its own process with its own RocksDB in a temporary directory,
filled in 50,000-key blocks and then settled (memtables flushed, levels compacted), as on a
node whose state grew over many blocks. Blocks that overwrite C existing keys (spread over the
key space) are then timed (tree update + hashing + the one atomic RocksDB write), in rounds
that visit every size in turn: each process runs its block while the others wait, so load
from anything else on the machine falls on every size alike and the growth ratios compare
like with like. The baseline, measured in the same run on the same databases, sorts and hashes
all keys into a binary Merkle root.

    .venv/bin/python bench/store_commit.py [--sizes 10000,100000,1000000]
        [--changes 100,1000,10000] [--rounds 9] [--cache-mib 256]

`--cache-mib` is the tree-node cache (app.toml `node-cache-size`); the figures are warm-cache
figures, as on a node that has been running for a while. GC is tuned as in a node process.
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing as mp
import os
import random
import statistics
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from aichain.app.store.ics23 import encode_commitment_proof
from aichain.app.store.options import StoreOptions
from aichain.app.store.rocks import RocksStore
from aichain.app.store.root import RootStore
from aichain.client.proofs import verify_commitment_proof
from aichain.node.gc_tuning import tune_gc

FILL_BATCH = 50_000
"""Keys written per block while filling the state."""


def key_of(i: int) -> bytes:
    """The i-th benchmark key (a bank-balance-like key)."""
    return b"bank/\x02" + hashlib.sha256(i.to_bytes(8, "big")).digest()[:20] + b"uaic"


def value_of(i: int, r: int) -> bytes:
    """A 16-byte value."""
    return b"%016d" % (i * 31 + r)


def fill(root: RootStore, size: int) -> int:
    """Writes size keys; returns the last height."""
    height = root.last_height
    for start in range(0, size, FILL_BATCH):
        height += 1
        branch = root.branch()
        for i in range(start, min(size, start + FILL_BATCH)):
            branch.set(key_of(i), value_of(i, 0))
        root.commit(height, root.compute_next_app_hash(height, branch), branch)
    return height


def compute_flat_root(db: RocksStore) -> bytes:
    """Baseline: a binary Merkle root over every (key, value) of the flat index, rebuilt."""
    sha = hashlib.sha256
    level = [
        sha(b"\x00" + sha(k).digest() + sha(v).digest()).digest() for k, v in db.iterate(b"bank/")
    ]
    while len(level) > 1:
        if len(level) % 2:
            level.append(level[-1])
        level = [sha(b"\x01" + level[i] + level[i + 1]).digest() for i in range(0, len(level), 2)]
    return level[0] if level else bytes(32)


def dir_bytes(path: Path) -> int:
    """Bytes of all files under path."""
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


class SizeWorker:
    """One state size in this process: its database, its tree and the figures asked of it."""

    def __init__(self, size: int, path: Path, cache_mib: int) -> None:
        self.size = size
        self.path = path
        self.db = RocksStore(path)
        self.root = RootStore(self.db, StoreOptions(node_cache_bytes=cache_mib << 20))
        self.rng = random.Random(size)
        t0 = time.perf_counter()
        self.height = fill(self.root, size)
        self.db.settle()
        self.fill_s = time.perf_counter() - t0

    def time_block(self, changes: int) -> tuple[float, int]:
        """(seconds, tree nodes written) to hash and commit one block overwriting `changes`
        random existing keys."""
        self.height += 1
        branch = self.root.branch()
        for i in self.rng.sample(range(self.size), changes):
            branch.set(key_of(i), value_of(i, self.height))
        t0 = time.perf_counter()
        app_hash = self.root.compute_next_app_hash(self.height, branch)
        nodes = len(self.root.staged_nodes())
        self.root.commit(self.height, app_hash, branch)
        return time.perf_counter() - t0, nodes

    def time_flat_root(self, rounds: int = 3) -> float:
        """Seconds to rebuild the baseline's flat root over every key (median of rounds)."""
        times = []
        for _ in range(rounds):
            t0 = time.perf_counter()
            compute_flat_root(self.db)
            times.append(time.perf_counter() - t0)
        return statistics.median(times)

    def measure_proofs(self) -> dict[str, float]:
        """Average proof bytes and median verification time, for members and non-members."""
        root = self.root
        app_hash = root.last_app_hash
        figures: dict[str, float] = {}
        for label, keys in (
            ("member", [key_of(i) for i in self.rng.sample(range(self.size), 200)]),
            ("absent", [key_of(self.size + i) for i in range(200)]),
        ):
            sizes, times = [], []
            for key in keys:
                value, proof = root.prove(key, root.last_height)
                raw = encode_commitment_proof(proof)
                sizes.append(len(raw))
                t0 = time.perf_counter()
                verify_commitment_proof(app_hash, key, value, raw)
                times.append(time.perf_counter() - t0)
            figures[f"proof_bytes_{label}"] = statistics.mean(sizes)
            figures[f"verify_us_{label}"] = statistics.median(times) * 1e6
        return figures

    def measure_disk(self) -> dict[str, float]:
        """RocksDB bytes on disk per key and the node cache in use."""
        self.db.flush()
        return {
            "disk_per_key": dir_bytes(self.path) / self.size,
            "cache_mib": self.root.reader.used_bytes / (1 << 20),
        }


def serve_size(conn: Connection, size: int, path: str, cache_mib: int) -> None:
    """A size's process: fills its state, then answers (method, args) until told to stop."""
    tune_gc()
    worker = SizeWorker(size, Path(path), cache_mib)
    conn.send(worker.fill_s)
    while True:
        request = conn.recv()
        if request is None:
            worker.db.close()
            return
        method, args = request
        conn.send(getattr(worker, method)(*args))


def call(conn: Connection, method: str, *args: Any) -> Any:
    """Runs a SizeWorker method in its process and returns the result."""
    conn.send((method, args))
    return conn.recv()


def main() -> None:
    """Runs the benchmark and prints its figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--changes", default="100,1000,10000")
    parser.add_argument("--rounds", type=int, default=9, help="blocks timed per point (median)")
    parser.add_argument("--cache-mib", type=int, default=256, help="node cache bound (MiB)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    changes = [int(c) for c in args.changes.split(",")]
    ctx = mp.get_context("spawn")
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as tmp:
        conns: dict[int, Connection] = {}
        procs = []
        for size in sizes:  # one fill at a time
            parent, child = ctx.Pipe()
            proc = ctx.Process(
                target=serve_size, args=(child, size, str(Path(tmp) / f"db{size}"), args.cache_mib)
            )
            proc.start()
            procs.append(proc)
            conns[size] = parent
            print(f"state {size:>9,} keys: filled and settled in {parent.recv():.1f} s", flush=True)
        times: dict[tuple[int, int], list[float]] = {}
        nodes: dict[tuple[int, int], list[int]] = {}
        for c in changes:
            live = [s for s in sizes if c <= s]
            for r in range(args.rounds):
                for size in live[r % len(live) :] + live[: r % len(live)]:
                    seconds, written = call(conns[size], "time_block", c)
                    times.setdefault((size, c), []).append(seconds)
                    nodes.setdefault((size, c), []).append(written)
        flat: dict[int, float] = {}
        for size in sizes:
            conn = conns[size]
            flat[size] = call(conn, "time_flat_root")
            proofs = call(conn, "measure_proofs")
            disk = call(conn, "measure_disk")
            cells = "  ".join(
                f"{c} keys: {statistics.median(times[size, c]) * 1000:7.1f} ms "
                f"({statistics.median(nodes[size, c]):,.0f} nodes)"
                for c in changes
                if (size, c) in times
            )
            print(
                f"state {size:>9,} keys | commit per block (median of {args.rounds}): {cells} | "
                f"flat-root rebuild baseline: {flat[size] * 1000:8.1f} ms",
                flush=True,
            )
            print(
                f"    proofs: member {proofs['proof_bytes_member']:.0f} B, verify "
                f"{proofs['verify_us_member']:.0f} us | absent {proofs['proof_bytes_absent']:.0f} "
                f"B, verify {proofs['verify_us_absent']:.0f} us | RocksDB "
                f"{disk['disk_per_key']:.0f} bytes/key on disk | node cache "
                f"{disk['cache_mib']:.0f} MiB of {args.cache_mib}",
                flush=True,
            )
            conns[size].send(None)
        for proc in procs:
            proc.join()
    lo, hi = min(sizes), max(sizes)
    for c in changes:
        if (lo, c) in times and (hi, c) in times:
            growth = statistics.median(times[hi, c]) / statistics.median(times[lo, c])
            print(f"commit-time growth {lo:,} -> {hi:,} keys at {c:,} changed keys: {growth:.2f}x")
    print(f"flat-root baseline growth {lo:,} -> {hi:,} keys: {flat[hi] / flat[lo]:.1f}x")


if __name__ == "__main__":
    main()
