"""The adapter cache: three tiers, each an LRU with a configurable size.

- device: installed in the served model on its device (GPU memory, or CPU memory on a CPU
  worker) and usable in a batch at once; `device_slots` adapters at most.
- host: verified tensors in CPU memory, installed on demand without touching the disk;
  `host_slots` adapters at most.
- disk: every registered adapter directory with the weight hash it must have; always present.

Every read from disk is checked against the expected sha256 before the tensors are used.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from aichain.gpu_worker.adapters import (
    ADAPTER_WEIGHTS,
    AdapterError,
    AdapterIntegrityError,
    LoadedAdapter,
    compute_file_sha256,
    load_adapter,
)
from aichain.gpu_worker.serving.engine import MultiAdapterModel


class UnknownAdapterError(KeyError):
    """A request named an adapter that is not registered."""


class CacheCapacityError(RuntimeError):
    """A batch needs more adapters on the device than there are slots."""


@dataclass(frozen=True, slots=True)
class AdapterEntry:
    """A registered adapter: its id, directory and the weight hash it must have."""

    adapter_id: str
    path: Path
    sha256: str


@dataclass(frozen=True, slots=True)
class CacheStats:
    """Counters of the cache since start."""

    device_hits: int
    host_hits: int
    disk_loads: int
    device_evictions: int
    host_evictions: int
    device_resident: int
    host_resident: int
    load_seconds: float
    install_seconds: float


class AdapterRegistry:
    """Adapters the server knows (the disk tier): id -> directory and expected hash."""

    def __init__(self) -> None:
        """An empty registry."""
        self._entries: dict[str, AdapterEntry] = {}
        self._lock = threading.Lock()

    def register(self, adapter_id: str, path: str | Path, sha256: str, verify: bool = True) -> None:
        """Adds an adapter; with verify, refuses it now if its weights do not hash to sha256."""
        entry = AdapterEntry(adapter_id, Path(path), sha256.lower())
        if verify:
            try:
                actual = compute_file_sha256(entry.path / ADAPTER_WEIGHTS)
            except OSError as exc:
                raise AdapterError(
                    f"adapter {adapter_id!r}: cannot read {entry.path / ADAPTER_WEIGHTS}: "
                    f"{exc.strerror or exc}"
                ) from exc
            if actual != entry.sha256:
                raise AdapterIntegrityError(
                    f"adapter {adapter_id!r} at {entry.path}: weights hash to {actual} but "
                    f"{entry.sha256} was expected; refusing to serve it"
                )
        with self._lock:
            if adapter_id in self._entries:
                raise AdapterError(f"adapter id {adapter_id!r} is already registered")
            self._entries[adapter_id] = entry

    def get(self, adapter_id: str) -> AdapterEntry:
        """The entry of adapter_id; raises UnknownAdapterError."""
        with self._lock:
            entry = self._entries.get(adapter_id)
        if entry is None:
            raise UnknownAdapterError(adapter_id)
        return entry

    def has(self, adapter_id: str) -> bool:
        """Whether adapter_id is registered."""
        with self._lock:
            return adapter_id in self._entries

    def ids(self) -> list[str]:
        """Registered adapter ids, sorted."""
        with self._lock:
            return sorted(self._entries)


class AdapterCache:
    """LRU tiers over a registry; only the serving thread calls ensure_on_device."""

    def __init__(
        self,
        registry: AdapterRegistry,
        model: MultiAdapterModel,
        device_slots: int = 64,
        host_slots: int = 256,
    ) -> None:
        """A cache filling model's slots from registry; sizes count adapters."""
        if device_slots < 1 or host_slots < 0:
            raise ValueError("device_slots must be >= 1 and host_slots >= 0")
        self.registry = registry
        self.model = model
        self.device_slots = device_slots
        self.host_slots = host_slots
        self._device: OrderedDict[str, str] = OrderedDict()
        self._host: OrderedDict[str, LoadedAdapter] = OrderedDict()
        self._counts = dict.fromkeys(
            ("device_hits", "host_hits", "disk_loads", "device_evictions", "host_evictions"), 0
        )
        self._load_seconds = 0.0
        self._install_seconds = 0.0

    def device_order(self) -> list[str]:
        """Adapter ids on the device, least recently used first."""
        return list(self._device)

    def host_order(self) -> list[str]:
        """Adapter ids in host memory, least recently used first."""
        return list(self._host)

    def stats(self) -> CacheStats:
        """Hit, load and eviction counters and current residency."""
        return CacheStats(
            **self._counts,
            device_resident=len(self._device),
            host_resident=len(self._host),
            load_seconds=self._load_seconds,
            install_seconds=self._install_seconds,
        )

    def get_loaded(self, adapter_id: str) -> LoadedAdapter:
        """The verified tensors of adapter_id, from host memory or (checked) from disk."""
        cached = self._host.get(adapter_id)
        if cached is not None:
            self._host.move_to_end(adapter_id)
            self._counts["host_hits"] += 1
            return cached
        entry = self.registry.get(adapter_id)
        started = time.perf_counter()
        loaded = load_adapter(entry.path, entry.sha256)
        self.model.check_compatible(loaded)
        self._load_seconds += time.perf_counter() - started
        self._counts["disk_loads"] += 1
        if self.host_slots > 0:
            self._host[adapter_id] = loaded
            while len(self._host) > self.host_slots:
                self._host.popitem(last=False)
                self._counts["host_evictions"] += 1
        return loaded

    def ensure_on_device(self, adapter_ids: Iterable[str]) -> dict[str, str]:
        """Installs every adapter of a batch (evicting LRU others); returns id -> slot."""
        wanted = list(dict.fromkeys(adapter_ids))
        if len(wanted) > self.device_slots:
            raise CacheCapacityError(
                f"a batch needs {len(wanted)} adapters but only {self.device_slots} device slots"
            )
        for adapter_id in wanted:
            if adapter_id in self._device:
                self._device.move_to_end(adapter_id)
                self._counts["device_hits"] += 1
        for adapter_id in wanted:
            if adapter_id in self._device:
                continue
            loaded = self.get_loaded(adapter_id)
            reuse = None
            while len(self._device) >= self.device_slots:
                if reuse is not None:
                    self.model.uninstall(reuse)
                reuse = self._evict_one(protect=set(wanted))
            started = time.perf_counter()
            self._device[adapter_id] = self.model.install(loaded, reuse_slot=reuse)
            self._install_seconds += time.perf_counter() - started
        return {adapter_id: self._device[adapter_id] for adapter_id in wanted}

    def _evict_one(self, protect: set[str]) -> str:
        """Drops the least recently used unprotected adapter; returns its slot for reuse."""
        for victim in self._device:
            if victim not in protect:
                slot = self._device.pop(victim)
                self._counts["device_evictions"] += 1
                return slot
        raise CacheCapacityError("every device slot is used by the current batch")

    def evict(self, adapter_id: str) -> None:
        """Drops adapter_id from the device and host tiers (it stays registered on disk)."""
        slot = self._device.pop(adapter_id, None)
        if slot is not None:
            self.model.uninstall(slot)
        self._host.pop(adapter_id, None)
