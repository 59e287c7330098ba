"""Authenticated-store benchmark: commit time vs changed keys and state size, against a flat
Merkle root rebuilt over every key each block; proof size and verification time; disk use.

Each state size gets its own RocksDB in a temporary directory, filled in 50,000-key blocks;
then blocks that overwrite C existing keys (spread over the key space) are committed and
timed (tree update + hashing + the one atomic RocksDB write). The baseline, measured in the
same run on the same database, sorts and hashes all keys into a binary Merkle root.

    .venv/bin/python bench/store_commit.py [--sizes 10000,100000,1000000] [--changes 100,1000,10000]
        [--cache-mib 256]

`--cache-mib` is the tree-node cache (app.toml `node-cache-size`); the figures are warm-cache
figures (the fill runs in the same process), as on a node that has been running for a while.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

from aichain.app.store.ics23 import encode_commitment_proof
from aichain.app.store.options import StoreOptions
from aichain.app.store.rocks import RocksStore
from aichain.app.store.root import RootStore
from aichain.client.proofs import verify_commitment_proof

FILL_BATCH = 50_000
"""Keys written per block while filling the state."""

ROUNDS = 5
"""Blocks timed per (size, changes) point; the median is printed."""


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


def time_block(root: RootStore, height: int, size: int, changes: int, rng: random.Random) -> float:
    """Seconds to hash and commit one block overwriting `changes` random existing keys."""
    branch = root.branch()
    for i in rng.sample(range(size), changes):
        branch.set(key_of(i), value_of(i, height))
    t0 = time.perf_counter()
    app_hash = root.compute_next_app_hash(height, branch)
    root.commit(height, app_hash, branch)
    return time.perf_counter() - t0


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


def bench_size(size: int, changes: list[int], tmp: Path, cache_mib: int) -> dict[str, float]:
    """All figures for one state size."""
    db = RocksStore(tmp / f"db{size}")
    root = RootStore(db, StoreOptions(node_cache_bytes=cache_mib << 20))
    t0 = time.perf_counter()
    height = fill(root, size)
    fill_s = time.perf_counter() - t0
    rng = random.Random(size)
    out: dict[str, float] = {"fill_s": fill_s}
    for c in changes:
        times = []
        for _ in range(ROUNDS):
            height += 1
            times.append(time_block(root, height, size, c, rng))
        out[f"commit_{c}"] = statistics.median(times)
    out["cache_mib"] = root.reader.used_bytes / (1 << 20)
    # baseline: the same block of 1000 changes, then a full flat root rebuild
    branch = root.branch()
    for i in rng.sample(range(size), min(1000, size)):
        branch.set(key_of(i), value_of(i, -1))
    branch.write()
    t0 = time.perf_counter()
    compute_flat_root(db)
    out["flat_root"] = time.perf_counter() - t0
    out.update(bench_proofs(root, size, rng))
    db.flush()
    out["disk_per_key"] = dir_bytes(tmp / f"db{size}") / size
    db.close()
    return out


def bench_proofs(root: RootStore, size: int, rng: random.Random) -> dict[str, float]:
    """Average proof bytes and verification time, for members and non-members."""
    app_hash = root.last_app_hash
    figures = {}
    for label, keys in (
        ("member", [key_of(i) for i in rng.sample(range(size), 200)]),
        ("absent", [key_of(size + i) for i in range(200)]),
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


def main() -> None:
    """Runs the benchmark and prints its figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--changes", default="100,1000,10000")
    parser.add_argument("--cache-mib", type=int, default=256, help="node cache bound (MiB)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    changes = [int(c) for c in args.changes.split(",")]
    results = {}
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as tmp:
        for size in sizes:
            results[size] = r = bench_size(
                size, [c for c in changes if c <= size], Path(tmp), args.cache_mib
            )
            cells = "  ".join(
                f"{c} keys: {r[f'commit_{c}'] * 1000:7.1f} ms" for c in changes if c <= size
            )
            print(
                f"state {size:>9,} keys (filled in {r['fill_s']:.1f}s) | commit per block: "
                f"{cells} | flat-root rebuild baseline: {r['flat_root'] * 1000:8.1f} ms",
                flush=True,
            )
            print(
                f"    proofs: member {r['proof_bytes_member']:.0f} B, verify "
                f"{r['verify_us_member']:.0f} us | absent {r['proof_bytes_absent']:.0f} B, verify "
                f"{r['verify_us_absent']:.0f} us | RocksDB {r['disk_per_key']:.0f} bytes/key "
                f"on disk | node cache {r['cache_mib']:.0f} MiB of {args.cache_mib}",
                flush=True,
            )
    lo, hi = min(sizes), max(sizes)
    for c in changes:
        if c <= lo and f"commit_{c}" in results[hi]:
            growth = results[hi][f"commit_{c}"] / results[lo][f"commit_{c}"]
            print(f"commit-time growth {lo:,} -> {hi:,} keys at {c} changed keys: {growth:.2f}x")
    print(
        f"flat-root baseline growth {lo:,} -> {hi:,} keys: "
        f"{results[hi]['flat_root'] / results[lo]['flat_root']:.1f}x"
    )


if __name__ == "__main__":
    main()
