"""A real CometBFT v0.38 node driving a small key-value app through the ABCI server."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import tendermint.abci.types_pb2 as abci_pb

from aichain.abci.application import BaseApplication
from aichain.abci.server import ABCIServer

COMETBFT = Path(__file__).resolve().parents[2] / ".tools" / "bin" / "cometbft"

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not COMETBFT.exists() and not os.environ.get("CI"),
        reason="CometBFT not installed (.tools/bin/cometbft); in CI this test fails instead",
    ),
]


def compute_app_hash(state: dict[bytes, bytes]) -> bytes:
    """sha256 over the sorted, length-prefixed key/value pairs."""
    h = hashlib.sha256()
    for key in sorted(state):
        for part in (key, state[key]):
            h.update(len(part).to_bytes(4, "big") + part)
    return h.digest()


class KVApp(BaseApplication):
    """Stores `key=value` txs; the app hash is a deterministic hash of the whole state."""

    def __init__(self) -> None:
        self.state: dict[bytes, bytes] = {}
        self.height = 0
        self.app_hash = b""
        self.staged: tuple[int, dict[bytes, bytes], bytes] | None = None

    def info(self, req: abci_pb.RequestInfo) -> abci_pb.ResponseInfo:
        """Last committed height and app hash."""
        return abci_pb.ResponseInfo(
            data="kv", last_block_height=self.height, last_block_app_hash=self.app_hash
        )

    def check_tx(self, req: abci_pb.RequestCheckTx) -> abci_pb.ResponseCheckTx:
        """Accept key=value with a non-empty key."""
        key, sep, _ = req.tx.partition(b"=")
        if not sep or not key:
            return abci_pb.ResponseCheckTx(code=2, codespace="kv", log="expected key=value")
        return abci_pb.ResponseCheckTx(code=0)

    def finalize_block(self, req: abci_pb.RequestFinalizeBlock) -> abci_pb.ResponseFinalizeBlock:
        """Apply the txs to a copy of the state; Commit makes it current."""
        state = dict(self.state)
        results = []
        for tx in req.txs:
            key, sep, value = tx.partition(b"=")
            if not sep or not key:
                results.append(abci_pb.ExecTxResult(code=2, codespace="kv"))
                continue
            state[key] = value
            results.append(abci_pb.ExecTxResult(code=0))
        app_hash = compute_app_hash(state)
        self.staged = (req.height, state, app_hash)
        return abci_pb.ResponseFinalizeBlock(tx_results=results, app_hash=app_hash)

    def commit(self, req: abci_pb.RequestCommit) -> abci_pb.ResponseCommit:
        """Make the staged block's state current."""
        if self.staged is not None:
            self.height, self.state, self.app_hash = self.staged
            self.staged = None
        return abci_pb.ResponseCommit()

    def query(self, req: abci_pb.RequestQuery) -> abci_pb.ResponseQuery:
        """The committed value of key req.data."""
        value = self.state.get(req.data)
        if value is None:
            return abci_pb.ResponseQuery(code=1, codespace="kv", log="not found", key=req.data)
        return abci_pb.ResponseQuery(code=0, key=req.data, value=value, height=self.height)


class ServerThread:
    """The ABCI server on its own event loop in a background thread."""

    def __init__(self, app: KVApp, address: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.server = ABCIServer(app, address)
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.server.start(), self.loop).result(10)

    def stop(self) -> None:
        """Stop the server and its loop."""
        asyncio.run_coroutine_threadsafe(self.server.stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rpc(port: int, method: str, **params: str) -> dict:
    """Call CometBFT's URI RPC on loopback; the result object."""
    query = urllib.parse.urlencode(params)
    url = f"http://127.0.0.1:{port}/{method}?{query}"
    with urllib.request.urlopen(url, timeout=10) as resp:
        body = json.load(resp)
    if "error" in body:
        raise RuntimeError(f"{method}: {body['error']}")
    return body["result"]


def wait_for_height(port: int, height: int, node: subprocess.Popen, deadline: float) -> int:
    """Poll /status until the node reaches height; fail when the node dies or time runs out."""
    while time.monotonic() < deadline:
        if node.poll() is not None:
            raise AssertionError(f"cometbft exited with {node.returncode}")
        try:
            latest = int(rpc(port, "status")["sync_info"]["latest_block_height"])
            if latest >= height:
                return latest
        except (OSError, RuntimeError):
            pass
        time.sleep(0.2)
    raise AssertionError(f"height {height} not reached in time")


def init_home(home: Path) -> None:
    """cometbft init, then fast blocks."""
    subprocess.run(
        [str(COMETBFT), "init", "--home", str(home)], check=True, capture_output=True, timeout=30
    )
    config = home / "config" / "config.toml"
    text = config.read_text()
    text = re.sub(r'(?m)^timeout_commit = ".*"$', 'timeout_commit = "200ms"', text)
    text = re.sub(r"(?m)^create_empty_blocks = .*$", "create_empty_blocks = true", text)
    config.write_text(text)


def stop_process(proc: subprocess.Popen, timeout: float = 10) -> None:
    """SIGTERM, then SIGKILL after timeout, by pid."""
    if proc.poll() is not None:
        return
    os.kill(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout)


@pytest.mark.parametrize("transport", ["tcp", "unix"])
def test_cometbft_commits_blocks_and_a_kv_tx(transport: str) -> None:
    assert COMETBFT.exists(), f"{COMETBFT} is missing (CI must install CometBFT)"
    workdir = Path(tempfile.mkdtemp(prefix="abci-e2e-"))
    home = workdir / "home"
    init_home(home)
    app = KVApp()
    address = "tcp://127.0.0.1:0" if transport == "tcp" else f"unix://{workdir / 'app.sock'}"
    server = ServerThread(app, address)
    rpc_port, p2p_port = free_port(), free_port()
    log_path = workdir / "cometbft.log"
    node = None
    try:
        with open(log_path, "wb") as log:
            node = subprocess.Popen(
                [
                    str(COMETBFT),
                    "start",
                    "--home",
                    str(home),
                    "--proxy_app",
                    server.server.bound_address,
                    "--rpc.laddr",
                    f"tcp://127.0.0.1:{rpc_port}",
                    "--p2p.laddr",
                    f"tcp://127.0.0.1:{p2p_port}",
                    "--log_level",
                    "error",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 20
        wait_for_height(rpc_port, 3, node, deadline)

        result = rpc(rpc_port, "broadcast_tx_commit", tx='"color=blue"')
        assert result["check_tx"]["code"] == 0
        assert result["tx_result"]["code"] == 0
        tx_height = int(result["height"])
        wait_for_height(rpc_port, tx_height + 1, node, deadline)

        answer = rpc(rpc_port, "abci_query", data="0x" + b"color".hex())["response"]
        assert answer["code"] == 0
        assert base64.b64decode(answer["value"]) == b"blue"
        info = rpc(rpc_port, "abci_info")["response"]
        assert int(info["last_block_height"]) >= tx_height
        assert server.server.fatal_error is None
    except AssertionError:
        print(log_path.read_text()[-4000:])
        raise
    finally:
        if node is not None:
            stop_process(node)
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
