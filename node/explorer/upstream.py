"""The explorer's two sources, both public interfaces of a node on loopback: the REST gateway
(every gRPC query as HTTP/JSON, docs/rest.md) and CometBFT's RPC (blocks, results, the tx
index) with its websocket (new blocks as they commit)."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

log = logging.getLogger("aichain.explorer")

TIMEOUT_S = 10.0
"""One upstream call's limit; a page shows an error rather than hanging."""

SERIAL_PREFIXES = ("/cosmos/tx/", "/cosmos/base/tendermint/")
"""REST routes the node answers by calling CometBFT itself; the explorer sends them one at a
time, because concurrent ones were seen to stall for the full timeout (the node's gRPC tx
service shares one CometBFT RPC connection between its threads)."""


class UpstreamError(RuntimeError):
    """The node answered with an error (status and its message) or not at all."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def http_url(address: str) -> str:
    """tcp://host:port or http://host:port -> http://host:port (no trailing slash)."""
    if address.startswith("tcp://"):
        address = "http://" + address[len("tcp://") :]
    if not address.startswith(("http://", "https://")):
        raise ValueError(f"address {address!r} must look like tcp://127.0.0.1:26657")
    return address.rstrip("/")


class Upstream:
    """Async JSON calls to the node's REST gateway and CometBFT RPC."""

    def __init__(self, rest: str, rpc: str) -> None:
        self.rest_url = http_url(rest)
        self.rpc_url = http_url(rpc)
        self._session: aiohttp.ClientSession | None = None
        self._serial: asyncio.Lock | None = None

    @property
    def session(self) -> aiohttp.ClientSession:
        """The shared HTTP session (made on first use, inside the serving loop)."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT_S))
        return self._session

    async def close(self) -> None:
        """Closes the HTTP session."""
        if self._session is not None:
            await self._session.close()

    async def rest(self, path: str, params: dict[str, str] | None = None) -> dict[str, Any]:
        """GET a REST route; its JSON. Raises UpstreamError with the gateway's status."""
        if path.startswith(SERIAL_PREFIXES):
            if self._serial is None:
                self._serial = asyncio.Lock()
            async with self._serial:
                return await self._get(path, params)
        return await self._get(path, params)

    async def _get(self, path: str, params: dict[str, str] | None) -> dict[str, Any]:
        try:
            async with self.session.get(self.rest_url + path, params=params or {}) as resp:
                text = await resp.text()
                status = resp.status
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise UpstreamError(502, f"REST gateway at {self.rest_url} unreachable: {exc}") from exc
        try:
            body = json.loads(text) if text else {}
        except json.JSONDecodeError:
            body = {"message": text[:200]}
        if status != 200:
            message = body.get("message", text[:200]) if isinstance(body, dict) else text[:200]
            raise UpstreamError(status, f"{path}: {message}")
        return body

    async def optional(
        self, path: str, params: dict[str, str] | None = None
    ) -> dict[str, Any] | None:
        """Like rest(), but None where the object or the route does not exist (404, 501)."""
        try:
            return await self.rest(path, params)
        except UpstreamError as exc:
            if exc.status in (404, 501):
                return None
            raise

    async def rpc(self, method: str, **params: Any) -> dict[str, Any]:
        """A CometBFT JSON-RPC call; its result. Raises UpstreamError."""
        payload = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
        try:
            async with self.session.post(self.rpc_url, json=payload) as resp:
                body = await resp.json(content_type=None)
        except (TimeoutError, aiohttp.ClientError, ValueError) as exc:
            raise UpstreamError(502, f"CometBFT RPC at {self.rpc_url} unreachable: {exc}") from exc
        if "error" in body:
            err = body["error"]
            raise UpstreamError(400, f"{method}: {err.get('message')} {err.get('data', '')}")
        return body.get("result", {})

    async def follow_blocks(
        self, on_block: Callable[[dict[str, Any]], Awaitable[None]], retry_s: float = 1.0
    ) -> None:
        """Subscribes to NewBlock on CometBFT's websocket and calls on_block with each block's
        summary ({height, time, num_txs, hash}); reconnects after a drop until cancelled."""
        url = self.rpc_url.replace("http", "ws", 1) + "/websocket"
        query = {"jsonrpc": "2.0", "id": 1, "method": "subscribe",
                 "params": {"query": "tm.event='NewBlock'"}}  # fmt: skip
        while True:
            try:
                async with self.session.ws_connect(url, heartbeat=20) as ws:
                    await ws.send_json(query)
                    async for msg in ws:
                        if msg.type != aiohttp.WSMsgType.TEXT:
                            break
                        summary = block_summary_from_event(json.loads(msg.data))
                        if summary is not None:
                            await on_block(summary)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the node restarting: try again shortly
                log.debug("CometBFT websocket: %s; reconnecting", exc)
            await asyncio.sleep(retry_s)


def block_summary_from_event(message: dict[str, Any]) -> dict[str, Any] | None:
    """{height, time, num_txs, hash} from a NewBlock websocket event (None for other frames)."""
    data = (message.get("result") or {}).get("data") or {}
    if data.get("type") != "tendermint/event/NewBlock":
        return None
    block = (data.get("value") or {}).get("block") or {}
    header = block.get("header") or {}
    txs = (block.get("data") or {}).get("txs") or []
    block_id = (data.get("value") or {}).get("block_id") or {}
    return {
        "height": int(header.get("height", 0)),
        "time": header.get("time", ""),
        "num_txs": len(txs),
        "hash": block_id.get("hash", ""),
        "proposer": header.get("proposer_address", ""),
    }
