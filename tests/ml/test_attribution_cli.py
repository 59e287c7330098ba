"""`aichain worker attribute` on an adapter trained by the Model Factory (CPU, tiny model)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.ml


@pytest.fixture(scope="module")
def adapter_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from aichain.gpu_worker.datanet import DirectoryDatanet
    from aichain.gpu_worker.demo_datanet import make_demo_datanet
    from aichain.gpu_worker.factory import TrainConfig, train_adapter

    torch.set_num_threads(2)
    root = tmp_path_factory.mktemp("cli")
    make_demo_datanet(root / "datanet", contributors=8, records_per_contributor=2)
    result = train_adapter(
        DirectoryDatanet(root / "datanet"),
        root / "adapter",
        config=TrainConfig(epochs=1, max_steps=4, lr=1e-2),
        device="cpu",
        progress=False,
    )
    assert result.features_written
    return root / "adapter"


def test_attribute_prints_answer_records_and_weights(adapter_dir: Path, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from aichain.cli.worker_attribute import attribute

    args = [
        str(adapter_dir),
        "--prompt",
        "Fact: the color of",
        "--device",
        "cpu",
        "--max-new-tokens",
        "24",
        "--top-k",
        "5",
        "--evidence-dir",
        str(tmp_path),
    ]
    result = CliRunner().invoke(attribute, [*args, "--engine", "lora-influence-v1", "-o", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["answer"]
    assert sum(row["weight_ppm"] for row in data["records"]) == 1_000_000
    assert sum(ppm for _, ppm in data["contributors"]) == 1_000_000
    evidence = Path(data["evidence_path"])
    assert evidence.name == data["evidence_sha256"] + ".json"
    again = CliRunner().invoke(attribute, [*args, "--engine", "lora-influence-v1", "-o", "json"])
    assert json.loads(again.output)["evidence_sha256"] == data["evidence_sha256"]
    text = CliRunner().invoke(attribute, [*args, "--engine", "blend-v1"])
    assert text.exit_code == 0, text.output
    assert text.output.startswith("answer: ") and "ppm" in text.output


def test_attribute_rejects_directory_without_adapter(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from aichain.cli.worker_attribute import attribute

    result = CliRunner().invoke(attribute, [str(tmp_path), "--prompt", "x", "--device", "cpu"])
    assert result.exit_code != 0
    assert "Error:" in result.output
