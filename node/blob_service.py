"""The node's BlobService (aichain.blob.v1): its home content store served by hash over gRPC,
in chunks. Bytes are checked against their hash before they leave (a corrupt file is never
served) and before they are stored; blobs over the size limit are refused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc

from aichain.blob.v1 import blob_pb2, blob_pb2_grpc
from aichain.client.blobs import (
    CHUNK_SIZE,
    BlobError,
    BlobIntegrityError,
    BlobNotFoundError,
    BlobTooLargeError,
    HomeBlobStore,
    InvalidBlobHashError,
    check_hash,
)


class BlobService(blob_pb2_grpc.BlobServiceServicer):
    """Stat, Get (server streaming) and Put (client streaming) over a HomeBlobStore."""

    def __init__(self, store: HomeBlobStore) -> None:
        self.store = store

    def Stat(self, request: blob_pb2.StatRequest, context: Any) -> blob_pb2.StatResponse:  # noqa: N802
        """Presence and size."""
        try:
            size = self.store.size(request.hash)
        except InvalidBlobHashError as exc:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(exc))
        return blob_pb2.StatResponse(found=size is not None, size=size or 0)

    def Get(self, request: blob_pb2.GetRequest, context: Any) -> Iterator[blob_pb2.GetResponse]:  # noqa: N802
        """The blob in chunks (hash checked before the last chunk is sent)."""
        try:
            for chunk in self.store.stream(request.hash, CHUNK_SIZE):
                yield blob_pb2.GetResponse(data=chunk)
        except InvalidBlobHashError as exc:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(exc))
        except BlobNotFoundError as exc:
            context.abort(grpc.StatusCode.NOT_FOUND, str(exc))
        except BlobIntegrityError as exc:
            context.abort(grpc.StatusCode.DATA_LOSS, str(exc))

    def Put(
        self, request_iterator: Iterator[blob_pb2.PutRequest], context: Any
    ) -> blob_pb2.PutResponse:  # noqa: N802
        """Stores the streamed blob; the first chunk's hash, when given, must match."""
        first: list[str] = []

        def chunks() -> Iterator[bytes]:
            for i, req in enumerate(request_iterator):
                if i == 0 and req.hash:
                    first.append(check_hash(req.hash))
                yield req.data

        try:
            stream = chunks()
            head = next(stream, b"")
            blob_hash = self.store.put_chunks(_prepend(head, stream), first[0] if first else None)
        except InvalidBlobHashError as exc:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(exc))
        except BlobTooLargeError as exc:
            context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED, str(exc))
        except BlobError as exc:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(exc))
        size = self.store.size(blob_hash) or 0
        return blob_pb2.PutResponse(hash=blob_hash, size=size)


def _prepend(head: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    yield head
    yield from rest


def add_blob_service(server: Any, root: Path, max_size: int | None = None) -> BlobService:
    """Serves the content store under root on a gRPC server (before or after it starts)."""
    store = HomeBlobStore(root) if max_size is None else HomeBlobStore(root, max_size)
    service = BlobService(store)
    server.add_generic_rpc_handlers(
        (
            grpc.method_handlers_generic_handler(
                "aichain.blob.v1.BlobService",
                {
                    "Stat": grpc.unary_unary_rpc_method_handler(
                        service.Stat,
                        request_deserializer=blob_pb2.StatRequest.FromString,
                        response_serializer=blob_pb2.StatResponse.SerializeToString,
                    ),
                    "Get": grpc.unary_stream_rpc_method_handler(
                        service.Get,
                        request_deserializer=blob_pb2.GetRequest.FromString,
                        response_serializer=blob_pb2.GetResponse.SerializeToString,
                    ),
                    "Put": grpc.stream_unary_rpc_method_handler(
                        service.Put,
                        request_deserializer=blob_pb2.PutRequest.FromString,
                        response_serializer=blob_pb2.PutResponse.SerializeToString,
                    ),
                },
            ),
        )
    )
    return service


def serve_blobs(root: Path, address: str, max_size: int | None = None) -> tuple[Any, int]:
    """A standalone BlobService on address (port 0: any free port), for workers and clients
    that serve a home store without running a node. Returns (started server, port)."""
    from concurrent import futures

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="blobs"))
    add_blob_service(server, root, max_size)
    port = server.add_insecure_port(address)
    if port == 0:
        raise OSError(f"the blob service cannot bind {address}; is the port in use?")
    server.start()
    return server, port
