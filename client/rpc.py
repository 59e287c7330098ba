"""A small CometBFT JSON-RPC client (HTTP POST on loopback or wherever --node points)."""

from __future__ import annotations

import base64
import http.client
import itertools
import json
import threading
import time
import urllib.parse
from dataclasses import dataclass
from typing import Any


class RPCError(Exception):
    """The node could not be reached or answered with an error."""


@dataclass(frozen=True, slots=True)
class QueryResult:
    """An abci_query answer."""

    code: int
    codespace: str
    log: str
    value: bytes
    height: int


def http_url(node: str) -> str:
    """tcp://host:port (CometBFT style) or http://host:port -> http://host:port."""
    if node.startswith("tcp://"):
        return "http://" + node[len("tcp://") :]
    if node.startswith(("http://", "https://")):
        return node
    raise RPCError(f"node address {node!r} must look like tcp://127.0.0.1:26657")


class CometRPC:
    """Calls CometBFT RPC methods over one kept-alive HTTP connection (one per instance;
    use an instance per thread)."""

    def __init__(self, node: str, timeout: float = 10.0) -> None:
        self.url = http_url(node)
        parsed = urllib.parse.urlsplit(self.url)
        self._host = parsed.hostname or "127.0.0.1"
        self._port = parsed.port or 26657
        self.timeout = timeout
        self._ids = itertools.count(1)
        self._conn: http.client.HTTPConnection | None = None

    def _post(self, body: bytes) -> tuple[int, bytes]:
        """POSTs body on the kept-alive connection, reconnecting once if it was dropped."""
        for attempt in (0, 1):
            if self._conn is None:
                self._conn = http.client.HTTPConnection(
                    self._host, self._port, timeout=self.timeout
                )
            try:
                self._conn.request("POST", "/", body, {"Content-Type": "application/json"})
                resp = self._conn.getresponse()
                return resp.status, resp.read()
            except (http.client.HTTPException, OSError):
                self._conn.close()
                self._conn = None
                if attempt == 1:
                    raise
        raise AssertionError("unreachable")

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        """One JSON-RPC call; returns its result. Raises RPCError."""
        body = json.dumps(
            {"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": params}
        ).encode()
        try:
            status, data = self._post(body)
        except (http.client.HTTPException, OSError) as exc:
            raise RPCError(
                f"cannot reach the node at {self.url} ({exc}); is it running? (`aichain start`)"
            ) from None
        try:
            reply = json.loads(data)
        except ValueError:
            raise RPCError(f"{method}: HTTP {status} from {self.url}") from None
        if "error" in reply:
            err = reply["error"]
            raise RPCError(f"{method}: {err.get('message', '')} {err.get('data', '')}".strip())
        return reply["result"]

    def close(self) -> None:
        """Closes the kept-alive connection."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def status(self) -> dict[str, Any]:
        """/status."""
        return self.call("status")

    def latest_height(self) -> int:
        """Height of the latest block the node has."""
        return int(self.status()["sync_info"]["latest_block_height"])

    def broadcast_tx_sync(self, tx: bytes) -> dict[str, Any]:
        """Submits a tx and returns its CheckTx result (code, log, hash)."""
        return self.call("broadcast_tx_sync", tx=base64.b64encode(tx).decode())

    def tx(self, tx_hash: bytes) -> dict[str, Any]:
        """The committed tx with its result. Raises RPCError when not found."""
        return self.call("tx", hash=base64.b64encode(tx_hash).decode(), prove=False)

    def wait_for_tx(self, tx_hash: bytes, timeout: float = 30.0) -> dict[str, Any]:
        """Polls until the tx is committed. Raises RPCError on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self.tx(tx_hash)
            except RPCError as exc:
                if "not found" not in str(exc) or time.monotonic() > deadline:
                    if time.monotonic() > deadline:
                        raise RPCError(
                            f"tx {tx_hash.hex().upper()} not committed within {timeout:.0f}s"
                        ) from None
                    raise
            time.sleep(0.2)

    def abci_query(
        self, path: str, data: bytes, height: int = 0, prove: bool = False
    ) -> QueryResult:
        """/abci_query with hex data."""
        result = self.call(
            "abci_query", path=path, data=data.hex(), height=str(height), prove=prove
        )["response"]
        return QueryResult(
            code=int(result.get("code", 0)),
            codespace=result.get("codespace", ""),
            log=result.get("log", ""),
            value=base64.b64decode(result.get("value") or ""),
            height=int(result.get("height", 0)),
        )

    def block(self, height: int | None = None) -> dict[str, Any]:
        """/block at height (latest when None)."""
        return self.call("block", **({"height": str(height)} if height else {}))

    def net_info(self) -> dict[str, Any]:
        """/net_info."""
        return self.call("net_info")

    def validators(self, height: int | None = None) -> dict[str, Any]:
        """/validators."""
        return self.call("validators", **({"height": str(height)} if height else {}))


class ThreadLocalRPC:
    """A CometRPC per calling thread, for servers whose handlers run on a thread pool (the gRPC
    server): one kept-alive HTTP connection must never carry two threads' requests at once."""

    def __init__(self, node: str, timeout: float = 10.0) -> None:
        self.node = node
        self.timeout = timeout
        self._local = threading.local()

    def client(self) -> CometRPC:
        """This thread's CometRPC (made on first use)."""
        rpc: CometRPC | None = getattr(self._local, "rpc", None)
        if rpc is None:
            rpc = CometRPC(self.node, self.timeout)
            self._local.rpc = rpc
        return rpc

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        """One JSON-RPC call on this thread's connection. Raises RPCError."""
        return self.client().call(method, **params)

    def __getattr__(self, name: str) -> Any:
        """The other CometRPC methods (status, block, abci_query, ...), on this thread's one."""
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.client(), name)
