"""Gather-based batched LoRA (S-LoRA / Punica style) with plain torch ops.

Every LoRA-targeted layer keeps the A and B matrices of all installed adapters stacked in one
tensor per layer, indexed by slot: `A: (S, R, d_in)`, `B: (S, d_out, R)`, plus one scaling
(`alpha / rank`) per slot. Slot 0 is all zeros: rows without an adapter (`__base__`). A mixed
batch names one slot per row; for each layer the rows' matrices are gathered once per batch
(`A[idx]`, `B[idx] * scale[idx]`) and every forward step adds

    y = base(x) + (x @ A[idx]^T) @ (scale[idx] * B[idx])^T

with two `bmm`s over the whole batch, however many distinct adapters it holds (peft's
`adapter_names=` path runs one small matmul pair per distinct adapter per layer instead).

The delta is added by a forward hook on each targeted layer's original module (the module peft
keeps as `base_layer` when it wraps the model for the attribution slot), active only inside
`batch(...)`; while a batch runs, peft's own LoRA layers are switched off so that only the
stacked adapters apply. Installing an adapter is a copy into its slot of each stack; adapters
of a smaller rank than the stacks are zero-padded (exact: the padding contributes zeros).
The stacks grow (capacity doubling, rank to the largest installed) when needed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import torch

from aichain.gpu_worker.adapters import AdapterError, LoadedAdapter

PEFT_PREFIX = "base_model.model."
"""Prefix of peft's tensor names before the module path."""


def _original_module(module: Any) -> Any:
    """The module peft wraps (its `base_layer`), or module itself when not wrapped."""
    while hasattr(module, "base_layer"):
        module = module.base_layer
    return module


def _features(module: Any) -> tuple[int, int]:
    """(d_in, d_out) of a torch Linear or a transformers Conv1D (GPT-2's (d_in, d_out) weight)."""
    if isinstance(module, torch.nn.Linear):
        return module.in_features, module.out_features
    if hasattr(module, "nf") and getattr(module, "weight", None) is not None:
        return int(module.weight.shape[0]), int(module.nf)
    raise AdapterError(f"LoRA target {type(module).__name__} is not a Linear or Conv1D layer")


class _Layer:
    """The stacked A/B of one targeted layer and its forward hook."""

    def __init__(self, owner: BatchedLora, module: Any, d_in: int, d_out: int) -> None:
        self.owner = owner
        self.d_in, self.d_out = d_in, d_out
        weight = module.weight
        self.dtype = weight.dtype if weight.is_floating_point() else torch.float32
        shape_a, shape_b = (owner.capacity, owner.rank, d_in), (owner.capacity, d_out, owner.rank)
        self.a = torch.zeros(shape_a, dtype=self.dtype, device=owner.device)
        self.b = torch.zeros(shape_b, dtype=self.dtype, device=owner.device)
        self.handle = module.register_forward_hook(self._hook)

    def grow(self, capacity: int, rank: int) -> None:
        """Reallocates the stacks to capacity slots and rank, keeping their contents."""
        a = torch.zeros((capacity, rank, self.d_in), dtype=self.dtype, device=self.a.device)
        b = torch.zeros((capacity, self.d_out, rank), dtype=self.dtype, device=self.b.device)
        s, r = self.a.shape[0], self.a.shape[1]
        a[:s, :r].copy_(self.a)
        b[:s, :, :r].copy_(self.b)
        self.a, self.b = a, b

    def _hook(self, module: Any, args: tuple[Any, ...], output: torch.Tensor) -> Any:
        batch = self.owner._active
        if batch is None:
            return None
        a, b = batch.gathered(self, output.dtype)
        x = args[0]
        rows = a.shape[0]
        h = torch.bmm(x.reshape(rows, -1, self.d_in), a)
        return torch.baddbmm(output.reshape(rows, -1, self.d_out), h, b).view_as(output)


class _Batch:
    """The slot index of each row of one batch and the layers' matrices gathered for it."""

    def __init__(
        self,
        owner: BatchedLora,
        idx: torch.Tensor,
        parent: _Batch | None = None,
        rows: torch.Tensor | None = None,
    ) -> None:
        self.owner = owner
        self.idx = idx
        self.scale = owner.scale[idx]
        self.parent, self.rows = parent, rows
        self._cache: dict[int, tuple[torch.Tensor, torch.Tensor]] = {}

    def gathered(self, layer: _Layer, dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor]:
        """(A[idx]^T: (N, d_in, R), (scale * B[idx])^T: (N, R, d_out)), once per batch (a
        sub-batch takes its rows of its parent's)."""
        hit = self._cache.get(id(layer))
        if hit is None and self.parent is not None and self.rows is not None:
            a, b = self.parent.gathered(layer, dtype)
            hit = (a.index_select(0, self.rows), b.index_select(0, self.rows))
            self._cache[id(layer)] = hit
        if hit is None:
            a = layer.a.index_select(0, self.idx).transpose(1, 2).to(dtype).contiguous()
            b = layer.b.index_select(0, self.idx) * self.scale.to(layer.dtype)[:, None, None]
            hit = (a, b.transpose(1, 2).to(dtype).contiguous())
            self._cache[id(layer)] = hit
        return hit


class BatchedLora:
    """Per-layer stacks of every installed adapter's LoRA matrices, applied by slot index."""

    def __init__(self, model: Any, device: torch.device, capacity: int = 8) -> None:
        """Empty stacks for model (already on device); slot 0 is reserved for `no adapter`."""
        self.model = model
        self.device = device
        self.capacity = max(2, capacity)
        self.rank = 1
        self.layers: dict[str, _Layer] = {}
        self.scale = torch.zeros(self.capacity, dtype=torch.float32, device=device)
        self._free = list(range(self.capacity - 1, 0, -1))
        self._active: _Batch | None = None

    def allocate(self) -> int:
        """A free slot index (the stacks grow when none is left)."""
        if not self._free:
            self._grow(self.capacity * 2, self.rank)
        return self._free.pop()

    def release(self, index: int) -> None:
        """Zeroes slot index and returns it to the free list."""
        self._zero(index)
        self._free.append(index)

    def _grow(self, capacity: int, rank: int) -> None:
        for layer in self.layers.values():
            layer.grow(capacity, rank)
        if capacity > self.capacity:
            scale = torch.zeros(capacity, dtype=torch.float32, device=self.device)
            scale[: self.capacity].copy_(self.scale)
            self.scale = scale
            self._free.extend(range(capacity - 1, self.capacity - 1, -1))
            self._free.sort(reverse=True)
            self.capacity = capacity
        self.rank = rank

    def _zero(self, index: int) -> None:
        with torch.no_grad():
            for layer in self.layers.values():
                layer.a[index].zero_()
                layer.b[index].zero_()
            self.scale[index] = 0.0

    def _layer(self, path: str) -> _Layer:
        layer = self.layers.get(path)
        if layer is None:
            try:
                module = _original_module(self.model.get_submodule(path))
            except AttributeError:
                raise KeyError(path) from None
            d_in, d_out = _features(module)
            layer = _Layer(self, module, d_in, d_out)
            self.layers[path] = layer
        return layer

    def write(self, index: int, loaded: LoadedAdapter) -> None:
        """Copies loaded's A/B into slot index of each layer's stacks (checked first)."""
        spec = loaded.spec
        pairs: dict[str, dict[str, torch.Tensor]] = {}
        for key, tensor in loaded.state.items():
            for part in (".lora_A.", ".lora_B."):
                if part in key:
                    path = key.split(part, 1)[0].removeprefix(PEFT_PREFIX)
                    which = "a" if part == ".lora_A." else "b"
                    break
            else:
                raise AdapterError(f"adapter {loaded.sha256}: unexpected tensor {key}")
            try:
                layer = self._layer(path)
            except KeyError:
                raise AdapterError(
                    f"adapter {loaded.sha256}: tensor {key} has no place in the model"
                ) from None
            expected = (spec.rank, layer.d_in) if which == "a" else (layer.d_out, spec.rank)
            if tuple(tensor.shape) != expected:
                raise AdapterError(
                    f"adapter {loaded.sha256}: {key} has shape {tuple(tensor.shape)}, "
                    f"the model expects {expected}"
                )
            pairs.setdefault(path, {})[which] = tensor
        for path, pair in pairs.items():
            if len(pair) != 2:
                raise AdapterError(f"adapter {loaded.sha256}: {path} lacks lora_A or lora_B")
        if spec.rank > self.rank:
            self._grow(self.capacity, spec.rank)
        self._zero(index)
        r = spec.rank
        with torch.no_grad():
            for path, pair in pairs.items():
                layer = self.layers[path]
                layer.a[index, :r].copy_(pair["a"], non_blocking=True)
                layer.b[index, :, :r].copy_(pair["b"], non_blocking=True)
            self.scale[index] = spec.alpha / spec.rank

    def slot_bytes(self) -> int:
        """Bytes one slot occupies across all stacks."""
        return sum(
            (layer.a[0].numel() + layer.b[0].numel()) * layer.a.element_size()
            for layer in self.layers.values()
        )

    @contextmanager
    def rows(self, positions: list[int]) -> Iterator[None]:
        """Inside a batch(...): forwards run on that batch's rows `positions` only (in that
        order), each still with its own adapter. Outside a batch, or in an all-base one, a
        no-op."""
        parent = self._active
        if parent is None:
            yield
            return
        rows = torch.tensor(positions, dtype=torch.long, device=self.device)
        self._active = _Batch(self, parent.idx.index_select(0, rows), parent, rows)
        try:
            yield
        finally:
            self._active = parent

    @contextmanager
    def batch(self, indices: list[int]) -> Iterator[None]:
        """Inside, every forward of the model adds each row's own LoRA (row i: indices[i]).

        peft's LoRA layers (the attribution slot) are switched off meanwhile and restored after.
        """
        if self._active is not None:
            raise RuntimeError("a batch is already running on this model")
        peft_layers = [m for m in self.model.modules() if hasattr(m, "_disable_adapters")]
        saved = [m._disable_adapters for m in peft_layers]
        for module in peft_layers:
            module._disable_adapters = True
        if any(indices):  # an all-base batch needs no LoRA at all
            idx = torch.tensor(indices, dtype=torch.long, device=self.device)
            self._active = _Batch(self, idx)
        try:
            yield
        finally:
            self._active = None
            for module, value in zip(peft_layers, saved, strict=True):
                module._disable_adapters = value
