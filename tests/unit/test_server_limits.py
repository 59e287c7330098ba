"""Size limits of every server the node runs (docs/security.md, "Rate and size limits"): the
REST gateway's body limit, the gRPC server's request limit, and the CometBFT RPC and P2P
limits a fresh home keeps. Each oversized request is refused with a message and the server
goes on serving."""

from __future__ import annotations

import json
import tomllib
import urllib.error
import urllib.request
from collections.abc import Iterator

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from aichain.app.app import memory_app
from aichain.node.grpc_server import MAX_REQUEST_BYTES, node_services, start_grpc_server
from aichain.node.home import CometBFTNotFoundError, find_cometbft
from aichain.node.rest import MAX_BODY_BYTES, start_rest_server


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
