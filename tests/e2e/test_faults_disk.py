"""Disk trouble on a real node: the app's database directory (a small tmpfs mounted for the
test) fills up while the node runs, and is read-only when it starts. Each time the node stops
on its own with an error that names the cause, the store is not corrupted, and once the disk
is back the node restarts and goes on from where it stopped (CometBFT replays the block the
app could not commit).

A read-only remount under the running node is refused by the kernel while the database holds
files open for writing ("mount point is busy"), so the read-only case is the start.

Needs permission to mount a tmpfs (root with CAP_SYS_ADMIN, as in CI's container); skipped
with that reason elsewhere.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from aichain.app.store.rocks import RocksStore
from aichain.app.store.root import RootStore

from .conftest import AICHAIN, Node, make_node

pytestmark = pytest.mark.e2e

MOUNT_SIZE = "64m"
"""Size of the tmpfs the app's database lives on."""


def _mount(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["mount", *args], capture_output=True, text=True, timeout=30)


@pytest.fixture
def db_mount(tmp_path: Path) -> Iterator[Path]:
    """A tmpfs for the app's database; unmounted afterwards."""
    target = tmp_path / "node" / "data" / "application.db"
    target.mkdir(parents=True)
    done = _mount("-t", "tmpfs", "-o", f"size={MOUNT_SIZE}", "tmpfs", str(target))
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()}); needs CAP_SYS_ADMIN")
    try:
        yield target
    finally:
        subprocess.run(["umount", "-l", str(target)], capture_output=True, timeout=30)


def _wait_exit(node: Node, timeout: float) -> int:
    """Waits for the node process to exit on its own; returns its status."""
    assert node.proc is not None
    try:
        return node.proc.wait(timeout)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"node kept running on a broken disk:\n{node.tail()}") from None


def _store_is_consistent(path: Path) -> int:
    """Opens the app's database: its committed tree root is the committed app hash."""
    db = RocksStore(path)
    try:
        root = RootStore(db)
        assert root.root_hash_at(root.last_height) == root.last_app_hash
        return root.last_height
    finally:
        db.close()


def _restart_and_advance(node: Node, path: Path, stopped_at: int) -> None:
    height = _store_is_consistent(path)
    assert height >= stopped_at - 1
    node.start(wait_height=stopped_at + 3, timeout=90)


def test_full_disk_stops_the_node_cleanly_and_it_restarts(tmp_path: Path, db_mount: Path) -> None:
    node = make_node(tmp_path, "node")
    node.start(wait_height=3)
    try:
        # 1. the disk fills up under the running node
        height = node.client.latest_height()
        filler = db_mount / "filler"
        subprocess.run(
            ["dd", "if=/dev/zero", f"of={filler}", "bs=1M"], capture_output=True, timeout=60
        )
        status = _wait_exit(node, 60)
        log = node.tail(80)
        assert status != 0
        assert "No space left on device" in log, log
        assert "Traceback" not in log.split("node stopped: application error")[-1], log
        filler.unlink()
        _restart_and_advance(node, db_mount, height)

        # 2. the disk is read-only when the node starts
        node.stop()
        height = _store_is_consistent(db_mount)
        assert _mount("-o", "remount,ro", str(db_mount)).returncode == 0
        node.log_path = node.home / "node.log"
        with node.log_path.open("ab") as out:
            node.proc = subprocess.Popen(
                [AICHAIN, "start", "--home", str(node.home)], stdout=out, stderr=subprocess.STDOUT
            )
        status = _wait_exit(node, 60)
        assert status != 0
        log = node.tail(80)
        assert "cannot open the app database in" in log and "Read-only file system" in log, log
        assert _mount("-o", "remount,rw", str(db_mount)).returncode == 0
        _restart_and_advance(node, db_mount, height)
    finally:
        node.stop()
