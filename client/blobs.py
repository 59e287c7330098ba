"""The content store: bytes addressed by their sha256, behind one interface.

`BlobStore` is what the CLI, the node's blob service and the worker use: `put`, `get`, `has`,
`stream`. Two implementations: `HomeBlobStore` (files under a home directory, the default of
nodes and workers) and `GrpcBlobStore` (a node's or worker's BlobService over gRPC). An
S3-compatible or IPFS store slots in by implementing the same four methods. Every read checks
the bytes against the hash before returning them (`BlobIntegrityError` otherwise): callers
never see unchecked bytes. docs/content-store.md describes the layout and limits.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Protocol

HASH_PATTERN = re.compile(r"[0-9a-f]{64}")
"""A blob hash: sha256 of the bytes, 64 lowercase hex digits."""

CHUNK_SIZE = 1 << 20
"""Bytes per streamed chunk (1 MiB)."""

DEFAULT_MAX_BLOB = 1 << 30
"""Largest blob a store accepts by default (1 GiB)."""


class BlobError(Exception):
    """A content-store failure; the message says what to do."""


class BlobNotFoundError(BlobError):
    """The store does not hold the blob."""


class BlobIntegrityError(BlobError):
    """Bytes do not hash to the hash they were fetched or stored under."""


class BlobTooLargeError(BlobError):
    """A blob over the store's size limit."""


class InvalidBlobHashError(BlobError):
    """A string that is not a sha256 hex digest."""


def compute_blob_hash(data: bytes) -> str:
    """sha256 hex of a blob's bytes."""
    return hashlib.sha256(data).hexdigest()


def check_hash(blob_hash: str) -> str:
    """The hash, lowercased, if it is 64 hex digits. Raises InvalidBlobHashError."""
    lowered = blob_hash.lower()
    if not HASH_PATTERN.fullmatch(lowered):
        raise InvalidBlobHashError(
            f"{blob_hash!r} is not a blob hash (the sha256 of the bytes, 64 hex digits)"
        )
    return lowered


def verify_blob(blob_hash: str, data: bytes) -> bytes:
    """data, if it hashes to blob_hash. Raises BlobIntegrityError."""
    actual = compute_blob_hash(data)
    if actual != blob_hash:
        raise BlobIntegrityError(
            f"blob {blob_hash}: the bytes received hash to {actual}; refusing to use them "
            "(the source is corrupt or lying)"
        )
    return data


class BlobStore(Protocol):
    """A content-addressed store."""

    def put(self, data: bytes) -> str:
        """Stores data; returns its hash. Raises BlobTooLargeError."""
        ...

    def get(self, blob_hash: str) -> bytes:
        """The verified bytes of a blob. Raises BlobNotFoundError, BlobIntegrityError."""
        ...

    def has(self, blob_hash: str) -> bool:
        """Whether the store holds the blob."""
        ...

    def stream(self, blob_hash: str, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
        """A blob's bytes in chunks; the hash is checked once the last chunk is read, before
        the iterator finishes (BlobIntegrityError then). Raises BlobNotFoundError."""
        ...


class HomeBlobStore:
    """Blobs as files under root/<first 2 hex>/<hash>, written atomically."""

    def __init__(self, root: Path, max_size: int = DEFAULT_MAX_BLOB) -> None:
        self.root = Path(root)
        self.max_size = max_size

    def path(self, blob_hash: str) -> Path:
        """Where a blob lives (whether or not it exists)."""
        blob_hash = check_hash(blob_hash)
        return self.root / blob_hash[:2] / blob_hash

    def put(self, data: bytes) -> str:
        """Stores data; returns its hash. Raises BlobTooLargeError."""
        return self.put_chunks([data])

    def put_chunks(self, chunks: Iterable[bytes], expected: str | None = None) -> str:
        """Stores a blob given in chunks (checked against expected when given); returns its
        hash. Raises BlobTooLargeError, BlobIntegrityError."""
        self.root.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".put-")
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in chunks:
                    size += len(chunk)
                    if size > self.max_size:
                        raise BlobTooLargeError(
                            f"blob exceeds this store's limit of {self.max_size} bytes"
                        )
                    digest.update(chunk)
                    out.write(chunk)
            blob_hash = digest.hexdigest()
            if expected is not None and check_hash(expected) != blob_hash:
                raise BlobIntegrityError(
                    f"the bytes sent hash to {blob_hash}, not the declared {expected}"
                )
            target = self.path(blob_hash)
            target.parent.mkdir(exist_ok=True)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return blob_hash

    def get(self, blob_hash: str) -> bytes:
        """The verified bytes. Raises BlobNotFoundError, BlobIntegrityError."""
        path = self.path(blob_hash)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise BlobNotFoundError(f"blob {blob_hash} is not in {self.root}") from None
        return verify_blob(check_hash(blob_hash), data)

    def has(self, blob_hash: str) -> bool:
        """Whether the file exists (its bytes are checked when read)."""
        return self.path(blob_hash).is_file()

    def size(self, blob_hash: str) -> int | None:
        """The stored size, or None."""
        path = self.path(blob_hash)
        return path.stat().st_size if path.is_file() else None

    def stream(self, blob_hash: str, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
        """The bytes in chunks, hash checked before the last chunk is handed out."""
        blob_hash = check_hash(blob_hash)
        path = self.path(blob_hash)
        if not path.is_file():
            raise BlobNotFoundError(f"blob {blob_hash} is not in {self.root}")
        return _checked_chunks(blob_hash, _file_chunks(path, chunk_size))


def _file_chunks(path: Path, chunk_size: int) -> Iterator[bytes]:
    with path.open("rb") as f:
        while chunk := f.read(chunk_size):
            yield chunk


def _checked_chunks(blob_hash: str, chunks: Iterable[bytes]) -> Iterator[bytes]:
    """chunks, holding back the last one until the whole blob hashed to blob_hash."""
    digest = hashlib.sha256()
    held: bytes | None = None
    for chunk in chunks:
        if held is not None:
            yield held
        digest.update(chunk)
        held = chunk
    if digest.hexdigest() != blob_hash:
        raise BlobIntegrityError(
            f"blob {blob_hash}: the bytes hash to {digest.hexdigest()}; refusing to use them"
        )
    if held is not None:
        yield held


class GrpcBlobStore:
    """A node's or worker's BlobService (aichain.blob.v1) over gRPC; reads are verified here."""

    def __init__(self, address: str, timeout: float = 60.0) -> None:
        import grpc

        self.address = address.removeprefix("tcp://")
        self.timeout = timeout
        self._channel = grpc.insecure_channel(
            self.address,
            options=[("grpc.max_receive_message_length", 2 * CHUNK_SIZE + 1024)],
        )

    def _stub(self):  # type: ignore[no-untyped-def]
        from aichain.blob.v1 import blob_pb2_grpc

        return blob_pb2_grpc.BlobServiceStub(self._channel)

    def has(self, blob_hash: str) -> bool:
        """Whether the remote store holds the blob."""
        from aichain.blob.v1 import blob_pb2

        req = blob_pb2.StatRequest(hash=check_hash(blob_hash))
        return self._stub().Stat(req, timeout=self.timeout).found

    def stream(self, blob_hash: str, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
        """The remote blob in chunks, hash checked before the last one is handed out."""
        import grpc

        from aichain.blob.v1 import blob_pb2

        blob_hash = check_hash(blob_hash)
        responses = self._stub().Get(blob_pb2.GetRequest(hash=blob_hash), timeout=self.timeout)

        def chunks() -> Iterator[bytes]:
            try:
                for resp in responses:
                    yield resp.data
            except grpc.RpcError as exc:
                if exc.code() == grpc.StatusCode.NOT_FOUND:
                    raise BlobNotFoundError(f"blob {blob_hash} is not on {self.address}") from None
                raise BlobError(f"{self.address}: {exc.details()}") from None

        return _checked_chunks(blob_hash, chunks())

    def get(self, blob_hash: str) -> bytes:
        """The verified bytes. Raises BlobNotFoundError, BlobIntegrityError, BlobError."""
        return b"".join(self.stream(blob_hash))

    def put(self, data: bytes) -> str:
        """Sends data in chunks; returns the hash the server stored it under."""
        import grpc

        from aichain.blob.v1 import blob_pb2

        blob_hash = compute_blob_hash(data)
        requests = (
            blob_pb2.PutRequest(hash=blob_hash if i == 0 else "", data=data[i : i + CHUNK_SIZE])
            for i in range(0, max(len(data), 1), CHUNK_SIZE)
        )
        try:
            resp = self._stub().Put(requests, timeout=self.timeout)
        except grpc.RpcError as exc:
            raise BlobError(f"{self.address}: {exc.details()}") from None
        if resp.hash != blob_hash:
            raise BlobIntegrityError(f"server stored {resp.hash}, expected {blob_hash}")
        return resp.hash

    def close(self) -> None:
        """Closes the channel."""
        self._channel.close()


def home_store(home: Path) -> HomeBlobStore:
    """The content store of a node or client home: HOME/blobs."""
    return HomeBlobStore(Path(home) / "blobs")
