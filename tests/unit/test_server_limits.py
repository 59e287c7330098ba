"""Size and rate limits of every server the node runs (docs/security.md, "Rate and size
limits"): the REST gateway's body limit, the gRPC server's request limit, the CometBFT RPC and
P2P limits a fresh home keeps, the explorer's per-client limit and request sizes (its settings
and a real server refusing a burst), and the metrics server's request sizes. Each refused
request gets a status (and a message where the server speaks JSON) and the server goes on
serving. The worker endpoint's: tests/ml/test_serving_limits.py."""

from __future__ import annotations

import asyncio
import json
import tomllib
import urllib.error
import urllib.request
from collections.abc import Iterator

import aiohttp
import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from aichain.app.app import memory_app
from aichain.node.explorer.server import (
    EXPLORER_BURST,
    EXPLORER_RATE,
    MAX_HEADER_BYTES,
    MAX_LINE_BYTES,
    MAX_WS_MESSAGE_BYTES,
    explorer_app,
    explorer_limiter,
)
from aichain.node.explorer.settings import ExplorerSettings, read_settings
from aichain.node.grpc_server import MAX_REQUEST_BYTES, node_services, start_grpc_server
from aichain.node.home import CometBFTNotFoundError, find_cometbft
from aichain.node.metrics import METRICS_MAX_HEADER_BYTES, Registry, metrics_app
from aichain.node.ratelimit import ClientLimiter, RateLimit
from aichain.node.rest import MAX_BODY_BYTES, HttpThread, start_rest_server


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[int, int]]:
    """A real gRPC server and REST gateway (no rate limit); yields (grpc port, rest port)."""
    app = memory_app()
    server = start_grpc_server(app, "127.0.0.1:0", None)
    rest = start_rest_server(
        list(app.router.queries), node_services(), "tcp://127.0.0.1:0", server.port
    )
    try:
        yield server.port, rest.port
    finally:
        rest.stop()
        server.stop(None)


def _post(url: str, body: bytes) -> tuple[int, dict]:
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_a_rest_body_over_the_limit_is_a_400_with_a_message(servers) -> None:
    _, rest_port = servers
    url = f"http://127.0.0.1:{rest_port}/cosmos/tx/v1beta1/simulate"
    status, body = _post(url, b"{" + b" " * MAX_BODY_BYTES + b"}")
    assert status == 400, body
    assert body["message"] == "request body too large"
    status, body = _post(url, b'{"tx_bytes": "AAAA"}')  # still serving; a normal refusal
    assert status == 400 and body["message"], body


def test_a_grpc_request_over_the_limit_is_resource_exhausted(servers) -> None:
    grpc_port, _ = servers
    with grpc.insecure_channel(
        f"127.0.0.1:{grpc_port}", options=[("grpc.max_send_message_length", -1)]
    ) as channel:
        simulate = channel.unary_unary("/cosmos.tx.v1beta1.Service/Simulate")
        with pytest.raises(grpc.RpcError) as info:
            simulate(b"\x12" + b"\xff\xff\xff\x02" + b"\0" * (MAX_REQUEST_BYTES + 16), timeout=30)
        assert info.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert "larger than max" in info.value.details()
        reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest())
        assert reply.status == health_pb2.HealthCheckResponse.SERVING


def test_a_fresh_home_keeps_cometbft_s_rpc_and_p2p_limits(tmp_path) -> None:
    """CometBFT has no per-client rate limit; these bound what one RPC client or peer can
    make it hold (docs/security.md)."""
    try:
        find_cometbft()
    except CometBFTNotFoundError as exc:
        pytest.skip(str(exc))
    from aichain.node.init import init_home

    home = init_home(tmp_path / "home", "m", "aichain-limits")
    config = tomllib.loads(home.config_toml.read_text())
    rpc, p2p, mempool = config["rpc"], config["p2p"], config["mempool"]
    assert rpc["max_body_bytes"] == 1_000_000
    assert rpc["max_header_bytes"] == 1 << 20
    assert rpc["max_open_connections"] == 900
    assert rpc["max_request_batch_size"] == 10
    assert rpc["max_subscription_clients"] == 100
    assert rpc["max_subscriptions_per_client"] == 5
    assert mempool["max_tx_bytes"] == 1 << 20
    assert 0 < mempool["max_txs_bytes"] <= 1 << 28
    assert p2p["max_num_inbound_peers"] == 40
    assert p2p["send_rate"] == p2p["recv_rate"] == 5_120_000


# ---- the explorer --------------------------------------------------------------------------


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def test_explorer_settings_default_read_and_refuse_bad_limits(tmp_path) -> None:
    app_toml = tmp_path / "app.toml"
    settings = read_settings(app_toml)
    assert (settings.requests_per_second, settings.burst) == (EXPLORER_RATE, EXPLORER_BURST)
    assert settings.rate_limit() == RateLimit(20, 200)
    assert explorer_limiter().limit == RateLimit(EXPLORER_RATE, EXPLORER_BURST)
    app_toml.write_text("[explorer]\nrequests-per-second = 5\nburst = 9\n")
    assert read_settings(app_toml).rate_limit() == RateLimit(5, 9)
    app_toml.write_text("[explorer]\nrequests-per-second = 0\n")
    assert not read_settings(app_toml).rate_limit().enabled
    for body, named in (
        ("requests-per-second = -1", "requests-per-second is -1"),
        ("burst = 0", "burst is 0"),
        ('burst = "many"', "burst must be a whole number"),
        ("requests-per-second = 1.5", "requests-per-second must be a whole number"),
    ):
        app_toml.write_text(f"[explorer]\n{body}\n")
        with pytest.raises(ValueError, match=named) as info:
            read_settings(app_toml)
        assert str(app_toml) in str(info.value) and "[explorer]" in str(info.value)
    assert ExplorerSettings().rate_limit().enabled


@pytest.fixture
def explorer() -> Iterator[tuple[int, ClientLimiter, Clock]]:
    """A real explorer server (no node behind it: the routes used refuse before calling one)
    with a limit of 3 requests at once and 2 a second on the test's clock."""
    clock = Clock()
    limiter = ClientLimiter(RateLimit(rate=2, burst=3), "explorer", clock=clock,
                            where="explorer")  # fmt: skip
    app = lambda: explorer_app("http://127.0.0.1:9", "tcp://127.0.0.1:9", False, limiter)  # noqa: E731
    server = HttpThread(app, "127.0.0.1", 0, "explorer-test").start()
    try:
        yield server.port, limiter, clock
    finally:
        server.stop()


def test_the_explorer_refuses_a_burst_with_429_then_serves_again(explorer) -> None:
    port, limiter, clock = explorer
    url = f"http://127.0.0.1:{port}/api/blocks/not-a-height"  # a 400 before any node call
    answers = [_get(url) for _ in range(4)]
    assert [status for status, _, _ in answers[:3]] == [400] * 3, answers
    status, headers, body = answers[3]
    assert status == 429
    assert headers["Retry-After"] == "1"
    message = json.loads(body)["message"]
    assert "rate limit exceeded" in message and "per client on this explorer" in message
    assert limiter.refused == 1
    clock.now += 0.5  # a token every 0.5 s
    assert _get(url)[0] == 400
    assert _get(url)[0] == 429


def test_the_explorer_refuses_oversized_lines_headers_and_socket_messages(explorer) -> None:
    port, limiter, _ = explorer
    limiter.limit = RateLimit(0, 0)  # off: this test counts sizes, not requests
    base = f"http://127.0.0.1:{port}"
    status, _, _ = _get(f"{base}/api/blocks/1?x={'a' * MAX_LINE_BYTES}")
    assert status == 400
    status, _, _ = _get(f"{base}/api/blocks/x", {"X-Big": "b" * (MAX_HEADER_BYTES + 1)})
    assert status == 400

    async def oversized_message() -> tuple[int | None, int]:
        async with aiohttp.ClientSession() as session:
            async with session.ws_connect(f"{base}/api/live") as ws:
                await ws.send_str("m" * (MAX_WS_MESSAGE_BYTES + 1))
                msg = await ws.receive(timeout=10)
                return ws.close_code, msg.type

    close_code, kind = asyncio.run(oversized_message())
    assert kind in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING)
    assert close_code == aiohttp.WSCloseCode.MESSAGE_TOO_BIG
    assert _get(f"{base}/api/blocks/x")[0] == 400  # still serving


# ---- the metrics server ----------------------------------------------------------------------


def test_the_metrics_server_refuses_oversized_headers_and_goes_on_serving() -> None:
    server = HttpThread(lambda: metrics_app(Registry()), "127.0.0.1", 0, "metrics-test").start()
    try:
        url = f"http://127.0.0.1:{server.port}/metrics"
        assert _get(url, {"X-Big": "b" * (METRICS_MAX_HEADER_BYTES + 1)})[0] == 400
        assert _get(f"{url}?{'q' * METRICS_MAX_HEADER_BYTES}")[0] == 400
        assert _get(url)[0] == 200
    finally:
        server.stop()
