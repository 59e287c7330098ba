"""Datanet versions as the worker sees them: a source interface and a directory implementation.

A directory datanet (format in docs/datanet-manifest.md) holds `manifest.json` and one file per
record under `records/`, named by the sha256 hex of its bytes. Every record is checked against
its hash, and the manifest's Merkle root against its record list, before any record is used.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

# The version root is a chain rule: the worker uses the chain's code, re-exported here.
from aichain.modules.datanet.merkle import LEAF_PREFIX as LEAF_PREFIX
from aichain.modules.datanet.merkle import NODE_PREFIX as NODE_PREFIX
from aichain.modules.datanet.merkle import RecordRef as RecordRef
from aichain.modules.datanet.merkle import compute_leaf_hash as compute_leaf_hash
from aichain.modules.datanet.merkle import compute_record_hash as compute_record_hash
from aichain.modules.datanet.merkle import compute_version_root as compute_version_root

MANIFEST_FORMAT = "aichain-datanet-v1"
"""Value of the manifest's `format` field."""
MANIFEST_NAME = "manifest.json"
"""File name of the manifest inside a datanet directory."""
RECORDS_DIR = "records"
"""Folder of a datanet directory holding the record files."""
TEXT_MEDIA_TYPES = ("text/plain", "text/markdown")
"""Media types the worker can train on and attribute to."""


class DatanetError(ValueError):
    """A datanet version is missing, malformed or fails verification."""


class RecordIntegrityError(DatanetError):
    """A record's bytes do not match the hash its manifest declares."""


class EmptyDatanetError(DatanetError):
    """A datanet version holds no records."""


@dataclass(frozen=True, slots=True)
class Record:
    """A verified text record of a datanet version."""

    record_id: str
    sha256: str
    contributor: str
    media_type: str
    text: str


@dataclass(frozen=True, slots=True)
class DatanetInfo:
    """Identity of a datanet version: id, version number, Merkle root and size."""

    datanet_id: str
    version: int
    root: str
    record_count: int

    @property
    def ref(self) -> str:
        """`id@version@root`, the string a training manifest cites."""
        return f"{self.datanet_id}@{self.version}@{self.root}"


@runtime_checkable
class DatanetSource(Protocol):
    """Where the engines get a datanet version (a directory now; content store/chain later)."""

    def info(self) -> DatanetInfo:
        """The version's identity, after checking the root against the record list."""
        ...

    def refs(self) -> list[RecordRef]:
        """The version's records in manifest order, without their bytes."""
        ...

    def load_records(self) -> list[Record]:
        """All records in manifest order, each verified against its hash."""
        ...


def _parse_ref(entry: object, index: int) -> RecordRef:
    if not isinstance(entry, dict):
        raise DatanetError(f"manifest record #{index} is not an object")
    try:
        ref = RecordRef(
            record_id=str(entry["record_id"]),
            sha256=str(entry["sha256"]).lower(),
            contributor=str(entry["contributor"]),
            media_type=str(entry["media_type"]),
        )
    except KeyError as missing:
        raise DatanetError(f"manifest record #{index} lacks field {missing}") from None
    if len(ref.sha256) != 64 or any(c not in "0123456789abcdef" for c in ref.sha256):
        raise DatanetError(f"record {ref.record_id!r}: sha256 {ref.sha256!r} is not 64 hex digits")
    return ref


class DirectoryDatanet:
    """A datanet version stored as a directory: manifest.json plus records/<sha256>."""

    def __init__(self, path: str | Path) -> None:
        """Reads and checks the manifest at path (records are verified when loaded)."""
        self.path = Path(path)
        manifest_path = self.path / MANIFEST_NAME
        if not manifest_path.is_file():
            raise DatanetError(f"{self.path} is not a datanet directory: no {MANIFEST_NAME}")
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise DatanetError(f"{manifest_path}: unreadable manifest: {exc}") from exc
        if not isinstance(manifest, dict) or manifest.get("format") != MANIFEST_FORMAT:
            raise DatanetError(f"{manifest_path}: format is not {MANIFEST_FORMAT!r}")
        try:
            datanet_id, version = str(manifest["datanet_id"]), int(manifest["version"])
            entries, root = manifest["records"], str(manifest["root"]).lower()
        except (KeyError, TypeError, ValueError) as exc:
            raise DatanetError(f"{manifest_path}: missing or bad field: {exc}") from exc
        if not isinstance(entries, list):
            raise DatanetError(f"{manifest_path}: records must be a list")
        self._refs = [_parse_ref(entry, i) for i, entry in enumerate(entries)]
        seen: set[str] = set()
        for ref in self._refs:
            if ref.record_id in seen:
                raise DatanetError(f"{manifest_path}: duplicate record id {ref.record_id!r}")
            seen.add(ref.record_id)
        computed = compute_version_root(self._refs)
        if computed != root:
            raise DatanetError(
                f"{manifest_path}: version root mismatch: manifest says {root}, "
                f"records give {computed}"
            )
        self._info = DatanetInfo(datanet_id, version, root, len(self._refs))

    def info(self) -> DatanetInfo:
        """The version's identity (root already checked against the record list)."""
        return self._info

    def refs(self) -> list[RecordRef]:
        """The version's records in manifest order, without their bytes."""
        return list(self._refs)

    def read_verified(self, ref: RecordRef) -> bytes:
        """The record's bytes; raises RecordIntegrityError when they do not match its hash."""
        file = self.path / RECORDS_DIR / ref.sha256
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise RecordIntegrityError(
                f"record {ref.record_id!r} (contributor {ref.contributor}): "
                f"cannot read {file}: {exc.strerror or exc}"
            ) from exc
        actual = compute_record_hash(data)
        if actual != ref.sha256:
            raise RecordIntegrityError(
                f"record {ref.record_id!r} (contributor {ref.contributor}): bytes hash to "
                f"{actual} but the manifest declares {ref.sha256}; refusing to use it"
            )
        return data

    def load_records(self) -> list[Record]:
        """All records in manifest order, each verified; non-text media types are refused."""
        records = []
        for ref in self._refs:
            if ref.media_type not in TEXT_MEDIA_TYPES:
                raise DatanetError(
                    f"record {ref.record_id!r}: media type {ref.media_type!r} is not supported "
                    f"(supported: {', '.join(TEXT_MEDIA_TYPES)})"
                )
            data = self.read_verified(ref)
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise DatanetError(f"record {ref.record_id!r}: not valid UTF-8: {exc}") from exc
            records.append(Record(ref.record_id, ref.sha256, ref.contributor, ref.media_type, text))
        return records


@dataclass(frozen=True, slots=True)
class NewRecord:
    """A record to write into a datanet directory."""

    record_id: str
    contributor: str
    data: bytes
    media_type: str = "text/plain"


def write_datanet(
    path: str | Path, datanet_id: str, version: int, records: Sequence[NewRecord]
) -> DatanetInfo:
    """Writes records and their manifest (with its version root) into the directory path."""
    root_dir = Path(path)
    (root_dir / RECORDS_DIR).mkdir(parents=True, exist_ok=True)
    refs = []
    for new in records:
        digest = compute_record_hash(new.data)
        (root_dir / RECORDS_DIR / digest).write_bytes(new.data)
        refs.append(RecordRef(new.record_id, digest, new.contributor, new.media_type))
    root = compute_version_root(refs)
    manifest = {
        "format": MANIFEST_FORMAT,
        "datanet_id": datanet_id,
        "version": version,
        "root": root,
        "records": [
            {
                "record_id": r.record_id,
                "sha256": r.sha256,
                "contributor": r.contributor,
                "media_type": r.media_type,
            }
            for r in refs
        ],
    }
    (root_dir / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return DatanetInfo(datanet_id, version, root, len(refs))


def make_demo_datanet(
    path: str | Path, contributors: int = 8, records_per_contributor: int = 8, seed: int = 0
) -> DatanetInfo:
    """Writes a synthetic multi-contributor datanet plus queries.json (see demo_datanet)."""
    from aichain.gpu_worker.demo_datanet import make_demo_datanet as make

    return make(path, contributors, records_per_contributor, seed)
