"""One base model, many LoRA adapters installed at once, and mixed-adapter batched decoding.

Adapters are installed under internal slot names (`s1`, `s2`, ...; adapter ids may hold
characters peft module names cannot) and a batch row names its slot (or `__base__`, none).
Two LoRA backends apply each row's own adapter:
- `batched` (the default): the adapters' A/B matrices are stacked per layer and gathered by
  slot index, two bmm per layer for the whole mixed batch (`batched_lora.BatchedLora`);
- `peft`: each adapter is a peft adapter and peft's `adapter_names=` forward argument applies
  it (one matmul pair per distinct adapter per layer; kept for comparison).
The peft slot `default` is reserved in both: the attribution service copies an adapter's
weights into it to run the engines on that adapter alone.

With `fast_paths` (the default) a batch decodes through `decode_fast`: GPT-2's GELU fused into
one kernel, the KV cache preallocated for the whole batch, and the prompts prefilled in groups
of similar length (less padding), then decoded together.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch

from aichain.gpu_worker.adapters import AdapterError, LoadedAdapter, LoraSpec
from aichain.gpu_worker.serving.batched_lora import BatchedLora
from aichain.gpu_worker.serving.decode_fast import (
    PREFILL_GROUP_OVERHEAD_TOKENS,
    compute_prefill_groups,
    fuse_gelu,
    new_growing_cache,
    num_hidden_layers,
)
from aichain.gpu_worker.tiny_model import TextTokenizer, compute_model_hash

BASE_SLOT = "__base__"
"""peft's adapter name for "no adapter" in a mixed batch."""
ATTRIBUTION_SLOT = "default"
"""The reserved slot the attribution engines run on (peft's default adapter name)."""
LORA_BACKENDS = ("batched", "peft")
"""How mixed batches apply their adapters (see the module docstring)."""


@dataclass(frozen=True, slots=True)
class DecodeRow:
    """One sequence of a batch: its prompt ids, adapter slot and decoding settings.

    top_logprobs < 0 records no log-probabilities; k >= 0 records, for every generated token,
    its log-probability and the k most likely alternatives. prompt_logprobs records them for
    the prompt's tokens too (from the first forward pass, which computes them anyway).
    """

    prompt_ids: tuple[int, ...]
    slot: str
    max_new_tokens: int
    temperature: float = 0.0
    seed: int = 0
    top_logprobs: int = -1
    prompt_logprobs: bool = False


@dataclass(frozen=True, slots=True)
class TokenLogprob:
    """A token's log-probability under the model and the most likely tokens at its place."""

    token_id: int
    logprob: float
    top: tuple[tuple[int, float], ...] = ()


@dataclass(frozen=True, slots=True)
class DecodeOutput:
    """Generated ids of one row and why it stopped ("stop" at EOS or when the token callback
    asked to stop, "length" at the limit), with log-probabilities when the row asked."""

    token_ids: tuple[int, ...]
    finish_reason: str
    logprobs: tuple[TokenLogprob, ...] = ()
    prompt_logprobs: tuple[TokenLogprob, ...] = ()


TokenCallback = Callable[[int, int, "TokenLogprob | None"], bool]
"""Called on the model thread with (row index, token id, its log-probabilities or None) for
every generated token as soon as it is chosen (EOS excluded); returning True ends that row
with finish_reason "stop"."""

PromptCallback = Callable[[int, "tuple[TokenLogprob, ...]"], None]
"""Called on the model thread with (row index, the prompt's scored tokens) after the first
forward pass, for the rows that asked for prompt_logprobs."""


def context_limit(model: Any) -> int:
    """The model's maximum sequence length (positions)."""
    config = model.config
    return int(
        getattr(config, "n_positions", 0) or getattr(config, "max_position_embeddings", 0) or 1024
    )


class MultiAdapterModel:
    """The base model with adapters installed into numbered slots (see the module docstring)."""

    def __init__(
        self,
        base_model: Any,
        tokenizer: TextTokenizer,
        device: torch.device,
        lora_backend: str = "batched",
        fast_paths: bool = True,
    ) -> None:
        """Wraps base_model (already on device); no adapter is installed yet.

        fast_paths: decode through decode_fast (fuses base_model's GELU in place)."""
        if lora_backend not in LORA_BACKENDS:
            raise ValueError(f"lora_backend must be one of {LORA_BACKENDS}, not {lora_backend!r}")
        self.base = base_model
        self.tokenizer = tokenizer
        self.device = device
        self.base_sha256 = compute_model_hash(base_model)
        self.fast_paths = fast_paths
        if fast_paths:
            fuse_gelu(base_model)
        self.context_limit = context_limit(base_model)
        self.peft: Any = None
        self._specs: dict[str, LoraSpec] = {}
        self._counter = itertools.count(1)
        self.attribution_generation = 0
        self.lora_backend = lora_backend
        self.batched = BatchedLora(base_model, device) if lora_backend == "batched" else None
        self._index: dict[str, int] = {}
        """Batched backend: slot -> index in the stacks."""

    @property
    def model(self) -> Any:
        """The model to run: the peft model once an adapter exists, else the base model."""
        return self.peft if self.peft is not None else self.base

    @property
    def slots(self) -> list[str]:
        """Installed slots (the reserved attribution slot excluded)."""
        return [s for s in self._specs if s != ATTRIBUTION_SLOT]

    def check_compatible(self, loaded: LoadedAdapter) -> None:
        """Raises AdapterError unless loaded was trained on this base model."""
        if loaded.spec.base_model_sha256 != self.base_sha256:
            raise AdapterError(
                f"adapter {loaded.sha256} was trained on base model "
                f"{loaded.spec.base_model_sha256}, not the served base {self.base_sha256}"
            )

    def _add(self, slot: str, spec: LoraSpec) -> None:
        from peft import get_peft_model

        if self.peft is None:
            self.peft = get_peft_model(self.base, spec.to_peft(), adapter_name=slot)
            self.peft.eval()
        else:
            self.peft.add_adapter(slot, spec.to_peft())
        self._specs[slot] = spec

    def _load(self, slot: str, loaded: LoadedAdapter) -> None:
        """Copies loaded's tensors into slot's parameters in place (no peft re-injection)."""
        targets = []
        for key, tensor in loaded.state.items():
            for part in (".lora_A.", ".lora_B."):
                if part in key:
                    name = key.replace(part, f"{part}{slot}.", 1)
                    break
            else:
                raise AdapterError(f"adapter {loaded.sha256}: unexpected tensor {key}")
            try:
                param = self.peft.get_parameter(name)
            except AttributeError:
                raise AdapterError(
                    f"adapter {loaded.sha256}: tensor {key} has no place in the model"
                ) from None
            if param.shape != tensor.shape:
                raise AdapterError(
                    f"adapter {loaded.sha256}: {key} has shape {tuple(tensor.shape)}, "
                    f"the model expects {tuple(param.shape)}"
                )
            targets.append((param, tensor))
        with torch.no_grad():
            for param, tensor in targets:
                param.copy_(tensor, non_blocking=True)

    def install(self, loaded: LoadedAdapter, reuse_slot: str | None = None) -> str:
        """Installs a verified adapter (into reuse_slot when its spec matches); returns the slot."""
        self.check_compatible(loaded)
        if self.batched is not None:
            return self._install_batched(loaded, reuse_slot)
        if self.peft is None:
            self._add(ATTRIBUTION_SLOT, loaded.spec)
        if reuse_slot is not None and self._specs.get(reuse_slot) == loaded.spec:
            self._load(reuse_slot, loaded)
            return reuse_slot
        if reuse_slot is not None:
            self.uninstall(reuse_slot)
        slot = f"s{next(self._counter)}"
        self._add(slot, loaded.spec)
        self._load(slot, loaded)
        self.peft.eval()
        return slot

    def _install_batched(self, loaded: LoadedAdapter, reuse_slot: str | None) -> str:
        """Writes loaded into reuse_slot's (or a new slot's) place in the stacks."""
        assert self.batched is not None
        if reuse_slot is not None and reuse_slot in self._index:
            slot, index, fresh = reuse_slot, self._index[reuse_slot], False
        else:
            slot, index, fresh = f"s{next(self._counter)}", self.batched.allocate(), True
        try:
            self.batched.write(index, loaded)
        except Exception:
            if fresh:
                self.batched.release(index)
            raise
        self._index[slot] = index
        self._specs[slot] = loaded.spec
        return slot

    def uninstall(self, slot: str) -> None:
        """Removes a slot's adapter from the model, freeing its weights (or its stack slot)."""
        if slot == ATTRIBUTION_SLOT or slot not in self._specs:
            raise KeyError(f"no installed slot {slot!r}")
        if self.batched is not None:
            self.batched.release(self._index.pop(slot))
            del self._specs[slot]
            return
        self.peft.delete_adapter(slot)
        del self._specs[slot]
        self.peft.set_adapter(ATTRIBUTION_SLOT)

    def use_for_attribution(self, loaded: LoadedAdapter) -> Any:
        """Copies loaded into the attribution slot, makes it active, returns the peft model."""
        self.check_compatible(loaded)
        if self.peft is None:
            self._add(ATTRIBUTION_SLOT, loaded.spec)
        elif self._specs[ATTRIBUTION_SLOT] != loaded.spec:
            self.peft.delete_adapter(ATTRIBUTION_SLOT)
            del self._specs[ATTRIBUTION_SLOT]
            self._add(ATTRIBUTION_SLOT, loaded.spec)
            self.attribution_generation += 1
        self._load(ATTRIBUTION_SLOT, loaded)
        self.peft.set_adapter(ATTRIBUTION_SLOT)
        self.peft.eval()
        return self.peft

    def adapter_bytes(self, slot: str) -> int:
        """Bytes of the LoRA tensors installed in slot (its share of the stacks when batched)."""
        if self.batched is not None and slot in self._index:
            return self.batched.slot_bytes()
        total = 0
        for name, param in self.model.named_parameters():
            if f".{slot}." in name:
                total += param.numel() * param.element_size()
        return total

    @torch.inference_mode()
    def forward_logits(self, rows: list[DecodeRow]) -> torch.Tensor:
        """Last-position logits of each row's prompt (left-padded mixed-adapter batch)."""
        ids, mask, positions = self._left_pad([list(r.prompt_ids) for r in rows])
        slots = [r.slot for r in rows]
        with self._lora_batch(slots):
            out = self._run(ids, mask, positions, None, slots)
        return out.logits[:, -1, :].float()

    def _lora_batch(self, slots: list[str]) -> Any:
        """Batched backend: the context applying each row's adapter; peft: nothing to do."""
        if self.batched is None:
            return contextlib.nullcontext()
        indices = []
        for slot in slots:
            if slot == BASE_SLOT:
                indices.append(0)
            elif slot in self._index:
                indices.append(self._index[slot])
            else:
                raise KeyError(f"no installed slot {slot!r}")
        return self.batched.batch(indices)

    def _left_pad(self, prompts: list[list[int]]) -> tuple[torch.Tensor, ...]:
        width = max(len(p) for p in prompts)
        pad = self.tokenizer.pad_token_id
        ids = torch.full((len(prompts), width), pad, dtype=torch.long)
        mask = torch.zeros((len(prompts), width), dtype=torch.long)
        for row, prompt in enumerate(prompts):
            ids[row, width - len(prompt) :] = torch.tensor(prompt, dtype=torch.long)
            mask[row, width - len(prompt) :] = 1
        positions = (mask.cumsum(-1) - 1).clamp(min=0)
        return ids.to(self.device), mask.to(self.device), positions.to(self.device)

    def _run(
        self,
        ids: torch.Tensor,
        mask: torch.Tensor,
        positions: torch.Tensor,
        past: Any,
        slots: list[str],
        logits_to_keep: int = 0,
    ) -> Any:
        kwargs: dict[str, Any] = {
            "input_ids": ids,
            "attention_mask": mask,
            "position_ids": positions,
            "past_key_values": past,
            "use_cache": True,
        }
        if logits_to_keep:
            kwargs["logits_to_keep"] = logits_to_keep
        if self.batched is not None:
            return self.base(**kwargs)  # the stacked LoRA applies through _lora_batch's hooks
        if self.peft is not None:
            kwargs["adapter_names"] = slots
        elif any(s != BASE_SLOT for s in slots):
            raise KeyError("no adapter is installed")
        return self.model(**kwargs)

    @torch.inference_mode()
    def generate(
        self,
        rows: list[DecodeRow],
        on_token: TokenCallback | None = None,
        on_prompt: PromptCallback | None = None,
    ) -> list[DecodeOutput]:
        """Decodes every row together (greedy unless a row sets temperature > 0).

        on_token (optional) sees each row's tokens as they are generated (see TokenCallback),
        on_prompt the prompt scores as soon as they exist (see PromptCallback).
        """
        if not rows:
            return []
        for row in rows:
            if not row.prompt_ids:
                raise ValueError("empty prompt")
            if len(row.prompt_ids) + row.max_new_tokens > self.context_limit:
                raise ValueError("prompt plus max_new_tokens exceeds the context limit")
        slots = [r.slot for r in rows]
        with self._lora_batch(slots):
            return self._generate(rows, slots, on_token, on_prompt)

    def _generate(
        self,
        rows: list[DecodeRow],
        slots: list[str],
        on_token: TokenCallback | None,
        on_prompt: PromptCallback | None,
    ) -> list[DecodeOutput]:
        eos = self.tokenizer.eos_token_id
        ids, mask, positions = self._left_pad([list(r.prompt_ids) for r in rows])
        generators = [
            torch.Generator().manual_seed(r.seed) if r.temperature > 0 else None for r in rows
        ]
        outputs: list[list[int]] = [[] for _ in rows]
        logprobs: list[list[TokenLogprob]] = [[] for _ in rows]
        prompt_logprobs: list[tuple[TokenLogprob, ...]] = [() for _ in rows]
        done = [r.max_new_tokens <= 0 for r in rows]
        reasons = ["length"] * len(rows)
        want_top = max(r.top_logprobs for r in rows)
        past = None
        last_pos = positions[:, -1:]
        steps = max(r.max_new_tokens for r in rows)
        scored = any(r.prompt_logprobs for r in rows)
        if self.fast_paths:
            past = new_growing_cache(num_hidden_layers(self.base), ids.shape[1] + steps)
        for step in range(steps):
            if step == 0 and self.fast_paths and not scored:
                logits = self._prefill_grouped(rows, ids, mask, positions, slots, past)
            else:
                out = self._run(ids, mask, positions, past, slots)
                past = out.past_key_values
                if step == 0 and scored:
                    prompt_logprobs = self._prompt_logprobs(out.logits, rows)
                    for i, row in enumerate(rows):
                        if on_prompt is not None and row.prompt_logprobs:
                            on_prompt(i, prompt_logprobs[i])
                logits = out.logits[:, -1, :].float()
            chosen = self._choose(logits, rows, generators)
            step_logprobs = (
                compute_step_logprobs(logits, chosen, rows, want_top) if want_top >= 0 else None
            )
            for i, token in enumerate(chosen):
                if done[i]:
                    continue
                if token == eos:
                    done[i], reasons[i] = True, "stop"
                    continue
                outputs[i].append(token)
                info = step_logprobs[i] if step_logprobs is not None else None
                if info is not None:
                    logprobs[i].append(info)
                if len(outputs[i]) >= rows[i].max_new_tokens:
                    done[i] = True
                if on_token is not None and on_token(i, token, info):
                    done[i], reasons[i] = True, "stop"
            if all(done) or step == steps - 1:
                break
            ids = torch.tensor(chosen, dtype=torch.long, device=self.device).unsqueeze(1)
            mask = torch.cat([mask, torch.ones_like(ids)], dim=1)
            last_pos = last_pos + 1
            positions = last_pos
        return [
            DecodeOutput(tuple(o), r, tuple(lp), plp)
            for o, r, lp, plp in zip(outputs, reasons, logprobs, prompt_logprobs, strict=True)
        ]

    def _prefill_grouped(
        self,
        rows: list[DecodeRow],
        ids: torch.Tensor,
        mask: torch.Tensor,
        positions: torch.Tensor,
        slots: list[str],
        cache: Any,
    ) -> torch.Tensor:
        """Prefills rows in groups of similar prompt length (compute_prefill_groups) into
        cache, left-padded to the batch's width; returns each row's last-position logits."""
        groups = compute_prefill_groups(
            [len(r.prompt_ids) for r in rows], PREFILL_GROUP_OVERHEAD_TOKENS
        )
        if len(groups) == 1:
            out = self._run(ids, mask, positions, cache, slots, logits_to_keep=1)
            return out.logits[:, -1, :].float()
        width = ids.shape[1]
        logits: torch.Tensor | None = None
        for group in groups:
            span = max(len(rows[i].prompt_ids) for i in group)
            index = torch.tensor(group, dtype=torch.long, device=self.device)
            with self._rows(group):
                out = self._run(
                    ids[index, width - span :],
                    mask[index, width - span :],
                    positions[index, width - span :],
                    None,
                    [slots[i] for i in group],
                    logits_to_keep=1,
                )
            last = out.logits[:, -1, :].float()
            if logits is None:
                logits = torch.empty((len(rows), last.shape[-1]), device=last.device)
                for layer, done in zip(cache.layers, out.past_key_values.layers, strict=True):
                    layer.allocate(done.keys, len(rows))
            logits[index] = last
            for layer, done in zip(cache.layers, out.past_key_values.layers, strict=True):
                layer.write_rows(index, done.keys, done.values, width)
        if logits is None:
            raise RuntimeError("no rows to prefill")
        return logits

    def _rows(self, group: list[int]) -> Any:
        """Batched backend: restricts the running batch to group's rows; peft: nothing."""
        if self.batched is None:
            return contextlib.nullcontext()
        return self.batched.rows(group)

    @staticmethod
    def _prompt_logprobs(
        logits: torch.Tensor, rows: list[DecodeRow]
    ) -> list[tuple[TokenLogprob, ...]]:
        """Each asking row's prompt tokens (all but the first) scored by the first forward."""
        width = logits.shape[1]
        result: list[tuple[TokenLogprob, ...]] = []
        for i, row in enumerate(rows):
            length = len(row.prompt_ids)
            if not row.prompt_logprobs or length < 2:
                result.append(())
                continue
            # position p predicts the token at p + 1; the prompt sits at width - length ...
            scores = torch.log_softmax(logits[i, width - length : width - 1, :].float(), dim=-1)
            targets = list(row.prompt_ids[1:])
            top = max(row.top_logprobs, 0)
            result.append(compute_logprob_rows(scores, targets, top, [True] * len(targets)))
        return result

    @staticmethod
    def _choose(logits: torch.Tensor, rows: list[DecodeRow], generators: list[Any]) -> list[int]:
        greedy = logits.argmax(dim=-1).tolist()
        for i, row in enumerate(rows):
            if row.temperature > 0:
                probs = torch.softmax(logits[i].cpu() / row.temperature, dim=-1)
                greedy[i] = int(torch.multinomial(probs, 1, generator=generators[i]))
        return greedy


def compute_logprob_rows(
    scores: torch.Tensor, targets: list[int], top: int, wanted: list[bool]
) -> tuple[TokenLogprob, ...]:
    """TokenLogprob of each row of scores (log-probabilities): the row's target token and its top
    alternatives, for the rows marked wanted only (returned in order)."""
    chosen = scores.gather(1, torch.tensor(targets, device=scores.device).unsqueeze(1))
    chosen_list = chosen.squeeze(1).tolist()
    if top > 0:
        values, indices = scores.topk(min(top, scores.shape[-1]), dim=-1)
        top_values, top_indices = values.tolist(), indices.tolist()
    result = []
    for r, target in enumerate(targets):
        if not wanted[r]:
            continue
        alternatives = tuple(zip(top_indices[r], top_values[r], strict=True)) if top > 0 else ()
        result.append(TokenLogprob(int(target), float(chosen_list[r]), alternatives))
    return tuple(result)


def compute_step_logprobs(
    logits: torch.Tensor, chosen: list[int], rows: list[DecodeRow], want_top: int
) -> list[TokenLogprob | None]:
    """Per row, the chosen token's log-softmax value and the row's top alternatives (None for
    rows that asked for no log-probabilities). The model's own distribution (temperature 1)."""
    scores = torch.log_softmax(logits, dim=-1)
    wanted = [r.top_logprobs >= 0 for r in rows]
    infos = iter(compute_logprob_rows(scores, chosen, want_top, wanted))
    result: list[TokenLogprob | None] = []
    for row in rows:
        if row.top_logprobs < 0:
            result.append(None)
            continue
        info = next(infos)
        result.append(TokenLogprob(info.token_id, info.logprob, info.top[: row.top_logprobs]))
    return result
