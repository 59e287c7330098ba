"""Per-record features written once at training time, and their hash-checked loading.

A features directory holds:
  features.json        manifest: version, params, records (id, sha256, contributor) in
                       training order, and the sha256 of every other file
  lora_grads.npy       n x (modules*k) float32: projected per-record LoRA gradients
  lora_precond.npy     modules x k x k float64: DataInf preconditioners (influence_math)
  span_corpus.bin      the records' UTF-8 text joined by 0x00
  span_sa.npy          suffix array of span_corpus.bin (int32, or int64 past 2 GiB)
  span_starts.npy      start offset of each record in span_corpus.bin (int64)
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from aichain.gpu_worker.attribution.errors import AttributionError, FeaturesError
from aichain.gpu_worker.attribution.types import RecordMeta

FEATURES_VERSION = 1
"""Layout version of a features directory."""
FEATURES_DIRNAME = "features"
"""Name of the features directory inside an adapter directory (the factory writes it)."""
MANIFEST_NAME = "features.json"
"""The manifest file of a features directory."""
DEFAULT_PROJ_DIM = 128
"""Projected gradient values kept per LoRA module."""
DEFAULT_DAMPING = 0.1
"""DataInf damping: lambda_l = damping * mean squared gradient norm of module l."""
DEFAULT_MAX_LENGTH = 256
"""Tokens of a record (or prompt + output) that the gradients see."""


@dataclass(frozen=True, slots=True)
class Features:
    """Everything the engines need at query time, loaded and hash-checked."""

    directory: Path
    manifest_sha256: str
    records: tuple[RecordMeta, ...]
    params: dict[str, Any]
    lora_grads: np.ndarray
    lora_precond: np.ndarray
    corpus: bytes
    suffix_array: np.ndarray
    starts: np.ndarray


def compute_lora_weights_sha256(model: Any) -> str:
    """sha256 of a peft model's adapter weights (the state dict peft saves)."""
    from peft import get_peft_model_state_dict

    from aichain.gpu_worker.tiny_model import compute_state_dict_hash

    return compute_state_dict_hash(dict(get_peft_model_state_dict(model)))


def _npy_bytes(array: np.ndarray) -> bytes:
    """The .npy serialisation of array."""
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def _record_meta(record: Any) -> RecordMeta:
    """RecordMeta of a datanet Record (anything with record_id, sha256, contributor, text)."""
    for field in ("record_id", "sha256", "contributor", "text"):
        if not hasattr(record, field):
            raise AttributionError(f"record {record!r} has no {field!r}")
    if not isinstance(record.text, str):
        raise AttributionError(f"record {record.record_id!r} has no text (media type?)")
    return RecordMeta(str(record.record_id), str(record.sha256), str(record.contributor))


def compute_training_features(
    model: Any,
    tokenizer: Any,
    records: Sequence[Any],
    out_dir: Path,
    *,
    proj_dim: int = DEFAULT_PROJ_DIM,
    damping: float = DEFAULT_DAMPING,
    seed: int = 0,
    max_length: int = DEFAULT_MAX_LENGTH,
    batch_size: int = 16,
) -> None:
    """Writes the per-record features of a trained peft LoRA model into out_dir."""
    import torch

    from aichain.gpu_worker.attribution.influence_math import compute_datainf_preconditioners
    from aichain.gpu_worker.attribution.lora_grads import (
        LoraGradientProjector,
        compute_projection_sha256,
    )
    from aichain.gpu_worker.attribution.sequences import compute_batch, compute_record_sequence
    from aichain.gpu_worker.attribution.suffix_array import SuffixIndex

    if not records:
        raise AttributionError("no records: cannot compute attribution features")
    metas = [_record_meta(r) for r in records]
    if len({m.record_id for m in metas}) != len(metas):
        raise AttributionError("duplicate record ids in the training records")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)

    projector = LoraGradientProjector(model, proj_dim, seed)
    was_training = model.training
    model.eval()
    rows = []
    try:
        for begin in range(0, len(records), batch_size):
            chunk = records[begin : begin + batch_size]
            seqs = [compute_record_sequence(tokenizer, r.text, max_length) for r in chunk]
            rows.append(projector.gradients(compute_batch(seqs, tokenizer.pad_token_id)).numpy())
    finally:
        model.train(was_training)
    grads = np.ascontiguousarray(np.concatenate(rows, axis=0), dtype=np.float32)
    if not np.isfinite(grads).all():
        raise AttributionError("non-finite LoRA gradients: the adapter has diverged")
    precond, lambdas = compute_datainf_preconditioners(grads, len(projector.modules), damping)

    index = SuffixIndex.build([r.text.encode("utf-8") for r in records])
    sa_dtype = np.int32 if len(index.corpus) < 2**31 else np.int64
    files = {
        "lora_grads.npy": _npy_bytes(grads),
        "lora_precond.npy": _npy_bytes(precond),
        "span_corpus.bin": index.corpus,
        "span_sa.npy": _npy_bytes(index.sa.astype(sa_dtype)),
        "span_starts.npy": _npy_bytes(index.starts),
    }
    for name, data in files.items():
        (out_dir / name).write_bytes(data)
    manifest = {
        "version": FEATURES_VERSION,
        "records": [[m.record_id, m.sha256, m.contributor] for m in metas],
        "files": {name: hashlib.sha256(data).hexdigest() for name, data in sorted(files.items())},
        "params": {
            "lora_weights_sha256": compute_lora_weights_sha256(model),
            "modules": [m.name for m in projector.modules],
            "proj_dim": proj_dim,
            "projection_seed": seed,
            "projection_sha256": compute_projection_sha256(projector.projections),
            "damping": damping,
            "lambdas": [float(x) for x in lambdas],
            "max_length": max_length,
            "torch_version": torch.__version__,
        },
    }
    text = json.dumps(manifest, sort_keys=True, indent=1).encode()
    tmp = out_dir / (MANIFEST_NAME + ".tmp")
    tmp.write_bytes(text)
    tmp.replace(out_dir / MANIFEST_NAME)


def resolve_features_dir(path: Path) -> Path:
    """The features directory of an adapter directory (or path itself if it is one)."""
    path = Path(path)
    if (path / MANIFEST_NAME).is_file():
        return path
    if (path / FEATURES_DIRNAME / MANIFEST_NAME).is_file():
        return path / FEATURES_DIRNAME
    raise FeaturesError(
        f"no attribution features under {path}: expected {MANIFEST_NAME} there or in "
        f"{FEATURES_DIRNAME}/ (train the adapter with the factory, which writes them)"
    )


def _load_npy(data: bytes, name: str) -> np.ndarray:
    """Parses .npy bytes, refusing pickles."""
    try:
        return np.load(io.BytesIO(data), allow_pickle=False)
    except Exception as exc:  # noqa: BLE001 - any parse failure is a corrupt file
        raise FeaturesError(f"features file {name} is not a valid .npy array: {exc}") from exc


def load_features(path: Path) -> Features:
    """Loads a features directory, checking every file against the manifest's sha256."""
    directory = resolve_features_dir(path)
    raw = (directory / MANIFEST_NAME).read_bytes()
    try:
        manifest = json.loads(raw)
        version = manifest["version"]
        files = manifest["files"]
        records = tuple(RecordMeta(str(a), str(b), str(c)) for a, b, c in manifest["records"])
        params = manifest["params"]
    except (ValueError, KeyError, TypeError) as exc:
        raise FeaturesError(f"{directory / MANIFEST_NAME} is corrupted: {exc}") from exc
    if version != FEATURES_VERSION:
        raise FeaturesError(
            f"features version {version} is not supported (want {FEATURES_VERSION})"
        )
    blobs: dict[str, bytes] = {}
    for name in (
        "lora_grads.npy",
        "lora_precond.npy",
        "span_corpus.bin",
        "span_sa.npy",
        "span_starts.npy",
    ):
        file = directory / name
        if name not in files or not file.is_file():
            raise FeaturesError(f"features file {file} is missing; recompute the features")
        data = file.read_bytes()
        if hashlib.sha256(data).hexdigest() != files[name]:
            raise FeaturesError(
                f"features file {file} does not match its sha256 in {MANIFEST_NAME}: "
                "it is corrupted or was changed; recompute the features"
            )
        blobs[name] = data
    grads = _load_npy(blobs["lora_grads.npy"], "lora_grads.npy")
    precond = _load_npy(blobs["lora_precond.npy"], "lora_precond.npy")
    sa = _load_npy(blobs["span_sa.npy"], "span_sa.npy")
    starts = _load_npy(blobs["span_starts.npy"], "span_starts.npy")
    n = len(records)
    modules = len(params.get("modules", []))
    if grads.ndim != 2 or grads.shape[0] != n or len(starts) != n or precond.ndim != 3:
        raise FeaturesError(f"features in {directory} disagree with the {n} records listed")
    if precond.shape[0] != modules or grads.shape[1] != modules * precond.shape[1]:
        raise FeaturesError(f"features in {directory} disagree with their {modules} modules")
    if len(sa) != len(blobs["span_corpus.bin"]):
        raise FeaturesError(f"suffix array in {directory} does not cover the corpus")
    return Features(
        directory=directory,
        manifest_sha256=hashlib.sha256(raw).hexdigest(),
        records=records,
        params=params,
        lora_grads=np.ascontiguousarray(grads, dtype=np.float32),
        lora_precond=precond.astype(np.float64),
        corpus=blobs["span_corpus.bin"],
        suffix_array=sa.astype(np.int64),
        starts=starts.astype(np.int64),
    )
