"""Token sequences the engines score: a training record, or a prompt and its output."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch

from aichain.gpu_worker.attribution.errors import AttributionError

IGNORE = -100
"""Label of a position that is not scored."""


@dataclass(frozen=True, slots=True)
class TokenSequence:
    """Token ids and how many leading tokens are context only (not scored)."""

    ids: tuple[int, ...]
    context: int


@dataclass(frozen=True, slots=True)
class Batch:
    """Right-padded input ids, attention mask and labels (IGNORE where not scored)."""

    input_ids: torch.Tensor
    attention_mask: torch.Tensor
    labels: torch.Tensor


def compute_record_sequence(tokenizer: Any, text: str, max_length: int) -> TokenSequence:
    """[BOS] text [EOS], cut to max_length; every token after the first is scored."""
    ids = list(tokenizer.encode(text))
    if tokenizer.bos_token_id is not None:
        ids = [tokenizer.bos_token_id, *ids]
    ids.append(tokenizer.eos_token_id)
    ids = ids[:max_length]
    if len(ids) < 2:
        raise AttributionError("a record must have at least one token")
    return TokenSequence(tuple(ids), 1)


def compute_query_sequence(
    tokenizer: Any, prompt: str, output: str, max_length: int
) -> TokenSequence:
    """[BOS] prompt output; only the output's tokens are scored (prompt cut from the left)."""
    out_ids = list(tokenizer.encode(output))
    if not out_ids:
        raise AttributionError("the output to attribute is empty: nothing to attribute")
    head = [tokenizer.bos_token_id] if tokenizer.bos_token_id is not None else []
    prompt_ids = head + list(tokenizer.encode(prompt))
    out_ids = out_ids[: max_length - 1]
    prompt_ids = prompt_ids[max(0, len(prompt_ids) - (max_length - len(out_ids))) :]
    if not prompt_ids:
        prompt_ids, out_ids = out_ids[:1], out_ids[1:]
        if not out_ids:
            raise AttributionError("the output is a single token with no context to score it")
    return TokenSequence(tuple(prompt_ids + out_ids), len(prompt_ids))


def compute_batch(sequences: Sequence[TokenSequence], pad_id: int) -> Batch:
    """Pads sequences on the right into one Batch."""
    width = max(len(s.ids) for s in sequences)
    input_ids = torch.full((len(sequences), width), pad_id, dtype=torch.long)
    attention = torch.zeros((len(sequences), width), dtype=torch.long)
    labels = torch.full((len(sequences), width), IGNORE, dtype=torch.long)
    for row, seq in enumerate(sequences):
        n = len(seq.ids)
        input_ids[row, :n] = torch.tensor(seq.ids, dtype=torch.long)
        attention[row, :n] = 1
        labels[row, seq.context : n] = input_ids[row, seq.context : n]
    return Batch(input_ids, attention, labels)
