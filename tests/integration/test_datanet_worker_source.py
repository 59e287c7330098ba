"""The worker's chain-backed DatanetSource over an in-process chain (its RPC answered by the
app's ABCI Query) and a home content store: the record list recomputes the version root, the
bytes are verified, and tampering with either is refused."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from tendermint.abci import types_pb2 as abci

from aichain.client.blobs import HomeBlobStore
from aichain.client.rpc import QueryResult
from aichain.datanet.v1 import query_pb2, tx_pb2
from aichain.gpu_worker.chain_datanet import ChainDatanet, parse_datanet_spec
from aichain.gpu_worker.datanet import DatanetError, DatanetSource, RecordIntegrityError
from tests.integration.test_datanet_abci import (
    ALICE,
    BOB,
    CAROL,
    OWNER,
    addr,
    chain,
    content,
    run,
    setup_published,
)


class AppRPC:
    """abci_query answered in-process by the app (what CometRPC asks the node)."""

    def __init__(self, app, tamper=None) -> None:
        self.app = app
        self.tamper = tamper

    def abci_query(self, path: str, data: bytes, height: int = 0, prove: bool = False):
        res = self.app.query(abci.RequestQuery(path=path, data=data, height=height))
        value = res.value
        if self.tamper is not None:
            value = self.tamper(path, value)
        return QueryResult(res.code, res.codespace, res.log, value, res.height)


@pytest.fixture
def published(tmp_path: Path):
    c = chain()
    setup_published(c)
    store = HomeBlobStore(tmp_path / "blobs")
    for i in (1, 2, 3, 4):
        store.put(content(i))
    return c, store


def test_spec_parsing() -> None:
    assert parse_datanet_spec("datanet:12@3") == (12, 3)
    assert parse_datanet_spec("datanet:x@3") is None
    assert parse_datanet_spec("/some/dir") is None


def test_chain_source_loads_verified_records(published) -> None:
    c, store = published
    source = ChainDatanet(AppRPC(c.app), store, 1, 1)
    assert isinstance(source, DatanetSource)
    info = source.info()
    assert (info.datanet_id, info.version, info.record_count) == ("1", 1, 3)
    records = source.load_records()
    assert [r.text for r in records] == [content(i).decode() for i in (1, 2, 3)]
    assert [r.contributor for r in records] == [addr(ALICE), addr(BOB), addr(CAROL)]


def test_chain_source_pages_through_a_long_version(published, monkeypatch) -> None:
    c, store = published
    monkeypatch.setattr("aichain.gpu_worker.chain_datanet.PAGE", 2)
    assert ChainDatanet(AppRPC(c.app), store, 1, 1).info().record_count == 3


def test_chain_source_rejects_a_tampered_record_list(published) -> None:
    c, store = published

    def swap(path: str, value: bytes) -> bytes:
        if path.endswith("VersionRecords"):
            page = query_pb2.QueryVersionRecordsResponse.FromString(value)
            page.entries[0].content_hash = hashlib.sha256(b"other").hexdigest()
            return page.SerializeToString()
        return value

    with pytest.raises(DatanetError, match="root"):
        ChainDatanet(AppRPC(c.app, swap), store, 1, 1)


def test_chain_source_rejects_tampered_bytes(published) -> None:
    c, store = published
    store.path(hashlib.sha256(content(2)).hexdigest()).write_bytes(b"tampered")
    with pytest.raises(RecordIntegrityError, match="record '2'"):
        ChainDatanet(AppRPC(c.app), store, 1, 1).load_records()


def test_chain_source_rejects_unknown_version(published) -> None:
    c, store = published
    with pytest.raises(DatanetError, match="no version 5"):
        ChainDatanet(AppRPC(c.app), store, 1, 5)


def test_chain_source_of_a_version_with_removals(published) -> None:
    c, store = published
    msg = tx_pb2.MsgPublishVersion(publisher=addr(OWNER), datanet_id=1, remove=[1])
    assert run(c, OWNER, msg).code == 0
    records = ChainDatanet(AppRPC(c.app), store, 1, 2).load_records()
    assert [r.record_id for r in records] == ["2", "3"]
