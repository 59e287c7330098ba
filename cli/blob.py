"""`aichain blob put FILE` / `blob get HASH --out FILE` / `blob has HASH`: the content store of
a home (default) or of a node or worker serving it over gRPC (--grpc HOST:PORT). Every get
checks the bytes against the hash before writing them (docs/content-store.md)."""

from __future__ import annotations

from pathlib import Path

import click

from aichain.cli.common import emit, fail, home_option, output_option


def _store(home: Path, grpc_addr: str | None):  # type: ignore[no-untyped-def]
    from aichain.client.blobs import GrpcBlobStore, home_store

    return GrpcBlobStore(grpc_addr) if grpc_addr else home_store(home)


GRPC_HELP = "A node's or worker's gRPC address (HOST:PORT) to use instead of the home store."


@click.group("blob")
def blob() -> None:
    """The content store: bytes addressed by their sha256."""


@blob.command("put")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--grpc", "grpc_addr", default=None, help=GRPC_HELP)
@home_option
@output_option
def put(file: Path, grpc_addr: str | None, home: Path, output: str) -> None:
    """Store FILE; print its sha256 (the hash to contribute or fetch it by)."""
    from aichain.client.blobs import BlobError

    data = file.read_bytes()
    try:
        blob_hash = _store(home, grpc_addr).put(data)
    except BlobError as exc:
        fail(str(exc))
    emit({"hash": blob_hash, "size": len(data)}, output, lambda d: d["hash"])


@blob.command("get")
@click.argument("blob_hash", metavar="HASH")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--grpc", "grpc_addr", default=None, help=GRPC_HELP)
@home_option
@output_option
def get(blob_hash: str, out: Path, grpc_addr: str | None, home: Path, output: str) -> None:
    """Write the blob HASH to --out, after checking its bytes hash to HASH."""
    from aichain.client.blobs import BlobError

    try:
        data = _store(home, grpc_addr).get(blob_hash)
    except BlobError as exc:
        fail(str(exc))
    out.write_bytes(data)
    emit({"hash": blob_hash.lower(), "size": len(data), "out": str(out)}, output,
         lambda d: f"wrote {d['size']} bytes to {d['out']} (sha256 verified)")  # fmt: skip


@blob.command("has")
@click.argument("blob_hash", metavar="HASH")
@click.option("--grpc", "grpc_addr", default=None, help=GRPC_HELP)
@home_option
@output_option
def has(blob_hash: str, grpc_addr: str | None, home: Path, output: str) -> None:
    """Whether the store holds HASH (exit status 1 if not)."""
    from aichain.client.blobs import BlobError

    try:
        found = _store(home, grpc_addr).has(blob_hash)
    except BlobError as exc:
        fail(str(exc))
    emit({"hash": blob_hash.lower(), "found": found}, output, lambda d: str(d["found"]).lower())
    if not found:
        raise SystemExit(1)


@blob.command("serve")
@click.option("--address", default="127.0.0.1:9095", show_default=True, help="HOST:PORT to bind.")
@click.option("--max-size", type=click.IntRange(1), default=None, help="Largest blob accepted.")
@home_option
def serve(address: str, max_size: int | None, home: Path) -> None:
    """Serve HOME/blobs over gRPC (aichain.blob.v1.BlobService) until stopped: what a worker
    runs to serve its blobs (a node serves its own next to its gRPC)."""
    from aichain.client.blobs import home_store
    from aichain.node.blob_service import serve_blobs

    try:
        server, port = serve_blobs(home_store(home).root, address, max_size)
    except OSError as exc:
        fail(str(exc))
    click.echo(f"serving {home_store(home).root} on port {port}", err=True)
    try:
        server.wait_for_termination()
    except KeyboardInterrupt:
        server.stop(1)
