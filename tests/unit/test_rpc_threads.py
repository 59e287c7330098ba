"""The gRPC server's CometBFT client under its thread pool: each thread gets its own kept-alive
connection, so concurrent calls never share one (a shared http.client connection interleaves
requests and stalls or garbles them)."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aichain.client.rpc import CometRPC, ThreadLocalRPC


class _Echo(BaseHTTPRequestHandler):
    """A JSON-RPC server that answers {"echo": params} after a short pause."""

    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        time.sleep(0.02)
        data = json.dumps({"jsonrpc": "2.0", "id": body["id"],
                           "result": {"echo": body["params"]}}).encode()  # fmt: skip
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


def test_each_thread_has_its_own_connection_and_every_answer_is_its_own() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        rpc = ThreadLocalRPC(f"tcp://127.0.0.1:{server.server_port}", timeout=5)
        seen: dict[int, int] = {}

        def ask(n: int) -> tuple[int, dict]:
            client = rpc.client()
            assert rpc.client() is client  # the same one for the same thread
            seen[threading.get_ident()] = id(client)
            return n, rpc.call("echo", n=str(n))

        with ThreadPoolExecutor(max_workers=8) as pool:
            answers = list(pool.map(ask, range(64)))
        assert all(result == {"echo": {"n": str(n)}} for n, result in answers)
        assert len(set(seen.values())) == len(seen) > 1  # one client per thread
        assert isinstance(rpc.client(), CometRPC)
        assert rpc.url.endswith(f":{server.server_port}")  # other attributes reach the client
    finally:
        server.shutdown()
