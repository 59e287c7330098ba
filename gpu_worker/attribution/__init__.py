"""Attribution engines: which training records shaped a model's answer, as ppm weights.

Public surface: `load_engine(adapter_dir, name, model, tokenizer)` returns an engine whose
`attribute(prompt, output, top_k)` gives an `Attribution`; `compute_training_features` writes
the per-record features at training time; `compute_ppm_weights` is the weight rule.
torch-dependent parts are imported lazily, so importing this package stays cheap.
"""

from __future__ import annotations

from typing import Any

from aichain.gpu_worker.attribution.errors import AttributionError, FeaturesError
from aichain.gpu_worker.attribution.ppm import PPM_TOTAL, compute_ppm_weights
from aichain.gpu_worker.attribution.types import Attribution, RecordMeta, WeightedRecord

__all__ = [
    "PPM_TOTAL",
    "Attribution",
    "AttributionError",
    "FeaturesError",
    "RecordMeta",
    "WeightedRecord",
    "compute_ppm_weights",
    "compute_training_features",
    "load_engine",
]


def compute_training_features(*args: Any, **kwargs: Any) -> None:
    """Writes per-record attribution features (see features.compute_training_features)."""
    from aichain.gpu_worker.attribution.features import compute_training_features as impl

    impl(*args, **kwargs)


def load_engine(*args: Any, **kwargs: Any) -> Any:
    """Loads an attribution engine (see engines.load_engine)."""
    from aichain.gpu_worker.attribution.engines import load_engine as impl

    return impl(*args, **kwargs)
