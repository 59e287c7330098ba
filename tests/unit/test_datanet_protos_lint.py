"""buf lint over the project's own protos (scripts/lint_protos.py with the pinned buf). Runs
when .tools/bin/buf is present (scripts/install_buf.sh); in CI (CI set) a missing buf fails."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BUF = REPO / ".tools" / "bin" / "buf"
SCRIPT = REPO / "scripts" / "lint_protos.py"


@pytest.fixture(scope="module")
def buf() -> Path:
    if not BUF.is_file():
        if os.environ.get("CI"):
            pytest.fail("buf is missing in CI: run scripts/install_buf.sh (make buf)")
        pytest.skip("buf not installed (scripts/install_buf.sh)")
    return BUF


def lint(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=120
    )


def test_project_protos_pass_buf_lint(buf: Path) -> None:
    res = lint()
    assert res.returncode == 0, res.stdout + res.stderr


def test_buf_lint_catches_a_bad_proto(buf: Path, tmp_path: Path) -> None:
    bad = tmp_path / "aichain" / "bad" / "v1" / "bad.proto"
    bad.parent.mkdir(parents=True)
    bad.write_text('syntax = "proto3";\npackage aichain.bad.v1;\nenum Color { RED = 0; }\n')
    res = lint(str(tmp_path))
    assert res.returncode != 0
    assert "UNSPECIFIED" in res.stdout + res.stderr
