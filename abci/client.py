"""A minimal async ABCI socket client: what CometBFT does, for tests and debugging."""

from __future__ import annotations

import asyncio

import tendermint.abci.types_pb2 as abci_pb

from aichain.abci.address import parse_address
from aichain.abci.errors import ABCIError
from aichain.abci.framing import DEFAULT_MAX_FRAME_SIZE, encode_frame, response_decoder

READ_CHUNK = 1 << 20
"""Bytes asked of the socket per read."""


class ABCIClient:
    """One ABCI connection: send requests, receive responses in order."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        max_frame_size: int = DEFAULT_MAX_FRAME_SIZE,
    ) -> None:
        self._reader = reader
        self._writer = writer
        self._decoder = response_decoder(max_frame_size)

    @classmethod
    async def connect(cls, address: str) -> ABCIClient:
        """Open a connection to tcp://HOST:PORT or unix:///PATH."""
        addr = parse_address(address)
        if addr.scheme == "unix":
            reader, writer = await asyncio.open_unix_connection(addr.path)
        else:
            reader, writer = await asyncio.open_connection(addr.host, addr.port)
        return cls(reader, writer)

    async def send(self, *requests: abci_pb.Request) -> None:
        """Write requests without waiting for their responses."""
        self._writer.write(b"".join(encode_frame(r) for r in requests))
        await self._writer.drain()

    async def send_raw(self, data: bytes) -> None:
        """Write raw bytes (for malformed-frame tests)."""
        self._writer.write(data)
        await self._writer.drain()

    async def recv(self) -> abci_pb.Response:
        """The next response; raises ABCIError when the server closes the connection first."""
        while (response := self._decoder.pop()) is None:
            data = await self._reader.read(READ_CHUNK)
            if not data:
                raise ABCIError("connection closed by the server")
            self._decoder.push(data)
        return response

    async def call(self, request: abci_pb.Request) -> abci_pb.Response:
        """Send one request and a Flush; return the request's response."""
        await self.send(request, abci_pb.Request(flush=abci_pb.RequestFlush()))
        response = await self.recv()
        flushed = await self.recv()
        if flushed.WhichOneof("value") != "flush":
            raise ABCIError(f"expected a flush response, got {flushed.WhichOneof('value')}")
        return response

    async def is_closed_by_server(self, timeout: float = 5.0) -> bool:
        """Whether the server closes the connection (EOF) within timeout, after any responses."""
        try:
            async with asyncio.timeout(timeout):
                while await self._reader.read(READ_CHUNK):
                    pass
        except TimeoutError:
            return False
        except ConnectionError:
            return True
        return True

    async def close(self) -> None:
        """Close the connection."""
        self._writer.close()
        try:
            await self._writer.wait_closed()
        except ConnectionError:
            pass
