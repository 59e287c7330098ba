"""Counters of the serving loop and the HTTP front, and their Prometheus text exposition.

The model thread writes `ServingMetrics`, the event loop writes `HttpMetrics`; `/metrics`
reads both (under each one's lock) and renders them with `compute_prometheus_text` (text
format 0.0.4: `# HELP`, `# TYPE`, one `name{labels} value` line per sample).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aichain.gpu_worker.serving.cache import CacheStats

BATCH_SIZE_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256)
"""Upper bounds of the batch-size histogram (rows per decoded batch)."""
ATTRIBUTION_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
"""Upper bounds (seconds) of the attribution-time histogram."""
TOKENS_WINDOW_S = 10.0
"""Seconds of finished batches the tokens-per-second gauge averages over."""
PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
"""Content-Type of the text exposition format."""


@dataclass(frozen=True, slots=True)
class Sample:
    """One line of a family: a name suffix (`_bucket`, `_sum`, ...), labels and a value."""

    suffix: str
    labels: tuple[tuple[str, str], ...]
    value: float


@dataclass(frozen=True, slots=True)
class MetricFamily:
    """A metric: name, type (counter, gauge, histogram), help text and its samples."""

    name: str
    type: str
    help: str
    samples: tuple[Sample, ...]


def compute_label_text(labels: tuple[tuple[str, str], ...]) -> str:
    """`{a="x",b="y"}` with backslash, quote and newline escaped; empty without labels."""
    if not labels:
        return ""
    parts = []
    for key, value in labels:
        escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        parts.append(f'{key}="{escaped}"')
    return "{" + ",".join(parts) + "}"


def compute_number_text(value: float) -> str:
    """A sample value as Prometheus writes it (integers without a fraction, +Inf)."""
    if value == float("inf"):
        return "+Inf"
    if float(value).is_integer():
        return str(int(value))
    return repr(float(value))


def compute_prometheus_text(families: list[MetricFamily]) -> str:
    """The text exposition of families, in the order given."""
    lines = []
    for family in families:
        lines.append(f"# HELP {family.name} {family.help}")
        lines.append(f"# TYPE {family.name} {family.type}")
        for sample in family.samples:
            labels = compute_label_text(sample.labels)
            value = compute_number_text(sample.value)
            lines.append(f"{family.name}{sample.suffix}{labels} {value}")
    return "\n".join(lines) + "\n"


@dataclass(slots=True)
class Histogram:
    """Cumulative-bucket histogram of observations (not thread-safe: callers lock)."""

    bounds: tuple[float, ...]
    counts: list[int] = field(default_factory=list)
    total: float = 0.0
    count: int = 0

    def __post_init__(self) -> None:
        """One counter per bound."""
        self.counts = [0] * len(self.bounds)

    def observe(self, value: float) -> None:
        """Adds value to every bucket whose bound is at least value."""
        for i, bound in enumerate(self.bounds):
            if value <= bound:
                self.counts[i] += 1
        self.total += value
        self.count += 1

    def samples(self, labels: tuple[tuple[str, str], ...] = ()) -> tuple[Sample, ...]:
        """`_bucket` samples (cumulative, ending in +Inf), `_sum` and `_count`."""
        buckets = [
            Sample("_bucket", (*labels, ("le", compute_number_text(b))), c)
            for b, c in zip(self.bounds, self.counts, strict=True)
        ]
        buckets.append(Sample("_bucket", (*labels, ("le", "+Inf")), self.count))
        return (*buckets, Sample("_sum", labels, self.total), Sample("_count", labels, self.count))


class ServingMetrics:
    """What the serving loop did: batches, rows, tokens, cancelled rows, attribution time."""

    def __init__(self) -> None:
        """All zero."""
        self._lock = threading.Lock()
        self.batch_sizes = Histogram(BATCH_SIZE_BUCKETS)
        self.attribution_seconds = Histogram(ATTRIBUTION_BUCKETS)
        self.attribution_failures = 0
        self.rows_cancelled = 0
        self.prompt_tokens = 0
        self.completion_tokens = 0
        self.decode_seconds = 0.0
        self._recent: deque[tuple[float, int]] = deque()

    def record_batch(
        self, rows: int, prompt_tokens: int, completion_tokens: int, seconds: float
    ) -> None:
        """A decoded batch: its rows, its tokens and how long decoding took."""
        now = time.monotonic()
        with self._lock:
            self.batch_sizes.observe(rows)
            self.prompt_tokens += prompt_tokens
            self.completion_tokens += completion_tokens
            self.decode_seconds += seconds
            self._recent.append((now, completion_tokens))
            self._drop_old(now)

    def record_cancelled(self, rows: int) -> None:
        """Rows whose client cancelled them (left, or the server shut down) while decoding."""
        with self._lock:
            self.rows_cancelled += rows

    def record_attribution(self, seconds: float, failed: bool) -> None:
        """One answer's attribution time (and whether the engine failed)."""
        with self._lock:
            self.attribution_seconds.observe(seconds)
            self.attribution_failures += int(failed)

    def tokens_per_second(self) -> float:
        """Completion tokens of the batches finished in the last TOKENS_WINDOW_S, per second."""
        now = time.monotonic()
        with self._lock:
            self._drop_old(now)
            return sum(t for _, t in self._recent) / TOKENS_WINDOW_S

    def _drop_old(self, now: float) -> None:
        while self._recent and self._recent[0][0] < now - TOKENS_WINDOW_S:
            self._recent.popleft()

    def families(self) -> list[MetricFamily]:
        """This loop's metric families."""
        tokens_per_second = self.tokens_per_second()
        with self._lock:
            return [
                MetricFamily(
                    "aichain_serving_batch_size",
                    "histogram",
                    "Rows per decoded batch.",
                    self.batch_sizes.samples(),
                ),
                _single(
                    "aichain_serving_tokens_total",
                    "counter",
                    "Tokens processed, by kind (prompt, completion).",
                    [
                        ((("kind", "prompt"),), self.prompt_tokens),
                        ((("kind", "completion"),), self.completion_tokens),
                    ],
                ),
                _single(
                    "aichain_serving_tokens_per_second",
                    "gauge",
                    f"Completion tokens per second over the last {TOKENS_WINDOW_S:g} s.",
                    [((), tokens_per_second)],
                ),
                _single(
                    "aichain_serving_decode_seconds_total",
                    "counter",
                    "Seconds the model thread spent decoding batches.",
                    [((), self.decode_seconds)],
                ),
                _single(
                    "aichain_serving_rows_cancelled_total",
                    "counter",
                    "Rows cancelled by their client (or by shutdown) before they finished.",
                    [((), self.rows_cancelled)],
                ),
                MetricFamily(
                    "aichain_attribution_seconds",
                    "histogram",
                    "Seconds spent attributing one answer.",
                    self.attribution_seconds.samples(),
                ),
                _single(
                    "aichain_attribution_failures_total",
                    "counter",
                    "Answers whose attribution failed (served with attribution null).",
                    [((), self.attribution_failures)],
                ),
            ]


class HttpMetrics:
    """What the HTTP front did: requests by route and status, streams, disconnects."""

    def __init__(self) -> None:
        """All zero."""
        self._lock = threading.Lock()
        self.requests: dict[tuple[str, str, int], int] = {}
        self.in_flight = 0
        self.streams_open = 0
        self.disconnects = 0

    def record_request(self, method: str, route: str, status: int) -> None:
        """A finished request."""
        key = (method, route, status)
        with self._lock:
            self.requests[key] = self.requests.get(key, 0) + 1

    def record_disconnect(self) -> None:
        """A client that went away before its answer was complete."""
        with self._lock:
            self.disconnects += 1

    def families(self) -> list[MetricFamily]:
        """The HTTP front's metric families."""
        with self._lock:
            requests = sorted(self.requests.items())
            return [
                _single(
                    "aichain_http_requests_total",
                    "counter",
                    "Finished HTTP requests by method, route and status.",
                    [
                        ((("method", m), ("route", r), ("status", str(s))), n)
                        for (m, r, s), n in requests
                    ],
                ),
                _single(
                    "aichain_http_requests_in_flight",
                    "gauge",
                    "HTTP requests being handled.",
                    [((), self.in_flight)],
                ),
                _single(
                    "aichain_http_streams_open",
                    "gauge",
                    "Server-Sent Event streams being written.",
                    [((), self.streams_open)],
                ),
                _single(
                    "aichain_http_client_disconnects_total",
                    "counter",
                    "Clients that left before their answer was complete.",
                    [((), self.disconnects)],
                ),
            ]


def _single(
    name: str, kind: str, help: str, values: list[tuple[tuple[tuple[str, str], ...], float]]
) -> MetricFamily:
    """A family of plain samples (no suffix)."""
    return MetricFamily(name, kind, help, tuple(Sample("", labels, v) for labels, v in values))


def compute_cache_families(stats: CacheStats) -> list[MetricFamily]:
    """The adapter cache's hits per tier (device, host; a disk load is a miss of both),
    evictions per tier and residency per tier."""
    return [
        _single(
            "aichain_adapter_cache_hits_total",
            "counter",
            "Adapter lookups served by a cache tier (disk: loaded and hash-checked from disk).",
            [
                ((("tier", "device"),), stats.device_hits),
                ((("tier", "host"),), stats.host_hits),
                ((("tier", "disk"),), stats.disk_loads),
            ],
        ),
        _single(
            "aichain_adapter_cache_evictions_total",
            "counter",
            "Adapters evicted from a cache tier.",
            [
                ((("tier", "device"),), stats.device_evictions),
                ((("tier", "host"),), stats.host_evictions),
            ],
        ),
        _single(
            "aichain_adapter_cache_resident",
            "gauge",
            "Adapters resident in a cache tier.",
            [
                ((("tier", "device"),), stats.device_resident),
                ((("tier", "host"),), stats.host_resident),
            ],
        ),
    ]


def compute_queue_family(depth: int) -> MetricFamily:
    """The request queue's depth."""
    return _single(
        "aichain_serving_queue_depth",
        "gauge",
        "Requests waiting for a batch (queued or carried over to the next batch).",
        [((), depth)],
    )
