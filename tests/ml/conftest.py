"""Shared fixtures of the ML tests: CPU threads, demo datanets, a pre-trained base, adapters."""

from __future__ import annotations

from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("peft")

PRETRAIN_STEPS = 150
"""Full-weight steps of the session's pre-trained tiny base (batch 16)."""
PRETRAIN_LR = 3e-3
"""Learning rate of the session's pre-trained tiny base."""


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


@pytest.fixture(scope="session")
def pretrained_base_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny model briefly pre-trained on *another* demo datanet (seed 1: same themes and
    styles, other facts than demo_datanet_dir), as a checkpoint dir for --base-model PATH."""
    from aichain.gpu_worker.datanet import DirectoryDatanet, make_demo_datanet
    from aichain.gpu_worker.pretrain import pretrain_tiny_base

    data = tmp_path_factory.mktemp("pretrain-datanet")
    make_demo_datanet(data, contributors=8, records_per_contributor=32, seed=1)
    records = DirectoryDatanet(data).load_records()
    out = tmp_path_factory.mktemp("bases") / "tiny-pretrained"
    return pretrain_tiny_base(records, out, steps=PRETRAIN_STEPS, seed=1, lr=PRETRAIN_LR)


@pytest.fixture(scope="session")
def planted_adapter(
    tmp_path_factory: pytest.TempPathFactory, demo_datanet_dir: Path, pretrained_base_dir: Path
):
    """A LoRA adapter trained by the factory on the demo datanet over the pre-trained base."""
    from aichain.gpu_worker.datanet import DirectoryDatanet
    from aichain.gpu_worker.factory import TrainConfig, train_adapter

    out = tmp_path_factory.mktemp("adapters") / "planted-adapter"
    config = TrainConfig(epochs=30, batch_size=8, lr=5e-3, rank=8, seed=0)
    return train_adapter(
        DirectoryDatanet(demo_datanet_dir),
        out,
        base_model=str(pretrained_base_dir),
        config=config,
        device="cpu",
        progress=False,
    )
