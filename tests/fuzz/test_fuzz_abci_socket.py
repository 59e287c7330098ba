"""The ABCI socket under bad input (Hypothesis): garbage, truncated frames, oversized length
prefixes and connections dropped mid-message. The bad connection is refused or dropped
cleanly; the server and the other connections go on, and the dropped connection's slot (the
server admits four, as CometBFT opens four) is free again."""

from __future__ import annotations

import asyncio

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from aichain.abci.client import ABCIClient
from aichain.abci.framing import encode_frame, encode_varint
from aichain.abci.roles import MAX_CONNECTIONS
from tests.unit.test_abci_server import check_tx, echo, run, serving

MAX_FRAME = 4096
"""The servers here refuse frames above this many bytes."""

SOCKET = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
"""Each example starts a server on a fresh port: few examples, the same every run."""


async def _connect_when_free(address: str) -> ABCIClient:
    """A connection that answers Echo (retrying while a dropped one's slot is released)."""
    for _ in range(100):
        client = await ABCIClient.connect(address)
        try:
            if (await asyncio.wait_for(client.call(echo("up")), 1)).echo.message == "up":
                return client
        except (ConnectionError, asyncio.IncompleteReadError, TimeoutError, EOFError):
            pass
        await client.close()
        await asyncio.sleep(0.02)
    raise AssertionError("the server never freed a slot")


async def _bad_connection_then_check(chunks: list[bytes], drop: bool) -> None:
    """Sends chunks on one connection (dropping it, or reading until the server closes it),
    then checks the healthy connection, and that every slot can be taken again."""
    async with serving(max_frame_size=MAX_FRAME) as server:
        healthy = await ABCIClient.connect(server.bound_address)
        assert (await healthy.call(check_tx(b"first"))).check_tx.data == b"first"  # mempool
        bad = await ABCIClient.connect(server.bound_address)
        try:
            for chunk in chunks:
                await bad.send_raw(chunk)
            if not drop:
                await bad.is_closed_by_server(timeout=0.2)
        except (ConnectionError, EOFError):
            pass  # the server closed it already
        await bad.close()
        assert (await healthy.call(check_tx(b"still"))).check_tx.data == b"still"
        others = [
            await _connect_when_free(server.bound_address) for _ in range(MAX_CONNECTIONS - 1)
        ]
        for client in (healthy, *others):
            assert (await client.call(echo("ok"))).echo.message == "ok"
            await client.close()


@SOCKET
@given(
    chunks=st.lists(st.binary(min_size=1, max_size=600), min_size=1, max_size=4), drop=st.booleans()
)
@example(chunks=[b"\x80" * 11], drop=False)
@example(chunks=[b"\x00"], drop=False)
@example(chunks=[encode_frame(check_tx(b"x"))[:3]], drop=True)
def test_garbage_never_harms_the_server_or_other_connections(chunks, drop) -> None:
    run(lambda: _bad_connection_then_check(chunks, drop))


@SOCKET
@given(cut=st.integers(1, 200), drop=st.booleans())
def test_truncated_frame_then_drop(cut: int, drop: bool) -> None:
    frame = encode_frame(check_tx(b"t" * 150))
    run(lambda: _bad_connection_then_check([frame[: min(cut, len(frame) - 1)]], drop))


@SOCKET
@given(length=st.integers(MAX_FRAME + 1, 2**63 - 1))
def test_oversized_length_prefix_is_refused_before_the_payload(length: int) -> None:
    async def body() -> None:
        async with serving(max_frame_size=MAX_FRAME) as server:
            bad = await ABCIClient.connect(server.bound_address)
            await bad.send_raw(encode_varint(length) + b"\x00" * 16)
            answer = await bad.recv()
            assert answer.WhichOneof("value") == "exception"
            assert "malformed frame" in answer.exception.error
            assert await bad.is_closed_by_server()
            await bad.close()
            fresh = await _connect_when_free(server.bound_address)
            await fresh.close()

    run(body)


def test_many_connections_dropped_mid_message_leave_every_slot_free() -> None:
    async def body() -> None:
        async with serving(max_frame_size=MAX_FRAME) as server:
            frame = encode_frame(check_tx(b"z" * 300))
            for round_ in range(12):
                batch = [await ABCIClient.connect(server.bound_address) for _ in range(4)]
                for i, client in enumerate(batch):
                    await client.send_raw(frame[: 1 + (round_ * 7 + i * 31) % (len(frame) - 1)])
                for client in batch:
                    await client.close()
            clients = [await _connect_when_free(server.bound_address) for _ in range(4)]
            assert (await clients[0].call(check_tx(b"after"))).check_tx.data == b"after"
            for client in clients:
                await client.close()

    run(body)
