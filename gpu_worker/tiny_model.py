"""The built-in tiny causal LM and its byte-level tokenizer, built in code (no downloads).

Every tokenizer the worker uses has the `TextTokenizer` surface: `encode(text) -> list[int]`,
`decode(ids) -> str`, `pad_token_id`, `eos_token_id`, `bos_token_id`, `vocab_size`. The byte
tokenizer maps byte b to id b (0..255) and adds three specials: PAD=256, BOS=257, EOS=258.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import torch

from aichain.gpu_worker.device import resolve_device

PAD_ID = 256
"""Padding token id of the byte tokenizer."""
BOS_ID = 257
"""Beginning-of-sequence token id of the byte tokenizer."""
EOS_ID = 258
"""End-of-sequence token id of the byte tokenizer."""
BYTE_VOCAB_SIZE = 259
"""256 byte ids plus PAD, BOS and EOS."""

TINY_SPEC = "tiny"
"""The --base-model value naming the built-in tiny model, pre-trained (gpu_worker.base_cache)."""
TINY_RANDOM_SPEC = "tiny-random"
"""The --base-model value naming the randomly initialised tiny model ("tiny-random:SEED" too;
the older "tiny:SEED" means the same)."""
BYTE_TOKENIZER_MARKER = "aichain_base.json"
"""File in a checkpoint directory whose `tokenizer` "byte-v1" selects ByteTokenizer."""

TINY_CONFIG: dict[str, Any] = {
    "vocab_size": BYTE_VOCAB_SIZE,
    "n_positions": 512,
    "n_embd": 128,
    "n_layer": 4,
    "n_head": 4,
    "n_inner": 512,
    "initializer_range": 0.1,
    "resid_pdrop": 0.0,
    "embd_pdrop": 0.0,
    "attn_pdrop": 0.0,
    "bos_token_id": BOS_ID,
    "eos_token_id": EOS_ID,
    "pad_token_id": PAD_ID,
}
"""GPT-2 config of the tiny model (~0.9M parameters); build_tiny_model(**overrides) changes it.

initializer_range 0.1 (not GPT-2's 0.02) gives the frozen random embeddings enough scale for
a LoRA alone to fit text; with 0.02 the logits stay nearly flat whatever the adapter does.
"""


@runtime_checkable
class TextTokenizer(Protocol):
    """The tokenizer surface the worker needs (byte tokenizer or a wrapped HF tokenizer)."""

    pad_token_id: int
    eos_token_id: int
    bos_token_id: int | None
    vocab_size: int

    def encode(self, text: str) -> list[int]:
        """Token ids of text, without special tokens."""
        ...

    def decode(self, ids: list[int]) -> str:
        """Text of ids, special tokens dropped."""
        ...


class ByteTokenizer:
    """Byte-level tokenizer: UTF-8 bytes are the ids, plus PAD/BOS/EOS specials."""

    pad_token_id = PAD_ID
    bos_token_id = BOS_ID
    eos_token_id = EOS_ID
    vocab_size = BYTE_VOCAB_SIZE
    name = "byte-v1"

    def encode(self, text: str) -> list[int]:
        """UTF-8 bytes of text as ids (no specials)."""
        return list(text.encode("utf-8"))

    def decode(self, ids: list[int] | torch.Tensor) -> str:
        """Text of the byte ids; specials are dropped, invalid UTF-8 becomes U+FFFD."""
        if isinstance(ids, torch.Tensor):
            ids = ids.tolist()
        return bytes(i for i in ids if 0 <= i < 256).decode("utf-8", errors="replace")

    def __len__(self) -> int:
        """Vocabulary size."""
        return BYTE_VOCAB_SIZE


class HFTokenizer:
    """Wraps a Hugging Face tokenizer in the TextTokenizer surface."""

    def __init__(self, inner: Any) -> None:
        """Wraps inner; uses EOS as padding when the tokenizer has no pad token."""
        self.inner = inner
        eos = inner.eos_token_id
        self.eos_token_id = int(eos if eos is not None else 0)
        pad = inner.pad_token_id
        self.pad_token_id = int(pad if pad is not None else self.eos_token_id)
        self.bos_token_id = inner.bos_token_id
        self.vocab_size = len(inner)
        self.name = getattr(inner, "name_or_path", "hf")

    def encode(self, text: str) -> list[int]:
        """Token ids of text, without special tokens."""
        return list(self.inner.encode(text, add_special_tokens=False))

    def decode(self, ids: list[int] | torch.Tensor) -> str:
        """Text of ids, special tokens dropped."""
        if isinstance(ids, torch.Tensor):
            ids = ids.tolist()
        return self.inner.decode(ids, skip_special_tokens=True)

    def __len__(self) -> int:
        """Vocabulary size."""
        return self.vocab_size


def build_tiny_tokenizer() -> ByteTokenizer:
    """The byte-level tokenizer of the tiny model."""
    return ByteTokenizer()


def build_tiny_model(seed: int = 0, **overrides: Any) -> Any:
    """A randomly initialised GPT-2 LM from TINY_CONFIG (overrides replace config fields)."""
    from transformers import GPT2Config, GPT2LMHeadModel

    config = GPT2Config(**{**TINY_CONFIG, **overrides})
    generator_state = torch.random.get_rng_state()
    try:
        torch.manual_seed(seed)
        model = GPT2LMHeadModel(config)
    finally:
        torch.random.set_rng_state(generator_state)
    model.eval()
    return model


def _byte_tokenizer_of(path: Path) -> ByteTokenizer | None:
    """ByteTokenizer when path's BYTE_TOKENIZER_MARKER names it (a pre-trained tiny base)."""
    marker = path / BYTE_TOKENIZER_MARKER
    if not marker.is_file():
        return None
    name = json.loads(marker.read_text(encoding="utf-8")).get("tokenizer")
    if name != ByteTokenizer.name:
        raise ValueError(f"{marker}: unknown tokenizer {name!r} (expected {ByteTokenizer.name!r})")
    return build_tiny_tokenizer()


@contextlib.contextmanager
def hf_progress_bars_off() -> Iterator[None]:
    """Inside, transformers shows no progress bars ("Loading weights", "Writing model shards")."""
    from transformers.utils import logging as hf_logging

    shown = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if shown:
            hf_logging.enable_progress_bar()


def compute_random_tiny_seed(spec: str) -> int | None:
    """Seed of a randomly initialised tiny spec ("tiny-random[:SEED]", "tiny:SEED"); else None."""
    if spec == TINY_RANDOM_SPEC:
        return 0
    for prefix in (TINY_RANDOM_SPEC + ":", TINY_SPEC + ":"):
        if spec.startswith(prefix):
            raw = spec[len(prefix) :]
            try:
                return int(raw)
            except ValueError:
                raise ValueError(
                    f"base model {spec!r}: the seed after {prefix!r} must be an integer"
                ) from None
    return None


def load_base_model(
    spec: str, device: str | torch.device = "cpu", progress: bool | None = None
) -> tuple[Any, TextTokenizer]:
    """(model, tokenizer) for "tiny", "tiny-random[:SEED]" or a local HF checkpoint directory.

    "tiny" is the pre-trained tiny base, built on first use and cached
    (gpu_worker.base_cache; progress: its build's progress bar, None = when stderr is a
    terminal); "tiny-random" (seed 0), "tiny-random:SEED" and the older "tiny:SEED" are the
    randomly initialised one. A directory with BYTE_TOKENIZER_MARKER (gpu_worker.pretrain's
    output) gets ByteTokenizer; any other directory its own AutoTokenizer.
    """
    target = resolve_device(device)
    seed = compute_random_tiny_seed(spec)
    if seed is not None:
        model, tokenizer = build_tiny_model(seed=seed), build_tiny_tokenizer()
    else:
        if spec == TINY_SPEC:
            from aichain.gpu_worker.base_cache import ensure_pretrained_base

            path = ensure_pretrained_base(progress=progress)
        else:
            path = Path(spec).expanduser()
        if not path.is_dir():
            raise FileNotFoundError(
                f"base model {spec!r} is neither 'tiny', 'tiny-random' nor a local checkpoint "
                "directory"
            )
        from transformers import AutoModelForCausalLM, AutoTokenizer

        with hf_progress_bars_off():
            model = AutoModelForCausalLM.from_pretrained(path, local_files_only=True)
        tokenizer = _byte_tokenizer_of(path) or HFTokenizer(
            AutoTokenizer.from_pretrained(path, local_files_only=True)
        )
    model.to(target)
    model.eval()
    return model, tokenizer


def compute_state_dict_hash(state: dict[str, torch.Tensor]) -> str:
    """sha256 hex over tensors sorted by name: name, dtype, shape, then raw little-endian bytes."""
    digest = hashlib.sha256()
    for name in sorted(state):
        tensor = state[name].detach().to("cpu").contiguous()
        header = f"{name}\0{str(tensor.dtype).removeprefix('torch.')}\0"
        header += ",".join(str(d) for d in tensor.shape) + "\0"
        digest.update(len(header.encode()).to_bytes(8, "big"))
        digest.update(header.encode())
        raw = tensor.reshape(-1).view(torch.uint8).numpy().tobytes() if tensor.numel() else b""
        digest.update(len(raw).to_bytes(8, "big"))
        digest.update(raw)
    return digest.hexdigest()


def compute_model_hash(model: Any) -> str:
    """Content hash of a model's weights (compute_state_dict_hash of its state dict)."""
    return compute_state_dict_hash(dict(model.state_dict()))
