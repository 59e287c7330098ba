"""Brief full-weight pre-training of the built-in tiny model, saved as a local checkpoint.

A LoRA on the randomly initialised tiny model fits its records only as generic byte patterns,
so an answer to a planted query carries little of its contributor's text and attribution has
nothing to find. A few hundred full-weight steps on demo-language text (another demo datanet,
same themes and styles, other facts) give a base that writes the demo language; a LoRA on it
then learns the facts themselves. The bench (`bench/attribution_quality.py`) and the ML tests
use this one implementation.

`pretrain_tiny_base` writes a Hugging Face checkpoint directory (`config.json`,
`model.safetensors`) plus `aichain_base.json`, which names the byte tokenizer:
`load_base_model(PATH)` (so `--base-model PATH`) loads it with `ByteTokenizer`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import torch

from aichain.gpu_worker.datanet import Record
from aichain.gpu_worker.tiny_model import (
    BYTE_TOKENIZER_MARKER,
    build_tiny_model,
    build_tiny_tokenizer,
    compute_model_hash,
    hf_progress_bars_off,
)

PRETRAIN_STEPS = 400
"""Default optimizer steps of pretrain_tiny_base."""
PRETRAIN_LR = 2e-3
"""Default AdamW learning rate of pretrain_tiny_base."""


def train_steps(
    model: Any,
    tokenizer: Any,
    texts: Sequence[str],
    steps: int,
    lr: float,
    seed: int,
    batch_size: int = 16,
    max_seq_len: int = 256,
    on_step: Callable[[int, float], None] | None = None,
) -> float:
    """Seeded AdamW steps on random batches of texts (trainable params only); the last loss.

    Batch rows are drawn with replacement from a torch.Generator seeded with seed; each text
    is one [BOS] text [EOS] sequence cut to max_seq_len. Leaves the model in eval mode.
    on_step (optional) is called with (step, loss) after every step (steps count from 1).
    """
    from aichain.gpu_worker.attribution.sequences import compute_batch, compute_record_sequence

    if not texts:
        raise ValueError("no texts to train on")
    gen = torch.Generator().manual_seed(seed)
    seqs = [compute_record_sequence(tokenizer, t, max_seq_len) for t in texts]
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=lr, weight_decay=0.0)
    model.train()
    loss = torch.tensor(math.nan)
    for step in range(1, steps + 1):
        rows = torch.randint(len(seqs), (batch_size,), generator=gen).tolist()
        batch = compute_batch([seqs[i] for i in rows], tokenizer.pad_token_id)
        loss = model(
            input_ids=batch.input_ids, attention_mask=batch.attention_mask, labels=batch.labels
        ).loss
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if on_step is not None:
            on_step(step, float(loss.detach()))
    model.eval()
    return float(loss.detach())


def pretrain_tiny_base(
    records: Sequence[Record | str],
    out_dir: str | Path,
    steps: int = PRETRAIN_STEPS,
    seed: int = 1,
    lr: float = PRETRAIN_LR,
    batch_size: int = 16,
    model_seed: int = 0,
    max_seq_len: int = 256,
    on_step: Callable[[int, float], None] | None = None,
    extra_marker: dict[str, Any] | None = None,
) -> Path:
    """Pre-trains build_tiny_model(model_seed) on records' texts; saves it at out_dir.

    Full-weight training (train_steps; on_step as there). Deterministic for the same records,
    settings and library versions on one device. Returns out_dir, loadable with
    load_base_model(out_dir). The marker file also records the weights' sha256 and, merged
    in, extra_marker.
    """
    texts = [r if isinstance(r, str) else r.text for r in records]
    model = build_tiny_model(seed=model_seed)
    tokenizer = build_tiny_tokenizer()
    loss = train_steps(
        model,
        tokenizer,
        texts,
        steps,
        lr,
        seed=seed,
        batch_size=batch_size,
        max_seq_len=max_seq_len,
        on_step=on_step,
    )
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with hf_progress_bars_off():
        model.save_pretrained(out, safe_serialization=True)
    marker: dict[str, Any] = {
        "tokenizer": tokenizer.name,
        "pretrain": {
            "steps": steps,
            "seed": seed,
            "lr": lr,
            "batch_size": batch_size,
            "model_seed": model_seed,
            "texts": len(texts),
            "final_loss": loss,
        },
        "weights_sha256": compute_model_hash(model),
        **(extra_marker or {}),
    }
    (out / BYTE_TOKENIZER_MARKER).write_text(json.dumps(marker, indent=2) + "\n", "utf-8")
    return out
