"""Store layout of the datanet module (every key of its store is built and decoded here).

u64 = 8-byte big-endian (byte order == numeric order); addr = len(1) | address bytes.

0x00                                   -> Params (aichain.datanet.v1.Params) bytes
0x01                                   -> next datanet id, u64
0x02 | id                              -> Datanet bytes
0x03 | id | record                     -> Record bytes
0x04 | id | sha256(32)                 -> record id, u64 (live records: pending or accepted)
0x05 | id | version                    -> Version bytes
0x06 | id | level(1) | index | version -> Merkle node written by that version: 32-byte hash;
                                          at level 0 (a leaf): record id u64 | 32-byte hash
0x07 | id | record | version           -> position of the record in that version, u64
                                          (REMOVED: that version removed the record)
0x08 | id | seq                        -> HistoryEntry bytes
0x09 | id | addr                       -> access grant: how ("granted" or "paid:V")
0x0A | id | addr                       -> account quota usage: day | bytes | records (u64 each)
0x0B | id                              -> datanet quota usage: day | bytes | records
0x0C | id | version                    -> VersionRewards bytes
0x0D | id | addr | version             -> contributor weight from that version on, u64
0x0E | id | version | addr             -> contributor reward state: snapshot | carry (decimal,
                                          "snapshot:carry")

Versioned collections (0x06, 0x07, 0x0D) are written only by the versions that change them;
the value at version V is the latest write at or below V (a reverse scan of the key's prefix).
"""

from __future__ import annotations

from aichain.app.store.keyparts import MAX_U64, read_u64, u64
from aichain.app.store.keyparts import KeyPartError as KeyError_
from aichain.app.store.keyparts import length_prefixed as _addr

STORE_KEY = "datanet"
"""The datanet module's store key (prefix b"datanet/" in the root store)."""

PARAMS = b"\x00"
"""Singleton: params."""
NEXT_DATANET_ID = b"\x01"
"""Singleton: the next datanet id."""
DATANETS = b"\x02"
"""Collection: datanets by id."""
RECORDS = b"\x03"
"""Collection: records by (datanet, record id)."""
HASH_INDEX = b"\x04"
"""Collection: live record id by (datanet, content hash)."""
VERSIONS = b"\x05"
"""Collection: versions by (datanet, version)."""
NODES = b"\x06"
"""Versioned collection: Merkle nodes by (datanet, level, index)."""
POSITIONS = b"\x07"
"""Versioned collection: a record's position by (datanet, record)."""
REMOVED = MAX_U64
"""The position a version writes for each record it removes: membership in version V is one
versioned read (the latest position write at or below V), with no leaf to compare."""
HISTORY = b"\x08"
"""Collection: history entries by (datanet, seq)."""
ACCESS = b"\x09"
"""Collection: access grants by (datanet, account)."""
ACCOUNT_USAGE = b"\x0a"
"""Collection: per-account daily quota usage by (datanet, account)."""
DATANET_USAGE = b"\x0b"
"""Collection: per-datanet daily quota usage."""
REWARDS = b"\x0c"
"""Collection: reward accounting by (datanet, version)."""
WEIGHTS = b"\x0d"
"""Versioned collection: contributor weight by (datanet, contributor)."""
CLAIMS = b"\x0e"
"""Collection: a contributor's reward state by (datanet, version, contributor)."""


def datanet_key(datanet_id: int) -> bytes:
    """Key of a datanet."""
    return DATANETS + u64(datanet_id)


def datanet_id_from_key(key: bytes) -> int:
    """The id of a datanet key."""
    return read_u64(key[1:9])


def records_prefix(datanet_id: int) -> bytes:
    """Prefix of every record of a datanet."""
    return RECORDS + u64(datanet_id)


def record_key(datanet_id: int, record_id: int) -> bytes:
    """Key of a record."""
    return records_prefix(datanet_id) + u64(record_id)


def record_id_from_key(key: bytes) -> int:
    """The record id of a record key."""
    return read_u64(key[9:17])


def hash_index_key(datanet_id: int, content_hash: bytes) -> bytes:
    """Key of the live record holding content_hash (32 bytes) in a datanet."""
    if len(content_hash) != 32:
        raise KeyError_(f"content hash of {len(content_hash)} bytes")
    return HASH_INDEX + u64(datanet_id) + content_hash


def versions_prefix(datanet_id: int) -> bytes:
    """Prefix of every version of a datanet."""
    return VERSIONS + u64(datanet_id)


def version_key(datanet_id: int, version: int) -> bytes:
    """Key of a version (its bytes are what a record proof proves against the app hash)."""
    return versions_prefix(datanet_id) + u64(version)


def version_from_key(key: bytes) -> int:
    """The version number of a version key."""
    return read_u64(key[9:17])


def node_prefix(datanet_id: int, level: int, index: int) -> bytes:
    """Prefix of every write of one Merkle node (level 0: a leaf)."""
    if not 0 <= level < 64:
        raise KeyError_(f"tree level out of range: {level}")
    return NODES + u64(datanet_id) + bytes([level]) + u64(index)


def node_key(datanet_id: int, level: int, index: int, version: int) -> bytes:
    """Key of a Merkle node written by version."""
    return node_prefix(datanet_id, level, index) + u64(version)


def position_prefix(datanet_id: int, record_id: int) -> bytes:
    """Prefix of every position write of a record."""
    return POSITIONS + u64(datanet_id) + u64(record_id)


def position_key(datanet_id: int, record_id: int, version: int) -> bytes:
    """Key of a record's position in version."""
    return position_prefix(datanet_id, record_id) + u64(version)


def written_version(key: bytes) -> int:
    """The version that wrote a versioned key (its last 8 bytes)."""
    return read_u64(key[-8:])


def history_prefix(datanet_id: int) -> bytes:
    """Prefix of a datanet's history."""
    return HISTORY + u64(datanet_id)


def history_key(datanet_id: int, seq: int) -> bytes:
    """Key of one history entry."""
    return history_prefix(datanet_id) + u64(seq)


def history_seq_from_key(key: bytes) -> int:
    """The sequence number of a history key."""
    return read_u64(key[9:17])


def access_key(datanet_id: int, account: bytes) -> bytes:
    """Key of an account's access grant."""
    return ACCESS + u64(datanet_id) + _addr(account)


def account_usage_key(datanet_id: int, account: bytes) -> bytes:
    """Key of an account's daily usage in a datanet."""
    return ACCOUNT_USAGE + u64(datanet_id) + _addr(account)


def datanet_usage_key(datanet_id: int) -> bytes:
    """Key of a datanet's daily usage."""
    return DATANET_USAGE + u64(datanet_id)


def rewards_prefix(datanet_id: int) -> bytes:
    """Prefix of every version's reward accounting of a datanet."""
    return REWARDS + u64(datanet_id)


def rewards_key(datanet_id: int, version: int) -> bytes:
    """Key of a version's reward accounting."""
    return rewards_prefix(datanet_id) + u64(version)


def weight_prefix(datanet_id: int, contributor: bytes) -> bytes:
    """Prefix of every weight write of a contributor."""
    return WEIGHTS + u64(datanet_id) + _addr(contributor)


def weight_key(datanet_id: int, contributor: bytes, version: int) -> bytes:
    """Key of a contributor's weight from version on."""
    return weight_prefix(datanet_id, contributor) + u64(version)


def weights_prefix(datanet_id: int) -> bytes:
    """Prefix of every weight write of a datanet."""
    return WEIGHTS + u64(datanet_id)


def contributor_from_weight_key(key: bytes) -> bytes:
    """The contributor of a weight key."""
    n = key[9]
    return key[10 : 10 + n]


def claim_prefix(datanet_id: int, version: int) -> bytes:
    """Prefix of every contributor reward state of a version."""
    return CLAIMS + u64(datanet_id) + u64(version)


def claim_key(datanet_id: int, version: int, contributor: bytes) -> bytes:
    """Key of a contributor's reward state in a version."""
    return claim_prefix(datanet_id, version) + _addr(contributor)


def contributor_from_claim_key(key: bytes) -> bytes:
    """The contributor of a claim key."""
    n = key[17]
    return key[18 : 18 + n]


def encode_usage(day: int, size: int, records: int) -> bytes:
    """Quota usage value."""
    return u64(day) + u64(size) + u64(records)


def decode_usage(raw: bytes | None) -> tuple[int, int, int]:
    """(day, bytes, records) of a usage value ((0, 0, 0) when absent)."""
    if not raw:
        return 0, 0, 0
    return read_u64(raw[:8]), read_u64(raw[8:16]), read_u64(raw[16:24])


def encode_leaf(record_id: int, leaf: bytes) -> bytes:
    """A level-0 node value: record id and leaf hash."""
    return u64(record_id) + leaf


def decode_leaf(raw: bytes) -> tuple[int, bytes]:
    """(record id, leaf hash) of a level-0 node value."""
    return read_u64(raw[:8]), raw[8:40]
