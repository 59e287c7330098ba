"""LoRA adapter files: the layout of an adapter directory, its weight hash, and hash-checked loads.

The weights file `adapter_model.safetensors` holds the LoRA tensors under peft's names and, in
its safetensors metadata, the LoRA hyperparameters (`aichain.lora`, canonical JSON). The
adapter's identity is the sha256 of that file's bytes, so the hash commits to the weights and to
how they are applied. See docs/worker.md.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

ADAPTER_WEIGHTS = "adapter_model.safetensors"
"""Weights file of an adapter directory; its sha256 is the adapter's hash."""
ADAPTER_HASH = "adapter.sha256"
"""File holding the sha256 hex of the weights file (one line)."""
ADAPTER_CONFIG = "adapter_config.json"
"""peft's config file, written for compatibility with peft tooling (not hashed, not trusted)."""
TRAINING_MANIFEST = "training_manifest.json"
"""Provenance of a trained adapter: base model, datanet version, record order, settings."""
FEATURES_DIR = "features"
"""Per-record attribution features written at training time."""
CHECKPOINT_DIR = "checkpoint"
"""Training checkpoint used by --resume."""
LORA_METADATA_KEY = "aichain.lora"
"""safetensors metadata key holding the LoRA hyperparameters as canonical JSON."""
GPT2_TARGET_MODULES = ("c_attn", "c_proj", "c_fc")
"""LoRA targets on GPT-2 style models (attention qkv/out and both MLP projections)."""
LLAMA_TARGET_MODULES = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
"""LoRA targets on Llama style models."""


class AdapterError(ValueError):
    """An adapter directory is missing or malformed."""


class AdapterIntegrityError(AdapterError):
    """An adapter's weights do not match the hash it is expected to have."""


@dataclass(frozen=True, slots=True)
class LoraSpec:
    """How an adapter is applied: rank, alpha, targets, Conv1D layout, and its base model."""

    rank: int
    alpha: int
    target_modules: tuple[str, ...]
    fan_in_fan_out: bool
    base_model_sha256: str

    def to_json(self) -> str:
        """Canonical JSON (sorted keys, no spaces) stored in the weights file's metadata."""
        return json.dumps(
            {
                "alpha": self.alpha,
                "base_model_sha256": self.base_model_sha256,
                "fan_in_fan_out": self.fan_in_fan_out,
                "rank": self.rank,
                "target_modules": list(self.target_modules),
            },
            sort_keys=True,
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str) -> LoraSpec:
        """Parses to_json's output."""
        raw = json.loads(text)
        return cls(
            rank=int(raw["rank"]),
            alpha=int(raw["alpha"]),
            target_modules=tuple(str(m) for m in raw["target_modules"]),
            fan_in_fan_out=bool(raw["fan_in_fan_out"]),
            base_model_sha256=str(raw["base_model_sha256"]),
        )

    def to_peft(self) -> Any:
        """The equivalent peft LoraConfig (no dropout, no bias)."""
        from peft import LoraConfig

        return LoraConfig(
            r=self.rank,
            lora_alpha=self.alpha,
            target_modules=list(self.target_modules),
            fan_in_fan_out=self.fan_in_fan_out,
            lora_dropout=0.0,
            bias="none",
            task_type="CAUSAL_LM",
        )


@dataclass(frozen=True, slots=True)
class LoadedAdapter:
    """An adapter read from disk and verified: its hash, LoRA spec and CPU tensors."""

    sha256: str
    spec: LoraSpec
    state: dict[str, torch.Tensor]

    @property
    def nbytes(self) -> int:
        """Bytes held by the adapter's tensors."""
        return sum(t.numel() * t.element_size() for t in self.state.values())


def default_target_modules(model: Any) -> tuple[tuple[str, ...], bool]:
    """(LoRA target module names, fan_in_fan_out) for a GPT-2 or Llama style model."""
    names = {name.rsplit(".", 1)[-1] for name, _ in model.named_modules()}
    if {"c_attn", "c_proj"} <= names:
        return tuple(m for m in GPT2_TARGET_MODULES if m in names), True
    found = tuple(m for m in LLAMA_TARGET_MODULES if m in names)
    if not found:
        raise AdapterError("cannot find LoRA target modules; pass target_modules explicitly")
    return found, False


def compute_file_sha256(path: Path) -> str:
    """sha256 hex of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


SAFETENSORS_DTYPES = {
    torch.float32: "F32",
    torch.float16: "F16",
    torch.bfloat16: "BF16",
    torch.float64: "F64",
    torch.int64: "I64",
    torch.int32: "I32",
    torch.int8: "I8",
    torch.uint8: "U8",
    torch.bool: "BOOL",
}
"""safetensors dtype codes of the tensor types an adapter may hold."""


def compute_canonical_safetensors(
    tensors: dict[str, torch.Tensor], metadata: dict[str, str]
) -> bytes:
    """Byte-deterministic safetensors: sorted names, sorted-key compact JSON header, padded to 8."""
    header: dict[str, object] = {"__metadata__": dict(sorted(metadata.items()))}
    chunks, offset = [], 0
    for name in sorted(tensors):
        tensor = tensors[name].detach().to("cpu").contiguous()
        if tensor.dtype not in SAFETENSORS_DTYPES:
            raise AdapterError(f"tensor {name}: dtype {tensor.dtype} cannot be stored")
        raw = tensor.reshape(-1).view(torch.uint8).numpy().tobytes() if tensor.numel() else b""
        header[name] = {
            "dtype": SAFETENSORS_DTYPES[tensor.dtype],
            "shape": list(tensor.shape),
            "data_offsets": [offset, offset + len(raw)],
        }
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header, sort_keys=True, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return len(text).to_bytes(8, "little") + text + b"".join(chunks)


def save_adapter(directory: Path, spec: LoraSpec, state: dict[str, torch.Tensor]) -> str:
    """Writes the weights file and adapter.sha256 into directory; returns the weight hash."""
    directory.mkdir(parents=True, exist_ok=True)
    data = compute_canonical_safetensors(state, {"format": "pt", LORA_METADATA_KEY: spec.to_json()})
    tmp = directory / (ADAPTER_WEIGHTS + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(directory / ADAPTER_WEIGHTS)
    digest = hashlib.sha256(data).hexdigest()
    (directory / ADAPTER_HASH).write_text(digest + "\n", encoding="utf-8")
    spec.to_peft().save_pretrained(str(directory))
    return digest


def read_adapter_hash(directory: Path) -> str:
    """The hash an adapter directory declares in adapter.sha256."""
    file = Path(directory) / ADAPTER_HASH
    try:
        digest = file.read_text(encoding="utf-8").strip().lower()
    except OSError as exc:
        raise AdapterError(f"{directory} is not an adapter directory: no {ADAPTER_HASH}") from exc
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise AdapterError(f"{file}: not a sha256 hex digest")
    return digest


def load_adapter(directory: Path, expected_sha256: str) -> LoadedAdapter:
    """Reads an adapter's weights, refusing them unless their sha256 is expected_sha256."""
    from safetensors.torch import load

    file = Path(directory) / ADAPTER_WEIGHTS
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise AdapterError(f"cannot read adapter weights {file}: {exc.strerror or exc}") from exc
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected_sha256.lower():
        raise AdapterIntegrityError(
            f"adapter {file}: weights hash to {actual} but {expected_sha256} was expected; "
            "refusing to load them"
        )
    state = load(data)
    try:
        header_len = int.from_bytes(data[:8], "little")
        metadata = json.loads(data[8 : 8 + header_len]).get("__metadata__", {})
        spec = LoraSpec.from_json(metadata[LORA_METADATA_KEY])
    except (KeyError, ValueError) as exc:
        raise AdapterError(f"adapter {file}: no valid {LORA_METADATA_KEY} metadata") from exc
    return LoadedAdapter(actual, spec, state)
