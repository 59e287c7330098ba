"""Multi-adapter serving: hash-checked loads, LRU tiers, mixed batches, the request queue."""

from __future__ import annotations

import dataclasses
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from aichain.gpu_worker.adapters import (  # noqa: E402
    ADAPTER_WEIGHTS,
    AdapterError,
    AdapterIntegrityError,
    LoraSpec,
    load_adapter,
    save_adapter,
)
from aichain.gpu_worker.serving.cache import (  # noqa: E402
    AdapterCache,
    AdapterRegistry,
    CacheCapacityError,
    UnknownAdapterError,
)
from aichain.gpu_worker.serving.engine import BASE_SLOT, DecodeRow, MultiAdapterModel  # noqa: E402
from aichain.gpu_worker.serving.service import (  # noqa: E402
    ContextLengthError,
    GenerationRequest,
    ServingService,
    compute_stop_truncation,
)
from aichain.gpu_worker.synthetic_adapters import write_random_adapters  # noqa: E402
from aichain.gpu_worker.tiny_model import build_tiny_model, load_base_model  # noqa: E402

pytestmark = pytest.mark.ml


@pytest.fixture(scope="module")
def adapters(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, Path, str]]:
    """Four random adapters for the tiny base model."""
    root = tmp_path_factory.mktemp("random-adapters")
    return write_random_adapters(build_tiny_model(0), root, 4, rank=4, alpha=8, scale=0.2)


def _stack(adapters, device_slots: int = 8, host_slots: int = 8, backend: str = "batched"):  # noqa: ANN202
    base, tokenizer = load_base_model("tiny-random", "cpu")
    model = MultiAdapterModel(base, tokenizer, torch.device("cpu"), lora_backend=backend)
    registry = AdapterRegistry()
    for adapter_id, path, digest in adapters:
        registry.register(adapter_id, path, digest)
    return model, AdapterCache(registry, model, device_slots, host_slots)


def _ids(tokenizer, text: str) -> tuple[int, ...]:  # noqa: ANN001
    return (tokenizer.bos_token_id, *tokenizer.encode(text))


def test_load_adapter_refuses_a_hash_mismatch(adapters) -> None:
    _, path, digest = adapters[0]
    assert load_adapter(path, digest).sha256 == digest
    with pytest.raises(AdapterIntegrityError, match="refusing to load them"):
        load_adapter(path, "0" * 64)


def test_register_refuses_weights_that_do_not_match(adapters, tmp_path) -> None:
    _, path, digest = adapters[0]
    copy = tmp_path / "copy"
    shutil.copytree(path, copy)
    data = bytearray((copy / ADAPTER_WEIGHTS).read_bytes())
    data[-1] ^= 0x01
    (copy / ADAPTER_WEIGHTS).write_bytes(bytes(data))
    with pytest.raises(AdapterIntegrityError, match="refusing to serve it"):
        AdapterRegistry().register("tampered", copy, digest)


def test_tampering_after_registration_fails_only_that_adapter(adapters, tmp_path) -> None:
    good_id, _, _ = adapters[1]
    _, path, digest = adapters[0]
    copy = tmp_path / "copy"
    shutil.copytree(path, copy)
    model, cache = _stack([adapters[1], ("victim", copy, digest)], host_slots=0)
    service = ServingService(model, cache, max_batch=4, batch_wait_s=0.05)
    (copy / ADAPTER_WEIGHTS).write_bytes((copy / ADAPTER_WEIGHTS).read_bytes()[:-4] + b"\0" * 4)
    service.start()
    try:
        bad = service.submit(GenerationRequest("victim", "hello", max_tokens=4))
        good = service.submit(GenerationRequest(good_id, "hello", max_tokens=4))
        with pytest.raises(AdapterIntegrityError):
            bad.result(timeout=60)
        assert good.result(timeout=60).completion_tokens >= 1
    finally:
        service.stop()


def test_adapter_for_another_base_is_refused(adapters, tmp_path) -> None:
    _, path, digest = adapters[0]
    loaded = load_adapter(path, digest)
    other = dataclasses.replace(loaded.spec, base_model_sha256="f" * 64)
    other_digest = save_adapter(tmp_path / "other", other, loaded.state)
    model, cache = _stack([adapters[0]])
    cache.registry.register("other", tmp_path / "other", other_digest)
    with pytest.raises(AdapterError, match="trained on base model f+"):
        cache.ensure_on_device(["other"])


def test_device_tier_evicts_least_recently_used(adapters) -> None:
    (a, _, _), (b, _, _), (c, _, _), (d, _, _) = adapters
    model, cache = _stack(adapters, device_slots=2, host_slots=3)
    cache.ensure_on_device([a])
    cache.ensure_on_device([b])
    cache.ensure_on_device([a])  # a is now the most recently used
    cache.ensure_on_device([c])  # evicts b
    assert cache.device_order() == [a, c]
    assert len(model.slots) == 2
    cache.ensure_on_device([d])  # evicts a
    assert cache.device_order() == [c, d]
    assert cache.host_order() == [b, c, d]  # a fell out of host memory (3 slots)
    stats = cache.stats()
    assert stats.disk_loads == 4 and stats.device_evictions == 2 and stats.host_evictions == 1
    cache.ensure_on_device([b])  # from host memory, no disk read
    assert cache.stats().disk_loads == 4 and cache.device_order() == [d, b]
    with pytest.raises(CacheCapacityError):
        cache.ensure_on_device([a, b, c])
    with pytest.raises(UnknownAdapterError):
        cache.ensure_on_device(["missing"])


@pytest.mark.parametrize("backend", ["batched", "peft"])
def test_mixed_batch_matches_each_adapter_alone(adapters, backend) -> None:
    model, cache = _stack(adapters, backend=backend)
    slots = cache.ensure_on_device([a for a, _, _ in adapters[:3]])
    tokenizer = model.tokenizer
    prompts = ["Fact: the orbit of", "Q: what is", "<cepoxa> keeper = something longer", "hi"]
    names = [slots[adapters[0][0]], slots[adapters[1][0]], slots[adapters[2][0]], BASE_SLOT]
    rows = [DecodeRow(_ids(tokenizer, p), s, 12) for p, s in zip(prompts, names, strict=True)]
    mixed = model.generate(rows)
    alone = [model.generate([row])[0] for row in rows]
    assert mixed == alone
    assert len({out.token_ids for out in mixed}) == 4  # the adapters really differ
    logits_mixed = model.forward_logits(rows)
    for i, row in enumerate(rows):
        # float32: the batched bmm and padding change summation order (differences ~1e-5)
        alone_logits = model.forward_logits([row])[0]
        torch.testing.assert_close(logits_mixed[i], alone_logits, rtol=1e-4, atol=1e-4)


def test_batched_lora_matches_peft(adapters) -> None:
    batched, cache_b = _stack(adapters[:3])
    peft_model, cache_p = _stack(adapters[:3], backend="peft")
    tokenizer = batched.tokenizer
    prompts = ["Fact: the orbit of", "Q: what is", "hi", "note: wigu"]
    ids = [a for a, _, _ in adapters[:3]]
    slots_b, slots_p = cache_b.ensure_on_device(ids), cache_p.ensure_on_device(ids)
    names = [*ids, None]
    rows_b = [
        DecodeRow(_ids(tokenizer, p), slots_b[a] if a else BASE_SLOT, 10)
        for p, a in zip(prompts, names, strict=True)
    ]
    rows_p = [
        dataclasses.replace(r, slot=slots_p[a] if a else BASE_SLOT)
        for r, a in zip(rows_b, names, strict=True)
    ]
    assert batched.generate(rows_b) == peft_model.generate(rows_p)
    torch.testing.assert_close(
        batched.forward_logits(rows_b), peft_model.forward_logits(rows_p), rtol=1e-4, atol=1e-4
    )


def test_batched_slots_are_reused_and_the_attribution_slot_stays_out(adapters, tmp_path) -> None:
    model, cache = _stack(adapters, device_slots=2, host_slots=0)
    tokenizer = model.tokenizer
    prompt = _ids(tokenizer, "Fact: the orbit of")
    base_row = DecodeRow(prompt, BASE_SLOT, 8)
    base_only = model.forward_logits([base_row])
    ids = [a for a, _, _ in adapters]
    first = cache.ensure_on_device(ids[:1])[ids[0]]
    want = model.generate([DecodeRow(prompt, first, 8)])
    for other in ids[1:]:  # evicts and rewrites slots in place
        cache.ensure_on_device([other])
    again = cache.ensure_on_device(ids[:1])[ids[0]]
    assert model.generate([DecodeRow(prompt, again, 8)]) == want
    assert len(model.slots) == 2 and model.batched.capacity <= 8
    # a rank-2 adapter next to the rank-4 ones (zero-padded in the stacks)
    small = write_random_adapters(build_tiny_model(0), tmp_path, 1, rank=2, alpha=4, scale=0.2)
    cache.registry.register("small", small[0][1], small[0][2])
    slot = cache.ensure_on_device(["small", ids[0]])["small"]
    alone = model.forward_logits([DecodeRow(prompt, slot, 1)])
    mixed = model.forward_logits([DecodeRow(prompt, slot, 1), DecodeRow(prompt, again, 1)])
    torch.testing.assert_close(mixed[:1], alone, rtol=1e-4, atol=1e-4)
    # the peft attribution slot holds an adapter; batched rows never see it
    model.use_for_attribution(load_adapter(adapters[1][1], adapters[1][2]))
    torch.testing.assert_close(model.forward_logits([base_row]), base_only, rtol=1e-5, atol=1e-5)
    assert model.generate([DecodeRow(prompt, again, 8)]) == want
    peft_layers = [m for m in model.peft.modules() if hasattr(m, "_disable_adapters")]
    assert peft_layers and not any(m._disable_adapters for m in peft_layers)  # restored


def test_service_batches_across_adapters(adapters) -> None:
    model, cache = _stack(adapters)
    service = ServingService(model, cache, max_batch=16, batch_wait_s=0.2)
    ids = [a for a, _, _ in adapters]
    requests = [GenerationRequest(ids[i % 4], f"prompt {i}", max_tokens=6) for i in range(12)]
    service.start()
    try:
        with ThreadPoolExecutor(12) as pool:
            results = list(pool.map(service.generate, requests))
        batches = service.batches
        alone = [service.generate(r) for r in requests[:4]]
    finally:
        service.stop()
    assert batches < len(requests)
    assert [r.adapter_id for r in results] == [r.adapter_id for r in requests]
    assert [r.text for r in results[:4]] == [r.text for r in alone]
    assert all(r.attribution is None for r in results)


def test_service_rejects_bad_requests_before_queueing(adapters) -> None:
    model, cache = _stack(adapters[:1])
    service = ServingService(model, cache)
    service.start()
    try:
        with pytest.raises(UnknownAdapterError):
            service.submit(GenerationRequest("missing", "hi"))
        with pytest.raises(ContextLengthError, match="maximum context length is 512"):
            service.submit(GenerationRequest(adapters[0][0], "x" * 600))
        with pytest.raises(ContextLengthError):
            service.submit(GenerationRequest(adapters[0][0], "x" * 400, max_tokens=200))
    finally:
        service.stop()


def test_stop_strings_truncate() -> None:
    assert compute_stop_truncation("abc. def", (".",)) == ("abc", True)
    assert compute_stop_truncation("abc", ("x", "")) == ("abc", False)


def test_lora_spec_json_round_trip() -> None:
    spec = LoraSpec(4, 8, ("c_attn", "c_fc"), True, "a" * 64)
    assert LoraSpec.from_json(spec.to_json()) == spec


def test_logprobs_and_the_token_callback_leave_decoding_unchanged(adapters) -> None:
    model, cache = _stack(adapters[:2])
    slots = cache.ensure_on_device([a for a, _, _ in adapters[:2]])
    tokenizer = model.tokenizer
    plain = [
        DecodeRow(_ids(tokenizer, "Fact: the orbit of"), slots[adapters[0][0]], 8),
        DecodeRow(_ids(tokenizer, "hi"), slots[adapters[1][0]], 8),
    ]
    want = model.generate(plain)
    scored = [dataclasses.replace(plain[0], top_logprobs=3, prompt_logprobs=True), plain[1]]
    seen: list[tuple[int, int]] = []
    got = model.generate(scored, lambda row, token, info: bool(seen.append((row, token))))
    assert [g.token_ids for g in got] == [w.token_ids for w in want]
    assert [t for r, t in seen if r == 0] == list(want[0].token_ids)
    lps = got[0].logprobs
    assert [lp.token_id for lp in lps] == list(want[0].token_ids) and not got[1].logprobs
    assert all(lp.logprob <= 0 and lp.logprob == lp.top[0][1] and len(lp.top) == 3 for lp in lps)
    assert len(got[0].prompt_logprobs) == len(plain[0].prompt_ids) - 1
    # the callback ends a row: finish_reason "stop" after the token it returned True for
    stopped = model.generate(plain, lambda row, token, info: row == 1)
    assert stopped[1].token_ids == want[1].token_ids[:1] and stopped[1].finish_reason == "stop"
    assert stopped[0] == want[0]
