"""Per-example gradients of the LoRA parameters, captured with hooks and randomly projected.

For a LoRA pair (A: r x d_in, B: d_out x r) the per-example gradient of a linear map is the
sum over tokens of (grad of its output) outer (its input). Forward hooks keep each LoRA
linear's input and output; one autograd.grad call on the summed per-example losses returns
every output gradient at once (examples are independent, so each row is that example's own).
Each module's flattened [dA, dB] is projected to `proj_dim` values with a seeded Gaussian
matrix (Johnson-Lindenstrauss), so every record's gradient fits in a small fixed row.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from aichain.gpu_worker.attribution.errors import AttributionError
from aichain.gpu_worker.attribution.sequences import Batch


@dataclass(frozen=True, slots=True)
class LoraModule:
    """One LoRA-adapted module: its name and its A and B linears (for the active adapter)."""

    name: str
    lora_a: torch.nn.Module
    lora_b: torch.nn.Module

    @property
    def grad_dim(self) -> int:
        """Number of LoRA parameters of this module (A and B together)."""
        return self.lora_a.weight.numel() + self.lora_b.weight.numel()


def find_lora_modules(model: Any) -> list[LoraModule]:
    """The LoRA-adapted modules of a peft model, in module order (active adapter only)."""
    found: list[LoraModule] = []
    for name, module in model.named_modules():
        lora_a = getattr(module, "lora_A", None)
        lora_b = getattr(module, "lora_B", None)
        if not isinstance(lora_a, torch.nn.ModuleDict) or not isinstance(
            lora_b, torch.nn.ModuleDict
        ):
            continue
        active = getattr(module, "active_adapters", None) or list(lora_a.keys())
        adapter = active[0]
        if adapter in lora_a and adapter in lora_b:
            short = name.removeprefix("base_model.model.")
            found.append(LoraModule(short, lora_a[adapter], lora_b[adapter]))
    if not found:
        raise AttributionError("model has no LoRA modules: attribution needs a peft LoRA model")
    return found


def compute_projection(name: str, in_dim: int, out_dim: int, seed: int) -> np.ndarray:
    """Seeded Gaussian projection (in_dim x out_dim, float32, entries N(0, 1/out_dim))."""
    digest = hashlib.sha256(f"lora-influence-v1/{seed}/{name}".encode()).digest()
    rng = np.random.Generator(np.random.PCG64(int.from_bytes(digest[:8], "big")))
    matrix = rng.standard_normal((in_dim, out_dim)) / np.sqrt(out_dim)
    return matrix.astype(np.float32)


def compute_projection_sha256(projections: Sequence[np.ndarray]) -> str:
    """sha256 over the projection matrices (a verifier checks it matches the features')."""
    digest = hashlib.sha256()
    for matrix in projections:
        digest.update(np.ascontiguousarray(matrix, dtype="<f4").tobytes())
    return digest.hexdigest()


@contextmanager
def _capturing(modules: Sequence[LoraModule]) -> Iterator[dict[int, list[torch.Tensor]]]:
    """Hooks that record (input, output) of every LoRA linear during a forward pass."""
    seen: dict[int, list[torch.Tensor]] = {}
    handles = []

    def hook(key: int):  # noqa: ANN202 - a torch hook factory
        def save(_module: Any, inputs: tuple[torch.Tensor, ...], output: torch.Tensor) -> None:
            if key in seen:
                raise AttributionError("a LoRA module ran twice in one forward pass")
            seen[key] = [inputs[0], output]

        return save

    params = []
    for index, module in enumerate(modules):
        handles.append(module.lora_a.register_forward_hook(hook(2 * index)))
        handles.append(module.lora_b.register_forward_hook(hook(2 * index + 1)))
        params += [module.lora_a.weight, module.lora_b.weight]
    flags = [p.requires_grad for p in params]
    for p in params:
        p.requires_grad_(True)
    try:
        yield seen
    finally:
        for handle in handles:
            handle.remove()
        for p, flag in zip(params, flags, strict=True):
            p.requires_grad_(flag)


class LoraGradientProjector:
    """Computes projected per-example LoRA gradients of a peft model."""

    def __init__(self, model: Any, proj_dim: int, seed: int) -> None:
        """Finds the LoRA modules of model and builds their seeded projections."""
        self.model = model
        self.modules = find_lora_modules(model)
        self.proj_dim = proj_dim
        self.seed = seed
        self.projections = [
            compute_projection(m.name, m.grad_dim, proj_dim, seed) for m in self.modules
        ]
        device = next(model.parameters()).device
        self._proj_t = [torch.from_numpy(p).to(device) for p in self.projections]

    @property
    def dim(self) -> int:
        """Width of one projected gradient row (modules x proj_dim)."""
        return len(self.modules) * self.proj_dim

    def gradients(self, batch: Batch) -> torch.Tensor:
        """Projected gradients (batch x dim, float32) of each example's mean token loss."""
        device = self._proj_t[0].device
        with _capturing(self.modules) as seen:
            logits = self.model(
                input_ids=batch.input_ids.to(device),
                attention_mask=batch.attention_mask.to(device),
            ).logits
            losses = compute_example_losses(logits, batch.labels.to(device))
            outputs = [seen[k][1] for k in range(2 * len(self.modules))]
            grads = torch.autograd.grad(losses.sum(), outputs)
        rows = []
        for index in range(len(self.modules)):
            a_in, b_in = seen[2 * index][0], seen[2 * index + 1][0]
            grad_a = torch.einsum("bto,bti->boi", grads[2 * index], a_in)
            grad_b = torch.einsum("bto,bti->boi", grads[2 * index + 1], b_in)
            flat = torch.cat([grad_a.flatten(1), grad_b.flatten(1)], dim=1)
            rows.append(flat.float() @ self._proj_t[index])
        return torch.cat(rows, dim=1).detach().to("cpu", torch.float32)


def compute_example_losses(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Mean next-token cross-entropy per example over positions whose label is not -100."""
    shift_logits = logits[:, :-1, :].float()
    shift_labels = labels[:, 1:]
    mask = shift_labels != -100
    token_loss = torch.nn.functional.cross_entropy(
        shift_logits.reshape(-1, shift_logits.shape[-1]),
        shift_labels.clamp(min=0).reshape(-1),
        reduction="none",
    ).view(shift_labels.shape)
    counts = mask.sum(dim=1).clamp(min=1)
    return (token_loss * mask).sum(dim=1) / counts
