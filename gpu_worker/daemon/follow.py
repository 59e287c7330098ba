"""Following the chain: CometBFT's websocket subscription to new blocks, with a poll fallback.

`BlockFollower` keeps a subscription to `tm.event='NewBlock'` on the node's `/websocket`
(RFC 6455, a minimal client on the standard library: text frames, ping/pong, close) and
calls `on_block(height)` for every block it hears of. When the socket drops (node restart,
network) it reconnects with backoff and, meanwhile, polls `/status` so a height is never
waited for longer than `poll_s`. Heights are reported in order and none twice; a gap (blocks
that came and went while disconnected) is reported as its latest height, since the worker
catches up from state queries (PendingRequests, Disputes), not from block contents.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import socket
import struct
import threading
import urllib.parse
from collections.abc import Callable

from aichain.client.rpc import CometRPC, RPCError, http_url

log = logging.getLogger(__name__)

SUBSCRIBE_QUERY = "tm.event='NewBlock'"
"""The events the worker subscribes to."""


class WebSocketError(OSError):
    """The websocket handshake or a frame failed."""


class WebSocket:
    """A minimal client websocket (text frames) over one TCP connection."""

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        parsed = urllib.parse.urlsplit(url)
        self.sock = socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or 80), timeout=timeout
        )
        key = base64.b64encode(os.urandom(16)).decode()
        path = parsed.path or "/"
        request = (
            f"GET {path} HTTP/1.1\r\nHost: {parsed.hostname}:{parsed.port}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        self.sock.sendall(request.encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise WebSocketError("connection closed during the websocket handshake")
            head += chunk
        status, _, self._buffer = head.partition(b"\r\n\r\n")
        if b" 101 " not in status.split(b"\r\n", 1)[0]:
            raise WebSocketError(f"websocket handshake refused: {status[:80]!r}")

    def _read(self, n: int) -> bytes:
        while len(self._buffer) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise WebSocketError("websocket closed by the node")
            self._buffer += chunk
        out, self._buffer = self._buffer[:n], self._buffer[n:]
        return out

    def send_text(self, text: str, opcode: int = 1) -> None:
        """Sends one masked frame (as a client must)."""
        payload = text.encode()
        header = bytes([0x80 | opcode])
        n = len(payload)
        if n < 126:
            header += bytes([0x80 | n])
        elif n < 1 << 16:
            header += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            header += bytes([0x80 | 127]) + struct.pack(">Q", n)
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(header + mask + masked)

    def recv_text(self) -> str:
        """The next text message (answering pings, joining fragments)."""
        parts: list[bytes] = []
        while True:
            b0, b1 = self._read(2)
            opcode, fin = b0 & 0x0F, bool(b0 & 0x80)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._read(8))[0]
            mask = self._read(4) if b1 & 0x80 else b""
            data = self._read(n)
            if mask:
                data = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
            if opcode == 8:
                raise WebSocketError("websocket closed by the node")
            if opcode == 9:
                self.send_text(data.decode(errors="replace"), opcode=10)
                continue
            if opcode == 10:
                continue
            parts.append(data)
            if fin:
                return b"".join(parts).decode()

    def close(self) -> None:
        """Closes the socket."""
        try:
            self.sock.close()
        except OSError:
            pass


def websocket_url(node: str) -> str:
    """tcp://host:port -> ws://host:port/websocket."""
    return "ws://" + http_url(node).split("://", 1)[1].rstrip("/") + "/websocket"


class BlockFollower:
    """Calls on_block(height) for each new height (in order, none twice) until stop()."""

    def __init__(self, node: str, on_block: Callable[[int], None], poll_s: float = 2.0) -> None:
        self.node = node
        self.on_block = on_block
        self.poll_s = poll_s
        self.last_height = 0
        self.connected = False
        self.reconnects = 0
        self._stop = threading.Event()
        self._ws: WebSocket | None = None
        self._thread = threading.Thread(target=self._run, name="block-follower", daemon=True)

    def start(self) -> None:
        """Starts following in a background thread."""
        self._thread.start()

    def stop(self) -> None:
        """Stops following and closes the socket."""
        self._stop.set()
        if self._ws is not None:
            self._ws.close()
        self._thread.join(timeout=5)

    def _report(self, height: int) -> None:
        if height > self.last_height:
            if self.last_height and height > self.last_height + 1:
                log.info("caught up blocks %d..%d", self.last_height + 1, height)
            self.last_height = height
            try:
                self.on_block(height)
            except Exception:  # the daemon logs its own errors; never kill the follower
                log.exception("block handler failed at height %d", height)

    def _poll_once(self, rpc: CometRPC) -> bool:
        try:
            self._report(rpc.latest_height())
            return True
        except RPCError as exc:
            log.warning("chain unreachable (%s); retrying", exc)
            return False

    def _run(self) -> None:
        rpc = CometRPC(self.node, timeout=5.0)
        backoff = 0.5
        while not self._stop.is_set():
            # catch up first (heights passed while disconnected), then listen
            reachable = self._poll_once(rpc)
            try:
                self._listen()
                backoff = 0.5
            except (OSError, ValueError) as exc:
                if self.connected:
                    log.warning("block subscription lost (%s); reconnecting", exc)
                self.connected = False
                self.reconnects += 1
            if self._stop.wait(backoff if reachable else min(backoff, self.poll_s)):
                return
            self._poll_once(rpc)
            backoff = min(backoff * 2, self.poll_s)

    def _listen(self) -> None:
        ws = WebSocket(websocket_url(self.node))
        self._ws = ws
        ws.sock.settimeout(self.poll_s)
        try:
            ws.send_text(
                json.dumps(
                    {
                        "jsonrpc": "2.0",
                        "id": 1,
                        "method": "subscribe",
                        "params": {"query": SUBSCRIBE_QUERY},
                    }
                )
            )
            self.connected = True
            rpc = CometRPC(self.node, timeout=5.0)
            while not self._stop.is_set():
                try:
                    message = json.loads(ws.recv_text())
                except TimeoutError:
                    self._poll_once(rpc)  # quiet chain or a silent socket: look anyway
                    continue
                height = (
                    message.get("result", {})
                    .get("data", {})
                    .get("value", {})
                    .get("block", {})
                    .get("header", {})
                    .get("height")
                )
                if height is not None:
                    self._report(int(height))
        finally:
            self.connected = False
            ws.close()
            self._ws = None
