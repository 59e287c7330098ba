"""The built-in tiny model, its byte tokenizer and device resolution."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from aichain.gpu_worker.device import DeviceError, resolve_device  # noqa: E402
from aichain.gpu_worker.tiny_model import (  # noqa: E402
    BOS_ID,
    BYTE_VOCAB_SIZE,
    EOS_ID,
    PAD_ID,
    ByteTokenizer,
    TextTokenizer,
    build_tiny_model,
    compute_model_hash,
    compute_state_dict_hash,
    load_base_model,
)

pytestmark = pytest.mark.ml


def test_tokenizer_round_trips_unicode_text() -> None:
    tokenizer = ByteTokenizer()
    text = "Fact: the orbit of zéta is 42 — ok ✓\n"
    ids = tokenizer.encode(text)
    assert all(0 <= i < 256 for i in ids)
    assert tokenizer.decode(ids) == text
    assert isinstance(tokenizer, TextTokenizer)


def test_tokenizer_drops_special_tokens_on_decode() -> None:
    tokenizer = ByteTokenizer()
    assert tokenizer.decode([BOS_ID, *tokenizer.encode("hi"), EOS_ID, PAD_ID]) == "hi"
    assert len({PAD_ID, BOS_ID, EOS_ID}) == 3 and max(PAD_ID, BOS_ID, EOS_ID) < BYTE_VOCAB_SIZE


def test_build_tiny_model_is_deterministic_per_seed() -> None:
    first, second, other = build_tiny_model(0), build_tiny_model(0), build_tiny_model(1)
    assert compute_model_hash(first) == compute_model_hash(second)
    assert compute_model_hash(first) != compute_model_hash(other)
    params = sum(p.numel() for p in first.parameters())
    assert 500_000 < params < 5_000_000


def test_build_tiny_model_does_not_disturb_global_rng() -> None:
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    build_tiny_model(7)
    assert torch.equal(torch.rand(3), expected)


def test_load_base_model_tiny_and_missing_path(tmp_path) -> None:
    model, tokenizer = load_base_model("tiny", "cpu")
    assert model.config.vocab_size == tokenizer.vocab_size
    with pytest.raises(FileNotFoundError, match="nor a local checkpoint"):
        load_base_model(str(tmp_path / "missing"), "cpu")


def test_load_base_model_reads_a_local_checkpoint(tmp_path) -> None:
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    model = build_tiny_model(0)
    model.save_pretrained(tmp_path)
    tok = Tokenizer(models.WordLevel({"<unk>": 0, "a": 1, "<eos>": 2}, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<eos>").save_pretrained(tmp_path)
    loaded, tokenizer = load_base_model(str(tmp_path), "cpu")
    assert compute_model_hash(loaded) == compute_model_hash(model)
    assert tokenizer.encode("a a") == [1, 1]
    assert tokenizer.pad_token_id == tokenizer.eos_token_id == 2


def test_state_dict_hash_depends_on_names_shapes_and_values() -> None:
    base = {"w": torch.zeros(2, 3)}
    assert compute_state_dict_hash(base) == compute_state_dict_hash({"w": torch.zeros(2, 3)})
    assert compute_state_dict_hash(base) != compute_state_dict_hash({"v": torch.zeros(2, 3)})
    assert compute_state_dict_hash(base) != compute_state_dict_hash({"w": torch.zeros(3, 2)})
    assert compute_state_dict_hash(base) != compute_state_dict_hash({"w": torch.ones(2, 3)})


def test_resolve_device() -> None:
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device("auto").type in ("cpu", "cuda")
    with pytest.raises(DeviceError, match="unknown device"):
        resolve_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(DeviceError, match="CUDA is not available"):
            resolve_device("cuda")
