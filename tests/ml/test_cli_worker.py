"""`aichain worker` commands through click (small and on the CPU)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

pytest.importorskip("torch")

from aichain.cli.worker import worker  # noqa: E402
from aichain.gpu_worker.datanet import write_datanet  # noqa: E402

pytestmark = pytest.mark.ml


def test_worker_help_lists_every_command() -> None:
    result = CliRunner().invoke(worker, ["--help"])
    assert result.exit_code == 0
    for name in ("make-demo-datanet", "train", "serve", "attribute"):
        assert name in result.output


def test_make_demo_datanet_then_train(tmp_path: Path) -> None:
    runner = CliRunner()
    made = runner.invoke(
        worker,
        [
            "make-demo-datanet",
            str(tmp_path / "dn"),
            "--contributors",
            "2",
            "--records-per-contributor",
            "2",
            "-o",
            "json",
        ],
    )
    assert made.exit_code == 0, made.output
    assert json.loads(made.stdout)["records"] == 4
    again = runner.invoke(worker, ["make-demo-datanet", str(tmp_path / "dn")])
    assert again.exit_code == 1 and "already holds a datanet" in again.output
    trained = runner.invoke(
        worker,
        [
            "train",
            str(tmp_path / "dn"),
            "--out",
            str(tmp_path / "ad"),
            "--max-steps",
            "2",
            "--batch-size",
            "2",
            "--rank",
            "2",
            "--no-features",
            "--quiet",
            "--device",
            "cpu",
            "-o",
            "json",
        ],
    )
    assert trained.exit_code == 0, trained.output
    summary = json.loads(trained.stdout)
    assert summary["steps"] == 2
    assert (tmp_path / "ad" / "adapter.sha256").read_text().strip() == summary["adapter_sha256"]


def test_train_on_an_empty_datanet_fails_clearly(tmp_path: Path) -> None:
    write_datanet(tmp_path / "dn", "empty", 1, [])
    result = CliRunner().invoke(
        worker, ["train", str(tmp_path / "dn"), "--out", str(tmp_path / "ad"), "--device", "cpu"]
    )
    assert result.exit_code == 1
    assert "has no records: nothing to train on" in result.output


def test_serve_refuses_a_missing_adapter_dir(tmp_path: Path) -> None:
    result = CliRunner().invoke(worker, ["serve", str(tmp_path / "nope"), "--device", "cpu"])
    assert result.exit_code == 1
    assert "does not exist" in result.output
