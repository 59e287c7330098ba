"""The gRPC server under malformed requests (Hypothesis): random bytes and valid requests with
one field corrupted (extreme pagination, malformed addresses and numbers) to every query the
app serves. Each gets a status with a message, never INTERNAL or UNKNOWN, and the server
keeps answering."""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aichain.node.grpc_server import start_grpc_server

from .chain import start
from .mutate import corrupt
from .test_fuzz_txs import LONG

GRPC = settings(
    max_examples=LONG or 150,
    deadline=None,
    derandomize=not LONG,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
"""150 calls per property, the same every run."""

REFUSALS = {
    grpc.StatusCode.INVALID_ARGUMENT,
    grpc.StatusCode.NOT_FOUND,
    grpc.StatusCode.PERMISSION_DENIED,
    grpc.StatusCode.FAILED_PRECONDITION,
    grpc.StatusCode.OUT_OF_RANGE,
    grpc.StatusCode.RESOURCE_EXHAUSTED,
    grpc.StatusCode.UNIMPLEMENTED,
    grpc.StatusCode.UNAVAILABLE,  # tx/tendermint services of a server without CometBFT
}
"""Statuses a bad request may get (each with a message)."""


class Served:
    """The fuzz chain's app served over gRPC on a free loopback port."""

    def __init__(self) -> None:
        self.chain = start()
        self.server = start_grpc_server(self.chain.app, "127.0.0.1:0", None, max_workers=4)
        self.channel = grpc.insecure_channel(f"127.0.0.1:{self.server.port}")
        self.routes = sorted(self.chain.app.router.queries.items())

    def call(self, path: str, request: bytes) -> grpc.StatusCode:
        """Calls path with raw request bytes; returns the status (checked for a message)."""
        try:
            self.channel.unary_unary(path)(request, timeout=10)
            return grpc.StatusCode.OK
        except grpc.RpcError as exc:
            assert exc.code() in REFUSALS, (path, exc.code(), exc.details())
            assert exc.details(), (path, exc.code())
            return exc.code()

    def healthy(self) -> bool:
        """The health service answers SERVING."""
        stub = health_pb2_grpc.HealthStub(self.channel)
        reply = stub.Check(health_pb2.HealthCheckRequest(), timeout=5)
        return reply.status == health_pb2.HealthCheckResponse.SERVING


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    s = Served()
    try:
        yield s
    finally:
        s.channel.close()
        s.server.stop(None)


@GRPC
@given(data=st.data(), raw=st.binary(max_size=300))
def test_random_request_bytes_get_a_status_with_a_message(served: Served, data, raw) -> None:
    path, _ = data.draw(st.sampled_from(served.routes), label="route")
    served.call(path, raw)


@GRPC
@given(data=st.data())
def test_requests_with_one_corrupted_field(served: Served, data) -> None:
    path, route = data.draw(st.sampled_from(served.routes), label="route")
    request = route.request()
    if request.DESCRIPTOR.fields:
        request = corrupt(data, request)
    served.call(path, request.SerializeToString())


@pytest.mark.parametrize(
    "path",
    [
        "/cosmos.tx.v1beta1.Service/Simulate",
        "/cosmos.tx.v1beta1.Service/BroadcastTx",
        "/cosmos.tx.v1beta1.Service/GetTx",
        "/cosmos.base.tendermint.v1beta1.Service/GetLatestBlock",
        "/cosmos.bank.v1beta1.Query/NoSuchMethod",
        "/no.such.Service/Method",
        "/",
    ],
)
@pytest.mark.parametrize("raw", [b"", b"\xff" * 64, b"\x0a\x05hello"])
def test_services_and_unknown_methods_refuse_garbage(served: Served, path: str, raw) -> None:
    served.call(path, raw)


def test_server_still_serves_after_the_fuzzing(served: Served) -> None:
    assert served.healthy()
    path = "/cosmos.bank.v1beta1.Query/Params"
    assert served.call(path, b"") == grpc.StatusCode.OK
