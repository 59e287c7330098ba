"""Greedy decoding of an answer, so attribution sees exactly what the model would serve."""

from __future__ import annotations

from typing import Any

from aichain.gpu_worker.attribution.errors import AttributionError


def generate_greedy(model: Any, tokenizer: Any, prompt: str, max_new_tokens: int = 64) -> str:
    """The model's greedy continuation of prompt (stops at EOS or max_new_tokens)."""
    import torch

    if max_new_tokens <= 0:
        raise AttributionError(f"max_new_tokens must be positive, got {max_new_tokens}")
    head = [tokenizer.bos_token_id] if tokenizer.bos_token_id is not None else []
    ids = head + list(tokenizer.encode(prompt))
    limit = int(
        getattr(model.config, "n_positions", 0)
        or getattr(model.config, "max_position_embeddings", 0)
        or 1024
    )
    if len(ids) + max_new_tokens > limit:
        raise AttributionError(
            f"prompt of {len(ids)} tokens plus {max_new_tokens} new tokens exceeds the model's "
            f"context of {limit}; shorten the prompt or lower --max-new-tokens"
        )
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    out: list[int] = []
    try:
        with torch.no_grad():
            past = None
            step_ids = torch.tensor([ids], dtype=torch.long, device=device)
            for _ in range(max_new_tokens):
                result = model(input_ids=step_ids, past_key_values=past, use_cache=True)
                past = result.past_key_values
                token = int(result.logits[0, -1].argmax())
                if token == tokenizer.eos_token_id:
                    break
                out.append(token)
                step_ids = torch.tensor([[token]], dtype=torch.long, device=device)
    finally:
        model.train(was_training)
    return tokenizer.decode(out)
