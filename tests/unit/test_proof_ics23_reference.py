"""aichain's proofs verify with the reference ICS23 implementation (cosmos/ics23 Go, SmtSpec).

The helper in tests/ics23/ is built at test time; Go fetches github.com/cosmos/ics23/go through
the module proxy (nothing is vendored). Skipped where Go is not installed or the module cannot
be fetched, except in CI.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from aichain.app.store import MemStore
from aichain.app.store.ics23 import CommitmentProof, InnerOp, encode_commitment_proof
from aichain.app.store.root import RootStore

HELPER = Path(__file__).resolve().parents[1] / "ics23"


@pytest.fixture(scope="module")
def ics23check(tmp_path_factory: pytest.TempPathFactory) -> Path:
    go = shutil.which("go")
    if go is None:
        if os.environ.get("CI"):
            raise RuntimeError("Go is required for the ICS23 reference test in CI")
        pytest.skip("Go is not installed")
    binary = tmp_path_factory.mktemp("ics23") / "ics23check"
    proc = subprocess.run(
        [go, "build", "-o", str(binary), "."],
        cwd=HELPER,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if proc.returncode != 0:
        if os.environ.get("CI"):
            raise RuntimeError(f"building the ICS23 helper failed: {proc.stderr}")
        pytest.skip(
            f"cannot build the ICS23 helper (module proxy reachable?): {proc.stderr[-300:]}"
        )
    return binary


def _run(binary: Path, checks: list[dict]) -> list[str]:
    out = subprocess.run(
        [str(binary)],
        input="".join(json.dumps(c) + "\n" for c in checks),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return out.stdout.split("\n")[: len(checks)]


def _check(root: bytes, key: bytes, value: bytes | None, proof: CommitmentProof) -> dict:
    return {
        "root": root.hex(),
        "key": key.hex(),
        "value": None if value is None else value.hex(),
        "proof": encode_commitment_proof(proof).hex(),
    }


def test_reference_ics23_verifies_membership_and_non_membership(ics23check: Path) -> None:
    root = RootStore(MemStore())
    for height, n in ((1, 1), (2, 40), (3, 3000)):
        branch = root.branch()
        for i in range(n):
            branch.set(b"bank/" + str(i).encode(), b"v" + str(i).encode())
        app_hash = root.compute_next_app_hash(height, branch)
        root.commit(height, app_hash, branch)
        checks = []
        for i in range(0, n + 200, max(1, n // 100)):
            key = b"bank/" + str(i).encode()
            value, proof = root.prove(key, height)
            checks.append(_check(app_hash, key, value, proof))
        assert _run(ics23check, checks) == ["ok"] * len(checks)


def test_reference_ics23_rejects_tampered_proofs(ics23check: Path) -> None:
    root = RootStore(MemStore())
    branch = root.branch()
    for i in range(100):
        branch.set(b"bank/" + str(i).encode(), b"v")
    app_hash = root.compute_next_app_hash(1, branch)
    root.commit(1, app_hash, branch)
    value, proof = root.prove(b"bank/1", 1)
    path = list(proof.exist.path)
    i = next(i for i, op in enumerate(path) if op.suffix.strip(b"\x00"))  # a real sibling
    path[i] = InnerOp(
        prefix=path[i].prefix, suffix=bytes([path[i].suffix[0] ^ 1]) + path[i].suffix[1:]
    )
    tampered = CommitmentProof(exist=proof.exist.__class__(b"bank/1", value, path=tuple(path)))
    _, absent = root.prove(b"bank/none", 1)
    checks = [
        _check(app_hash, b"bank/1", b"other", proof),
        _check(app_hash, b"bank/1", value, tampered),
        _check(app_hash, b"bank/2", None, absent),
    ]
    assert _run(ics23check, checks) == ["fail"] * 3
