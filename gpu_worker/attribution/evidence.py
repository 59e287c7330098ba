"""Evidence files: canonical JSON of everything an engine computed, and its sha256."""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Any

from aichain.gpu_worker.attribution.errors import AttributionError

EVIDENCE_VERSION = 2
"""Version of the evidence document layout (docs/attribution.md). 2: dense span evidence (six
fields a span) and the blend's rule and score vectors; 1 had the longest-span rule."""


def _check_finite(value: Any, where: str) -> None:
    """Raises AttributionError if a float anywhere inside value is NaN or infinite."""
    if isinstance(value, float):
        if not math.isfinite(value):
            raise AttributionError(f"evidence holds a non-finite number at {where}")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_finite(item, f"{where}.{key}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check_finite(item, f"{where}[{index}]")


def compute_canonical_json(document: dict[str, Any]) -> bytes:
    """Canonical JSON bytes: sorted keys, no spaces, ASCII only, floats as shortest repr."""
    _check_finite(document, "$")
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return text.encode("ascii")


def compute_evidence_sha256(evidence: bytes) -> str:
    """Hex sha256 of the evidence bytes (what a result commits to)."""
    return hashlib.sha256(evidence).hexdigest()


def write_evidence(evidence: bytes, directory: Path) -> Path:
    """Writes evidence as DIR/<sha256>.json (content-addressed) and returns the path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{compute_evidence_sha256(evidence)}.json"
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(evidence)
        tmp.replace(path)
    return path
