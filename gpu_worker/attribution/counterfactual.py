"""Counterfactual ground truth for attribution: retraining without data, as pure recipes.

Two measurements, both by retraining a LoRA adapter from the same base with the same recipe:

* leave-one-contributor-out (LOCO): for each contributor c and training seed s, train on every
  record except c's; the effect of c on an answer a to a prompt p is
  `log p_s(a | p) - log p_s^{-c}(a | p)` (mean log-likelihood per answer token; positive: c
  helped produce a). Averaged over several seeds, with the seed-to-seed spread as the noise
  floor.
* linear datamodeling (LDS): train on random halves of the records; a method's record scores
  predict each half's answer log-likelihood by their sum over the half; LDS is the Spearman
  correlation of prediction and truth across halves, averaged over answers.

A retrain sees the *distinct* record texts (duplicates dropped by sha256), sorted by the sha256
of their bytes: the training set is a set of texts, so it does not depend on record order or
ids, and removing a contributor whose every record another contributor also holds leaves it,
and so the trained model, exactly unchanged.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from aichain.gpu_worker.attribution.errors import AttributionError

LORA_TARGETS = ("c_attn", "c_proj", "c_fc")
"""LoRA target modules of the tiny GPT-2 (the factory's defaults)."""


@dataclass(frozen=True, slots=True)
class RetrainRecipe:
    """How every counterfactual adapter is trained (train_steps on a fresh LoRA)."""

    steps: int = 60
    lr: float = 5e-3
    batch_size: int = 8
    rank: int = 8
    alpha: int = 16
    max_seq_len: int = 256


@dataclass(frozen=True, slots=True)
class LocoResult:
    """LOCO effects: effects[s, q, c] for training seed s, answer q, contributor c."""

    contributors: tuple[str, ...]
    seeds: tuple[int, ...]
    effects: np.ndarray
    full_logprobs: np.ndarray

    @property
    def mean(self) -> np.ndarray:
        """Effects averaged over seeds (answers x contributors)."""
        return self.effects.mean(axis=0)


def compute_training_texts(
    records: Sequence[Any], exclude: str | None = None, keep: np.ndarray | None = None
) -> list[str]:
    """Distinct texts of the records kept (not `exclude`'s, and keep[i] when given), by sha256."""
    if keep is not None and len(keep) != len(records):
        raise AttributionError(f"keep mask has {len(keep)} entries for {len(records)} records")
    chosen = {}
    for i, record in enumerate(records):
        if record.contributor == exclude or (keep is not None and not keep[i]):
            continue
        data = record.text.encode("utf-8")
        chosen[hashlib.sha256(data).hexdigest()] = record.text
    return [chosen[key] for key in sorted(chosen)]


def build_lora_model(base_state: dict[str, Any], recipe: RetrainRecipe, seed: int) -> Any:
    """A fresh peft LoRA model on a copy of the base weights (LoRA init seeded by seed)."""
    import torch
    from peft import LoraConfig, get_peft_model

    from aichain.gpu_worker.tiny_model import build_tiny_model

    base = build_tiny_model(seed=0)
    base.load_state_dict(base_state)
    torch.manual_seed(seed)
    config = LoraConfig(
        r=recipe.rank,
        lora_alpha=recipe.alpha,
        target_modules=list(LORA_TARGETS),
        fan_in_fan_out=True,
        lora_dropout=0.0,
    )
    return get_peft_model(base, config)


def train_counterfactual(
    base_state: dict[str, Any],
    tokenizer: Any,
    texts: Sequence[str],
    recipe: RetrainRecipe,
    seed: int,
) -> Any:
    """A LoRA model trained by the recipe on texts with training seed `seed` (eval mode)."""
    from aichain.gpu_worker.pretrain import train_steps

    model = build_lora_model(base_state, recipe, seed)
    train_steps(
        model,
        tokenizer,
        list(texts),
        recipe.steps,
        recipe.lr,
        seed=seed,
        batch_size=recipe.batch_size,
        max_seq_len=recipe.max_seq_len,
    )
    return model


def compute_answer_logprobs(
    model: Any, tokenizer: Any, pairs: Sequence[tuple[str, str]], max_length: int = 256
) -> np.ndarray:
    """Mean log-likelihood per answer token of each (prompt, answer) pair (float64)."""
    import torch

    from aichain.gpu_worker.attribution.lora_grads import compute_example_losses
    from aichain.gpu_worker.attribution.sequences import compute_batch, compute_query_sequence

    seqs = [compute_query_sequence(tokenizer, p, a, max_length) for p, a in pairs]
    batch = compute_batch(seqs, tokenizer.pad_token_id)
    with torch.no_grad():
        logits = model(input_ids=batch.input_ids, attention_mask=batch.attention_mask).logits
        losses = compute_example_losses(logits, batch.labels)
    return -losses.double().numpy()


def compute_loco(
    base_state: dict[str, Any],
    tokenizer: Any,
    records: Sequence[Any],
    pairs: Sequence[tuple[str, str]],
    recipe: RetrainRecipe,
    seeds: Sequence[int],
) -> LocoResult:
    """LOCO effects of every contributor on every answer, for each training seed."""
    if not seeds:
        raise AttributionError("LOCO needs at least one training seed")
    contributors = tuple(sorted({r.contributor for r in records}))
    effects = np.zeros((len(seeds), len(pairs), len(contributors)))
    full = np.zeros((len(seeds), len(pairs)))
    for s, seed in enumerate(seeds):
        model = train_counterfactual(
            base_state, tokenizer, compute_training_texts(records), recipe, seed
        )
        full[s] = compute_answer_logprobs(model, tokenizer, pairs)
        for c, contributor in enumerate(contributors):
            texts = compute_training_texts(records, exclude=contributor)
            if not texts:
                raise AttributionError(f"removing {contributor} leaves no records to train on")
            without = train_counterfactual(base_state, tokenizer, texts, recipe, seed)
            effects[s, :, c] = full[s] - compute_answer_logprobs(without, tokenizer, pairs)
    return LocoResult(contributors, tuple(seeds), effects, full)


def compute_lds_masks(n_records: int, subsets: int, seed: int) -> np.ndarray:
    """subsets x n_records boolean masks, each keeping a random half of the records."""
    rng = np.random.default_rng(seed)
    masks = np.zeros((subsets, n_records), dtype=bool)
    for j in range(subsets):
        masks[j, rng.choice(n_records, size=n_records // 2, replace=False)] = True
    return masks


def compute_lds_logprobs(
    base_state: dict[str, Any],
    tokenizer: Any,
    records: Sequence[Any],
    pairs: Sequence[tuple[str, str]],
    recipe: RetrainRecipe,
    masks: np.ndarray,
    seeds: Sequence[int],
) -> np.ndarray:
    """Answer log-likelihoods (masks x answers) of a retrain on each mask's records."""
    if len(seeds) != len(masks):
        raise AttributionError("one training seed per mask is needed")
    logprobs = np.zeros((len(masks), len(pairs)))
    for j, (mask, seed) in enumerate(zip(masks, seeds, strict=True)):
        texts = compute_training_texts(records, keep=mask)
        model = train_counterfactual(base_state, tokenizer, texts, recipe, seed)
        logprobs[j] = compute_answer_logprobs(model, tokenizer, pairs)
    return logprobs


def compute_lds_truth(
    base_state: dict[str, Any],
    tokenizer: Any,
    records: Sequence[Any],
    pairs: Sequence[tuple[str, str]],
    recipe: RetrainRecipe,
    subsets: int,
    seed: int,
) -> tuple[np.ndarray, np.ndarray]:
    """(masks: subsets x records, logprobs: subsets x answers) of random half retrains
    (mask j is trained with training seed seed + j)."""
    masks = compute_lds_masks(len(records), subsets, seed)
    seeds = [seed + j for j in range(subsets)]
    return masks, compute_lds_logprobs(base_state, tokenizer, records, pairs, recipe, masks, seeds)


def compute_ranks(values: np.ndarray) -> np.ndarray:
    """Ranks 0..n-1 of values, ties sharing their average rank."""
    values = np.asarray(values, dtype=np.float64)
    order = np.argsort(values, kind="stable")
    ranks = np.empty(len(values))
    ranks[order] = np.arange(len(values), dtype=np.float64)
    unique, inverse = np.unique(values, return_inverse=True)
    sums = np.bincount(inverse, weights=ranks, minlength=len(unique))
    counts = np.bincount(inverse, minlength=len(unique))
    return (sums / counts)[inverse]


def compute_spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman rank correlation (average ranks for ties); nan when either side is constant."""
    ra, rb = compute_ranks(a), compute_ranks(b)
    if ra.std() == 0 or rb.std() == 0:
        return math.nan
    return float(np.corrcoef(ra, rb)[0, 1])


def compute_contributor_scores(
    scores: np.ndarray, record_contributors: Sequence[str], contributors: Sequence[str]
) -> np.ndarray:
    """A method's record scores summed per contributor (in the order of contributors)."""
    owner = np.asarray(record_contributors)
    return np.array([float(np.sum(scores[owner == c])) for c in contributors])


def compute_lds(masks: np.ndarray, logprobs: np.ndarray, scores: np.ndarray) -> float:
    """Mean over answers of Spearman(sum of record scores over each half, its log-likelihood).

    scores is answers x records; constant predictions (e.g. all-zero scores) count as 0.
    """
    values = []
    for q in range(logprobs.shape[1]):
        rho = compute_spearman(masks.astype(np.float64) @ scores[q], logprobs[:, q])
        values.append(0.0 if math.isnan(rho) else rho)
    return float(np.mean(values))
