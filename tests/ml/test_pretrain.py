"""gpu_worker.pretrain: a pre-trained tiny base saved as a checkpoint for --base-model PATH."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from aichain.gpu_worker.pretrain import pretrain_tiny_base  # noqa: E402
from aichain.gpu_worker.tiny_model import (  # noqa: E402
    BYTE_TOKENIZER_MARKER,
    ByteTokenizer,
    build_tiny_model,
    compute_model_hash,
    load_base_model,
)

pytestmark = pytest.mark.ml

TEXTS = ["Fact: the color of java is orbit-teva.", "<cepoxa> keeper = rhythm-ponepo </cepoxa>"]


def test_pretrained_base_loads_with_the_byte_tokenizer_and_is_deterministic(
    tmp_path: Path,
) -> None:
    first = pretrain_tiny_base(TEXTS, tmp_path / "a", steps=3, seed=1, batch_size=2)
    second = pretrain_tiny_base(TEXTS, tmp_path / "b", steps=3, seed=1, batch_size=2)
    assert first == tmp_path / "a" and (first / "config.json").is_file()
    marker = json.loads((first / BYTE_TOKENIZER_MARKER).read_text())
    assert marker["tokenizer"] == "byte-v1" and marker["pretrain"]["steps"] == 3
    model, tokenizer = load_base_model(str(first), "cpu")
    assert isinstance(tokenizer, ByteTokenizer)
    assert not model.training
    digest = compute_model_hash(model)
    assert digest == compute_model_hash(load_base_model(str(second), "cpu")[0])
    assert digest != compute_model_hash(build_tiny_model(0))  # the weights did move
    other = pretrain_tiny_base(TEXTS, tmp_path / "c", steps=3, seed=2, batch_size=2)
    assert compute_model_hash(load_base_model(str(other), "cpu")[0]) != digest


def test_pretraining_lowers_the_loss_on_its_texts(pretrained_base_dir: Path) -> None:
    from aichain.gpu_worker.attribution.sequences import compute_batch, compute_record_sequence

    tokenizer = ByteTokenizer()
    text = "Fact: the season of java is parsec-teva. (astronomy: orbit comet nebula)"
    batch = compute_batch([compute_record_sequence(tokenizer, text, 256)], tokenizer.pad_token_id)

    def loss(model) -> float:  # noqa: ANN001
        with torch.no_grad():
            out = model(
                input_ids=batch.input_ids, attention_mask=batch.attention_mask, labels=batch.labels
            )
        return float(out.loss)

    trained, _ = load_base_model(str(pretrained_base_dir), "cpu")
    assert loss(trained) < 0.6 * loss(build_tiny_model(0))


def test_a_checkpoint_without_the_marker_or_with_another_tokenizer_is_refused(
    tmp_path: Path,
) -> None:
    base = pretrain_tiny_base(TEXTS, tmp_path / "base", steps=1, seed=1, batch_size=2)
    (base / BYTE_TOKENIZER_MARKER).write_text(json.dumps({"tokenizer": "other"}))
    with pytest.raises(ValueError, match="unknown tokenizer"):
        load_base_model(str(base), "cpu")
