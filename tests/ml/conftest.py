"""Shared fixtures of the ML tests: CPU threads, a small demo datanet and a trained adapter."""

from __future__ import annotations

from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("peft")


@pytest.fixture(autouse=True, scope="session")
def _few_threads() -> None:
    """Keeps each ML test on at most two CPU threads."""
    torch.set_num_threads(2)


@pytest.fixture(scope="session")
def demo_datanet_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo datanet: 8 contributors x 4 records, with planted queries."""
    from aichain.gpu_worker.datanet import make_demo_datanet

    path = tmp_path_factory.mktemp("datanet")
    make_demo_datanet(path, contributors=8, records_per_contributor=4, seed=0)
    return path


@pytest.fixture(scope="session")
def trained_adapter(tmp_path_factory: pytest.TempPathFactory, demo_datanet_dir: Path):
    """A LoRA adapter trained on the demo datanet for a few dozen steps, with its features."""
    from aichain.gpu_worker.datanet import DirectoryDatanet
    from aichain.gpu_worker.factory import TrainConfig, train_adapter

    out = tmp_path_factory.mktemp("adapters") / "demo-adapter"
    config = TrainConfig(epochs=6, batch_size=8, lr=1e-2, rank=8, seed=0)
    return train_adapter(
        DirectoryDatanet(demo_datanet_dir), out, config=config, device="cpu", progress=False
    )
