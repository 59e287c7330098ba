"""Per-client rate limits of the servers: the node's gRPC server and REST gateway, the block
explorer (node/explorer/) and the worker's OpenAI-compatible endpoint (gpu_worker/serving/http.py).
One implementation; each server keeps its own ClientLimiter and answers a refusal in its own
error shape.

Each client address gets a token bucket: it holds at most `burst` tokens, refills at `rate`
tokens a second, and every request takes one. A request that finds the bucket empty is refused
(REST: HTTP 429 with Retry-After; gRPC: RESOURCE_EXHAUSTED with a retry-after trailer), and
costs the server only the check. Loopback clients are limited like any other: a process on
the node's machine is a client too. Behind a reverse proxy every client shares the proxy's
address, so limit there instead (or raise the rate here); X-Forwarded-For is not trusted.

The clock is injected so the buckets are tested without sleeping. Not consensus code: the
wall clock and floats are fine here.
"""

from __future__ import annotations

import hmac
import logging
import math
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("aichain.ratelimit")

DEFAULT_RATE = 200
"""Requests a second one client address may sustain on each server (app.toml default)."""

DEFAULT_BURST = 2000
"""Requests one client address may send at once before the sustained rate applies."""

MAX_CLIENTS = 10_000
"""Client buckets kept at most; beyond it the least recently seen client is forgotten (and
starts again with a full bucket), so a flood of addresses cannot grow memory without bound."""

WARN_EVERY_S = 10.0
"""At most one log line per client per this many seconds while it is being refused."""

GATEWAY_HEADER = "x-aichain-gateway"
"""gRPC metadata by which the node's own REST gateway proves itself (its clients were already
limited by the gateway, and every one of them reaches gRPC from 127.0.0.1)."""

GATEWAY_TOKEN = secrets.token_hex(16)
"""The value of GATEWAY_HEADER: random per process, known only to this node's gateway."""


@dataclass(frozen=True, slots=True)
class RateLimit:
    """app.toml's [rate-limit]: requests a second per client and the burst; rate 0 = off."""

    rate: int = DEFAULT_RATE
    burst: int = DEFAULT_BURST

    def __post_init__(self) -> None:
        if self.rate < 0:
            raise ValueError(
                f"rate-limit.requests-per-second is {self.rate}; use 0 (off) or a positive number"
            )
        if self.rate > 0 and self.burst < 1:
            raise ValueError(
                f"rate-limit.burst is {self.burst}; use at least 1 (a client's first requests)"
            )

    @property
    def enabled(self) -> bool:
        """Whether requests are limited at all."""
        return self.rate > 0


class TokenBucket:
    """One client's bucket: `burst` tokens at most, refilled at `rate` a second."""

    __slots__ = ("burst", "rate", "tokens", "updated")

    def __init__(self, rate: float, burst: int, now: float) -> None:
        self.rate = rate
        self.burst = burst
        self.tokens = float(burst)
        self.updated = now

    def refill(self, now: float) -> None:
        """Adds the tokens earned since the last look (never above burst)."""
        if now > self.updated:
            self.tokens = min(float(self.burst), self.tokens + (now - self.updated) * self.rate)
        self.updated = max(self.updated, now)

    def take(self, now: float) -> float:
        """Takes a token: 0.0 when there was one, else the seconds until there will be."""
        self.refill(now)
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / self.rate

    def is_full(self, now: float) -> bool:
        """Whether the bucket would be full now (forgetting it then loses nothing)."""
        return self.tokens + max(0.0, now - self.updated) * self.rate >= self.burst


class ClientLimiter:
    """Token buckets by client address for one server; thread-safe."""

    def __init__(
        self,
        limit: RateLimit,
        server: str,
        clock: Callable[[], float] = time.monotonic,
        max_clients: int = MAX_CLIENTS,
        setting: str = "app.toml [rate-limit]",
        where: str | None = None,
    ) -> None:
        """setting: where an operator changes the limit (named in the log line); where: the
        server as a refused client is told it (default "node's <server>")."""
        self.limit = limit
        self.server = server
        self.setting = setting
        self.where = where or f"node's {server}"
        self.clock = clock
        self.max_clients = max_clients
        self.buckets: OrderedDict[str, TokenBucket] = OrderedDict()
        self.refused = 0
        """Requests refused since start (the metric aichain_<server>_rate_limited_total)."""
        self._warned: dict[str, float] = {}
        self._lock = threading.Lock()

    def check(self, client: str) -> float:
        """Charges one request to client: 0.0 if it may proceed, else seconds to wait."""
        if not self.limit.enabled:
            return 0.0
        with self._lock:
            now = self.clock()
            bucket = self.buckets.get(client)
            if bucket is None:
                self._make_room(now)
                bucket = self.buckets[client] = TokenBucket(self.limit.rate, self.limit.burst, now)
            else:
                self.buckets.move_to_end(client)
            wait = bucket.take(now)
            if wait > 0:
                self.refused += 1
                self._warn(client, now)
            return wait

    def _make_room(self, now: float) -> None:
        """Forgets the least recently seen client when the table is full."""
        if len(self.buckets) < self.max_clients:
            return
        oldest, _ = self.buckets.popitem(last=False)
        self._warned.pop(oldest, None)

    def _warn(self, client: str, now: float) -> None:
        last = self._warned.get(client)
        if last is None or now - last >= WARN_EVERY_S:
            self._warned[client] = now
            log.warning(
                "%s: rate limit reached by %s (%d requests/s, burst %d; %s)",
                self.server,
                client,
                self.limit.rate,
                self.limit.burst,
                self.setting,
            )

    def message(self, client: str, wait: float) -> str:
        """What a refused client is told."""
        return (
            f"rate limit exceeded: at most {self.limit.rate} requests/s (burst "
            f"{self.limit.burst}) per client on this {self.where}; "
            f"retry in {retry_after_seconds(wait)} s"
        )


def retry_after_seconds(wait: float) -> int:
    """Retry-After's whole seconds (at least 1) for a wait."""
    return max(1, math.ceil(wait))


def aiohttp_rate_limit(limiter: ClientLimiter, refusal: Callable[[str], Any]) -> Any:
    """An aiohttp middleware charging each request to its client address: a client that has
    used its bucket gets refusal(message) -- the server's own error shape, status 429 -- with
    Retry-After, before its request is read or handled."""
    from aiohttp import web

    @web.middleware
    async def limit(request: Any, handler: Any) -> Any:
        client = request.remote or "unknown"
        wait = limiter.check(client)
        if wait <= 0:
            return await handler(request)
        response = refusal(limiter.message(client, wait))
        response.headers["Retry-After"] = str(retry_after_seconds(wait))
        return response

    return limit


def grpc_peer_host(peer: str) -> str:
    """The client address of a gRPC peer string: 'ipv4:1.2.3.4:5' -> '1.2.3.4',
    'ipv6:[::1]:5' -> '::1'; unix-socket peers all share 'unix'."""
    kind, _, rest = peer.partition(":")
    if kind == "ipv4":
        return rest.rpartition(":")[0] or rest
    if kind == "ipv6":
        host = rest.rpartition(":")[0] if rest.startswith("[") else rest
        return host.strip("[]") or rest
    if kind in ("unix", "unix-abstract"):
        return "unix"
    return peer


def is_gateway(metadata: object) -> bool:
    """Whether gRPC invocation metadata carries this process's gateway token."""
    for key, value in metadata or ():  # type: ignore[attr-defined]
        if key == GATEWAY_HEADER and isinstance(value, str):
            return hmac.compare_digest(value, GATEWAY_TOKEN)
    return False
