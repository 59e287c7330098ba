"""The content store: the home store (atomic puts, verified gets and streams, size limits) and
the node's BlobService over gRPC (chunked streaming both ways, a corrupt file never served, a
blob whose bytes do not match its declared hash refused)."""

from __future__ import annotations

from concurrent import futures
from pathlib import Path

import grpc
import pytest

from aichain.client.blobs import (
    BlobError,
    BlobIntegrityError,
    BlobNotFoundError,
    BlobTooLargeError,
    GrpcBlobStore,
    HomeBlobStore,
    InvalidBlobHashError,
    compute_blob_hash,
)
from aichain.node.blob_service import add_blob_service

DATA = b"hello content store"


def test_put_get_has_stream(tmp_path: Path) -> None:
    store = HomeBlobStore(tmp_path)
    h = store.put(DATA)
    assert h == compute_blob_hash(DATA)
    assert store.has(h) and store.get(h) == DATA
    assert b"".join(store.stream(h, 4)) == DATA
    assert store.put(DATA) == h  # idempotent
    assert not list(tmp_path.glob(".put-*"))


def test_get_rejects_missing_and_bad_hash(tmp_path: Path) -> None:
    store = HomeBlobStore(tmp_path)
    with pytest.raises(BlobNotFoundError):
        store.get("0" * 64)
    with pytest.raises(InvalidBlobHashError):
        store.get("xyz")


def test_get_rejects_corrupt_bytes(tmp_path: Path) -> None:
    store = HomeBlobStore(tmp_path)
    h = store.put(DATA)
    store.path(h).write_bytes(b"tampered")
    with pytest.raises(BlobIntegrityError):
        store.get(h)
    with pytest.raises(BlobIntegrityError):
        list(store.stream(h, 2))


def test_put_rejects_too_large_and_mismatched_hash(tmp_path: Path) -> None:
    store = HomeBlobStore(tmp_path, max_size=4)
    with pytest.raises(BlobTooLargeError):
        store.put(DATA)
    with pytest.raises(BlobIntegrityError):
        HomeBlobStore(tmp_path).put_chunks([DATA], expected="0" * 64)
    assert not list(tmp_path.rglob("*")) or all(p.is_dir() for p in tmp_path.rglob("*"))


@pytest.fixture
def served(tmp_path: Path):
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    add_blob_service(server, tmp_path / "node", max_size=3 << 20)  # after start, as the node does
    client = GrpcBlobStore(f"127.0.0.1:{port}", timeout=10)
    yield client, HomeBlobStore(tmp_path / "node")
    client.close()
    server.stop(None)


def test_grpc_round_trip_in_chunks(served) -> None:
    client, local = served
    big = bytes(range(256)) * 10_000  # 2.5 MB: three chunks each way
    h = client.put(big)
    assert local.get(h) == big
    assert client.has(h) and not client.has("1" * 64)
    assert client.get(h) == big


def test_grpc_get_rejects_missing_and_corrupt(served) -> None:
    client, local = served
    with pytest.raises(BlobNotFoundError):
        client.get("2" * 64)
    h = local.put(DATA)
    local.path(h).write_bytes(b"tampered")
    with pytest.raises(BlobError, match="refusing"):
        client.get(h)


def test_grpc_put_rejects_too_large(served) -> None:
    client, _ = served
    with pytest.raises(BlobError, match="limit"):
        client.put(b"x" * (4 << 20))


def test_standalone_blob_service(tmp_path: Path) -> None:
    from aichain.node.blob_service import serve_blobs

    HomeBlobStore(tmp_path / "blobs").put(DATA)
    server, port = serve_blobs(tmp_path / "blobs", "127.0.0.1:0")
    try:
        client = GrpcBlobStore(f"127.0.0.1:{port}", timeout=10)
        assert client.get(compute_blob_hash(DATA)) == DATA
        client.close()
    finally:
        server.stop(None)
