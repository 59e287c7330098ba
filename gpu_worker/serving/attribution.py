"""Attribution of served answers: a small interface over `aichain.gpu_worker.attribution`.

The engines run on the adapter alone: its verified weights are copied into the served model's
reserved attribution slot (see engine.py), so no second copy of the base model is needed. One
engine per adapter is kept (LRU); engines read the adapter's `features/` written at training.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Any, Protocol

import torch

from aichain.gpu_worker.serving.cache import AdapterCache
from aichain.gpu_worker.serving.engine import MultiAdapterModel

log = logging.getLogger(__name__)

DEFAULT_ENGINE = "blend-v1"
"""Engine used by `--attribution auto`."""


class AttributionProvider(Protocol):
    """What the serving loop needs: an attribution (JSON-ready dict) per answer."""

    name: str

    def attribute(self, adapter_id: str, prompt: str, output: str) -> dict[str, Any]:
        """The attribution of output (given prompt) under adapter_id; raises on failure."""
        ...


def compute_attribution_json(attribution: Any) -> dict[str, Any]:
    """The `attribution` field of a response from an attribution.Attribution."""
    return {
        "engine": attribution.engine,
        "records": [
            {"record_id": w.record_id, "contributor": w.contributor, "weight_ppm": w.weight_ppm}
            for w in attribution.top
        ],
        "contributors": [
            {"contributor": c, "weight_ppm": ppm} for c, ppm in attribution.contributor_weights()
        ],
        "evidence_sha256": attribution.evidence_sha256,
    }


class EngineAttribution:
    """Runs an attribution engine (lora-influence-v1, span-match-v1, blend-v1) per adapter."""

    def __init__(
        self,
        model: MultiAdapterModel,
        cache: AdapterCache,
        engine: str = DEFAULT_ENGINE,
        top_k: int = 10,
        max_engines: int = 16,
    ) -> None:
        """Attribution with the named engine over each adapter's training features."""
        from aichain.gpu_worker.attribution import load_engine

        self._load_engine = load_engine
        self.model = model
        self.cache = cache
        self.name = engine
        self.top_k = top_k
        self.max_engines = max_engines
        self._engines: OrderedDict[str, Any] = OrderedDict()
        self._slot_holds: str | None = None

    def attribute(self, adapter_id: str, prompt: str, output: str) -> dict[str, Any]:
        """Top records with ppm weights and the evidence hash for one answer."""
        loaded = self.cache.get_loaded(adapter_id)
        needs_model = self.name != "span-match-v1"
        if needs_model and self._slot_holds != loaded.sha256:
            peft_model = self.model.use_for_attribution(loaded)
            self._slot_holds = loaded.sha256
        else:
            peft_model = self.model.peft
        key = f"{adapter_id}:{loaded.sha256}:{self.model.attribution_generation}"
        engine = self._engines.get(key)
        if engine is None:
            entry = self.cache.registry.get(adapter_id)
            engine = self._load_engine(
                entry.path,
                self.name,
                peft_model,
                self.model.tokenizer,
                device=str(self.model.device),
            )
            self._engines[key] = engine
            while len(self._engines) > self.max_engines:
                self._engines.popitem(last=False)
        else:
            self._engines.move_to_end(key)
        with torch.enable_grad():
            result = engine.attribute(prompt, output, top_k=self.top_k)
        return compute_attribution_json(result)
