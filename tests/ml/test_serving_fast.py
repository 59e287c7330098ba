"""The engine's fast paths (gpu_worker.serving.decode_fast): grouped prefill into a preallocated
KV cache, fused GELU, sub-batches of the stacked LoRA, against the plain path and peft."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from aichain.gpu_worker.adapters import load_adapter  # noqa: E402
from aichain.gpu_worker.serving.decode_fast import (  # noqa: E402
    PREFILL_GROUP_OVERHEAD_TOKENS,
    TanhGelu,
    compute_prefill_groups,
    fuse_gelu,
    new_growing_cache,
)
from aichain.gpu_worker.serving.engine import BASE_SLOT, DecodeRow, MultiAdapterModel  # noqa: E402
from aichain.gpu_worker.synthetic_adapters import write_random_adapters  # noqa: E402
from aichain.gpu_worker.tiny_model import build_tiny_model, build_tiny_tokenizer  # noqa: E402

pytestmark = pytest.mark.ml

TOLERANCE = 1e-4
"""Largest difference allowed between logits/log-probabilities of two paths (float32: padding
and grouping change summation order, differences measured ~1e-6)."""
PROMPTS = (
    "Fact: the orbit of java is a long sentence, padded far beyond the short ones here",
    "hi",
    "Q: what is",
    "<cepoxa> keeper = rhythm-ponepo </cepoxa> and then a little more text",
    "ok",
    "note: wigu has shape",
)
"""Prompts of very different lengths, so the grouped prefill really splits the batch."""


@pytest.fixture(scope="module")
def adapters(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, Path, str]]:
    """Five random adapters for the randomly initialised tiny base."""
    root = tmp_path_factory.mktemp("fast-adapters")
    return write_random_adapters(build_tiny_model(0), root, 5, rank=4, alpha=8, scale=0.3)


def _model(adapters, fast: bool) -> tuple[MultiAdapterModel, list[str]]:  # noqa: ANN001
    model = MultiAdapterModel(
        build_tiny_model(0), build_tiny_tokenizer(), torch.device("cpu"), fast_paths=fast
    )
    return model, [model.install(load_adapter(path, digest)) for _, path, digest in adapters]


def _rows(slots: list[str], count: int = 12, top: int = -1) -> list[DecodeRow]:
    tokenizer = build_tiny_tokenizer()
    rows = []
    for i in range(count):
        slot = BASE_SLOT if i % 5 == 4 else slots[i % len(slots)]
        ids = (tokenizer.bos_token_id, *tokenizer.encode(PROMPTS[i % len(PROMPTS)]))
        rows.append(DecodeRow(ids, slot, 6 + i % 3, top_logprobs=top))
    return rows


def test_prefill_groups_are_optimal_and_cover_every_row_once() -> None:
    lengths = [30, 3, 12, 30, 4, 12, 29]
    for overhead in (0, 5, 40, 10_000):
        groups = compute_prefill_groups(lengths, overhead)
        assert sorted(itertools.chain(*groups)) == list(range(len(lengths)))
        cost = sum(len(g) * max(lengths[i] for i in g) + overhead for g in groups)
        order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
        best = min(  # brute force over every split of the sorted rows into runs
            sum(
                (b - a) * lengths[order[a]] + overhead
                for a, b in itertools.pairwise((0, *cuts, len(order)))
            )
            for k in range(len(order))
            for cuts in itertools.combinations(range(1, len(order)), k)
        )
        assert cost == best
    assert compute_prefill_groups(lengths, 10_000) == [[0, 3, 6, 2, 5, 4, 1]]
    assert len(compute_prefill_groups(lengths, 0)) == 5  # one group per distinct length
    assert compute_prefill_groups([], 3) == []


def test_the_test_batch_is_really_split() -> None:
    lengths = [len(r.prompt_ids) for r in _rows(["s"])]
    assert len(compute_prefill_groups(lengths, PREFILL_GROUP_OVERHEAD_TOKENS)) >= 2


def test_fused_gelu_matches_gpt2s_gelu() -> None:
    plain, fused = build_tiny_model(0), build_tiny_model(0)
    assert fuse_gelu(fused) == plain.config.n_layer
    assert all(isinstance(block.mlp.act, TanhGelu) for block in fused.transformer.h)
    ids = torch.tensor([list(b"Fact: the orbit of java is")])
    with torch.no_grad():
        torch.testing.assert_close(
            fused(input_ids=ids).logits, plain(input_ids=ids).logits, rtol=0, atol=TOLERANCE
        )


def test_fast_paths_give_the_plain_paths_tokens_and_logprobs(adapters) -> None:
    fast, fast_slots = _model(adapters, fast=True)
    plain, plain_slots = _model(adapters, fast=False)
    got = fast.generate(_rows(fast_slots, top=3))
    want = plain.generate(_rows(plain_slots, top=3))
    assert [o.token_ids for o in got] == [o.token_ids for o in want]
    assert [o.finish_reason for o in got] == [o.finish_reason for o in want]
    for a, b in zip(got, want, strict=True):
        for x, y in zip(a.logprobs, b.logprobs, strict=True):
            assert abs(x.logprob - y.logprob) <= TOLERANCE
            assert [t for t, _ in x.top] == [t for t, _ in y.top]
    assert len({o.token_ids for o in got}) > 3  # the adapters really differ


def test_stacked_slots_match_each_adapter_applied_alone_by_peft(adapters) -> None:
    from peft import get_peft_model, set_peft_model_state_dict

    fast, slots = _model(adapters, fast=True)
    rows = _rows(slots, top=0)
    mixed = fast.generate(rows)
    for i, row in enumerate(rows):
        base = build_tiny_model(0)
        if row.slot == BASE_SLOT:
            reference = base
        else:
            loaded = load_adapter(*adapters[slots.index(row.slot)][1:])
            reference = get_peft_model(base, loaded.spec.to_peft())
            set_peft_model_state_dict(reference, loaded.state)
        reference.eval()
        ids = list(row.prompt_ids)
        with torch.no_grad():
            for token, scored in zip(mixed[i].token_ids, mixed[i].logprobs, strict=True):
                logits = reference(input_ids=torch.tensor([ids])).logits[0, -1]
                expected = torch.log_softmax(logits, dim=-1)
                assert int(expected.argmax()) == token
                assert abs(float(expected[token]) - scored.logprob) <= TOLERANCE
                ids.append(token)


def test_a_sub_batch_keeps_each_rows_own_adapter(adapters) -> None:
    fast, slots = _model(adapters, fast=True)
    rows = _rows(slots, count=6)
    full = fast.forward_logits(rows)
    indices = [fast._index[r.slot] if r.slot != BASE_SLOT else 0 for r in rows]
    tokenizer = build_tiny_tokenizer()
    width = max(len(r.prompt_ids) for r in rows)
    ids = torch.full((len(rows), width), tokenizer.pad_token_id)
    mask = torch.zeros_like(ids)
    for i, row in enumerate(rows):
        ids[i, width - len(row.prompt_ids) :] = torch.tensor(row.prompt_ids)
        mask[i, width - len(row.prompt_ids) :] = 1
    positions = (mask.cumsum(-1) - 1).clamp(min=0)
    pick = [4, 1]
    with torch.no_grad(), fast.batched.batch(indices), fast.batched.rows(pick):
        sub = fast.base(
            input_ids=ids[pick], attention_mask=mask[pick], position_ids=positions[pick]
        ).logits[:, -1]
    torch.testing.assert_close(sub, full[pick], rtol=0, atol=TOLERANCE)


def test_the_growing_cache_refuses_to_overflow() -> None:
    cache = new_growing_cache(1, capacity=3)
    keys = torch.zeros(2, 1, 2, 4)
    cache.layers[0].update(keys, keys)
    assert cache.get_seq_length() == 2
    with pytest.raises(RuntimeError, match="KV cache full"):
        cache.layers[0].update(keys, keys)
