"""The app's Prometheus metrics: time per ABCI phase, txs checked and delivered by result code,
block execution, store cache hits — served on a loopback port next to CometBFT's own metrics.

`InstrumentedApp` wraps the application the ABCI server drives and times each request there,
so the BaseApp's hot path carries no instrumentation of its own and a node with telemetry off
runs exactly the code it ran before. The exposition is Prometheus' text format (version 0.0.4).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import tendermint.abci.types_pb2 as abci_pb
from aiohttp import web

PREFIX = "aichain_"
"""Prefix of every metric name."""

RECHECK = abci_pb.CheckTxType.Value("RECHECK")
"""RequestCheckTx.type of a recheck after a block."""


class Counter:
    """A monotonically increasing value per label set."""

    kind = "counter"

    def __init__(self, name: str, help_text: str, labels: tuple[str, ...] = ()) -> None:
        self.name = PREFIX + name
        self.help = help_text
        self.labels = labels
        self.values: dict[tuple[str, ...], float] = {}

    def inc(self, *label_values: str, amount: float = 1) -> None:
        """Adds amount to the series of label_values."""
        self.values[label_values] = self.values.get(label_values, 0) + amount

    def samples(self) -> list[tuple[str, tuple[str, ...], float]]:
        """(suffix, label values, value) of every series."""
        return [("", k, v) for k, v in sorted(self.values.items())]


class Summary(Counter):
    """Sum and count of observations per label set (seconds, sizes)."""

    kind = "summary"

    def __init__(self, name: str, help_text: str, labels: tuple[str, ...] = ()) -> None:
        super().__init__(name, help_text, labels)
        self.counts: dict[tuple[str, ...], int] = {}

    def observe(self, value: float, *label_values: str) -> None:
        """Records one observation."""
        self.values[label_values] = self.values.get(label_values, 0) + value
        self.counts[label_values] = self.counts.get(label_values, 0) + 1

    def samples(self) -> list[tuple[str, tuple[str, ...], float]]:
        """_sum and _count series."""
        out = []
        for key in sorted(self.values):
            out.append(("_sum", key, self.values[key]))
            out.append(("_count", key, self.counts[key]))
        return out


class Gauge(Counter):
    """A value read at scrape time."""

    kind = "gauge"

    def __init__(self, name: str, help_text: str, read: Callable[[], float]) -> None:
        super().__init__(name, help_text)
        self.read = read

    def samples(self) -> list[tuple[str, tuple[str, ...], float]]:
        """The current value."""
        return [("", (), self.read())]


class LabelledGauge(Counter):
    """A value per label set, set as it changes."""

    kind = "gauge"

    def set(self, value: float, *label_values: str) -> None:
        """Sets the series of label_values."""
        self.values[label_values] = value


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


class Registry:
    """The metrics of one node and their text exposition."""

    def __init__(self) -> None:
        self.metrics: list[Counter] = []
        self.lock = threading.Lock()

    def add(self, metric: Counter) -> Any:
        """Registers metric and returns it."""
        self.metrics.append(metric)
        return metric

    def exposition(self) -> str:
        """Every metric in Prometheus' text format."""
        lines = []
        with self.lock:
            for metric in self.metrics:
                lines.append(f"# HELP {metric.name} {metric.help}")
                lines.append(f"# TYPE {metric.name} {metric.kind}")
                for suffix, values, value in metric.samples():
                    labels = ",".join(
                        f'{k}="{_escape(v)}"' for k, v in zip(metric.labels, values, strict=True)
                    )
                    text = f"{value:.6f}".rstrip("0").rstrip(".") if value % 1 else str(int(value))
                    lines.append(
                        f"{metric.name}{suffix}{'{' + labels + '}' if labels else ''} {text}"
                    )
        return "\n".join(lines) + "\n"


class AppMetrics:
    """The metrics InstrumentedApp records."""

    def __init__(self, registry: Registry, app: Any) -> None:
        self.registry = registry
        store_reader = app.root.reader
        self.phase_seconds: Summary = registry.add(
            Summary(
                "abci_seconds", "Time the app spent answering each ABCI request kind.", ("phase",)
            )
        )
        self.txs: Counter = registry.add(
            Counter(
                "txs_total",
                "Transactions by phase (check, recheck, deliver) and result.",
                ("phase", "codespace", "code"),
            )
        )
        self.block_txs: Summary = registry.add(Summary("block_txs", "Transactions per block."))
        self.queue_depth: LabelledGauge = registry.add(
            LabelledGauge(
                "abci_queue_depth",
                "Requests read from an ABCI connection and not yet answered (the mempool "
                "connection's: CheckTx requests CometBFT pipelined, waiting for the app).",
                ("connection",),
            )
        )
        self.read_batch: Summary = registry.add(
            Summary(
                "abci_read_requests",
                "Requests one socket read brought, per ABCI connection (answered in one write).",
                ("connection",),
            )
        )
        latest = getattr(app.root, "latest", None)
        if latest is not None:
            registry.add(
                Gauge(
                    "store_read_cache_hits_total",
                    "Reads of committed state answered by the read cache in front of RocksDB.",
                    lambda: float(latest.hits),
                )
            )
            registry.add(
                Gauge(
                    "store_read_cache_misses_total",
                    "Reads of committed state that went to RocksDB.",
                    lambda: float(latest.misses),
                )
            )
        registry.add(
            Gauge("height", "Height of the last committed block.", lambda: app.root.last_height)
        )
        if store_reader is not None:
            registry.add(
                Gauge(
                    "store_cache_hits_total",
                    "Tree nodes read from the node cache.",
                    lambda: float(store_reader.hits),
                )
            )
            registry.add(
                Gauge(
                    "store_cache_misses_total",
                    "Tree nodes read from RocksDB (cache misses).",
                    lambda: float(store_reader.misses),
                )
            )
            registry.add(
                Gauge(
                    "store_cache_bytes",
                    "Bytes of tree nodes held in the node cache.",
                    lambda: float(store_reader.used_bytes),
                )
            )


class InstrumentedApp:
    """The application, timed: every ABCI call goes through to app; the measured ones are
    recorded in metrics (under the registry lock, so a scrape sees whole updates)."""

    def __init__(self, app: Any, metrics: AppMetrics) -> None:
        self._app = app
        self._metrics = metrics

    def __getattr__(self, name: str) -> Any:
        return getattr(self._app, name)

    def _timed(self, phase: str, call: Callable[[Any], Any], req: Any) -> Any:
        start = time.perf_counter()
        resp = call(req)
        with self._metrics.registry.lock:
            self._metrics.phase_seconds.observe(time.perf_counter() - start, phase)
        return resp

    def observe_abci_queue(self, connection: str, waiting: int) -> None:
        """The ABCI server's report: `waiting` requests read from `connection` before it
        answers them (0 once answered)."""
        with self._metrics.registry.lock:
            self._metrics.queue_depth.set(waiting, connection)
            if waiting:
                self._metrics.read_batch.observe(waiting, connection)

    def check_tx(self, req: abci_pb.RequestCheckTx) -> abci_pb.ResponseCheckTx:
        """CheckTx, timed and counted by result (recheck apart)."""
        phase = "recheck_tx" if req.type == RECHECK else "check_tx"
        resp = self._timed(phase, self._app.check_tx, req)
        with self._metrics.registry.lock:
            self._metrics.txs.inc(phase.removesuffix("_tx"), resp.codespace, str(resp.code))
        return resp

    def finalize_block(self, req: abci_pb.RequestFinalizeBlock) -> abci_pb.ResponseFinalizeBlock:
        """FinalizeBlock, timed; each tx counted by result."""
        resp = self._timed("finalize_block", self._app.finalize_block, req)
        with self._metrics.registry.lock:
            self._metrics.block_txs.observe(len(req.txs))
            for result in resp.tx_results:
                self._metrics.txs.inc("deliver", result.codespace, str(result.code))
        return resp

    def commit(self, req: abci_pb.RequestCommit) -> abci_pb.ResponseCommit:
        """Commit, timed."""
        return self._timed("commit", self._app.commit, req)

    def query(self, req: abci_pb.RequestQuery) -> abci_pb.ResponseQuery:
        """Query, timed."""
        return self._timed("query", self._app.query, req)

    def prepare_proposal(
        self, req: abci_pb.RequestPrepareProposal
    ) -> abci_pb.ResponsePrepareProposal:
        """PrepareProposal, timed."""
        return self._timed("prepare_proposal", self._app.prepare_proposal, req)

    def process_proposal(
        self, req: abci_pb.RequestProcessProposal
    ) -> abci_pb.ResponseProcessProposal:
        """ProcessProposal, timed."""
        return self._timed("process_proposal", self._app.process_proposal, req)


METRICS_MAX_LINE_BYTES = 4096
"""Longest request line the metrics server reads (400 above it)."""

METRICS_MAX_HEADER_BYTES = 4096
"""Longest header the metrics server reads (400 above it)."""

METRICS_MAX_BODY_BYTES = 1024
"""Largest body the metrics server would read (GET /metrics reads none)."""


def metrics_app(registry: Registry) -> web.Application:
    """An aiohttp application serving GET /metrics. No per-client rate limit (one scrape costs
    one pass over a few dozen counters; docs/security.md says why); explicit size limits."""

    async def handle(_request: web.Request) -> web.Response:
        return web.Response(text=registry.exposition(), content_type="text/plain", charset="utf-8")

    app = web.Application(
        client_max_size=METRICS_MAX_BODY_BYTES,
        handler_args={
            "max_line_size": METRICS_MAX_LINE_BYTES,
            "max_field_size": METRICS_MAX_HEADER_BYTES,
        },
    )
    app.router.add_get("/metrics", handle)
    return app
