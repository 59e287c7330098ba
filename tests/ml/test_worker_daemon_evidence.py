"""The daemon's evidence handling (gpu_worker/daemon/runtime.py), one layer: every engine
answer puts its evidence in the content store, and a store outage keeps the evidence locally
until it can be sent, failing no answer (the engine and the store faked)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

pytest.importorskip("torch")

from aichain.client.blobs import BlobError, HomeBlobStore  # noqa: E402
from aichain.gpu_worker.attribution.types import Attribution  # noqa: E402
from aichain.gpu_worker.daemon.runtime import EvidenceAttribution, _EvidenceEngine  # noqa: E402

pytestmark = pytest.mark.ml


class _Engine:
    def attribute(self, prompt: str, output: str, top_k: int = 10) -> Attribution:
        evidence = f"{prompt}|{output}".encode()
        return Attribution("span-match-v1", (), evidence, hashlib.sha256(evidence).hexdigest())


class _FlakyStore(HomeBlobStore):
    down = False

    def put(self, data: bytes) -> str:
        if self.down:
            raise BlobError("127.0.0.1:1: failed to connect")
        return super().put(data)


def test_evidence_waits_locally_while_the_store_is_down(tmp_path: Path) -> None:
    store = _FlakyStore(tmp_path / "blobs")
    pending = tmp_path / "pending"
    engine = _EvidenceEngine(_Engine(), store, pending)
    first = engine.attribute("a", "b")
    assert store.get(first.evidence_sha256) == b"a|b" and not pending.exists()

    store.down = True
    second = engine.attribute("c", "d")  # the answer is not failed by the outage
    assert (pending / second.evidence_sha256).read_bytes() == b"c|d"
    assert not store.has(second.evidence_sha256)

    provider = EvidenceAttribution.__new__(EvidenceAttribution)
    provider.store, provider.pending_dir = store, pending
    with pytest.raises(BlobError):
        provider.upload_pending(second.evidence_sha256)
    store.down = False
    provider.upload_pending(second.evidence_sha256)
    assert store.get(second.evidence_sha256) == b"c|d"
    assert not (pending / second.evidence_sha256).exists()
    provider.upload_pending(second.evidence_sha256)  # nothing pending: nothing to do
