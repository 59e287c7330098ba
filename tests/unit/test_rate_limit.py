"""Per-client rate limits (node/ratelimit.py): the token bucket on an injected clock, the
per-client table, app.toml's [rate-limit], and the real gRPC server and REST gateway refusing a
burst (RESOURCE_EXHAUSTED / 429 with Retry-After) and serving again once the bucket refills."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from aichain.app.app import memory_app
from aichain.config.app_config import AppToml, read_app_toml, write_app_toml
from aichain.node.grpc_server import node_services, start_grpc_server
from aichain.node.ratelimit import (
    DEFAULT_BURST,
    DEFAULT_RATE,
    GATEWAY_HEADER,
    GATEWAY_TOKEN,
    ClientLimiter,
    RateLimit,
    TokenBucket,
    grpc_peer_host,
    is_gateway,
    retry_after_seconds,
)
from aichain.node.rest import start_rest_server


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_allows_the_burst_then_one_request_per_refill() -> None:
    bucket = TokenBucket(rate=10, burst=3, now=0.0)
    assert [bucket.take(0.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.take(0.0) == pytest.approx(0.1)  # one token comes in 1/rate s
    assert bucket.take(0.05) == pytest.approx(0.05)
    assert bucket.take(0.1) == 0.0
    assert bucket.take(0.1) > 0


def test_a_bucket_never_holds_more_than_its_burst() -> None:
    bucket = TokenBucket(rate=10, burst=3, now=0.0)
    bucket.take(0.0)
    assert bucket.is_full(0.1)
    bucket.refill(3600.0)  # an hour idle still gives only the burst
    assert bucket.tokens == 3
    assert [bucket.take(3600.0) for _ in range(4)][-1] > 0


def test_a_clock_going_backwards_gives_no_tokens() -> None:
    bucket = TokenBucket(rate=10, burst=1, now=5.0)
    assert bucket.take(5.0) == 0.0
    assert bucket.take(4.0) > 0  # monotonic clocks do not, but nothing is minted if one did
    assert bucket.take(5.05) > 0


def test_each_client_has_its_own_bucket_and_refusals_are_counted() -> None:
    clock = Clock()
    limiter = ClientLimiter(RateLimit(rate=2, burst=2), "REST gateway", clock=clock)
    assert [limiter.check("10.0.0.1") for _ in range(2)] == [0.0, 0.0]
    wait = limiter.check("10.0.0.1")
    assert wait == pytest.approx(0.5)
    assert limiter.check("10.0.0.2") == 0.0  # another client is not held back
    assert limiter.refused == 1
    clock.now += 0.5
    assert limiter.check("10.0.0.1") == 0.0
    assert limiter.check("10.0.0.1") > 0
    assert limiter.refused == 2
    message = limiter.message("10.0.0.1", wait)
    assert "2 requests/s" in message and "burst 2" in message and "retry in 1 s" in message


def test_each_server_names_itself_and_where_its_limit_is_set(caplog) -> None:
    node = ClientLimiter(RateLimit(rate=1, burst=1), "REST gateway", clock=Clock())
    worker = ClientLimiter(
        RateLimit(rate=1, burst=1),
        "worker endpoint",
        clock=Clock(),
        setting="aichain worker serve --rate-limit",
        where="worker endpoint",
    )
    with caplog.at_level("WARNING", logger="aichain.ratelimit"):
        for limiter in (node, worker):
            limiter.check("10.0.0.9")
            assert limiter.check("10.0.0.9") > 0
    assert "per client on this node's REST gateway" in node.message("10.0.0.9", 1.0)
    assert "per client on this worker endpoint;" in worker.message("10.0.0.9", 1.0)
    logged = [r.getMessage() for r in caplog.records]
    assert any("REST gateway" in m and "app.toml [rate-limit]" in m for m in logged), logged
    assert any("worker endpoint" in m and "aichain worker serve --rate-limit" in m for m in logged)


def test_loopback_clients_are_limited_too() -> None:
    limiter = ClientLimiter(RateLimit(rate=1, burst=1), "gRPC server", clock=Clock())
    assert limiter.check("127.0.0.1") == 0.0
    assert limiter.check("127.0.0.1") > 0


def test_rate_zero_turns_the_limit_off() -> None:
    limiter = ClientLimiter(RateLimit(rate=0, burst=0), "gRPC server", clock=Clock())
    assert not limiter.limit.enabled
    assert all(limiter.check("127.0.0.1") == 0.0 for _ in range(10_000))
    assert limiter.refused == 0 and not limiter.buckets


def test_the_client_table_is_bounded_and_forgets_the_least_recent() -> None:
    clock = Clock()
    limiter = ClientLimiter(RateLimit(rate=1, burst=1), "REST gateway", clock, max_clients=3)
    for client in ("a", "b", "c"):
        limiter.check(client)
    limiter.check("a")  # refused, and now the most recently seen
    limiter.check("d")  # the table is full: b, the least recent, is forgotten
    assert list(limiter.buckets) == ["c", "a", "d"]
    assert limiter.check("a") > 0  # a's empty bucket was kept


@pytest.mark.parametrize(
    ("rate", "burst", "names"),
    [(-1, 10, "requests-per-second"), (5, 0, "burst"), (5, -3, "burst")],
)
def test_bad_limits_are_refused_with_the_setting_named(rate: int, burst: int, names: str) -> None:
    with pytest.raises(ValueError, match=names):
        RateLimit(rate, burst)


def test_retry_after_is_whole_seconds_and_at_least_one() -> None:
    assert [retry_after_seconds(w) for w in (0.001, 0.5, 1.0, 1.01, 7.2)] == [1, 1, 1, 2, 8]


@pytest.mark.parametrize(
    ("peer", "host"),
    [
        ("ipv4:127.0.0.1:51234", "127.0.0.1"),
        ("ipv4:10.1.2.3:9", "10.1.2.3"),
        ("ipv6:[::1]:51234", "::1"),
        ("ipv6:[2001:db8::7]:443", "2001:db8::7"),
        ("unix:/tmp/x.sock", "unix"),
        ("unix-abstract:grpc", "unix"),
        ("something-else", "something-else"),
    ],
)
def test_grpc_peer_strings_give_the_client_address(peer: str, host: str) -> None:
    assert grpc_peer_host(peer) == host


def test_only_this_processs_gateway_token_is_trusted() -> None:
    assert is_gateway(((GATEWAY_HEADER, GATEWAY_TOKEN),))
    assert not is_gateway(((GATEWAY_HEADER, "0" * 32),))
    assert not is_gateway((("x-other", GATEWAY_TOKEN),))
    assert not is_gateway(None)


def test_app_toml_has_a_default_limit_and_reads_its_settings(tmp_path) -> None:
    path = tmp_path / "app.toml"
    write_app_toml(path, AppToml())
    text = path.read_text()
    assert "[rate-limit]" in text and "requests-per-second = 0 turns the limit off" in text
    default = read_app_toml(path)
    assert default.rate_limit() == RateLimit(DEFAULT_RATE, DEFAULT_BURST)
    assert DEFAULT_RATE > 0
    write_app_toml(path, AppToml(rate_limit_rps=0))
    assert not read_app_toml(path).rate_limit().enabled
    write_app_toml(path, AppToml(rate_limit_rps=7, rate_limit_burst=9))
    assert read_app_toml(path).rate_limit() == RateLimit(7, 9)


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ('[rate-limit]\nrequests-per-second = "fast"\n', "rate-limit.requests-per-second must"),
        ("[rate-limit]\nburst = 1.5\n", "rate-limit.burst must be a whole number"),
        ("[rate-limit]\nrequests-per-second = -5\n", "use 0 \\(off\\) or a positive"),
        ("[rate-limit]\nrequests-per-second = 5\nburst = 0\n", "use at least 1"),
        ("rate-limit = 5\n", "rate-limit must be a table"),
    ],
)
def test_bad_rate_limit_settings_name_the_file_and_key(tmp_path, section: str, message) -> None:
    path = tmp_path / "app.toml"
    path.write_text(section)
    with pytest.raises(ValueError, match=message):
        read_app_toml(path)


# --- the real servers ------------------------------------------------------------------------


def _rest_get(url: str) -> tuple[int, dict[str, str], dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), json.loads(exc.read())


def test_real_servers_refuse_a_burst_then_serve_again() -> None:
    """gRPC: a burst of 4 health checks passes, the 5th is RESOURCE_EXHAUSTED with a
    retry-after trailer; REST: 6 requests pass though each is a gRPC call (the gateway's own
    calls are not charged to gRPC's loopback bucket), the 7th is 429 with Retry-After; both
    serve again once a token has come back (the limiters' clock is the test's, so a slow
    machine cannot refill a bucket mid-burst)."""
    app = memory_app()
    clock = Clock()
    grpc_limiter = ClientLimiter(RateLimit(rate=4, burst=4), "gRPC server", clock=clock)
    rest_limiter = ClientLimiter(RateLimit(rate=4, burst=6), "REST gateway", clock=clock)
    server = start_grpc_server(app, "127.0.0.1:0", None, limiter=grpc_limiter)
    rest = start_rest_server(
        list(app.router.queries),
        node_services(),
        "tcp://127.0.0.1:0",
        server.port,
        limiter=rest_limiter,
    )
    try:
        with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
            check = health_pb2_grpc.HealthStub(channel).Check
            for _ in range(4):
                check(health_pb2.HealthCheckRequest(), timeout=5)
            with pytest.raises(grpc.RpcError) as info:
                check(health_pb2.HealthCheckRequest(), timeout=5)
            assert info.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
            assert "rate limit exceeded" in info.value.details()
            assert ("retry-after", "1") in tuple(info.value.trailing_metadata())
            assert grpc_limiter.refused == 1

            url = f"http://127.0.0.1:{rest.port}/cosmos/bank/v1beta1/params"
            answers = [_rest_get(url) for _ in range(7)]
            assert [status for status, _, _ in answers[:6]] == [200] * 6, answers
            status, headers, body = answers[6]
            assert status == 429
            assert headers["Retry-After"] == "1"
            assert body["code"] == grpc.StatusCode.RESOURCE_EXHAUSTED.value[0]
            assert "per client on this node's REST gateway" in body["message"]
            assert rest_limiter.refused == 1 and grpc_limiter.refused == 1

            clock.now += 0.25  # a token every 0.25 s
            check(health_pb2.HealthCheckRequest(), timeout=5)
            assert _rest_get(url)[0] == 200
    finally:
        rest.stop()
        server.stop(None)
