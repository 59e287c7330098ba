"""Crash safety: a store process is killed with SIGKILL at random moments during Commit, 60
times; after every restart the store is at one consistent height: the tree's root equals the
committed app hash, and the flat index (what reads use) rebuilds to that same root. Never half
a block."""

from __future__ import annotations

import os
import random
import signal
import time
from pathlib import Path

from aichain.app.store.rocks import RocksStore
from aichain.app.store.root import RootStore
from aichain.app.store.tree import NodeReader, compute_update

KILLS = 60
"""Kill-and-restart rounds (the issue asks for at least 50)."""

KEYS = 4000
"""Key space the crashing process writes into."""


def _blocks(path: Path, fd: int) -> None:
    """Child: commits blocks forever; writes 'c' before each Commit and 'd' after."""
    root = RootStore(RocksStore(path))
    rng = random.Random(os.getpid())
    height = root.last_height
    while True:
        height += 1
        branch = root.branch()
        for _ in range(1500):
            key = b"bank/" + str(rng.randrange(KEYS)).encode()
            if rng.random() < 0.2:
                branch.delete(key)
            else:
                branch.set(key, os.urandom(rng.randrange(1, 40)))
        app_hash = root.compute_next_app_hash(height, branch)
        os.write(fd, b"c")
        root.commit(height, app_hash, branch)
        os.write(fd, b"d")


def _wait_for(fd: int, marker: bytes, count: int) -> None:
    seen = 0
    while seen < count:
        chunk = os.read(fd, 64)
        if not chunk:
            raise AssertionError("the block process died on its own")
        seen += chunk.count(marker)


def _check_consistent(path: Path) -> tuple[int, bytes]:
    db = RocksStore(path)
    try:
        root = RootStore(db)
        height = root.last_height
        assert root.root_hash_at(height) == root.last_app_hash
        flat = {k: v for k, v in db.iterate(b"bank/")}
        rebuilt = compute_update(NodeReader(db), None, 1, flat).root_hash
        assert rebuilt == root.last_app_hash, f"flat index and tree disagree at height {height}"
        assert dict(root.iter_at(height)) == flat
        return height, root.last_app_hash
    finally:
        db.close()


def test_sigkill_during_commit_never_leaves_half_a_block(tmp_path: Path) -> None:
    path = tmp_path / "db"
    rng = random.Random(7)
    advanced = 0
    last_height = 0
    for _ in range(KILLS):
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:  # child
            os.close(r)
            try:
                _blocks(path, w)
            finally:
                os._exit(1)
        os.close(w)
        try:
            _wait_for(r, b"c", 2)  # the second Commit has started
            time.sleep(rng.uniform(0, 0.004))  # about as long as a Commit here
            os.kill(pid, signal.SIGKILL)
        finally:
            os.waitpid(pid, 0)
            os.close(r)
        height, _ = _check_consistent(path)
        assert height >= last_height + 1
        advanced += height - last_height - 1  # did the killed Commit land?
        last_height = height
    assert last_height >= KILLS
    print(f"{KILLS} kills; the interrupted Commit had landed in {advanced} of them")
