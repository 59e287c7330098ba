"""Datanet reads: the ViewKeeper (queries, other modules) and the records it returns.

Datanets, records, versions and their versioned tree nodes, positions and weights (the value at
version V is the latest write at or below V), history, access and reward accounting.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from aichain.app.context import Context
from aichain.app.crypto import account_address
from aichain.app.store_keys import StoreKey
from aichain.datanet.v1 import datanet_pb2 as pb
from aichain.datanet.v1 import query_pb2
from aichain.modules.datanet import keys
from aichain.modules.datanet.errors import (
    DatanetNotFoundError,
    RecordNotFoundError,
    VersionNotFoundError,
)
from aichain.modules.datanet.expected import AccountKeeper, BankKeeper
from aichain.modules.datanet.merkle import (
    RecordRef,
    compute_audit_path,
)
from aichain.modules.datanet.types import (
    Params,
    compute_claim,
    compute_owed,
)

MODULE = "datanet"
"""The datanet module account (burner): record bonds and access payments are escrowed here."""

PENDING = pb.RECORD_STATUS_PENDING
ACCEPTED = pb.RECORD_STATUS_ACCEPTED
REJECTED = pb.RECORD_STATUS_REJECTED
WITHDRAWN = pb.RECORD_STATUS_WITHDRAWN


@lru_cache(maxsize=64)
def _decode_params(raw: bytes) -> Params:
    """Params from their stored bytes (memoised: read by every contribution)."""
    return Params.from_proto(pb.Params.FromString(raw))


@dataclass(frozen=True, slots=True)
class Rewards:
    """A version's reward accounting: credited, claimed, reward per weight (x10^18) and the
    scaled remainder not yet spread."""

    paid: int = 0
    claimed: int = 0
    reward_per_weight: int = 0
    remainder: int = 0

    def to_proto(self) -> pb.VersionRewards:
        """As aichain.datanet.v1.VersionRewards."""
        return pb.VersionRewards(
            paid=str(self.paid),
            claimed=str(self.claimed),
            reward_per_weight=str(self.reward_per_weight),
            remainder=str(self.remainder),
        )

    @classmethod
    def from_proto(cls, p: pb.VersionRewards) -> Rewards:
        """From the stored proto."""
        return cls(int(p.paid), int(p.claimed), int(p.reward_per_weight), int(p.remainder))


@dataclass(frozen=True, slots=True)
class Entry:
    """One position of a version: the record and what its leaf commits to."""

    position: int
    record_id: int
    content_hash: str
    contributor: str
    media_type: str

    def to_proto(self) -> query_pb2.VersionEntry:
        """As aichain.datanet.v1.VersionEntry."""
        return query_pb2.VersionEntry(
            position=self.position,
            record_id=self.record_id,
            content_hash=self.content_hash,
            contributor=self.contributor,
            media_type=self.media_type,
        )


def record_ref(record: pb.Record) -> RecordRef:
    """The manifest entry (Merkle leaf input) of a record: its id in decimal."""
    return RecordRef(str(record.id), record.content_hash, record.contributor, record.media_type)


class ViewKeeper:
    """Reads datanets, records, versions, proofs, history, access and rewards."""

    def __init__(self, store_key: StoreKey, bank: BankKeeper, accounts: AccountKeeper) -> None:
        self.store_key = store_key
        self.bank = bank
        self.accounts = accounts

    # --- params, datanets, records ---------------------------------------------------------

    def get_params(self, ctx: Context) -> Params:
        """Stored params (defaults before genesis)."""
        raw = ctx.kv(self.store_key).get(keys.PARAMS)
        return _decode_params(raw) if raw else Params()

    def get_datanet(self, ctx: Context, datanet_id: int) -> pb.Datanet | None:
        """A datanet, or None."""
        raw = ctx.kv(self.store_key).get(keys.datanet_key(datanet_id))
        return pb.Datanet.FromString(raw) if raw else None

    def require_datanet(self, ctx: Context, datanet_id: int) -> pb.Datanet:
        """A datanet. Raises DatanetNotFoundError."""
        datanet = self.get_datanet(ctx, datanet_id)
        if datanet is None:
            raise DatanetNotFoundError(
                f"datanet {datanet_id} does not exist (`aichain query datanet list` lists them)"
            )
        return datanet

    def iter_datanets(self, ctx: Context, reverse: bool = False) -> Iterator[pb.Datanet]:
        """Every datanet by id."""
        for _, raw in ctx.kv(self.store_key).iterate(keys.DATANETS, reverse):
            yield pb.Datanet.FromString(raw)

    def get_record(self, ctx: Context, datanet_id: int, record_id: int) -> pb.Record | None:
        """A record, or None."""
        raw = ctx.kv(self.store_key).get(keys.record_key(datanet_id, record_id))
        return pb.Record.FromString(raw) if raw else None

    def require_record(self, ctx: Context, datanet_id: int, record_id: int) -> pb.Record:
        """A record. Raises RecordNotFoundError."""
        record = self.get_record(ctx, datanet_id, record_id)
        if record is None:
            raise RecordNotFoundError(f"datanet {datanet_id} has no record {record_id}")
        return record

    def iter_records(
        self, ctx: Context, datanet_id: int, reverse: bool = False
    ) -> Iterator[pb.Record]:
        """A datanet's records by id."""
        store = ctx.kv(self.store_key)
        for _, raw in store.iterate(keys.records_prefix(datanet_id), reverse):
            yield pb.Record.FromString(raw)

    def is_curator(self, datanet: pb.Datanet, address: str) -> bool:
        """Whether address may review and publish: the owner, or a curator in curator mode."""
        if address == datanet.owner:
            return True
        return datanet.curation_mode != pb.CURATION_MODE_OWNER and address in datanet.curators

    # --- versions and the tree ---------------------------------------------------------------

    def get_version(self, ctx: Context, datanet_id: int, version: int) -> pb.Version | None:
        """A version, or None."""
        raw = ctx.kv(self.store_key).get(keys.version_key(datanet_id, version))
        return pb.Version.FromString(raw) if raw else None

    def require_version(self, ctx: Context, datanet_id: int, version: int) -> pb.Version:
        """A version. Raises VersionNotFoundError."""
        found = self.get_version(ctx, datanet_id, version)
        if found is None:
            raise VersionNotFoundError(
                f"datanet {datanet_id} has no version {version} "
                "(`aichain query datanet versions ID` lists them)"
            )
        return found

    def iter_versions(
        self, ctx: Context, datanet_id: int, reverse: bool = False
    ) -> Iterator[pb.Version]:
        """A datanet's versions, oldest first."""
        store = ctx.kv(self.store_key)
        for _, raw in store.iterate(keys.versions_prefix(datanet_id), reverse):
            yield pb.Version.FromString(raw)

    def get_versioned(self, ctx: Context, prefix: bytes, version: int) -> bytes | None:
        """The latest write under prefix at or below version."""
        for key, value in ctx.kv(self.store_key).iterate(prefix, True):
            if keys.written_version(key) <= version:
                return value
        return None

    def get_node(
        self, ctx: Context, datanet_id: int, level: int, index: int, version: int
    ) -> bytes:
        """The hash of a perfect subtree of a version's tree (level 0: a leaf)."""
        raw = self.get_versioned(ctx, keys.node_prefix(datanet_id, level, index), version)
        if raw is None:
            raise RuntimeError(f"datanet {datanet_id} v{version}: node {level}/{index} missing")
        return keys.decode_leaf(raw)[1] if level == 0 else raw

    def get_leaf(self, ctx: Context, datanet_id: int, position: int, version: int) -> int:
        """The record id at a position of a version."""
        raw = self.get_versioned(ctx, keys.node_prefix(datanet_id, 0, position), version)
        if raw is None:
            raise RuntimeError(f"datanet {datanet_id} v{version}: position {position} missing")
        return keys.decode_leaf(raw)[0]

    def get_position(
        self, ctx: Context, datanet_id: int, version: int, record_id: int
    ) -> int | None:
        """The position of a record in a version, or None when it is not in it (one versioned
        read: a version writes the position of every record it places and REMOVED for every
        record it removes)."""
        if self.get_version(ctx, datanet_id, version) is None:
            return None
        return self.find_position(ctx, datanet_id, version, record_id)

    def find_position(
        self, ctx: Context, datanet_id: int, version: int, record_id: int
    ) -> int | None:
        """get_position for a version the caller knows exists."""
        raw = self.get_versioned(ctx, keys.position_prefix(datanet_id, record_id), version)
        if raw is None:
            return None
        position = keys.read_u64(raw)
        return None if position == keys.REMOVED else position

    def is_record_in_version(
        self, ctx: Context, datanet_id: int, version: int, record_id: int
    ) -> bool:
        """Whether a record belongs to a version (settlement checks attributions with it)."""
        return self.get_position(ctx, datanet_id, version, record_id) is not None

    def get_entry(self, ctx: Context, datanet_id: int, version: int, position: int) -> Entry:
        """One position of a version with what its leaf commits to."""
        record_id = self.get_leaf(ctx, datanet_id, position, version)
        record = self.require_record(ctx, datanet_id, record_id)
        return Entry(
            position, record_id, record.content_hash, record.contributor, record.media_type
        )

    def iter_entries(
        self, ctx: Context, datanet_id: int, version: int, reverse: bool = False
    ) -> Iterator[Entry]:
        """A version's record list in order (or reversed)."""
        found = self.require_version(ctx, datanet_id, version)
        positions = range(found.size - 1, -1, -1) if reverse else range(found.size)
        for position in positions:
            yield self.get_entry(ctx, datanet_id, version, position)

    def get_audit_path(
        self, ctx: Context, datanet_id: int, version: int, position: int, size: int
    ) -> list[bytes]:
        """The RFC 6962 audit path of a position in a version."""
        return compute_audit_path(
            position,
            size,
            lambda level, index: self.get_node(ctx, datanet_id, level, index, version),
        )

    # --- history, access, rewards -------------------------------------------------------------

    def get_next_datanet_id(self, ctx: Context) -> int:
        """The id the next datanet will get (ids count from 1)."""
        raw = ctx.kv(self.store_key).get(keys.NEXT_DATANET_ID)
        return keys.read_u64(raw) if raw else 1

    def require_history(self, ctx: Context, datanet_id: int, seq: int) -> pb.HistoryEntry:
        """One history entry (they are numbered 1..history_count)."""
        raw = ctx.kv(self.store_key).get(keys.history_key(datanet_id, seq))
        if raw is None:
            raise RuntimeError(f"datanet {datanet_id}: history entry {seq} missing")
        return pb.HistoryEntry.FromString(raw)

    def iter_history(
        self, ctx: Context, datanet_id: int, reverse: bool = False
    ) -> Iterator[pb.HistoryEntry]:
        """A datanet's history, oldest first."""
        store = ctx.kv(self.store_key)
        for _, raw in store.iterate(keys.history_prefix(datanet_id), reverse):
            yield pb.HistoryEntry.FromString(raw)

    def get_access(self, ctx: Context, datanet_id: int, account: bytes) -> str | None:
        """How an account got access to a datanet ("public", "owner", "granted", "paid:V"),
        or None. Raises DatanetNotFoundError."""
        datanet = self.require_datanet(ctx, datanet_id)
        if datanet.access_policy != pb.ACCESS_POLICY_RESTRICTED:
            return "public"
        if account_address(account) == datanet.owner:
            return "owner"
        raw = ctx.kv(self.store_key).get(keys.access_key(datanet_id, account))
        return raw.decode() if raw else None

    def has_access(self, ctx: Context, datanet_id: int, account: bytes) -> bool:
        """Whether an account may train on a datanet. Raises DatanetNotFoundError."""
        return self.get_access(ctx, datanet_id, account) is not None

    def get_rewards(self, ctx: Context, datanet_id: int, version: int) -> Rewards:
        """A version's reward accounting (zeros before any credit)."""
        raw = ctx.kv(self.store_key).get(keys.rewards_key(datanet_id, version))
        return Rewards.from_proto(pb.VersionRewards.FromString(raw)) if raw else Rewards()

    def iter_rewards(self, ctx: Context, datanet_id: int) -> Iterator[tuple[int, Rewards]]:
        """(version, rewards) of every credited version of a datanet."""
        store = ctx.kv(self.store_key)
        for key, raw in store.iterate(keys.rewards_prefix(datanet_id)):
            rewards = Rewards.from_proto(pb.VersionRewards.FromString(raw))
            yield keys.version_from_key(key), rewards

    def get_weight(self, ctx: Context, datanet_id: int, contributor: bytes, version: int) -> int:
        """A contributor's weight (records) in a version."""
        raw = self.get_versioned(ctx, keys.weight_prefix(datanet_id, contributor), version)
        return keys.read_u64(raw) if raw else 0

    def get_claim_state(
        self, ctx: Context, datanet_id: int, version: int, contributor: bytes
    ) -> tuple[int, int]:
        """(snapshot of reward per weight, scaled carry) of a contributor in a version."""
        raw = ctx.kv(self.store_key).get(keys.claim_key(datanet_id, version, contributor))
        if not raw:
            return 0, 0
        snapshot, carry = raw.split(b":")
        return int(snapshot), int(carry)

    def get_owed(self, ctx: Context, datanet_id: int, version: int, contributor: bytes) -> int:
        """What a contributor is owed by a version, scaled by 10^18."""
        rewards = self.get_rewards(ctx, datanet_id, version)
        snapshot, carry = self.get_claim_state(ctx, datanet_id, version, contributor)
        weight = self.get_weight(ctx, datanet_id, contributor, version)
        return compute_owed(weight, rewards.reward_per_weight, snapshot, carry)

    def iter_earnings(
        self, ctx: Context, datanet_id: int, contributor: bytes
    ) -> Iterator[tuple[int, int, int]]:
        """(version, weight, claimable now) for every credited version of a datanet."""
        for version, rewards in self.iter_rewards(ctx, datanet_id):
            snapshot, carry = self.get_claim_state(ctx, datanet_id, version, contributor)
            weight = self.get_weight(ctx, datanet_id, contributor, version)
            owed = compute_owed(weight, rewards.reward_per_weight, snapshot, carry)
            yield version, weight, compute_claim(owed)[0]

    def iter_contributors(self, ctx: Context, datanet_id: int) -> Iterator[bytes]:
        """Every contributor that ever had weight in a datanet's versions, in key order."""
        last = None
        for key, _ in ctx.kv(self.store_key).iterate(keys.weights_prefix(datanet_id)):
            contributor = keys.contributor_from_weight_key(key)
            if contributor != last:
                last = contributor
                yield contributor
