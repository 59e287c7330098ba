"""Each guard against a deliberately bad application, directly and through the server."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import pytest
import tendermint.abci.types_pb2 as abci_pb

from aichain.abci.application import Application, BaseApplication
from aichain.abci.client import ABCIClient
from aichain.abci.errors import ABCIError, FatalAppError
from aichain.abci.guards import ROUTES, call_guarded, is_fatal_kind, respond_guarded
from aichain.abci.server import ABCIServer

PP = abci_pb.ResponseProcessProposal
VVE = abci_pb.ResponseVerifyVoteExtension


class Raising(BaseApplication):
    """Every method raises."""

    def __getattribute__(self, name: str) -> object:
        if name in ROUTES:

            def boom(req: object) -> object:
                raise RuntimeError(f"bug in {name}")

            return boom
        return super().__getattribute__(name)


class WrongType(BaseApplication):
    """Every method answers a ResponseQuery (and Query answers a ResponseCheckTx)."""

    def __getattribute__(self, name: str) -> object:
        if name == "query":
            return lambda req: abci_pb.ResponseCheckTx()
        if name in ROUTES:
            return lambda req: abci_pb.ResponseQuery(value=b"wrong")
        return super().__getattribute__(name)


class Defaults(BaseApplication):
    """Returns bare default responses (status UNKNOWN), too many txs, too few results."""

    def process_proposal(self, req: abci_pb.RequestProcessProposal) -> PP:
        return PP()

    def verify_vote_extension(self, req: abci_pb.RequestVerifyVoteExtension) -> VVE:
        return VVE()

    def prepare_proposal(
        self, req: abci_pb.RequestPrepareProposal
    ) -> abci_pb.ResponsePrepareProposal:
        return abci_pb.ResponsePrepareProposal(txs=[b"a" * 40, b"b" * 40, b"c" * 40])

    def finalize_block(self, req: abci_pb.RequestFinalizeBlock) -> abci_pb.ResponseFinalizeBlock:
        return abci_pb.ResponseFinalizeBlock(tx_results=[abci_pb.ExecTxResult()])

    def offer_snapshot(self, req: abci_pb.RequestOfferSnapshot) -> abci_pb.ResponseOfferSnapshot:
        return abci_pb.ResponseOfferSnapshot()


FATAL = ["info", "init_chain", "finalize_block", "commit"]


def test_base_application_satisfies_the_protocol() -> None:
    assert isinstance(BaseApplication(), Application)


def test_fatal_kinds_are_exactly_the_consensus_critical_ones() -> None:
    assert sorted(k for k in ROUTES if is_fatal_kind(k)) == sorted(FATAL)


def test_base_application_passes_every_guard_unchanged() -> None:
    app = BaseApplication()
    for kind, route in ROUTES.items():
        req = getattr(abci_pb.Request(), kind).__class__()
        assert type(call_guarded(app, kind, req)) is route.response_type


def test_process_proposal_unknown_status_becomes_reject(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="aichain.abci"):
        resp = call_guarded(Defaults(), "process_proposal", abci_pb.RequestProcessProposal())
    assert resp.status == PP.REJECT
    assert "UNKNOWN" in caplog.text or "status 0" in caplog.text


def test_verify_vote_extension_unknown_status_becomes_reject() -> None:
    req = abci_pb.RequestVerifyVoteExtension()
    assert call_guarded(Defaults(), "verify_vote_extension", req).status == VVE.REJECT


@pytest.mark.parametrize("app", [Raising(), WrongType()], ids=["raises", "wrong-type"])
def test_proposal_and_extension_failures_become_reject(
    app: BaseApplication, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="aichain.abci"):
        pp = call_guarded(app, "process_proposal", abci_pb.RequestProcessProposal())
        vve = call_guarded(app, "verify_vote_extension", abci_pb.RequestVerifyVoteExtension())
    assert (pp.status, vve.status) == (PP.REJECT, VVE.REJECT)
    assert len([r for r in caplog.records if r.levelno == logging.ERROR]) == 2


def test_prepare_proposal_over_max_tx_bytes_is_trimmed_from_the_end(
    caplog: pytest.LogCaptureFixture,
) -> None:
    req = abci_pb.RequestPrepareProposal(max_tx_bytes=100)
    with caplog.at_level(logging.WARNING, logger="aichain.abci"):
        resp = call_guarded(Defaults(), "prepare_proposal", req)
    assert list(resp.txs) == [b"a" * 40, b"b" * 40]
    assert any(r.levelno == logging.WARNING for r in caplog.records)


def test_prepare_proposal_failure_proposes_the_mempool_txs_that_fit() -> None:
    req = abci_pb.RequestPrepareProposal(max_tx_bytes=5, txs=[b"abc", b"de", b"f"])
    assert list(call_guarded(Raising(), "prepare_proposal", req).txs) == [b"abc", b"de"]


def test_finalize_block_with_wrong_result_count_is_fatal() -> None:
    req = abci_pb.RequestFinalizeBlock(txs=[b"a", b"b"], height=3)
    with pytest.raises(FatalAppError, match="1 tx_results for 2 txs"):
        call_guarded(Defaults(), "finalize_block", req)


@pytest.mark.parametrize("app", [Raising(), WrongType()], ids=["raises", "wrong-type"])
def test_check_tx_and_query_failures_become_error_results(app: BaseApplication) -> None:
    tx = respond_guarded(app, abci_pb.Request(check_tx=abci_pb.RequestCheckTx(tx=b"t")))
    assert tx.WhichOneof("value") == "check_tx"
    assert (tx.check_tx.code, tx.check_tx.codespace, tx.check_tx.log) == (
        1,
        "sdk",
        "internal error",
    )
    query = respond_guarded(app, abci_pb.Request(query=abci_pb.RequestQuery(path="/x")))
    assert query.WhichOneof("value") == "query"
    assert query.query.code == 1


@pytest.mark.parametrize("kind", FATAL)
@pytest.mark.parametrize("app", [Raising(), WrongType()], ids=["raises", "wrong-type"])
def test_consensus_critical_failures_are_fatal(app: BaseApplication, kind: str) -> None:
    request = abci_pb.Request()
    getattr(request, kind).SetInParent()
    with pytest.raises(FatalAppError) as info:
        respond_guarded(app, request)
    assert info.value.kind == kind


@pytest.mark.parametrize("app", [Raising(), WrongType()], ids=["raises", "wrong-type"])
def test_no_failure_ever_becomes_an_exception_response(app: BaseApplication) -> None:
    for kind in ROUTES:
        if is_fatal_kind(kind):
            continue
        request = abci_pb.Request()
        getattr(request, kind).SetInParent()
        assert respond_guarded(app, request).WhichOneof("value") == kind


def test_snapshot_failures_abort_and_unknown_results_abort() -> None:
    offer = abci_pb.RequestOfferSnapshot()
    assert call_guarded(Raising(), "offer_snapshot", offer).result == 2
    assert call_guarded(Defaults(), "offer_snapshot", offer).result == 2
    chunk = abci_pb.RequestApplySnapshotChunk()
    assert call_guarded(Raising(), "apply_snapshot_chunk", chunk).result == 2
    listed = call_guarded(Raising(), "list_snapshots", abci_pb.RequestListSnapshots())
    assert list(listed.snapshots) == []


def _run(coro_fn: Callable[[], Awaitable[None]]) -> None:
    """Run an async test body with a timeout."""

    async def bounded() -> None:
        async with asyncio.timeout(20):
            await coro_fn()

    asyncio.run(bounded())


def test_server_answers_check_tx_exception_with_an_error_result_not_an_exception() -> None:
    async def body() -> None:
        server = ABCIServer(Raising(), "tcp://127.0.0.1:0")
        await server.start()
        client = await ABCIClient.connect(server.bound_address)
        resp = await client.call(abci_pb.Request(check_tx=abci_pb.RequestCheckTx(tx=b"t")))
        assert (resp.check_tx.code, resp.check_tx.log) == (1, "internal error")
        await client.close()
        await server.stop()

    _run(body)


def test_fatal_error_stops_the_server_by_default_without_answering(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def body() -> None:
        server = ABCIServer(Raising(), "tcp://127.0.0.1:0")
        await server.start()
        serving = asyncio.create_task(server.serve_forever())
        client = await ABCIClient.connect(server.bound_address)
        await client.send(abci_pb.Request(commit=abci_pb.RequestCommit()))
        with pytest.raises(ABCIError, match="closed"):
            await client.recv()
        with pytest.raises(FatalAppError, match="commit"):
            await serving
        assert server.fatal_error is not None
        await client.close()

    with caplog.at_level(logging.CRITICAL, logger="aichain.abci"):
        _run(body)
    assert "bug in commit" in caplog.text  # the traceback is logged


def test_custom_on_fatal_is_called_and_only_that_connection_closes() -> None:
    seen: list[FatalAppError] = []

    async def body() -> None:
        server = ABCIServer(Defaults(), "tcp://127.0.0.1:0", on_fatal=seen.append)
        await server.start()
        bad = await ABCIClient.connect(server.bound_address)
        other = await ABCIClient.connect(server.bound_address)
        req = abci_pb.RequestFinalizeBlock(txs=[b"a", b"b"])
        await bad.send(abci_pb.Request(finalize_block=req))
        assert await bad.is_closed_by_server()
        echo = await other.call(abci_pb.Request(echo=abci_pb.RequestEcho(message="up")))
        assert echo.echo.message == "up"
        for client in (bad, other):
            await client.close()
        await server.stop()

    _run(body)
    assert [e.kind for e in seen] == ["finalize_block"]
