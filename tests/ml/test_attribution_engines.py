"""The attribution engines end to end on a tiny trained LoRA adapter (CPU)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from aichain.gpu_worker.attribution import (  # noqa: E402
    PPM_TOTAL,
    AttributionError,
    FeaturesError,
    compute_training_features,
    load_engine,
)
from aichain.gpu_worker.attribution.engines import ENGINES  # noqa: E402
from aichain.gpu_worker.attribution.evidence import compute_evidence_sha256  # noqa: E402

pytestmark = pytest.mark.ml


def _train(records: list, steps: int = 40, seed: int = 0):  # noqa: ANN202 - test helper
    from peft import LoraConfig, get_peft_model

    from aichain.gpu_worker.attribution.sequences import compute_batch, compute_record_sequence
    from aichain.gpu_worker.tiny_model import build_tiny_model, build_tiny_tokenizer

    tokenizer = build_tiny_tokenizer()
    torch.manual_seed(seed)
    config = LoraConfig(
        r=4, lora_alpha=8, target_modules=["c_attn", "c_fc"], fan_in_fan_out=True, lora_dropout=0.0
    )
    model = get_peft_model(build_tiny_model(seed=seed), config)
    model.train()
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=3e-3)
    seqs = [compute_record_sequence(tokenizer, r.text, 256) for r in records]
    for step in range(steps):
        rows = [seqs[(step * 8 + i) % len(seqs)] for i in range(8)]
        batch = compute_batch(rows, tokenizer.pad_token_id)
        out = model(
            input_ids=batch.input_ids, attention_mask=batch.attention_mask, labels=batch.labels
        )
        optimizer.zero_grad()
        out.loss.backward()
        optimizer.step()
    model.eval()
    return model, tokenizer


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201 - fixture
    from aichain.gpu_worker.datanet import DirectoryDatanet
    from aichain.gpu_worker.demo_datanet import make_demo_datanet

    torch.set_num_threads(2)
    root = tmp_path_factory.mktemp("attr")
    make_demo_datanet(root / "datanet", contributors=8, records_per_contributor=4)
    records = DirectoryDatanet(root / "datanet").load_records()
    model, tokenizer = _train(records)
    compute_training_features(model, tokenizer, records, root / "adapter" / "features", proj_dim=32)
    return root / "adapter", model, tokenizer, records


@pytest.mark.parametrize("name", ENGINES)
def test_engine_weights_sum_to_exactly_one_million(trained, name: str) -> None:
    adapter, model, tokenizer, records = trained
    engine = load_engine(adapter, name, model=model, tokenizer=tokenizer)
    output = records[5].text[10:60]
    result = engine.attribute("Tell me:", output, top_k=7)
    assert result.engine == name
    assert 1 <= len(result.top) <= 7
    assert sum(e.weight_ppm for e in result.top) == PPM_TOTAL
    assert result.evidence_sha256 == compute_evidence_sha256(result.evidence)
    doc = json.loads(result.evidence)
    assert len(doc["scores"]) == len(records)
    assert doc["top"] == [[e.record_id, e.contributor, e.weight_ppm] for e in result.top]


@pytest.mark.parametrize("name", ENGINES)
def test_engine_is_deterministic_across_runs_and_loads(trained, name: str) -> None:
    adapter, model, tokenizer, records = trained
    first = load_engine(adapter, name, model=model, tokenizer=tokenizer)
    second = load_engine(adapter, name, model=model, tokenizer=tokenizer)
    output = records[9].text[:80]
    a = first.attribute("q", output, top_k=5)
    b = first.attribute("q", output, top_k=5)
    c = second.attribute("q", output, top_k=5)
    assert a.evidence_sha256 == b.evidence_sha256 == c.evidence_sha256
    assert a.top == b.top == c.top


def test_span_match_finds_planted_record(trained) -> None:
    adapter, _, _, records = trained
    engine = load_engine(adapter, "span-match-v1")
    planted = records[13]
    others = [r.text for r in records if r is not planted]
    window = next(
        planted.text[i : i + 40]
        for i in range(len(planted.text) - 40)
        if not any(planted.text[i : i + 40] in t for t in others)
    )
    result = engine.attribute("x", "blah " + window + " blah", top_k=3)
    assert result.top[0].record_id == planted.record_id
    assert result.top[0].contributor == planted.contributor


def test_span_match_without_evidence_returns_empty_top(trained) -> None:
    engine = load_engine(trained[0], "span-match-v1")
    result = engine.attribute("x", "\u2603\u2603 qqqq", top_k=3)
    assert result.top == ()
    assert json.loads(result.evidence)["details"]["spans"] == []


def test_influence_ranks_own_contributor_first_on_a_training_record(trained) -> None:
    adapter, model, tokenizer, records = trained
    engine = load_engine(adapter, "lora-influence-v1", model=model, tokenizer=tokenizer)
    hits = 0
    for record in records[::4]:
        result = engine.attribute("", record.text, top_k=1)
        hits += result.top[0].contributor == record.contributor
    assert hits >= 6


def test_evidence_file_is_written_content_addressed(trained, tmp_path: Path) -> None:
    adapter, _, _, records = trained
    result = load_engine(adapter, "span-match-v1").attribute(
        "x", records[0].text[:40], evidence_dir=tmp_path
    )
    assert result.evidence_path == tmp_path / f"{result.evidence_sha256}.json"
    assert result.evidence_path.read_bytes() == result.evidence


def test_attribute_rejects_empty_output(trained) -> None:
    adapter, model, tokenizer, _ = trained
    for name in ENGINES:
        engine = load_engine(adapter, name, model=model, tokenizer=tokenizer)
        with pytest.raises(AttributionError, match="empty"):
            engine.attribute("prompt", "")


def test_features_reject_no_records(trained, tmp_path: Path) -> None:
    _, model, tokenizer, _ = trained
    with pytest.raises(AttributionError, match="no records"):
        compute_training_features(model, tokenizer, [], tmp_path)


def test_load_rejects_corrupted_features_file(trained, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "adapter"
    shutil.copytree(trained[0], copy)
    grads = copy / "features" / "lora_grads.npy"
    data = bytearray(grads.read_bytes())
    data[-1] ^= 0xFF
    grads.write_bytes(bytes(data))
    with pytest.raises(FeaturesError, match="does not match its sha256"):
        load_engine(copy, "span-match-v1")
    (copy / "features" / "features.json").write_text("{not json")
    with pytest.raises(FeaturesError, match="corrupted"):
        load_engine(copy, "span-match-v1")


def test_load_rejects_missing_features_and_unknown_engine(trained, tmp_path: Path) -> None:
    with pytest.raises(FeaturesError, match="no attribution features"):
        load_engine(tmp_path, "span-match-v1")
    with pytest.raises(AttributionError, match="unknown engine"):
        load_engine(trained[0], "magic-v9")


def test_influence_rejects_a_different_adapter(trained) -> None:
    adapter, model, tokenizer, _ = trained
    import copy

    other = copy.deepcopy(model)
    with torch.no_grad():
        for name, param in other.named_parameters():
            if "lora_B" in name:
                param.add_(0.01)
    with pytest.raises(FeaturesError, match="LoRA weights differ"):
        load_engine(adapter, "lora-influence-v1", model=other, tokenizer=tokenizer)


def test_span_match_credits_every_record_sharing_a_span_and_lists_them(trained) -> None:
    adapter, _, _, records = trained
    engine = load_engine(adapter, "span-match-v1")
    planted = records[13]
    scores, details = engine.score("x", planted.text)
    # Every record of the contributor shares its "(theme: " filler (>= 8 bytes) at least.
    same = [i for i, r in enumerate(records) if r.contributor == planted.contributor]
    assert all(scores[i] > 0 for i in same)
    assert records[int(np.argmax(scores))].contributor == planted.contributor
    rebuilt = np.zeros(len(records))
    for start, length, occurrences, weight, holders, listed in details["spans"]:
        assert 0 <= start and length >= details["min_span"] and occurrences >= holders >= 1
        assert listed == sorted(listed) and len(listed) == min(holders, 16)
        assert planted.text.encode()[start : start + length] in records[listed[0]].text.encode()
        if holders <= 16:
            rebuilt[listed] += weight
    np.testing.assert_array_equal(rebuilt, scores)


def test_span_match_rejects_bad_parameters(trained) -> None:
    from aichain.gpu_worker.attribution.engines import SpanMatchEngine
    from aichain.gpu_worker.attribution.features import load_features

    features = load_features(trained[0] / "features")
    with pytest.raises(AttributionError, match="min_span"):
        SpanMatchEngine(features, min_span=0)
    with pytest.raises(AttributionError, match="max_occurrences"):
        SpanMatchEngine(features, max_occurrences=0)


def test_blend_pays_records_with_verbatim_evidence_reranked_by_influence(trained) -> None:
    adapter, model, tokenizer, records = trained
    engine = load_engine(adapter, "blend-v1", model=model, tokenizer=tokenizer)
    output = records[21].text[:70]
    result = engine.attribute("Tell me:", output, top_k=5)
    details = json.loads(result.evidence)["details"]
    span = np.array(details["span_scores"])
    assert details["rule"] == "geometric" and details["span_evidence"] is True
    assert len(details["influence_scores"]) == len(span) == len(records)
    index = {r.record_id: i for i, r in enumerate(records)}
    assert all(span[index[e.record_id]] > 0 for e in result.top if e.weight_ppm > 0)
    assert result.top[0].contributor == records[21].contributor


def test_span_gain_credits_hits_of_prompt_and_output_with_the_adapters_gain(trained) -> None:
    adapter, model, tokenizer, records = trained
    engine = load_engine(adapter, "span-gain-v1", model=model, tokenizer=tokenizer)
    planted = records[13]
    scores, details = engine.score(planted.text[:40], planted.text[40:90])
    assert set(details) >= {"prompt", "output", "coverage"} and 0 < details["coverage"] <= 1
    rebuilt = np.zeros(len(records))
    for part in ("prompt", "output"):
        for _start, _length, _occ, credit, holders, listed in details[part]["spans"]:
            assert credit >= 0 and len(listed) == min(holders, 16)
            if holders <= 16:
                rebuilt[listed] += credit
        assert all(g >= 0 for g in details[part]["token_gain"])
    np.testing.assert_allclose(rebuilt, scores, rtol=1e-9, atol=1e-12)
    assert records[int(np.argmax(scores))].contributor == planted.contributor


def test_blend_v2_without_span_evidence_is_influence_v2(trained) -> None:
    adapter, model, tokenizer, _ = trained
    blend = load_engine(adapter, "blend-v2", model=model, tokenizer=tokenizer)
    scores, details = blend.score("\u2603\u2603", "\u2603\u2603 qqqq")
    assert details["span_weight"] == 0.0 and details["coverage"] == 0.0
    infl = np.array(details["influence_scores"])
    assert np.array_equal(np.argsort(-scores, kind="stable"), np.argsort(-infl, kind="stable"))
