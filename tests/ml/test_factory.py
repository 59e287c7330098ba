"""The Model Factory: deterministic LoRA training, resume, early stop, manifest, features."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from aichain.gpu_worker.adapters import (  # noqa: E402
    ADAPTER_HASH,
    ADAPTER_WEIGHTS,
    TRAINING_MANIFEST,
    load_adapter,
    read_adapter_hash,
)
from aichain.gpu_worker.datanet import DirectoryDatanet, make_demo_datanet  # noqa: E402
from aichain.gpu_worker.factory import (  # noqa: E402
    TrainConfig,
    TrainingError,
    compute_epoch_order,
    train_adapter,
)
from aichain.gpu_worker.tiny_model import compute_model_hash, load_base_model  # noqa: E402

pytestmark = pytest.mark.ml

SMALL = TrainConfig(epochs=2, batch_size=2, lr=5e-3, rank=4, alpha=8, seed=3, max_seq_len=96)
"""6 records, 3 batches per epoch: fast and enough to exercise every path."""


@pytest.fixture(scope="module")
def small_datanet(tmp_path_factory: pytest.TempPathFactory) -> DirectoryDatanet:
    path = tmp_path_factory.mktemp("small-datanet")
    make_demo_datanet(path, contributors=2, records_per_contributor=3, seed=1)
    return DirectoryDatanet(path)


def _train(source: DirectoryDatanet, out: Path, config: TrainConfig = SMALL, **kw):  # noqa: ANN202
    return train_adapter(source, out, config=config, device="cpu", progress=False, **kw)


def test_epoch_order_is_a_seeded_permutation() -> None:
    order = compute_epoch_order(10, seed=0, epoch=0)
    assert sorted(order) == list(range(10))
    assert order == compute_epoch_order(10, seed=0, epoch=0)
    assert order != compute_epoch_order(10, seed=0, epoch=1)
    assert order != compute_epoch_order(10, seed=1, epoch=0)


def test_training_is_deterministic_and_writes_the_adapter_dir(small_datanet, tmp_path) -> None:
    first = _train(small_datanet, tmp_path / "a", features=False)
    second = _train(small_datanet, tmp_path / "b", features=False)
    assert first.adapter_sha256 == second.adapter_sha256
    assert first.steps == 6 and first.epochs_completed == 2 and not first.stopped_early
    weights = (tmp_path / "a" / ADAPTER_WEIGHTS).read_bytes()
    assert hashlib.sha256(weights).hexdigest() == first.adapter_sha256
    assert read_adapter_hash(tmp_path / "a") == first.adapter_sha256
    assert (tmp_path / "a" / ADAPTER_HASH).read_text().strip() == first.adapter_sha256
    loaded = load_adapter(tmp_path / "a", first.adapter_sha256)
    assert loaded.spec.rank == 4 and loaded.spec.alpha == 8
    assert loaded.spec.base_model_sha256 == compute_model_hash(load_base_model("tiny")[0])
    assert any("lora_B" in name and t.abs().sum() > 0 for name, t in loaded.state.items())


def test_training_manifest_records_provenance(small_datanet, tmp_path) -> None:
    result = _train(small_datanet, tmp_path / "a", features=False)
    manifest = json.loads((tmp_path / "a" / TRAINING_MANIFEST).read_text())
    info = small_datanet.info()
    assert manifest["adapter_sha256"] == result.adapter_sha256
    assert manifest["datanet"]["ref"] == info.ref
    assert manifest["base_model"]["sha256"] == compute_model_hash(load_base_model("tiny")[0])
    ids = [r.record_id for r in small_datanet.refs()]
    assert [r["record_id"] for r in manifest["records"]] == ids
    orders = manifest["training_order"]
    assert len(orders) == 2
    for epoch, entry in enumerate(orders):
        expected = [ids[i] for i in compute_epoch_order(len(ids), SMALL.seed, epoch)]
        assert entry["record_ids"] == expected and entry["batch_size"] == 2
    assert manifest["hyperparameters"]["lr"] == SMALL.lr
    assert {"torch", "transformers", "peft", "safetensors"} <= set(manifest["libraries"])


def test_resume_continues_to_the_same_adapter(small_datanet, tmp_path) -> None:
    straight = _train(small_datanet, tmp_path / "straight", features=False)
    cut = TrainConfig(**{**_fields(SMALL), "max_steps": 4, "checkpoint_every": 1})
    partial = _train(small_datanet, tmp_path / "resumed", cut, features=False)
    assert partial.steps == 4
    manifest = json.loads((tmp_path / "resumed" / TRAINING_MANIFEST).read_text())
    assert [len(e["record_ids"]) for e in manifest["training_order"]] == [6, 2]
    resumed = _train(small_datanet, tmp_path / "resumed", resume=True, features=False)
    assert resumed.steps == 6
    assert resumed.adapter_sha256 == straight.adapter_sha256


def test_resume_refuses_a_checkpoint_with_other_settings(small_datanet, tmp_path) -> None:
    _train(
        small_datanet,
        tmp_path / "a",
        TrainConfig(**{**_fields(SMALL), "max_steps": 1}),
        features=False,
    )
    other = TrainConfig(**{**_fields(SMALL), "lr": 1e-3})
    with pytest.raises(TrainingError, match="different settings"):
        _train(small_datanet, tmp_path / "a", other, resume=True, features=False)


def test_early_stop_when_the_loss_stops_improving(small_datanet, tmp_path) -> None:
    frozen = TrainConfig(**{**_fields(SMALL), "lr": 0.0, "epochs": 10, "early_stop_patience": 2})
    result = _train(small_datanet, tmp_path / "a", frozen, features=False)
    assert result.stopped_early
    assert result.epochs_completed == 3  # epoch 1 sets the best; epochs 2 and 3 do not improve
    assert result.steps == 9


def test_training_writes_attribution_features(trained_adapter) -> None:
    from aichain.gpu_worker.attribution.features import load_features

    assert trained_adapter.features_written
    features = load_features(trained_adapter.adapter_dir)
    manifest = json.loads((trained_adapter.adapter_dir / TRAINING_MANIFEST).read_text())
    assert [r.record_id for r in features.records] == [r["record_id"] for r in manifest["records"]]


def _fields(config: TrainConfig) -> dict:
    return {name: getattr(config, name) for name in config.__dataclass_fields__}
