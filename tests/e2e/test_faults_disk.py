"""Disk trouble on a real node under `aichain bench load`'s steady mode (node/loadtest.py:
SteadyLoad). The app's database directory is a small filesystem of its own that the test
mounts: ext4 on a loop device, mounted `errors=remount-ro` (a tmpfs where loop devices are
not available; then the read-only-during-a-run case is skipped with that reason).

- Full while the node runs: the test fills it up.
- Read-only while the node runs: the test makes ext4 report an error with its own test knob
  (/sys/fs/ext4/DEV/trigger_fs_error), and ext4 does what it does on a real disk error under
  `errors=remount-ro`: the filesystem turns read-only at once, under the open database. (A
  `mount -o remount,ro` is refused with "mount point is busy" while RocksDB holds files open
  for writing, for a bind mount too.) Writable again is what an operator does: unmount,
  e2fsck, mount.
- Read-only when the node starts: remounted read-only while it is stopped.

Each time the node stops on its own with an error that names the cause, the store is not
corrupted (its committed tree root is its committed app hash), and once the disk is back the
node restarts with the same app hash (the next header carries it), CometBFT replays what the
app's store lacks, and every tx committed before or after the fault is there exactly once
(per sender: sequences, blocks, balances). No block the app committed is lost to the fault:
each Commit's RocksDB write is synced to disk before Commit answers (app/store/rocks.py), so
the store holds at least the height the chain showed before the fault (an earlier version
without the sync lost the last seconds of blocks when ext4 turned read-only, 16 -> 6, and
relied on CometBFT's replay); CometBFT replays only the block in flight.

Needs root with CAP_SYS_ADMIN (as in CI's container) to mount; skipped with that reason
elsewhere.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from aichain.app.crypto import PrivateKey
from aichain.app.store.rocks import RocksStore
from aichain.app.store.root import RootStore
from aichain.client.broadcast import query_signer
from aichain.node.home import Home
from aichain.node.loadtest import SteadyLoad, fund_steady_senders

from .conftest import AICHAIN, CHAIN_ID, Node, make_node
from .test_faults_kill import app_hash_matches_next_header

pytestmark = pytest.mark.e2e

DISK_MB = 64
"""Size of the filesystem the app's database lives on."""

SENDERS = 3
"""Accounts the steady load streams from."""

RATE = 10.0
"""Broadcasts per second of the steady load."""


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), capture_output=True, text=True, timeout=60)


@dataclass
class Disk:
    """The filesystem under the app's database directory."""

    path: Path
    kind: str
    """"ext4" (on a loop device) or "tmpfs"."""
    device: str = ""

    def mount(self) -> None:
        """Mounts the ext4 device (errors=remount-ro). Raises AssertionError."""
        done = _run("mount", "-o", "errors=remount-ro", self.device, str(self.path))
        assert done.returncode == 0, done.stderr
        lost = self.path / "lost+found"  # mkfs and e2fsck make it; not the database's
        if lost.is_dir():
            lost.rmdir()

    @property
    def error_knob(self) -> Path:
        """ext4's test knob that reports a filesystem error."""
        return Path("/sys/fs/ext4") / Path(self.device).name / "trigger_fs_error"

    def turn_read_only(self) -> None:
        """An ext4 error under errors=remount-ro: the filesystem turns read-only now."""
        self.error_knob.write_text("aichain fault test: the disk went bad\n")

    def repair(self) -> None:
        """Unmounts, checks and mounts the filesystem again, writable."""
        assert _run("umount", str(self.path)).returncode == 0
        fsck = _run("e2fsck", "-fy", self.device)
        assert fsck.returncode in (0, 1), fsck.stdout + fsck.stderr  # 1: errors corrected
        self.mount()


def _mount_ext4(target: Path, image: Path) -> Disk | None:
    """ext4 on a loop device at target, or None where loop devices cannot be set up."""
    with image.open("wb") as f:
        f.truncate(DISK_MB << 20)
    loop = _run("losetup", "-f", "--show", str(image))
    if loop.returncode != 0:
        return None
    disk = Disk(target, "ext4", loop.stdout.strip())
    made = _run("mkfs.ext4", "-q", "-m", "0", disk.device)
    mounted = made.returncode == 0 and (
        _run("mount", "-o", "errors=remount-ro", disk.device, str(target)).returncode == 0
    )
    if not mounted:
        _run("losetup", "-d", disk.device)
        return None
    (target / "lost+found").rmdir()
    return disk


@pytest.fixture(scope="module")
def disk_node(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Node, Disk, list[PrivateKey]]]:
    """A running node whose app database is on its own filesystem, with load senders funded
    in genesis (shared by this module's tests)."""
    root = tmp_path_factory.mktemp("disk")
    target = root / "node" / "data" / "application.db"
    target.mkdir(parents=True)
    disk = _mount_ext4(target, root / "disk.img")
    if disk is None:
        size = f"size={DISK_MB}m"
        done = _run("mount", "-t", "tmpfs", "-o", size, "tmpfs", str(target))
        if done.returncode != 0:
            pytest.skip(f"cannot mount a filesystem here ({done.stderr.strip()}); needs root")
        disk = Disk(target, "tmpfs")
    node = make_node(root, "node")
    keys = fund_steady_senders([Home(node.home).genesis], SENDERS)
    try:
        node.start(wait_height=3)
        yield node, disk, keys
    finally:
        node.stop()
        _run("umount", "-l", str(target))
        if disk.device:
            _run("losetup", "-d", disk.device)
        (root / "disk.img").unlink(missing_ok=True)


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


def _sequences(node: Node, keys: list[PrivateKey]) -> list[int]:
    return [query_signer(node.client, k.address).sequence for k in keys]


def _fault_under_load(
    node: Node,
    disk: Disk,
    keys: list[PrivateKey],
    fault: Callable[[], Callable[[], None]],
    cause: str,
) -> str:
    """Runs the steady load, applies fault (it must stop the node), checks the clean stop
    (status, cause in the log, no traceback) and the store, runs the repair fault returned,
    restarts the node (CometBFT replays what the store lacks; the same app hash; it goes on)
    and checks every committed tx is there exactly once; returns a summary."""
    load = SteadyLoad([node.rpc], keys, CHAIN_ID, RATE)
    comet_log = Home(node.home).log_dir / "cometbft.log"
    load.start()
    try:
        node.wait_height(node.client.latest_height() + 3)
        before = _sequences(node, keys)
        assert sum(before) > sum(s.first_sequence for s in load.senders), "nothing landed"
        height = node.client.latest_height()
        repair = fault()
        status = _wait_exit(node, 60)
        log = node.tail(80)
        assert status != 0
        assert cause in log and "node stopped: application error" in log, log
        assert "Traceback" not in log.split("node stopped: application error")[-1], log
        repair()
        stored = _store_is_consistent(disk.path)
        # every Commit answered before the fault is on disk (synced writes); CometBFT's
        # /status may count a block whose Commit was in flight
        assert stored >= height - 1, (stored, height)
        seen = len(comet_log.read_bytes())
        node.start(wait_height=stored + 1, timeout=90)
        replay = re.search(
            r"ABCI Replay Blocks\s+module=consensus appHeight=(\d+) storeHeight=(\d+)",
            comet_log.read_bytes()[seen:].decode(errors="replace"),
        )
        assert replay, node.tail()
        app_height, store_height = int(replay[1]), int(replay[2])
        # CometBFT's block store kept every block; the app re-executes what its store lacks
        assert app_height == stored and store_height >= height, (stored, height, replay[0])
        assert app_hash_matches_next_header(node) >= store_height  # the same app hash
        node.wait_height(node.client.latest_height() + 3)
        after = _sequences(node, keys)
        assert all(b >= a for a, b in zip(before, after, strict=True)), (before, after)
    finally:
        load.stop()
    load.wait_settled()
    tallies = load.check_exactly_once(node.rpc)
    return (
        f"the chain was at {height}, the app's store held {stored} after the fault and "
        f"CometBFT replayed {stored + 1}..{store_height}; "
        f"{sum(t.landed for t in tallies)} txs committed exactly once"
    )


def test_full_disk_stops_the_node_cleanly_and_it_restarts(disk_node) -> None:
    node, disk, keys = disk_node
    filler = disk.path / "filler"

    def fill() -> Callable[[], None]:
        _run("dd", "if=/dev/zero", f"of={filler}", "bs=1M")
        _run("dd", "if=/dev/zero", f"of={filler}2", "bs=1k")  # the last free blocks too
        return empty

    def empty() -> None:
        for path in disk.path.glob("filler*"):
            path.unlink()

    print(f"{disk.kind} full: " + _fault_under_load(node, disk, keys, fill, "No space left"))


def test_a_disk_turning_read_only_under_the_running_node_stops_it_cleanly(disk_node) -> None:
    node, disk, keys = disk_node
    if disk.kind != "ext4":
        pytest.skip("needs ext4 on a loop device (losetup) to turn read-only under a writer")
    if not os.access(disk.error_knob, os.W_OK):
        pytest.skip(f"{disk.error_knob} is not writable here (sysfs mounted read-only)")

    def break_disk() -> Callable[[], None]:
        disk.turn_read_only()
        return disk.repair

    summary = _fault_under_load(node, disk, keys, break_disk, "Read-only file system")
    print(f"ext4 read-only during the run: {summary}")


def test_a_read_only_disk_at_start_is_refused_with_the_cause(disk_node) -> None:
    node, disk, _ = disk_node
    node.stop()
    height = _store_is_consistent(disk.path)
    assert _run("mount", "-o", "remount,ro", str(disk.path)).returncode == 0
    try:
        with node.log_path.open("ab") as out:
            node.proc = subprocess.Popen(
                [AICHAIN, "start", "--home", str(node.home)], stdout=out, stderr=subprocess.STDOUT
            )
        assert _wait_exit(node, 60) != 0
        log = node.tail(80)
        assert "cannot open the app database in" in log and "Read-only file system" in log, log
    finally:
        assert _run("mount", "-o", "remount,rw", str(disk.path)).returncode == 0
    assert _store_is_consistent(disk.path) == height
    node.start(wait_height=height + 3, timeout=90)
