"""Adapters in the content store: publishing a trained adapter, and rebuilding its directory
on a worker from the hashes the model registry holds.

The registry keeps three hashes of an adapter (`MsgRegisterAdapter`): the weights
(`adapter_model.safetensors`), the training manifest (`training_manifest.json`) and the
training config. The training config is a small canonical JSON document this module writes:

    {"base_model": {...}, "features": "<sha256 of features/features.json or ''>",
     "format": "aichain-training-config-v1", "hyperparameters": {...}, "lora": {...}}

so the attribution features (whose own manifest lists the sha256 of every features file)
hang off a registered hash too: a worker fetches every byte it serves and attributes with by a
hash the chain pins, and the content store checks each blob against its hash on read.
No torch here: this module only moves verified bytes.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aichain.client.blobs import BlobError, BlobStore

ADAPTER_WEIGHTS = "adapter_model.safetensors"
"""Weights file of an adapter directory (gpu_worker/adapters.py's name)."""
ADAPTER_HASH = "adapter.sha256"
"""File holding the weights' sha256 (gpu_worker/adapters.py's name)."""
TRAINING_MANIFEST = "training_manifest.json"
"""Training manifest file (gpu_worker/adapters.py's name)."""
FEATURES_DIR = "features"
"""Attribution features folder (gpu_worker/adapters.py's name)."""
FEATURES_MANIFEST = "features.json"
"""Features manifest (lists the sha256 of every other features file)."""
TRAINING_CONFIG = "training_config.json"
"""The training config document, as written into a rebuilt adapter directory."""
CONFIG_FORMAT = "aichain-training-config-v1"
"""`format` of the training config document."""


class AdapterFetchError(Exception):
    """An adapter's files could not be fetched or do not match the registry."""


@dataclass(frozen=True, slots=True)
class PublishedAdapter:
    """The hashes an adapter was published under."""

    weights_hash: str
    manifest_hash: str
    config_hash: str
    features_hash: str
    manifest: dict[str, Any]


def compute_config_document(manifest: dict[str, Any], features_hash: str) -> bytes:
    """The canonical training config document of a training manifest."""
    doc = {
        "base_model": manifest.get("base_model", {}),
        "features": features_hash,
        "format": CONFIG_FORMAT,
        "hyperparameters": manifest.get("hyperparameters", {}),
        "lora": manifest.get("lora", {}),
    }
    return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()


def publish_adapter(adapter_dir: Path, store: BlobStore) -> PublishedAdapter:
    """Puts an adapter's weights, manifest, features and training config in the store.

    Raises AdapterFetchError if a file is missing, BlobError if the store refuses one."""
    weights_path = adapter_dir / ADAPTER_WEIGHTS
    manifest_path = adapter_dir / TRAINING_MANIFEST
    for path in (weights_path, manifest_path):
        if not path.is_file():
            raise AdapterFetchError(f"{path} is missing: train the adapter first")
    weights_hash = store.put(weights_path.read_bytes())
    manifest_bytes = manifest_path.read_bytes()
    manifest = json.loads(manifest_bytes)
    manifest_hash = store.put(manifest_bytes)
    features_hash = ""
    features_manifest = adapter_dir / FEATURES_DIR / FEATURES_MANIFEST
    if features_manifest.is_file():
        raw = features_manifest.read_bytes()
        for name in sorted(json.loads(raw).get("files", {})):
            store.put((adapter_dir / FEATURES_DIR / name).read_bytes())
        features_hash = store.put(raw)
    config_hash = store.put(compute_config_document(manifest, features_hash))
    return PublishedAdapter(weights_hash, manifest_hash, config_hash, features_hash, manifest)


def _get(store: BlobStore, blob_hash: str, what: str) -> bytes:
    try:
        return store.get(blob_hash)
    except BlobError as exc:
        raise AdapterFetchError(f"{what} ({blob_hash[:12]}…): {exc}") from exc


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def _file_matches(path: Path, sha256: str) -> bool:
    return path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() == sha256


def fetch_adapter(model: Any, store: BlobStore, directory: Path) -> Path:
    """Rebuilds the registered adapter `model` (a modelreg Model) in directory from the store.

    Files already there with the right hash are kept (a restart fetches nothing); every
    fetched blob is checked against its hash by the store. Raises AdapterFetchError."""
    weights = directory / ADAPTER_WEIGHTS
    if not _file_matches(weights, model.weights_hash):
        _write(weights, _get(store, model.weights_hash, f"model {model.id} weights"))
    (directory / ADAPTER_HASH).write_text(model.weights_hash + "\n")
    manifest = directory / TRAINING_MANIFEST
    if model.manifest_hash and not _file_matches(manifest, model.manifest_hash):
        _write(manifest, _get(store, model.manifest_hash, f"model {model.id} manifest"))
    if not model.training_config_hash:
        return directory
    config_path = directory / TRAINING_CONFIG
    if not _file_matches(config_path, model.training_config_hash):
        _write(config_path, _get(store, model.training_config_hash, "training config"))
    try:
        config = json.loads(config_path.read_bytes())
    except ValueError as exc:
        raise AdapterFetchError(f"model {model.id}: training config is not JSON: {exc}") from exc
    features_hash = config.get("features", "") if isinstance(config, dict) else ""
    if features_hash:
        features_path = directory / FEATURES_DIR / FEATURES_MANIFEST
        if not _file_matches(features_path, features_hash):
            _write(features_path, _get(store, features_hash, "features manifest"))
        files = json.loads(features_path.read_bytes()).get("files", {})
        for name, sha in sorted(files.items()):
            if "/" in name or name.startswith("."):
                raise AdapterFetchError(f"model {model.id}: features file name {name!r} refused")
            path = directory / FEATURES_DIR / name
            if not _file_matches(path, sha):
                _write(path, _get(store, sha, f"features file {name}"))
    return directory


def compute_weights_hash(directory: Path) -> str:
    """sha256 of the adapter weights file in directory ('' if absent)."""
    path = directory / ADAPTER_WEIGHTS
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
