"""Pure pieces of answering a request: the input format, the result body, the vote.

No torch and no I/O: these are the rules a requester, a worker and a committee member share,
so they are unit-tested alone.

**Input.** A request's input (inline bytes or a content-store blob) is either a JSON object
`{"prompt": str, "max_tokens": int}` (max_tokens optional, 1..MAX_TOKENS_LIMIT) or plain UTF-8
text, the prompt itself. Decoding is greedy (temperature 0), so any worker serving the same
weights can re-run it. `client/inference.py` writes the JSON form.

**Result.** `build_result` fills an `InferenceResult` from what the serving engine returned:
the output's sha256 (the output itself inline when small enough), token counts, the engine's
method and evidence hash, and the attribution as (datanet id, version, record id, ppm)
entries. The engines already weigh with the chain's rule (`modules/attribution/weights.py`,
through gpu_worker/attribution/ppm.py); `compute_entries` re-checks the sum.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aichain.client.inference import encode_input
from aichain.modules.attribution.weights import PPM_TOTAL, compute_ppm_weights

DEFAULT_MAX_TOKENS = 32
"""Completion tokens of a request that does not say."""

MAX_TOKENS_LIMIT = 4096
"""Most completion tokens a request may ask for."""


class InputError(ValueError):
    """A request's input is not something the worker can run."""


@dataclass(frozen=True, slots=True)
class ParsedInput:
    """What to generate."""

    prompt: str
    max_tokens: int


def parse_input(data: bytes) -> ParsedInput:
    """The prompt and max_tokens of input bytes. Raises InputError."""
    try:
        text = bytes(data).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"input is not UTF-8 text: {exc}") from None
    if text.startswith("{"):
        try:
            doc = json.loads(text)
        except ValueError as exc:
            raise InputError(f"input looks like JSON but does not parse: {exc}") from None
        if not isinstance(doc, dict) or not isinstance(doc.get("prompt"), str):
            raise InputError('a JSON input must be an object with a string "prompt"')
        max_tokens = doc.get("max_tokens", DEFAULT_MAX_TOKENS)
        if isinstance(max_tokens, bool) or not isinstance(max_tokens, int):
            raise InputError("max_tokens must be an integer")
        if not 1 <= max_tokens <= MAX_TOKENS_LIMIT:
            raise InputError(f"max_tokens must be between 1 and {MAX_TOKENS_LIMIT}")
        return ParsedInput(doc["prompt"], max_tokens)
    return ParsedInput(text, DEFAULT_MAX_TOKENS)


def compute_output_hash(text: str) -> str:
    """sha256 hex of the output text's UTF-8 bytes (what a result commits to)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def compute_entries(
    attribution: dict[str, Any], datanet_id: int, version: int, max_entries: int
) -> list[Any]:
    """The attribution (the serving engine's JSON: records with record_id and weight_ppm) as
    AttributionEntry messages of one datanet version, at most max_entries of them.

    Records whose weight rounded to 0 ppm are left out (they shaped nothing the chain can pay
    for, and would cost gas and show as "0 uaic" lines). When the engine returned more records
    than the chain takes, the top max_entries are re-weighted with the chain's rule (in
    proportion to their ppm). Raises InputError for an
    empty attribution or weights that do not sum to 10^6."""
    from aichain.attribution.v1 import attribution_pb2

    records = attribution.get("records") or []
    if not records:
        raise InputError("the engine found no evidence for this answer (no records attributed)")
    pairs = [(str(r["record_id"]), int(r["weight_ppm"])) for r in records]
    if sum(w for _, w in pairs) != PPM_TOTAL:
        raise InputError(f"attribution weights sum to {sum(w for _, w in pairs)}, not 10^6")
    pairs = [(record_id, weight) for record_id, weight in pairs if weight > 0]
    if len(pairs) > max_entries:
        top = sorted(pairs, key=lambda p: (-p[1], p[0]))[:max_entries]
        pairs = list(compute_ppm_weights(top))
    out = []
    for record_id, weight in pairs:
        try:
            numeric = int(record_id)
        except ValueError:
            raise InputError(f"record id {record_id!r} is not a chain record id") from None
        out.append(
            attribution_pb2.AttributionEntry(
                datanet_id=datanet_id, version=version, record_id=numeric, weight_ppm=weight
            )
        )
    return out


def build_result(
    *,
    chain_id: str,
    request_id: int,
    worker: str,
    model: Any,
    base_weights_hash: str,
    text: str,
    prompt_tokens: int,
    completion_tokens: int,
    method: str,
    evidence_hash: str,
    entries: Sequence[Any],
    max_inline_output_bytes: int,
) -> Any:
    """The InferenceResult a worker signs for one answer."""
    from aichain.attribution.v1 import attribution_pb2

    raw = text.encode("utf-8")
    return attribution_pb2.InferenceResult(
        chain_id=chain_id,
        request_id=request_id,
        worker=worker,
        model_id=model.id,
        adapter_weights_hash=model.weights_hash,
        base_weights_hash=base_weights_hash,
        output_hash=hashlib.sha256(raw).hexdigest(),
        output_inline=raw if len(raw) <= max_inline_output_bytes else b"",
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        method=method,
        evidence_hash=evidence_hash,
        attributions=list(entries),
    )


def compute_request_hash(prompt: str, max_tokens: int) -> str:
    """sha256 hex of a prepaid request's input bytes (`encode_input`): what a receipt names.
    The worker puts those bytes in the content store, so the hash also fetches the input
    (a committee re-runs a challenged prepaid result from it)."""
    return hashlib.sha256(encode_input(prompt, max_tokens)).hexdigest()
