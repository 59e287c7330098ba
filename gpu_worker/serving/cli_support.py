"""Builds a complete server from command-line style arguments (used by `aichain worker serve`)."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

from aichain.gpu_worker.adapters import FEATURES_DIR, read_adapter_hash
from aichain.gpu_worker.device import resolve_device
from aichain.gpu_worker.serving.attribution import DEFAULT_ENGINE, EngineAttribution
from aichain.gpu_worker.serving.cache import AdapterCache, AdapterRegistry
from aichain.gpu_worker.serving.engine import MultiAdapterModel
from aichain.gpu_worker.serving.http import OpenAIServer, ServerLimits
from aichain.gpu_worker.serving.service import ServingService
from aichain.gpu_worker.serving.warnings_log import install_warning_log
from aichain.gpu_worker.tiny_model import load_base_model

log = logging.getLogger(__name__)

_HASH = re.compile(r"^[0-9a-fA-F]{64}$")


@dataclass(frozen=True, slots=True)
class AdapterSpec:
    """An adapter to serve: id, directory and expected weight hash."""

    adapter_id: str
    path: Path
    sha256: str


def parse_adapter_spec(text: str) -> AdapterSpec:
    """Parses `[ID=]DIR[@SHA256]`; the id defaults to the directory name, the hash to its file."""
    adapter_id, _, rest = text.partition("=") if "=" in text else ("", "", text)
    path_text, sha = rest, None
    if "@" in rest:
        head, _, tail = rest.rpartition("@")
        if _HASH.match(tail):
            path_text, sha = head, tail.lower()
    path = Path(path_text).expanduser()
    if not path.is_dir():
        raise ValueError(f"adapter directory {path} does not exist")
    return AdapterSpec(adapter_id or path.resolve().name, path, sha or read_adapter_hash(path))


@dataclass(frozen=True, slots=True)
class Server:
    """Everything a running server holds."""

    http: OpenAIServer
    service: ServingService
    cache: AdapterCache
    model: MultiAdapterModel


def build_server(
    adapters: list[AdapterSpec],
    base_model: str = "tiny",
    host: str = "127.0.0.1",
    port: int = 0,
    device: str = "auto",
    max_batch: int = 32,
    batch_wait_ms: float = 5.0,
    device_slots: int = 64,
    host_slots: int = 256,
    attribution_engine: str = "auto",
    limits: ServerLimits | None = None,
) -> Server:
    """Loads the base model, registers (and verifies) adapters, binds the HTTP server."""
    target = resolve_device(device)
    base, tokenizer = load_base_model(base_model, target)
    model = MultiAdapterModel(base, tokenizer, target)
    registry = AdapterRegistry()
    for spec in adapters:
        registry.register(spec.adapter_id, spec.path, spec.sha256, verify=True)
    cache = AdapterCache(registry, model, device_slots=device_slots, host_slots=host_slots)
    for spec in adapters[: min(len(adapters), device_slots)]:
        cache.ensure_on_device([spec.adapter_id])
    attribution = None
    if attribution_engine != "none":
        has_features = any((s.path / FEATURES_DIR).is_dir() for s in adapters)
        if attribution_engine != "auto" or has_features:
            name = DEFAULT_ENGINE if attribution_engine == "auto" else attribution_engine
            attribution = EngineAttribution(model, cache, engine=name)
    service = ServingService(model, cache, attribution, max_batch, batch_wait_ms / 1000.0)
    http = OpenAIServer(service, host, port, limits)
    return Server(http, service, cache, model)


def run_server(adapter_args: tuple[str, ...] | list[str], **options: object) -> None:
    """Builds the server from `[ID=]DIR[@SHA256]` arguments and serves until SIGINT or
    SIGTERM, then shuts down gracefully. Library warnings go to the debug log, once each."""
    install_warning_log()
    adapters = [parse_adapter_spec(a) for a in adapter_args]
    ids = [a.adapter_id for a in adapters]
    if len(set(ids)) != len(ids):
        raise ValueError(f"adapter ids must be distinct, got {ids}; use ID=DIR to name them")
    server = build_server(adapters, **options)  # type: ignore[arg-type]
    engine = server.service.attribution.name if server.service.attribution else "none"
    log.info(
        "serving %d adapters (%s) at %s/v1 on %s, attribution: %s",
        len(adapters),
        ", ".join(ids),
        server.http.url,
        server.model.device,
        engine,
    )
    print(f"listening on {server.http.url}/v1", flush=True)
    server.http.serve_forever()
    log.info("stopped")
