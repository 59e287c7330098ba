"""Directory datanets: manifest, Merkle root, record verification, the demo generator."""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path

import pytest

from aichain.gpu_worker.datanet import (
    DatanetError,
    DatanetSource,
    DirectoryDatanet,
    EmptyDatanetError,
    NewRecord,
    RecordIntegrityError,
    RecordRef,
    compute_leaf_hash,
    compute_version_root,
    make_demo_datanet,
    write_datanet,
)
from aichain.gpu_worker.demo_datanet import build_contributor_kinds, load_queries
from aichain.gpu_worker.demo_datanet import make_demo_datanet as make_demo_with_twins

pytestmark = pytest.mark.ml


def _refs(n: int) -> list[RecordRef]:
    return [
        RecordRef(f"r{i}", hashlib.sha256(bytes([i])).hexdigest(), f"c{i % 2}", "text/plain")
        for i in range(n)
    ]


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def test_version_root_follows_the_documented_rule() -> None:
    refs = _refs(3)
    leaves = [compute_leaf_hash(r) for r in refs]
    assert compute_version_root([]) == hashlib.sha256(b"").hexdigest()
    assert compute_version_root(refs[:1]) == leaves[0].hex()
    assert compute_version_root(refs[:2]) == _node(leaves[0], leaves[1]).hex()
    # RFC 6962 split: the left subtree holds the largest power of two below n.
    assert compute_version_root(refs) == _node(_node(leaves[0], leaves[1]), leaves[2]).hex()
    body = (
        (2).to_bytes(4, "big")
        + b"r0"
        + bytes.fromhex(refs[0].sha256)
        + (2).to_bytes(4, "big")
        + b"c0"
        + (10).to_bytes(4, "big")
        + b"text/plain"
    )
    assert leaves[0] == hashlib.sha256(b"\x00" + body).digest()


def test_version_root_commits_to_order_and_metadata() -> None:
    refs = _refs(4)
    root = compute_version_root(refs)
    assert compute_version_root(list(reversed(refs))) != root
    changed = [RecordRef(refs[0].record_id, refs[0].sha256, "mallory", "text/plain"), *refs[1:]]
    assert compute_version_root(changed) != root


def test_directory_datanet_round_trip(tmp_path: Path) -> None:
    info = write_datanet(
        tmp_path,
        "ds",
        3,
        [NewRecord("a", "alice", b"hello"), NewRecord("b", "bob", "héllo".encode())],
    )
    source = DirectoryDatanet(tmp_path)
    assert isinstance(source, DatanetSource)
    assert source.info() == info and info.ref == f"ds@3@{info.root}"
    records = source.load_records()
    assert [(r.record_id, r.contributor, r.text) for r in records] == [
        ("a", "alice", "hello"),
        ("b", "bob", "héllo"),
    ]
    assert records[0].sha256 == hashlib.sha256(b"hello").hexdigest()
    assert (tmp_path / "records" / records[0].sha256).read_bytes() == b"hello"


def test_load_records_rejects_tampered_bytes(tmp_path: Path) -> None:
    write_datanet(tmp_path, "ds", 1, [NewRecord("a", "alice", b"x"), NewRecord("b", "bob", b"y")])
    digest = hashlib.sha256(b"y").hexdigest()
    (tmp_path / "records" / digest).write_bytes(b"tampered")
    with pytest.raises(RecordIntegrityError, match=r"record 'b' \(contributor bob\).*refusing"):
        DirectoryDatanet(tmp_path).load_records()


def test_load_records_rejects_a_missing_record_file(tmp_path: Path) -> None:
    write_datanet(tmp_path, "ds", 1, [NewRecord("a", "alice", b"x")])
    (tmp_path / "records" / hashlib.sha256(b"x").hexdigest()).unlink()
    with pytest.raises(RecordIntegrityError, match="record 'a'.*cannot read"):
        DirectoryDatanet(tmp_path).load_records()


def test_open_rejects_a_wrong_root(tmp_path: Path) -> None:
    write_datanet(tmp_path, "ds", 1, [NewRecord("a", "alice", b"x")])
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    manifest["records"][0]["contributor"] = "mallory"
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(DatanetError, match="version root mismatch"):
        DirectoryDatanet(tmp_path)


def test_open_rejects_malformed_manifests(tmp_path: Path) -> None:
    with pytest.raises(DatanetError, match="no manifest.json"):
        DirectoryDatanet(tmp_path)
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(DatanetError, match="unreadable manifest"):
        DirectoryDatanet(tmp_path)
    write_datanet(tmp_path, "ds", 1, [NewRecord("a", "x", b"1"), NewRecord("b", "x", b"2")])
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    manifest["records"][1]["record_id"] = "a"
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(DatanetError, match="duplicate record id 'a'"):
        DirectoryDatanet(tmp_path)


def test_train_rejects_an_empty_datanet(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    from aichain.gpu_worker.factory import train_adapter

    write_datanet(tmp_path / "dn", "empty", 1, [])
    with pytest.raises(EmptyDatanetError, match="has no records: nothing to train on"):
        train_adapter(DirectoryDatanet(tmp_path / "dn"), tmp_path / "out", device="cpu")
    assert not (tmp_path / "out").exists()


def test_demo_datanet_has_distinct_contributors_and_planted_queries(tmp_path: Path) -> None:
    info = make_demo_datanet(tmp_path, contributors=8, records_per_contributor=3, seed=0)
    records = DirectoryDatanet(tmp_path).load_records()
    assert info.record_count == len(records) == 24
    contributors = sorted({r.contributor for r in records})
    assert len(contributors) == 8
    queries = load_queries(tmp_path)
    assert {q["expected_contributor"] for q in queries} == set(contributors)
    texts = {r.text for r in records}
    for query in queries:
        assert query["prompt"] not in texts
        own = [r.text for r in records if r.contributor == query["expected_contributor"]]
        assert any(query["expected_completion"] in text for text in own)
    again = tmp_path / "again"
    assert make_demo_datanet(again, contributors=8, records_per_contributor=3, seed=0) == info


def _finishes(fn, timeout: float = 120.0):  # noqa: ANN001, ANN202
    """fn() run in a daemon thread; fails the test (instead of hanging) after timeout seconds."""
    result: list = []
    thread = threading.Thread(target=lambda: result.append(fn()), daemon=True)
    thread.start()
    thread.join(timeout)
    assert result, f"did not finish within {timeout:.0f}s"
    return result[0]


def test_demo_words_stay_unique_past_the_short_word_space() -> None:
    # 2,000 facts per contributor need ~4,000 words; 2-3 syllable words give only 1,872.
    kinds = _finishes(lambda: build_contributor_kinds(3, 2000, seed=0))
    subjects = [f.subject for k in kinds for f in k.facts]
    values = [f.value.split("-", 1)[1] for k in kinds for f in k.facts]
    assert len(subjects) == 6000
    assert len(set(subjects + values)) == len(subjects) + len(values)


def test_large_demo_datanet_is_written(tmp_path: Path) -> None:
    info = _finishes(
        lambda: make_demo_datanet(tmp_path, contributors=2, records_per_contributor=1200, seed=0)
    )
    assert info.record_count == 2400
    assert len(load_queries(tmp_path)) == 8


def test_demo_twins_share_vocabulary_and_style_but_not_facts(tmp_path: Path) -> None:
    kinds = build_contributor_kinds(8, 4, seed=0, twins=3)
    assert [k.contributor for k in kinds[8:]] == [
        "contributor-08",
        "contributor-09",
        "contributor-10",
    ]
    for twin, source in zip(kinds[8:], kinds[:3], strict=True):
        assert (twin.theme, twin.words, twin.style) == (source.theme, source.words, source.style)
        assert not {f.subject for f in twin.facts} & {f.subject for f in source.facts}
        assert not {f.value for f in twin.facts} & {f.value for f in source.facts}
    assert build_contributor_kinds(8, 4, seed=0, twins=0) == kinds[:8]
    info = make_demo_with_twins(tmp_path, contributors=8, records_per_contributor=3, twins=3)
    records = DirectoryDatanet(tmp_path).load_records()
    assert info.record_count == 33
    queries = load_queries(tmp_path)
    assert {q["expected_contributor"] for q in queries} == {k.contributor for k in kinds}
    twin_query = next(q for q in queries if q["expected_contributor"] == "contributor-08")
    source_query = next(q for q in queries if q["expected_contributor"] == "contributor-00")
    assert twin_query["prompt"].split()[:2] == source_query["prompt"].split()[:2]
    own = [r.text for r in records if r.contributor == "contributor-08"]
    assert any(twin_query["expected_completion"] in text for text in own)


def test_demo_datanet_without_twins_is_unchanged(tmp_path: Path) -> None:
    # twins=0 is the original datanet, byte for byte (the Merkle root of seed 0, 8 x 8).
    info = make_demo_with_twins(tmp_path, contributors=8, records_per_contributor=8, twins=0)
    assert info.root == "82010d215ec6a9bde514a8bef5288a4b75446e1c47fd4e594c25df2d8d48dbd1"


def test_demo_datanet_rejects_negative_twins(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="twins"):
        make_demo_with_twins(tmp_path, contributors=8, records_per_contributor=2, twins=-1)
