"""Model Factory: LoRA fine-tuning of a base model on a datanet version, with provenance.

Training is deterministic for a given seed, datanet version and device: LoRA init comes from
torch's RNG seeded with `seed`, dropout is off, and epoch e visits the records in the order of
`compute_epoch_order(n, seed, e)`, in consecutive batches of `batch_size`. Each record is one
sequence (BOS + bytes + EOS, truncated), so per-record features line up with training examples.
"""

from __future__ import annotations

import json
import logging
import math
import platform
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch

from aichain.gpu_worker.adapters import (
    ADAPTER_HASH,
    ADAPTER_WEIGHTS,
    CHECKPOINT_DIR,
    FEATURES_DIR,
    TRAINING_MANIFEST,
    LoraSpec,
    default_target_modules,
    save_adapter,
)
from aichain.gpu_worker.datanet import DatanetSource, EmptyDatanetError, Record
from aichain.gpu_worker.device import resolve_device
from aichain.gpu_worker.tiny_model import TextTokenizer, compute_model_hash, load_base_model

log = logging.getLogger(__name__)

MANIFEST_FORMAT = "aichain-training-manifest-v1"
"""Value of training_manifest.json's `format` field."""
CHECKPOINT_FILE = "state.pt"
"""File inside checkpoint/ holding the resumable training state."""


class TrainingError(ValueError):
    """Training cannot start or resume as asked."""


@dataclass(frozen=True, slots=True)
class TrainConfig:
    """Hyperparameters of one LoRA training run."""

    epochs: int = 3
    lr: float = 3e-3
    rank: int = 8
    alpha: int = 16
    seed: int = 0
    batch_size: int = 8
    max_seq_len: int = 256
    max_steps: int | None = None
    early_stop_patience: int | None = None
    early_stop_min_delta: float = 1e-3
    checkpoint_every: int = 50
    target_modules: tuple[str, ...] | None = None

    def fingerprint(self) -> dict[str, Any]:
        """Settings a resumed run must share with the checkpoint (not the stopping rules)."""
        keep = ("lr", "rank", "alpha", "seed", "batch_size", "max_seq_len", "target_modules")
        return {k: _jsonable(getattr(self, k)) for k in keep}


@dataclass(frozen=True, slots=True)
class TrainResult:
    """What a training run produced."""

    adapter_dir: Path
    adapter_sha256: str
    steps: int
    epochs_completed: int
    final_loss: float
    stopped_early: bool
    features_written: bool
    epoch_losses: tuple[float, ...] = field(default_factory=tuple)


def _jsonable(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def compute_epoch_order(count: int, seed: int, epoch: int) -> list[int]:
    """Record indices in the order epoch `epoch` visits them (a seeded permutation)."""
    order = list(range(count))
    random.Random(f"aichain-train-{seed}-{epoch}").shuffle(order)
    return order


def encode_record(tokenizer: TextTokenizer, text: str, max_seq_len: int) -> list[int]:
    """Training ids of one record: BOS (when the tokenizer has one) + text + EOS, truncated."""
    ids = ([tokenizer.bos_token_id] if tokenizer.bos_token_id is not None else []) + (
        tokenizer.encode(text) + [tokenizer.eos_token_id]
    )
    return ids[:max_seq_len]


def collate(sequences: list[list[int]], pad_id: int, device: torch.device) -> dict:
    """Right-padded input_ids, attention_mask and labels (-100 on padding) for a batch."""
    width = max(len(s) for s in sequences)
    ids = torch.full((len(sequences), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(sequences), width), dtype=torch.long)
    for row, seq in enumerate(sequences):
        ids[row, : len(seq)] = torch.tensor(seq, dtype=torch.long)
        mask[row, : len(seq)] = 1
    labels = ids.masked_fill(mask == 0, -100)
    return {
        "input_ids": ids.to(device),
        "attention_mask": mask.to(device),
        "labels": labels.to(device),
    }


def library_versions() -> dict[str, str]:
    """Versions of the libraries that shape a training run's result."""
    import numpy
    import peft
    import safetensors
    import transformers

    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "peft": peft.__version__,
        "safetensors": safetensors.__version__,
        "numpy": numpy.__version__,
    }


def _lora_state(model: Any) -> dict[str, torch.Tensor]:
    from peft import get_peft_model_state_dict

    return {k: v.detach().clone() for k, v in get_peft_model_state_dict(model).items()}


def _save_checkpoint(directory: Path, state: dict[str, Any]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    tmp = directory / (CHECKPOINT_FILE + ".tmp")
    torch.save(state, tmp)
    tmp.replace(directory / CHECKPOINT_FILE)


def write_training_features(model: Any, tokenizer: Any, records: list[Record], out: Path) -> bool:
    """Calls the attribution engines' feature builder; False (with a warning) when absent."""
    try:
        from aichain.gpu_worker.attribution.features import compute_training_features
    except ImportError as exc:
        log.warning("attribution features not written: %s", exc)
        return False
    compute_training_features(model, tokenizer, records, out)
    return True


def train_adapter(
    source: DatanetSource,
    out_dir: str | Path,
    base_model: str = "tiny",
    config: TrainConfig | None = None,
    device: str = "auto",
    resume: bool = False,
    progress: bool = True,
    features: bool = True,
    on_step: Callable[[int, float], None] | None = None,
) -> TrainResult:
    """Trains a LoRA adapter on every record of source; writes the adapter dir at out_dir."""
    from peft import get_peft_model, set_peft_model_state_dict
    from tqdm import tqdm

    config = config or TrainConfig()
    out = Path(out_dir)
    info = source.info()
    records = source.load_records()
    if not records:
        raise EmptyDatanetError(
            f"datanet {info.ref} has no records: nothing to train on; add records and publish "
            "a new version first"
        )
    target = resolve_device(device)
    model, tokenizer = load_base_model(base_model, target)
    base_hash = compute_model_hash(model)
    targets, fan_in_fan_out = default_target_modules(model)
    if config.target_modules:
        targets = tuple(config.target_modules)
    spec = LoraSpec(config.rank, config.alpha, targets, fan_in_fan_out, base_hash)
    torch.manual_seed(config.seed)
    model = get_peft_model(model, spec.to_peft())
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=config.lr, weight_decay=0.0)
    encoded = [encode_record(tokenizer, r.text, config.max_seq_len) for r in records]
    batches_per_epoch = math.ceil(len(records) / config.batch_size)
    total_steps = batches_per_epoch * config.epochs
    if config.max_steps is not None:
        total_steps = min(total_steps, config.max_steps)

    fingerprint = {
        "base_model_sha256": base_hash,
        "datanet": info.ref,
        "config": config.fingerprint(),
    }
    step, epoch, epoch_losses, best, bad_epochs, stopped_early = 0, 0, [], math.inf, 0, False
    running: list[float] = []
    checkpoint_path = out / CHECKPOINT_DIR / CHECKPOINT_FILE
    if resume and checkpoint_path.is_file():
        saved = torch.load(checkpoint_path, map_location=target, weights_only=False)
        if saved["fingerprint"] != fingerprint:
            raise TrainingError(
                f"cannot resume from {checkpoint_path}: it was made with different settings "
                f"({saved['fingerprint']} vs {fingerprint}); use a fresh --out or drop --resume"
            )
        set_peft_model_state_dict(model, saved["lora"])
        optimizer.load_state_dict(saved["optimizer"])
        step, epoch = saved["step"], saved["epoch"]
        epoch_losses, running = list(saved["epoch_losses"]), list(saved["running"])
        best, bad_epochs = saved["best"], saved["bad_epochs"]
        stopped_early = saved["stopped_early"]
        log.info("resumed from %s at step %d (epoch %d)", checkpoint_path, step, epoch)
    elif resume:
        log.warning("no checkpoint at %s: starting from scratch", checkpoint_path)

    def checkpoint() -> None:
        _save_checkpoint(
            out / CHECKPOINT_DIR,
            {
                "fingerprint": fingerprint,
                "lora": _lora_state(model),
                "optimizer": optimizer.state_dict(),
                "step": step,
                "epoch": epoch,
                "epoch_losses": epoch_losses,
                "running": running,
                "best": best,
                "bad_epochs": bad_epochs,
                "stopped_early": stopped_early,
            },
        )

    bar = tqdm(total=total_steps, initial=min(step, total_steps), disable=not progress, unit="step")
    started = time.monotonic()
    while epoch < config.epochs and step < total_steps and not stopped_early:
        order = compute_epoch_order(len(records), config.seed, epoch)
        first_batch = step - epoch * batches_per_epoch
        for b in range(first_batch, batches_per_epoch):
            if step >= total_steps:
                break
            rows = order[b * config.batch_size : (b + 1) * config.batch_size]
            batch = collate([encoded[i] for i in rows], tokenizer.pad_token_id, target)
            loss = model(**batch).loss
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            step += 1
            running.append(float(loss.detach()))
            bar.set_postfix(epoch=epoch, loss=f"{running[-1]:.4f}")
            bar.update(1)
            if on_step is not None:
                on_step(step, running[-1])
            if config.checkpoint_every and step % config.checkpoint_every == 0:
                checkpoint()
        if step - epoch * batches_per_epoch < batches_per_epoch:
            break
        epoch_losses.append(sum(running) / len(running))
        running = []
        epoch += 1
        if epoch_losses[-1] < best - config.early_stop_min_delta:
            best, bad_epochs = epoch_losses[-1], 0
        else:
            bad_epochs += 1
            patience = config.early_stop_patience
            if patience is not None and bad_epochs >= patience:
                stopped_early = True
                log.info("early stop after epoch %d: no improvement for %d epochs", epoch, patience)
        checkpoint()
    bar.close()
    checkpoint()

    model.eval()
    digest = save_adapter(out, spec, _lora_state(model))
    final_loss = running[-1] if running else (epoch_losses[-1] if epoch_losses else math.nan)
    consumed = _training_order(records, config, step, batches_per_epoch)
    manifest = {
        "format": MANIFEST_FORMAT,
        "adapter_sha256": digest,
        "adapter_weights": ADAPTER_WEIGHTS,
        "base_model": {"spec": base_model, "sha256": base_hash},
        "tokenizer": getattr(tokenizer, "name", type(tokenizer).__name__),
        "datanet": {
            "id": info.datanet_id,
            "version": info.version,
            "root": info.root,
            "ref": info.ref,
            "record_count": info.record_count,
        },
        "records": [
            {"record_id": r.record_id, "sha256": r.sha256, "contributor": r.contributor}
            for r in records
        ],
        "training_order": consumed,
        "hyperparameters": {k: _jsonable(v) for k, v in asdict(config).items()},
        "lora": json.loads(spec.to_json()),
        "result": {
            "steps": step,
            "epochs_completed": epoch,
            "epoch_losses": epoch_losses,
            "final_loss": final_loss,
            "stopped_early": stopped_early,
            "seconds": round(time.monotonic() - started, 3),
        },
        "device": target.type,
        "libraries": library_versions(),
    }
    (out / TRAINING_MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    wrote = (
        write_training_features(model, tokenizer, records, out / FEATURES_DIR)
        if features
        else False
    )
    log.info("adapter %s written to %s (%s: %s)", digest, out, ADAPTER_HASH, digest)
    return TrainResult(
        adapter_dir=out,
        adapter_sha256=digest,
        steps=step,
        epochs_completed=epoch,
        final_loss=final_loss,
        stopped_early=stopped_early,
        features_written=wrote,
        epoch_losses=tuple(epoch_losses),
    )


def _training_order(
    records: list[Record], config: TrainConfig, steps: int, batches_per_epoch: int
) -> list[dict[str, Any]]:
    """Record ids each epoch consumed, in order (batches are consecutive runs of batch_size)."""
    consumed = []
    for epoch in range(math.ceil(steps / batches_per_epoch)):
        batches = min(batches_per_epoch, steps - epoch * batches_per_epoch)
        order = compute_epoch_order(len(records), config.seed, epoch)
        ids = [records[i].record_id for i in order[: batches * config.batch_size]]
        consumed.append({"epoch": epoch, "batch_size": config.batch_size, "record_ids": ids})
    return consumed
