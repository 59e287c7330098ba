"""The serving stack the worker's HTTP tests run behind their servers: the tiny-random base on
the CPU with a few random LoRA adapters registered (imports torch: use from tests/ml only)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from aichain.gpu_worker.serving.cache import AdapterCache, AdapterRegistry
from aichain.gpu_worker.serving.engine import MultiAdapterModel
from aichain.gpu_worker.serving.service import ServingService
from aichain.gpu_worker.synthetic_adapters import write_random_adapters
from aichain.gpu_worker.tiny_model import build_tiny_model, load_base_model


def random_adapter_stack(root: Path, count: int) -> tuple[MultiAdapterModel, AdapterRegistry]:
    """(model, registry): `count` random rank-4 adapters written under root and registered."""
    adapters = write_random_adapters(build_tiny_model(0), root, count, rank=4, alpha=8, scale=0.2)
    base, tokenizer = load_base_model("tiny-random", "cpu")
    model = MultiAdapterModel(base, tokenizer, torch.device("cpu"))
    registry = AdapterRegistry()
    for adapter_id, path, digest in adapters:
        registry.register(adapter_id, path, digest)
    return model, registry


def tiny_service(root: Path, count: int, slots: int, **options: Any) -> ServingService:
    """A serving service over random_adapter_stack with `slots` device and host slots and a
    10 ms batch window (options override the service's settings)."""
    model, registry = random_adapter_stack(root, count)
    return ServingService(model, AdapterCache(registry, model, slots, slots),
                          **{"batch_wait_s": 0.01, **options})  # fmt: skip
