"""What fine-tuning added to each byte of an answer: the adapter's log-likelihood gain.

For an output o after a prompt p, token t of o has log-probability log p_lora(o_t | p, o_<t)
under the adapted model and log p_base(...) under the same model with the adapter switched
off. The gain max(0, lora - base) is what the training data taught the model at that token (a
LOCO retrain without the data that taught it loses about that much there); the base surprisal
-log p_base is how unexpected the token is without any fine-tuning. Each token's value is
spread evenly over its UTF-8 bytes, so span evidence (which works on bytes) can weigh every
byte it covers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from aichain.gpu_worker.attribution.errors import AttributionError
from aichain.gpu_worker.attribution.suffix_array import SpanHit


def compute_token_byte_lengths(tokenizer: Any, ids: list[int]) -> list[int]:
    """UTF-8 bytes each token adds to the decoded text (the last one takes any remainder)."""
    if getattr(tokenizer, "name", "") == "byte-v1":
        return [1 if 0 <= i < 256 else 0 for i in ids]
    lengths, previous = [], 0
    for t in range(len(ids)):
        now = len(tokenizer.decode(ids[: t + 1]).encode("utf-8"))
        lengths.append(max(0, now - previous))
        previous = max(previous, now)
    return lengths


def compute_output_logprobs(
    model: Any, tokenizer: Any, prompt: str, output: str, max_length: int = 256
) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """(adapted, base) log-probabilities of each output token and its UTF-8 byte lengths.

    `model` is a peft model; the base log-probabilities come from the same forward with the
    adapter disabled. Only the output's last `max_length - 1` tokens are kept (as the
    influence engine does); the prompt is cut from the left to fit.
    """
    whole = compute_sequence_logprobs(model, tokenizer, prompt, output, max_length)
    return whole["output"]


def compute_sequence_logprobs(
    model: Any, tokenizer: Any, prompt: str, output: str, max_length: int = 256
) -> dict[str, tuple[np.ndarray, np.ndarray, list[int]]]:
    """{"prompt": ..., "output": ...}: (adapted, base, byte lengths) of each part's tokens.

    One forward pass with the adapter on and one with it off over [BOS] prompt output (cut as
    compute_query_sequence cuts it). A prompt token is predicted from the tokens before it, so
    the first token of the sequence has no log-probability and is left out of "prompt".
    """
    import torch

    from aichain.gpu_worker.attribution.sequences import compute_query_sequence

    seq = compute_query_sequence(tokenizer, prompt, output, max_length)
    ids = torch.tensor([seq.ids], dtype=torch.long, device=next(model.parameters()).device)
    targets = ids[0, 1:]
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            adapted = model(input_ids=ids).logits[0, :-1].float()
            with model.disable_adapter():
                base = model(input_ids=ids).logits[0, :-1].float()
    finally:
        model.train(was_training)

    def picked(logits: torch.Tensor) -> np.ndarray:
        logp = torch.log_softmax(logits, dim=-1)
        return logp.gather(1, targets[:, None])[:, 0].double().cpu().numpy()

    lora, plain = picked(adapted), picked(base)
    split = seq.context - 1  # targets[split:] are the output's tokens
    out_ids = [int(x) for x in targets[split:].tolist()]
    prompt_ids = [int(x) for x in targets[:split].tolist()]
    prompt_lengths = compute_token_byte_lengths(tokenizer, prompt_ids)
    if tokenizer.bos_token_id is None and prompt_ids:
        prompt_lengths = compute_token_byte_lengths(tokenizer, [int(ids[0, 0]), *prompt_ids])[1:]
    return {
        "prompt": (lora[:split], plain[:split], prompt_lengths),
        "output": (lora[split:], plain[split:], compute_token_byte_lengths(tokenizer, out_ids)),
    }


def compute_byte_weights(
    token_values: np.ndarray, byte_lengths: list[int], output_bytes: int
) -> np.ndarray:
    """Per output byte: its token's value divided by the token's byte length (float64).

    The tokens cover the output's last sum(byte_lengths) bytes; earlier bytes (cut to fit the
    model's context) get 0.
    """
    if len(token_values) != len(byte_lengths):
        raise AttributionError("one value per token is needed")
    weights = np.zeros(output_bytes, dtype=np.float64)
    covered = sum(byte_lengths)
    position = max(0, output_bytes - covered)
    for value, length in zip(token_values, byte_lengths, strict=True):
        end = min(output_bytes, position + length)
        if end > position:
            weights[position:end] = float(value) / length
        position = end
    return weights


def compute_weighted_span_scores(
    hits: list[SpanHit],
    byte_weights: np.ndarray,
    n_records: int,
    factor: Callable[[int], float] | None = None,
) -> np.ndarray:
    """Each hit's byte-weight mass, split evenly among the records holding it, summed.

    A span that only one record holds gives it all the weight of the bytes it covers; one that
    h records hold gives each 1/h of it (removing one of them leaves the span taught).
    `factor` (optional) scales each hit's mass by a function of its number of holders.
    """
    scores = np.zeros(n_records, dtype=np.float64)
    prefix = np.concatenate([[0.0], np.cumsum(byte_weights)])
    for hit in hits:
        holders = len(hit.records)
        if holders == 0:
            continue
        mass = prefix[min(hit.start + hit.length, len(byte_weights))] - prefix[hit.start]
        if factor is not None:
            mass *= factor(holders)
        scores[hit.records] += mass / holders
    return scores


def compute_gain_coverage(hits: list[SpanHit], byte_weights: np.ndarray) -> float:
    """Share of the output's total byte weight that lies inside at least one hit (0 if none)."""
    total = float(byte_weights.sum())
    if total <= 0:
        return 0.0
    covered = np.zeros(len(byte_weights), dtype=bool)
    for hit in hits:
        covered[hit.start : hit.start + hit.length] = True
    return float(byte_weights[covered].sum()) / total
