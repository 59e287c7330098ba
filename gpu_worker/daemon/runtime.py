"""The worker's model side: the serving engine (one base, many adapters, mixed batches) with
an attribution provider that also puts each answer's evidence in the content store.

Built on the public surface of gpu_worker/serving (`build_server`, `EngineAttribution`,
`ServingService.submit`); the daemon talks to it only through `submit`.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aichain.client.blobs import BlobError, BlobStore
from aichain.gpu_worker.serving.attribution import DEFAULT_ENGINE, EngineAttribution
from aichain.gpu_worker.serving.cli_support import AdapterSpec, Server, build_server
from aichain.gpu_worker.serving.http import ServerLimits
from aichain.gpu_worker.serving.service import GenerationRequest

log = logging.getLogger(__name__)


class EvidenceAttribution(EngineAttribution):
    """EngineAttribution whose engines put every evidence document in the content store as
    the answer is made. While the store is unreachable the evidence waits in `pending_dir`
    (named by its hash) and `upload_pending` sends it before any result names it, so a result
    never names evidence nobody can fetch, and a store outage fails no answer."""

    def __init__(
        self, model: Any, cache: Any, store: BlobStore, pending_dir: Path, **kwargs: Any
    ) -> None:
        super().__init__(model, cache, **kwargs)
        inner_load = self._load_engine
        self.store = store
        self.pending_dir = pending_dir

        def load_engine(*args: Any, **kw: Any) -> Any:
            return _EvidenceEngine(inner_load(*args, **kw), store, pending_dir)

        self._load_engine = load_engine

    def upload_pending(self, evidence_hash: str) -> None:
        """Puts evidence kept locally into the store (nothing if it is not pending).
        Raises BlobError while the store is unreachable."""
        path = self.pending_dir / evidence_hash
        if path.is_file():
            self.store.put(path.read_bytes())
            path.unlink()


class _EvidenceEngine:
    """Wraps an engine: attribute() stores the evidence bytes under their hash."""

    def __init__(self, engine: Any, store: BlobStore, pending_dir: Path) -> None:
        self._engine = engine
        self._store = store
        self._pending_dir = pending_dir

    def __getattr__(self, name: str) -> Any:
        return getattr(self._engine, name)

    def attribute(self, prompt: str, output: str, top_k: int = 10) -> Any:
        result = self._engine.attribute(prompt, output, top_k=top_k)
        try:
            stored = self._store.put(result.evidence)
        except BlobError as exc:
            log.warning(
                "evidence %s kept locally until the store is back (%s)", result.evidence_sha256, exc
            )
            self._pending_dir.mkdir(parents=True, exist_ok=True)
            tmp = self._pending_dir / (result.evidence_sha256 + ".tmp")
            tmp.write_bytes(result.evidence)
            tmp.replace(self._pending_dir / result.evidence_sha256)
            return result
        if stored != result.evidence_sha256:
            raise RuntimeError(f"evidence stored as {stored}, expected {result.evidence_sha256}")
        return result


@dataclass
class Runtime:
    """A running serving engine and what the daemon needs of it."""

    server: Server
    engine: str
    base_hash: str

    def upload_pending_evidence(self, evidence_hash: str) -> None:
        """Sends evidence kept locally during a store outage (see EvidenceAttribution)."""
        self.server.service.attribution.upload_pending(evidence_hash)

    def submit(self, model_id: int, prompt: str, max_tokens: int) -> Future:
        """Queues a greedy completion with attribution; the future gives a GenerationResult.
        Raises UnknownAdapterError, ContextLengthError, ValueError at once."""
        return self.server.service.submit(
            GenerationRequest(str(model_id), prompt, max_tokens=max_tokens, attribute=True)
        )

    def tiers(self) -> dict[str, str]:
        """Where each adapter is: gpu/device (installed), cpu (host memory) or disk."""
        cache = self.server.cache
        device = set(cache.device_order())
        host = set(cache.host_order())
        kind = "gpu" if str(self.server.model.device).startswith("cuda") else "device"
        return {
            adapter_id: kind if adapter_id in device else "cpu" if adapter_id in host else "disk"
            for adapter_id in cache.registry.ids()
        }


def build_runtime(
    specs: list[AdapterSpec],
    store: BlobStore,
    *,
    base_model: str = "tiny",
    device: str = "auto",
    host: str = "127.0.0.1",
    port: int = 0,
    engine: str = DEFAULT_ENGINE,
    top_k: int = 10,
    max_batch: int = 16,
    batch_wait_ms: float = 5.0,
    server_class: type | None = None,
    pending_dir: Path = Path("evidence-pending"),
    limits: ServerLimits | None = None,
) -> Runtime:
    """Loads the base and the (already hash-checked) adapters and binds the HTTP endpoint
    (limits: the endpoint's, ServerLimits' defaults when None)."""
    server = build_server(
        specs,
        base_model=base_model,
        host=host,
        port=port,
        device=device,
        max_batch=max_batch,
        batch_wait_ms=batch_wait_ms,
        attribution_engine="none",
        limits=limits,
    )
    server.service.attribution = EvidenceAttribution(
        server.model, server.cache, store, pending_dir, engine=engine, top_k=top_k
    )
    if server_class is not None:
        bound = server.http.port
        server.http.sock.close()
        http = server_class(server.service, host, bound, limits)
        server = Server(http, server.service, server.cache, server.model)
    return Runtime(server, engine, server.model.base_sha256)


def adapter_spec(model_id: int, directory: Path, sha256: str) -> AdapterSpec:
    """The serving spec of a registered adapter (id = the model id as text)."""
    return AdapterSpec(str(model_id), directory, sha256)
