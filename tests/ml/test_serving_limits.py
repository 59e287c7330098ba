"""The worker endpoint's per-client rate limit and request sizes (docs/security.md, "Rate and
size limits"), on the real server over the tiny model: a burst is refused with 429, Retry-After
and an OpenAI-style error, the client is served again once its bucket refills (the limiter's
clock is the test's), other clients are not held up, and oversized request lines and headers
get a 400 while the server goes on serving."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator

import pytest

torch = pytest.importorskip("torch")

from aichain.gpu_worker.serving.http import (  # noqa: E402
    WORKER_BURST,
    WORKER_RATE,
    OpenAIServer,
    ServerLimits,
)
from aichain.node.ratelimit import RateLimit  # noqa: E402
from tests.serving_stack import tiny_service  # noqa: E402

pytestmark = pytest.mark.ml


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[OpenAIServer, Clock]]:
    """The real endpoint with 3 requests at once and 2 a second per client, on a test clock."""
    service = tiny_service(tmp_path_factory.mktemp("limit-adapters"), 1, 2)
    running = OpenAIServer(service, limits=ServerLimits(rate_limit=RateLimit(rate=2, burst=3)))
    clock = Clock()
    running.limiter.clock = clock
    running.start()
    yield running, clock
    running.close(grace_s=0)


def get(
    server: OpenAIServer, path: str, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def test_the_default_limit_is_on() -> None:
    assert ServerLimits().rate_limit == RateLimit(WORKER_RATE, WORKER_BURST)
    assert ServerLimits().rate_limit.enabled


def test_a_burst_is_refused_with_429_then_served_again(server) -> None:
    running, clock = server
    running.limiter.buckets.clear()
    answers = [get(running, "/v1/models") for _ in range(4)]
    assert [status for status, _, _ in answers[:3]] == [200] * 3, answers
    status, headers, body = answers[3]
    assert status == 429
    assert headers["Retry-After"] == "1"
    error = json.loads(body)["error"]
    assert (error["type"], error["code"]) == ("rate_limit_error", "rate_limit_exceeded")
    assert "per client on this worker endpoint" in error["message"]
    # a refused POST is refused before its body is read or a row is queued
    conn = http.client.HTTPConnection("127.0.0.1", running.port, timeout=60)
    try:
        conn.request(
            "POST", "/v1/completions", body=b"{}", headers={"Content-Type": "application/json"}
        )
        assert conn.getresponse().status == 429
    finally:
        conn.close()
    metrics = get(running, "/metrics")  # also refused: every route is charged
    assert metrics[0] == 429
    clock.now += 0.5  # a token every 0.5 s
    status, _, body = get(running, "/metrics")
    assert status == 200
    lines = body.decode().splitlines()
    refused = [x for x in lines if x.startswith("aichain_http_requests_total") and "429" in x]
    assert any('route="/v1/models"' in line and line.endswith(" 1") for line in refused), refused
    assert get(running, "/v1/models")[0] == 429


def test_another_client_keeps_its_own_bucket(server) -> None:
    running, _ = server
    running.limiter.buckets.clear()
    running.limiter.check("192.0.2.7")  # someone else's traffic
    for _ in range(3):
        running.limiter.check("192.0.2.7")
    assert get(running, "/v1/models")[0] == 200  # 127.0.0.1's bucket is full


def test_oversized_lines_and_headers_get_a_400_and_the_server_goes_on(server) -> None:
    running, clock = server
    limits = running.limits
    clock.now += 100  # full buckets
    status, _, _ = get(running, "/v1/models?" + "a" * limits.max_line_bytes)
    assert status == 400
    status, _, _ = get(running, "/v1/models", {"X-Big": "b" * (limits.max_header_bytes + 1)})
    assert status == 400
    many = {f"X-H{i}": "v" for i in range(limits.max_headers + 1)}
    assert get(running, "/v1/models", many)[0] == 400
    assert get(running, "/health")[0] == 200
