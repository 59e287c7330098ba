"""A datanet version read from the chain: the record list from the datanet module's queries,
the bytes from the content store, both checked against the version root before use.

`ChainDatanet` implements the worker's `DatanetSource` (gpu_worker/datanet.py), so training
on `datanet:ID@VERSION` works exactly as on a directory. Checks, cheapest first: the record
list recomputes the version's root (optionally the version itself is proven against the app
hash of a light-client-checked header, `prove=True`); every record's bytes hash to its
content hash (the content store verifies on read) before any record is used.
"""

from __future__ import annotations

import re
from typing import Any

from aichain.client.blobs import BlobError, BlobStore
from aichain.client.rpc import CometRPC, RPCError
from aichain.gpu_worker.datanet import (
    TEXT_MEDIA_TYPES,
    DatanetError,
    DatanetInfo,
    Record,
    RecordIntegrityError,
    RecordRef,
    compute_version_root,
)

SPEC_PATTERN = re.compile(r"datanet:(\d+)@(\d+)")
"""`datanet:ID@VERSION`, how the CLI names a version on chain."""

PAGE = 1000
"""Entries per VersionRecords page."""


def parse_datanet_spec(spec: str) -> tuple[int, int] | None:
    """(id, version) of `datanet:ID@VERSION`, or None if spec is not one."""
    match = SPEC_PATTERN.fullmatch(spec)
    return (int(match[1]), int(match[2])) if match else None


class ChainDatanet:
    """Datanet ID at VERSION from a node (CometRPC) and a content store."""

    def __init__(
        self, rpc: CometRPC, store: BlobStore, datanet_id: int, version: int, prove: bool = False
    ) -> None:
        """Fetches the version and its record list; checks the list against the root (and the
        version against the app hash when prove). Raises DatanetError."""
        self.rpc = rpc
        self.store = store
        self.datanet_id = datanet_id
        self.version = version
        found = self._version()
        if prove:
            self._prove(found)
        self._refs = self._fetch_refs(found.size)
        computed = compute_version_root(self._refs)
        if computed != found.root:
            raise DatanetError(
                f"datanet {datanet_id} v{version}: the record list served gives root "
                f"{computed}, the chain's version root is {found.root}; refusing it"
            )
        self._info = DatanetInfo(str(datanet_id), version, found.root, len(self._refs))

    def _query(self, method: str, request: Any, response: Any) -> Any:
        try:
            res = self.rpc.abci_query(
                f"/aichain.datanet.v1.Query/{method}", request.SerializeToString()
            )
        except RPCError as exc:
            raise DatanetError(f"cannot reach the chain: {exc}") from exc
        if res.code != 0:
            raise DatanetError(f"datanet {self.datanet_id} v{self.version}: {res.log}")
        return response.FromString(res.value)

    def _version(self) -> Any:
        from aichain.datanet.v1 import query_pb2 as q

        req = q.QueryVersionRequest(datanet_id=self.datanet_id, version=self.version)
        return self._query("Version", req, q.QueryVersionResponse).version

    def _prove(self, found: Any) -> None:
        from aichain.client.light import LightClientError
        from aichain.client.store_query import query_store
        from aichain.datanet.v1 import datanet_pb2
        from aichain.modules.datanet.keys import version_key

        try:
            proven = query_store(
                self.rpc, "datanet", version_key(self.datanet_id, self.version), 0, True
            )
        except (RPCError, LightClientError) as exc:
            raise DatanetError(f"cannot prove the version: {exc}") from exc
        if not proven.verified or proven.value is None:
            raise DatanetError(f"the version's store proof failed: {proven.reason}")
        if datanet_pb2.Version.FromString(proven.value).root != found.root:
            raise DatanetError("the version served differs from the one proven in the store")

    def _fetch_refs(self, size: int) -> list[RecordRef]:
        from cosmos.base.query.v1beta1 import pagination_pb2

        from aichain.datanet.v1 import query_pb2 as q

        refs: list[RecordRef] = []
        key = b""
        while len(refs) < size:
            req = q.QueryVersionRecordsRequest(
                datanet_id=self.datanet_id,
                version=self.version,
                pagination=pagination_pb2.PageRequest(key=key, limit=PAGE),
            )
            page = self._query("VersionRecords", req, q.QueryVersionRecordsResponse)
            refs += [
                RecordRef(str(e.record_id), e.content_hash, e.contributor, e.media_type)
                for e in page.entries
            ]
            key = page.pagination.next_key
            if not key:
                break
        if len(refs) != size:
            raise DatanetError(f"the chain served {len(refs)} records for a version of {size}")
        return refs

    def info(self) -> DatanetInfo:
        """The version's identity (its root already checked against the record list)."""
        return self._info

    def refs(self) -> list[RecordRef]:
        """The version's records in order, without their bytes."""
        return list(self._refs)

    def read_verified(self, ref: RecordRef) -> bytes:
        """A record's bytes from the content store, checked against its hash."""
        try:
            return self.store.get(ref.sha256)
        except BlobError as exc:
            raise RecordIntegrityError(
                f"record {ref.record_id!r} (contributor {ref.contributor}): {exc}"
            ) from exc

    def load_records(self) -> list[Record]:
        """Every record in order, verified; non-text media types are refused."""
        records = []
        for ref in self._refs:
            if ref.media_type not in TEXT_MEDIA_TYPES:
                raise DatanetError(
                    f"record {ref.record_id!r}: media type {ref.media_type!r} is not supported "
                    f"(supported: {', '.join(TEXT_MEDIA_TYPES)})"
                )
            data = self.read_verified(ref)
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise DatanetError(f"record {ref.record_id!r}: not valid UTF-8: {exc}") from exc
            records.append(Record(ref.record_id, ref.sha256, ref.contributor, ref.media_type, text))
        return records
