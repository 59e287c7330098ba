"""Random LoRA adapters for a base model, for benchmarks and tests (not trained on anything)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import torch

from aichain.gpu_worker.adapters import LoraSpec, default_target_modules, save_adapter
from aichain.gpu_worker.tiny_model import compute_model_hash


def compute_lora_shapes(base_model: Any, spec: LoraSpec) -> dict[str, tuple[int, ...]]:
    """peft state-dict names and shapes of a LoRA with spec on base_model (which is untouched)."""
    from peft import get_peft_model, get_peft_model_state_dict

    probe = get_peft_model(copy.deepcopy(base_model), spec.to_peft())
    return {name: tuple(t.shape) for name, t in get_peft_model_state_dict(probe).items()}


def make_random_adapter_state(
    shapes: dict[str, tuple[int, ...]], seed: int, scale: float = 0.05
) -> dict[str, torch.Tensor]:
    """Random A and B matrices (normal, times scale) for the given names and shapes."""
    generator = torch.Generator().manual_seed(seed)
    return {
        name: torch.randn(shape, generator=generator) * scale
        for name, shape in sorted(shapes.items())
    }


def write_random_adapters(
    base_model: Any,
    out_root: str | Path,
    count: int,
    rank: int = 8,
    alpha: int = 16,
    seed: int = 0,
    scale: float = 0.05,
) -> list[tuple[str, Path, str]]:
    """Writes count random adapter dirs under out_root; returns (id, path, sha256) each."""
    targets, fan_in_fan_out = default_target_modules(base_model)
    spec = LoraSpec(rank, alpha, targets, fan_in_fan_out, compute_model_hash(base_model))
    shapes = compute_lora_shapes(base_model, spec)
    written = []
    for index in range(count):
        adapter_id = f"random-{index:04d}"
        path = Path(out_root) / adapter_id
        digest = save_adapter(path, spec, make_random_adapter_state(shapes, seed + index, scale))
        written.append((adapter_id, path, digest))
    return written
