"""Fast paths of mixed-batch decoding on small models (where overheads, not FLOPs, dominate).

Profiling `bench/serving_throughput.py` on the CPU (2026-11-27, tiny GPT-2, batches of 32,
100 adapters) put half of a batch's time in the prompt's first forward pass (prefill), a third
of that in left padding (prompts of 20-46 tokens padded to the longest), about a sixth of the
whole in GPT-2's GELU written as five elementwise ops, and a tenth in the KV cache growing by
`torch.cat` every step; the stacked LoRA itself cost little. Three fixes, used by
`engine.MultiAdapterModel` (`fast_paths=True`, the default):

- `fuse_gelu`: GPT-2's `NewGELUActivation` (0.5 x (1 + tanh(...)), five ops) replaced by
  torch's one-kernel `gelu(approximate="tanh")`, the same formula (outputs differ by at most a
  few float32 ulps, 2.4e-7 measured);
- `new_growing_cache`: a KV cache whose layers write each step's keys and values into a buffer
  sized for the whole batch (prompt width + new tokens) instead of re-concatenating;
- `compute_prefill_groups`: rows sorted by prompt length and split into groups whose prefill
  pays little padding (a group costs its rows x its longest prompt, plus a fixed overhead per
  forward call); each group is prefilled alone and written into the shared cache, left-padded
  to the batch's width, so decoding then runs on the whole batch as before.
"""

from __future__ import annotations

from typing import Any

import torch
from transformers.cache_utils import DynamicLayer

PREFILL_GROUP_OVERHEAD_TOKENS = 192
"""Cost of one more prefill forward call, in prompt tokens (measured on the tiny model on a
CPU: a call's fixed overhead is about what 150-250 extra padded tokens cost in a batch of 32)."""


class TanhGelu(torch.nn.Module):
    """GELU, tanh approximation, in one kernel: GPT-2's `gelu_new`."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """gelu(x, approximate="tanh")."""
        return torch.nn.functional.gelu(x, approximate="tanh")


def fuse_gelu(model: Any) -> int:
    """Replaces every transformers NewGELUActivation in model by TanhGelu; returns how many."""
    replaced = 0
    for module in list(model.modules()):
        for name, child in list(module.named_children()):
            if type(child).__name__ == "NewGELUActivation":
                setattr(module, name, TanhGelu())
                replaced += 1
    return replaced


def compute_prefill_groups(lengths: list[int], overhead_tokens: int) -> list[list[int]]:
    """Row indices in groups (longest prompts first) minimising sum(rows x longest) + overhead
    per group: an exact dynamic programme over rows sorted by length, ties to fewer groups."""
    if not lengths:
        return []
    order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
    n = len(order)
    best = [0] + [None] * n  # best[k]: cost of grouping the first k rows of order
    cut = [0] * (n + 1)
    for end in range(1, n + 1):
        for start in range(end):
            # rows order[start:end]; the longest is order[start] (sorted descending)
            cost = best[start] + (end - start) * lengths[order[start]] + overhead_tokens
            if best[end] is None or cost < best[end]:
                best[end], cut[end] = cost, start
    groups: list[list[int]] = []
    end = n
    while end > 0:
        groups.append(order[cut[end] : end])
        end = cut[end]
    groups.reverse()
    return groups


class _GrowingLayer(DynamicLayer):
    """One layer's keys and values in a preallocated (rows, heads, capacity, dim) buffer."""

    is_croppable = False

    def __init__(self, capacity: int) -> None:
        super().__init__()
        self.capacity = capacity
        self.length = 0
        self.is_initialized = False
        self.keys: torch.Tensor | None = None
        self.values: torch.Tensor | None = None
        self._k: torch.Tensor | None = None
        self._v: torch.Tensor | None = None

    def allocate(self, like: torch.Tensor, rows: int) -> None:
        """Zeroed buffers for rows rows shaped like like's heads and dim."""
        _, heads, _, dim = like.shape
        shape = (rows, heads, self.capacity, dim)
        self.dtype, self.device = like.dtype, like.device
        self._k = torch.zeros(shape, dtype=like.dtype, device=like.device)
        self._v = torch.zeros(shape, dtype=like.dtype, device=like.device)
        self.is_initialized = True

    def write_rows(
        self, rows: torch.Tensor, keys: torch.Tensor, values: torch.Tensor, width: int
    ) -> None:
        """Puts a group's prefilled keys/values into rows, right-aligned at position width."""
        if not self.is_initialized:
            raise RuntimeError("allocate the cache before writing rows")
        span = keys.shape[-2]
        self._k[rows, :, width - span : width] = keys
        self._v[rows, :, width - span : width] = values
        self.length = width
        self.keys, self.values = self._k[:, :, :width], self._v[:, :, :width]

    def update(
        self, key_states: torch.Tensor, value_states: torch.Tensor, *args: Any, **kwargs: Any
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Appends this step's keys/values (all rows) and returns the filled part."""
        if not self.is_initialized:
            self.allocate(key_states, key_states.shape[0])
        end = self.length + key_states.shape[-2]
        if end > self.capacity:
            raise RuntimeError(f"KV cache full: {end} positions > capacity {self.capacity}")
        self._k[:, :, self.length : end] = key_states
        self._v[:, :, self.length : end] = value_states
        self.length = end
        self.keys, self.values = self._k[:, :, :end], self._v[:, :, :end]
        return self.keys, self.values

    def get_seq_length(self) -> int:
        """Positions filled so far."""
        return self.length

    def get_mask_sizes(self, query_length: int) -> tuple[int, int]:
        """(kv length, kv offset) the mask builders need."""
        return self.length + query_length, 0


def new_growing_cache(num_layers: int, capacity: int) -> Any:
    """A transformers DynamicCache whose layers are preallocated _GrowingLayer buffers."""
    from transformers import DynamicCache

    cache = DynamicCache()
    cache.layers = [_GrowingLayer(capacity) for _ in range(num_layers)]
    return cache


def num_hidden_layers(model: Any) -> int:
    """The decoder's layer count from the model config."""
    config = model.config
    return int(getattr(config, "n_layer", 0) or getattr(config, "num_hidden_layers", 0))
