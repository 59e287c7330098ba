"""State-sync snapshots through the four ABCI calls: a fresh app restores the same app hash;
a corrupted chunk is refetched from another sender; a wrong state is rejected."""

from __future__ import annotations

import json
import threading

import pytest
from tendermint.abci import types_pb2 as abci

from aichain.app.app import memory_app
from aichain.app.baseapp import AppConfig
from aichain.app.errors import InvalidHeightError
from aichain.app.store import snapshots
from aichain.app.store.errors import SnapshotError
from aichain.app.store.memory import MemStore
from aichain.app.store.options import StoreOptions, parse_store_options
from aichain.app.store.root import RootStore


def _source(blocks: int = 6):
    app = memory_app(AppConfig(store=StoreOptions(snapshot_interval=3, snapshot_keep_recent=1)))
    app.init_chain(abci.RequestInitChain(chain_id="snap", app_state_bytes=json.dumps({}).encode()))
    for h in range(1, blocks + 1):
        app.finalize_block(abci.RequestFinalizeBlock(height=h))
        app.root.backend.set(b"x", b"y")  # noise outside the tree is not part of snapshots
        app.commit(abci.RequestCommit())
        assert app.snapshots.wait(timeout=60)
    return app


def _fill(app, n: int) -> None:
    """Puts n keys into the tree by committing them as a block's writes."""
    branch = app.root.branch()
    for i in range(n):
        branch.set(b"bank/" + str(i).encode(), b"v" * 50)
    h = app.root.last_height + 1
    app.root.commit(h, app.root.compute_next_app_hash(h, branch), branch)


def _restore(source, target, corrupt: int | None = None) -> list:
    snap = source.list_snapshots(abci.RequestListSnapshots()).snapshots[0]
    app_hash = source.root.root_hash_at(snap.height)
    offer = target.offer_snapshot(abci.RequestOfferSnapshot(snapshot=snap, app_hash=app_hash))
    assert offer.result == abci.ResponseOfferSnapshot.ACCEPT
    results = []
    for i in range(snap.chunks):
        chunk = source.load_snapshot_chunk(
            abci.RequestLoadSnapshotChunk(height=snap.height, format=snap.format, chunk=i)
        ).chunk
        if i == corrupt:
            bad = target.apply_snapshot_chunk(
                abci.RequestApplySnapshotChunk(index=i, chunk=chunk[:-1] + b"!", sender="evil")
            )
            results.append(bad)
        results.append(
            target.apply_snapshot_chunk(
                abci.RequestApplySnapshotChunk(index=i, chunk=chunk, sender="good")
            )
        )
    return results


def test_snapshot_restores_the_same_app_hash(monkeypatch) -> None:
    monkeypatch.setattr(snapshots, "CHUNK_BYTES", 4096)
    source = _source(2)
    _fill(source, 500)
    source.finalize_block(abci.RequestFinalizeBlock(height=4))
    source.commit(abci.RequestCommit())  # a snapshot at 3 is gone (keep 1); take at 6 below
    source.finalize_block(abci.RequestFinalizeBlock(height=5))
    source.commit(abci.RequestCommit())
    source.finalize_block(abci.RequestFinalizeBlock(height=6))
    source.commit(abci.RequestCommit())
    assert source.snapshots.wait(timeout=60)
    listed = source.list_snapshots(abci.RequestListSnapshots()).snapshots
    assert [s.height for s in listed] == [6] and listed[0].chunks > 3
    target = memory_app()
    results = _restore(source, target, corrupt=2)
    assert [r.result for r in results].count(abci.ResponseApplySnapshotChunk.RETRY) == 1
    retry = next(r for r in results if r.result == abci.ResponseApplySnapshotChunk.RETRY)
    assert list(retry.refetch_chunks) == [2] and list(retry.reject_senders) == ["evil"]
    info = target.info(abci.RequestInfo())
    assert info.last_block_height == 6
    assert info.last_block_app_hash == source.info(abci.RequestInfo()).last_block_app_hash
    assert target.chain_id == "snap"
    assert dict(target.root.iter_at(6)) == dict(source.root.iter_at(6))


def test_wrong_state_is_rejected_and_non_fresh_nodes_refuse() -> None:
    source = _source(3)
    target = memory_app()
    snap = source.list_snapshots(abci.RequestListSnapshots()).snapshots[0]
    target.offer_snapshot(abci.RequestOfferSnapshot(snapshot=snap, app_hash=b"\x01" * 32))
    chunk = source.load_snapshot_chunk(
        abci.RequestLoadSnapshotChunk(height=snap.height, format=1, chunk=0)
    ).chunk
    res = target.apply_snapshot_chunk(abci.RequestApplySnapshotChunk(index=0, chunk=chunk))
    assert res.result == abci.ResponseApplySnapshotChunk.REJECT_SNAPSHOT
    assert target.info(abci.RequestInfo()).last_block_height == 0
    bad_format = abci.Snapshot(height=3, format=9, chunks=1, hash=b"", metadata=b"")
    assert (
        target.offer_snapshot(abci.RequestOfferSnapshot(snapshot=bad_format)).result
        == abci.ResponseOfferSnapshot.REJECT_FORMAT
    )
    assert (
        source.offer_snapshot(abci.RequestOfferSnapshot(snapshot=snap)).result
        == abci.ResponseOfferSnapshot.ABORT
    )


def _commit(root: RootStore, height: int) -> None:
    branch = root.branch()
    branch.set(b"bank/h", str(height).encode())
    root.commit(height, root.compute_next_app_hash(height, branch), branch)


def test_a_pinned_version_outlives_pruning_until_released() -> None:
    root = RootStore(MemStore(), parse_store_options("custom", keep_recent=2, interval=1))
    _commit(root, 1)
    _commit(root, 2)
    root.pin_version(2)  # a snapshot of height 2 is being read
    for h in range(3, 7):
        _commit(root, h)
    assert root.earliest == 2
    assert root.get_at(b"bank/h", 2) == b"2"
    root.unpin_version(2)
    _commit(root, 7)
    assert root.earliest == 6
    with pytest.raises(InvalidHeightError, match="pruned"):
        root.get_at(b"bank/h", 2)


def test_snapshots_run_in_the_background_one_at_a_time(monkeypatch) -> None:
    release = threading.Event()
    real = snapshots.take_snapshot

    def slow(root, height, keep_recent, chunk_bytes=None, reader=None):  # noqa: ANN001, ANN202
        assert reader is not None and reader is not root.reader  # never the shared cache
        release.wait(30)
        return real(root, height, keep_recent, chunk_bytes, reader)

    monkeypatch.setattr(snapshots, "take_snapshot", slow)
    app = memory_app(AppConfig(store=StoreOptions(snapshot_interval=2, snapshot_keep_recent=2)))
    app.init_chain(abci.RequestInitChain(chain_id="snap", app_state_bytes=b"{}"))
    for h in range(1, 5):  # commits return while the snapshot of 2 waits; 4 is skipped
        app.finalize_block(abci.RequestFinalizeBlock(height=h))
        app.commit(abci.RequestCommit())
    assert app.snapshots.is_busy()
    assert app.list_snapshots(abci.RequestListSnapshots()).snapshots == []
    release.set()
    assert app.snapshots.wait(timeout=60)
    assert [s.height for s in app.snapshots.taken] == [2]
    listed = app.list_snapshots(abci.RequestListSnapshots()).snapshots
    assert [s.height for s in listed] == [2]
    assert app.root._pins == {}


def test_a_failed_snapshot_is_recorded_and_unpins_its_version(monkeypatch) -> None:
    def broken(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise SnapshotError("disk full")

    monkeypatch.setattr(snapshots, "take_snapshot", broken)
    app = memory_app(AppConfig(store=StoreOptions(snapshot_interval=1)))
    app.init_chain(abci.RequestInitChain(chain_id="snap", app_state_bytes=b"{}"))
    app.finalize_block(abci.RequestFinalizeBlock(height=1))
    app.commit(abci.RequestCommit())
    assert app.snapshots.wait(timeout=60)
    assert app.snapshots.failures == ["height 1: disk full"]
    assert app.root._pins == {}
    assert app.list_snapshots(abci.RequestListSnapshots()).snapshots == []


def test_chunks_of_a_snapshot_cut_short_by_a_crash_are_deleted_by_the_next() -> None:
    source = _source(3)
    backend = source.root.backend
    # what a crash in the middle of writing the snapshot of height 5 leaves behind
    backend.set(snapshots.PENDING_PREFIX + (5).to_bytes(8, "big"), b"")
    backend.set(snapshots.CHUNK_PREFIX + (5).to_bytes(8, "big") + (0).to_bytes(4, "big"), b"c")
    assert [s.height for s in snapshots.list_snapshots(source.root)] == [3]
    snapshots.take_snapshot(source.root, 3, keep_recent=1)
    assert not list(backend.iterate(snapshots.PENDING_PREFIX))
    heights = {int.from_bytes(k[2:10], "big") for k, _ in backend.iterate(snapshots.CHUNK_PREFIX)}
    assert heights == {3}
