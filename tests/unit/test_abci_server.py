"""The asyncio ABCI server over real sockets: ordering, flush, concurrency, bad frames."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import pytest
import tendermint.abci.types_pb2 as abci_pb

from aichain.abci.address import ListenAddress, parse_address
from aichain.abci.application import BaseApplication
from aichain.abci.client import ABCIClient
from aichain.abci.errors import ABCIError, AddressError
from aichain.abci.framing import encode_frame, encode_varint
from aichain.abci.server import ABCIServer

FLUSH = abci_pb.Request(flush=abci_pb.RequestFlush())


class EchoTxApp(BaseApplication):
    """CheckTx answers with the tx as data, so tests can see which request was answered."""

    def check_tx(self, req: abci_pb.RequestCheckTx) -> abci_pb.ResponseCheckTx:
        """Accept and echo the tx."""
        return abci_pb.ResponseCheckTx(code=0, data=req.tx)

    def info(self, req: abci_pb.RequestInfo) -> abci_pb.ResponseInfo:
        """A recognisable Info."""
        return abci_pb.ResponseInfo(data="echo-tx-app", last_block_height=5)


def check_tx(tx: bytes) -> abci_pb.Request:
    """A CheckTx request."""
    return abci_pb.Request(check_tx=abci_pb.RequestCheckTx(tx=tx))


@asynccontextmanager
async def serving(
    address: str = "tcp://127.0.0.1:0", **kwargs: object
) -> AsyncIterator[ABCIServer]:
    """A started server that is stopped afterwards."""
    server = ABCIServer(EchoTxApp(), address, **kwargs)  # type: ignore[arg-type]
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


def run(test: Callable[[], Awaitable[None]]) -> None:
    """Run an async test body with an overall timeout, so a hang fails instead of blocking."""

    async def bounded() -> None:
        async with asyncio.timeout(30):
            await test()

    asyncio.run(bounded())


def unix_path() -> str:
    """A fresh socket path (short enough for AF_UNIX)."""
    return os.path.join(tempfile.mkdtemp(prefix="abci-"), "app.sock")


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("tcp://127.0.0.1:26658", ListenAddress("tcp", host="127.0.0.1", port=26658)),
        ("tcp://[::1]:0", ListenAddress("tcp", host="::1", port=0)),
        ("unix:///tmp/app.sock", ListenAddress("unix", path="/tmp/app.sock")),
    ],
)
def test_parse_address_round_trips(text: str, parsed: ListenAddress) -> None:
    assert parse_address(text) == parsed
    assert str(parsed) == text


@pytest.mark.parametrize(
    "text", ["127.0.0.1:26658", "http://x:1", "tcp://127.0.0.1", "tcp://:1", "tcp://h:99999"]
)
def test_parse_address_rejects_malformed(text: str) -> None:
    with pytest.raises(AddressError):
        parse_address(text)


def test_tcp_port_zero_serves_echo_and_info() -> None:
    async def body() -> None:
        async with serving() as server:
            addr = parse_address(server.bound_address)
            assert addr.port != 0
            client = await ABCIClient.connect(server.bound_address)
            echo = await client.call(abci_pb.Request(echo=abci_pb.RequestEcho(message="ping")))
            assert echo.echo.message == "ping"
            info = await client.call(abci_pb.Request(info=abci_pb.RequestInfo()))
            assert (info.info.data, info.info.last_block_height) == ("echo-tx-app", 5)
            await client.close()

    run(body)


def test_unix_socket_serves_and_removes_its_file_on_stop() -> None:
    path = unix_path()

    async def body() -> None:
        async with serving(f"unix://{path}") as server:
            assert server.bound_address == f"unix://{path}"
            client = await ABCIClient.connect(server.bound_address)
            assert (await client.call(check_tx(b"x"))).check_tx.data == b"x"
            await client.close()
        assert not os.path.exists(path)

    run(body)


def test_unix_socket_replaces_a_stale_socket_but_not_a_file() -> None:
    path = unix_path()
    stale = socket.socket(socket.AF_UNIX)
    stale.bind(path)
    stale.close()

    async def body() -> None:
        async with serving(f"unix://{path}") as server:
            client = await ABCIClient.connect(server.bound_address)
            assert (await client.call(check_tx(b"y"))).check_tx.data == b"y"
            await client.close()
        with open(path, "w") as f:
            f.write("not a socket")
        with pytest.raises(ABCIError):
            await ABCIServer(EchoTxApp(), f"unix://{path}").start()

    run(body)


def test_pipelined_requests_are_answered_in_order_and_flush_last() -> None:
    async def body() -> None:
        async with serving() as server:
            client = await ABCIClient.connect(server.bound_address)
            txs = [f"tx-{i}".encode() for i in range(200)]
            await client.send(*[check_tx(tx) for tx in txs[:100]], FLUSH)
            await client.send(*[check_tx(tx) for tx in txs[100:]], FLUSH)
            got = [await client.recv() for _ in range(202)]
            kinds = [r.WhichOneof("value") for r in got]
            assert kinds[100] == "flush" and kinds[201] == "flush"
            data = [r.check_tx.data for r in got if r.WhichOneof("value") == "check_tx"]
            assert data == txs
            await client.close()

    run(body)


def test_a_pipelined_write_is_answered_in_order_with_the_exact_response_bytes() -> None:
    """CometBFT writes CheckTx requests in ~4 KiB batches ending in a Flush; the server answers
    a batch with one write: every response, in request order, then the Flush, exactly the
    frames of the Responses (no request dropped, merged or reordered)."""

    async def body() -> None:
        async with serving(f"unix://{unix_path()}") as server:
            path = parse_address(server.bound_address).path
            reader, writer = await asyncio.open_unix_connection(path)
            txs = [f"tx-{i:03d}".encode() * (1 + i % 7) for i in range(300)]
            for batch in (txs[:13], txs[13:100], txs[100:]):
                writer.write(b"".join(encode_frame(check_tx(tx)) for tx in batch))
                writer.write(encode_frame(FLUSH))
            expected = b""
            for batch in (txs[:13], txs[13:100], txs[100:]):
                for tx in batch:
                    resp = abci_pb.Response(check_tx=abci_pb.ResponseCheckTx(code=0, data=tx))
                    expected += encode_frame(resp)
                expected += encode_frame(abci_pb.Response(flush=abci_pb.ResponseFlush()))
            got = await reader.readexactly(len(expected))
            assert got == expected
            writer.close()

    run(body)


ROLE_REQUESTS = {
    "consensus": abci_pb.Request(process_proposal=abci_pb.RequestProcessProposal()),
    "mempool": check_tx(b"m"),
    "query": abci_pb.Request(info=abci_pb.RequestInfo()),
    "snapshot": abci_pb.Request(list_snapshots=abci_pb.RequestListSnapshots()),
}


def echo(message: str) -> abci_pb.Request:
    """An Echo request."""
    return abci_pb.Request(echo=abci_pb.RequestEcho(message=message))


def test_four_concurrent_connections_each_in_order() -> None:
    async def body() -> None:
        async with serving() as server:
            clients = [await ABCIClient.connect(server.bound_address) for _ in range(4)]

            async def drive(n: int, client: ABCIClient, role_request: abci_pb.Request) -> list[str]:
                first = await client.call(role_request)
                assert first.WhichOneof("value") == role_request.WhichOneof("value")
                out = []
                for i in range(30):
                    await client.send(echo(f"{n}-{i}"), FLUSH)
                    out.append((await client.recv()).echo.message)
                    assert (await client.recv()).WhichOneof("value") == "flush"
                return out

            roles = list(ROLE_REQUESTS.values())
            results = await asyncio.gather(
                *(drive(n, c, roles[n]) for n, c in enumerate(clients))
            )
            for n, data in enumerate(results):
                assert data == [f"{n}-{i}" for i in range(30)]
            for client in clients:
                await client.close()

    run(body)


def test_ten_megabyte_request_and_response() -> None:
    async def body() -> None:
        async with serving() as server:
            client = await ABCIClient.connect(server.bound_address)
            tx = os.urandom(10 * 1024 * 1024 + 17)
            assert (await client.call(check_tx(tx))).check_tx.data == tx
            await client.close()

    run(body)


MALFORMED = {
    "over-long varint": b"\x80" * 11,
    "frame beyond the maximum size": encode_varint(2048),
    "not a Request": b"\x05\xff\xff\xff\xff\xff",
    "Request without a value": b"\x00",
}


@pytest.mark.parametrize("raw", list(MALFORMED.values()), ids=list(MALFORMED))
def test_malformed_frame_closes_only_that_connection(raw: bytes) -> None:
    async def body() -> None:
        async with serving(max_frame_size=1024) as server:
            healthy = await ABCIClient.connect(server.bound_address)
            bad = await ABCIClient.connect(server.bound_address)
            await bad.send(check_tx(b"before"))
            await bad.send_raw(raw)
            assert (await bad.recv()).check_tx.data == b"before"
            assert (await bad.recv()).WhichOneof("value") == "exception"
            assert await bad.is_closed_by_server()
            assert (await healthy.call(check_tx(b"still"))).check_tx.data == b"still"
            fresh = await ABCIClient.connect(server.bound_address)
            assert (await fresh.call(echo("new"))).echo.message == "new"
            for client in (healthy, bad, fresh):
                await client.close()

    run(body)


def test_stop_closes_open_connections() -> None:
    async def body() -> None:
        server = ABCIServer(EchoTxApp(), "tcp://127.0.0.1:0")
        serve = asyncio.create_task(server.serve_forever())
        await asyncio.sleep(0)
        await server.start()
        client = await ABCIClient.connect(server.bound_address)
        assert (await client.call(check_tx(b"a"))).check_tx.data == b"a"
        await server.stop()
        assert await client.is_closed_by_server()
        await serve
        await client.close()

    run(body)


def test_raw_frame_bytes_match_what_cometbft_sends() -> None:
    async def body() -> None:
        async with serving() as server:
            addr = parse_address(server.bound_address)
            reader, writer = await asyncio.open_connection(addr.host, addr.port)
            writer.write(encode_frame(abci_pb.Request(echo=abci_pb.RequestEcho(message="a"))))
            writer.write(b"\x02\x12\x00")  # Request{flush: {}}
            await writer.drain()
            expected = encode_frame(abci_pb.Response(echo=abci_pb.ResponseEcho(message="a")))
            expected += b"\x02\x1a\x00"  # Response{flush: {}}
            assert await reader.readexactly(len(expected)) == expected
            writer.close()
            await writer.wait_closed()

    run(body)


RUN_SCRIPT = """
import sys
import tendermint.abci.types_pb2 as abci_pb
from aichain.abci.application import BaseApplication
from aichain.abci.server import run

class App(BaseApplication):
    def commit(self, req):
        raise RuntimeError("disk full")

run(App(), sys.argv[1])
"""


def _start_run_process(path: str) -> subprocess.Popen[bytes]:
    """`run(app, unix://path)` in a child process; returns once the socket exists."""
    proc = subprocess.Popen(
        [sys.executable, "-c", RUN_SCRIPT, f"unix://{path}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 20
    while not os.path.exists(path):
        assert proc.poll() is None and time.monotonic() < deadline, proc.stdout
        time.sleep(0.05)
    return proc


def test_run_exits_non_zero_after_a_fatal_error() -> None:
    path = unix_path()
    proc = _start_run_process(path)
    try:

        async def body() -> None:
            client = await ABCIClient.connect(f"unix://{path}")
            await client.send(abci_pb.Request(commit=abci_pb.RequestCommit()), FLUSH)
            assert await client.is_closed_by_server()
            await client.close()

        run(body)
        output, _ = proc.communicate(timeout=20)
        assert proc.returncode == 1
        assert b"disk full" in output
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_run_exits_cleanly_on_sigterm() -> None:
    path = unix_path()
    proc = _start_run_process(path)
    try:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=20)
        assert proc.returncode == 0
        assert not os.path.exists(path)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
