"""Datanet keeper: datanets, records and their review, versions committed by a Merkle root
(appended through the tree's frontier), history, access, and contributor reward accumulators.

Reads are on the ViewKeeper (queries, other modules); writes on the Keeper. Bonds and access
payments are held by the datanet module account: its balance is always the bonds still
escrowed plus what versions were credited and contributors have not claimed (invariants.py).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from aichain.app.coins import Coin
from aichain.app.context import Context
from aichain.app.crypto import account_address
from aichain.app.store_keys import StoreKey
from aichain.datanet.v1 import datanet_pb2 as pb
from aichain.modules.datanet import events, keys
from aichain.modules.datanet.errors import (
    AccessNotForSaleError,
    DatanetClosedError,
    DatanetNotFoundError,
    DuplicateEntryError,
    DuplicateRecordError,
    EmptyVersionError,
    InvalidRecordStatusError,
    NoContributorsError,
    NotContributorError,
    NotCuratorError,
    NothingToClaimError,
    NotOwnerError,
    QuotaExceededError,
    RecordAlreadyInVersionError,
    RecordNotAcceptedError,
    RecordNotFoundError,
    RecordNotInVersionError,
    RecordTooLargeError,
    TooManyRecordsError,
    VersionNotFoundError,
)
from aichain.modules.datanet.expected import AccountKeeper, BankKeeper
from aichain.modules.datanet.merkle import (
    RecordRef,
    compute_append,
    compute_audit_path,
    compute_frontier,
    compute_frontier_root,
    compute_leaf_hash,
)
from aichain.modules.datanet.types import (
    Params,
    compute_claim,
    compute_credit,
    compute_owed,
    compute_quota_day,
    compute_rejection_split,
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

    def to_proto(self) -> object:
        """As aichain.datanet.v1.VersionEntry."""
        from aichain.datanet.v1 import query_pb2

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

    def _versioned(self, ctx: Context, prefix: bytes, version: int) -> bytes | None:
        """The latest write under prefix at or below version."""
        for key, value in ctx.kv(self.store_key).iterate(prefix, True):
            if keys.written_version(key) <= version:
                return value
        return None

    def get_node(
        self, ctx: Context, datanet_id: int, level: int, index: int, version: int
    ) -> bytes:
        """The hash of a perfect subtree of a version's tree (level 0: a leaf)."""
        raw = self._versioned(ctx, keys.node_prefix(datanet_id, level, index), version)
        if raw is None:
            raise RuntimeError(f"datanet {datanet_id} v{version}: node {level}/{index} missing")
        return keys.decode_leaf(raw)[1] if level == 0 else raw

    def get_leaf(self, ctx: Context, datanet_id: int, position: int, version: int) -> int:
        """The record id at a position of a version."""
        raw = self._versioned(ctx, keys.node_prefix(datanet_id, 0, position), version)
        if raw is None:
            raise RuntimeError(f"datanet {datanet_id} v{version}: position {position} missing")
        return keys.decode_leaf(raw)[0]

    def get_position(
        self, ctx: Context, datanet_id: int, version: int, record_id: int
    ) -> int | None:
        """The position of a record in a version, or None when it is not in it."""
        found = self.get_version(ctx, datanet_id, version)
        if found is None:
            return None
        raw = self._versioned(ctx, keys.position_prefix(datanet_id, record_id), version)
        if raw is None:
            return None
        position = keys.read_u64(raw)
        if position >= found.size or self.get_leaf(ctx, datanet_id, position, version) != record_id:
            return None  # written by an older version, then removed
        return position

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
        raw = self._versioned(ctx, keys.weight_prefix(datanet_id, contributor), version)
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


class Keeper(ViewKeeper):
    """Writes datanets, records, versions, history, access and rewards."""

    def set_params(self, ctx: Context, params: Params) -> None:
        """Stores validated params. Raises InvalidParamsError."""
        params.validate()
        ctx.kv(self.store_key).set(keys.PARAMS, params.to_proto().SerializeToString())

    def _set_datanet(self, ctx: Context, datanet: pb.Datanet) -> None:
        ctx.kv(self.store_key).set(keys.datanet_key(datanet.id), datanet.SerializeToString())

    def _set_record(self, ctx: Context, record: pb.Record) -> None:
        key = keys.record_key(record.datanet_id, record.id)
        ctx.kv(self.store_key).set(key, record.SerializeToString())

    def _record_history(
        self, ctx: Context, datanet: pb.Datanet, actor: str, action: str, detail: str
    ) -> None:
        """Appends a history entry (the caller stores the datanet, whose count moved)."""
        datanet.history_count += 1
        entry = pb.HistoryEntry(
            datanet_id=datanet.id,
            seq=datanet.history_count,
            actor=actor,
            action=action,
            detail=detail,
            height=ctx.height,
            time_unix=ctx.time_ns // 1_000_000_000,
        )
        key = keys.history_key(datanet.id, datanet.history_count)
        ctx.kv(self.store_key).set(key, entry.SerializeToString())

    def _require_owner(self, datanet: pb.Datanet, sender: str) -> None:
        if sender != datanet.owner:
            raise NotOwnerError(
                f"only the owner of datanet {datanet.id} ({datanet.owner}) may do this, "
                f"not {sender}"
            )

    def _require_curator(self, datanet: pb.Datanet, sender: str) -> None:
        if not self.is_curator(datanet, sender):
            raise NotCuratorError(
                f"{sender} is neither the owner nor a curator of datanet {datanet.id}"
            )

    def _escrow(self, ctx: Context, sender: bytes, amount: int) -> None:
        if amount:
            coins = [Coin(self.get_params(ctx).bond_denom, amount)]
            self.bank.send_coins_from_account_to_module(ctx, sender, MODULE, coins)

    def _pay(self, ctx: Context, recipient: bytes, amount: int) -> None:
        if amount:
            coins = [Coin(self.get_params(ctx).bond_denom, amount)]
            self.bank.send_coins_from_module_to_account(ctx, MODULE, recipient, coins)

    # --- datanets ------------------------------------------------------------------------

    def create_datanet(self, ctx: Context, datanet: pb.Datanet) -> int:
        """Stores a new datanet (fields checked by the handler); returns its id."""
        datanet_id = self.get_next_datanet_id(ctx)
        ctx.kv(self.store_key).set(keys.NEXT_DATANET_ID, keys.u64(datanet_id + 1))
        datanet.id = datanet_id
        datanet.created_height = ctx.height
        self._record_history(ctx, datanet, datanet.owner, "create", datanet.name)
        self._set_datanet(ctx, datanet)
        events.emit_created(ctx, datanet_id, datanet.owner)
        return datanet_id

    def set_curators(
        self, ctx: Context, owner: str, datanet_id: int, curators: Sequence[str]
    ) -> None:
        """Replaces the curator set. Raises DatanetNotFoundError, NotOwnerError."""
        datanet = self.require_datanet(ctx, datanet_id)
        self._require_owner(datanet, owner)
        del datanet.curators[:]
        datanet.curators.extend(curators)
        detail = ",".join(curators) or "(none)"
        self._record_history(ctx, datanet, owner, "set_curators", detail)
        self._set_datanet(ctx, datanet)
        events.emit_updated(ctx, datanet_id, "set_curators", detail)

    def transfer_ownership(self, ctx: Context, owner: str, datanet_id: int, new_owner: str) -> None:
        """Hands the datanet to new_owner. Raises DatanetNotFoundError, NotOwnerError."""
        datanet = self.require_datanet(ctx, datanet_id)
        self._require_owner(datanet, owner)
        datanet.owner = new_owner
        self._record_history(ctx, datanet, owner, "transfer", new_owner)
        self._set_datanet(ctx, datanet)
        events.emit_updated(ctx, datanet_id, "transfer", new_owner)

    def set_closed(self, ctx: Context, owner: str, datanet_id: int, closed: bool) -> None:
        """Closes or reopens contributions. Raises DatanetNotFoundError, NotOwnerError."""
        datanet = self.require_datanet(ctx, datanet_id)
        self._require_owner(datanet, owner)
        datanet.closed = closed
        action = "close" if closed else "reopen"
        self._record_history(ctx, datanet, owner, action, "")
        self._set_datanet(ctx, datanet)
        events.emit_updated(ctx, datanet_id, action, "")

    # --- records -----------------------------------------------------------------------------

    def _charge_quota(
        self, ctx: Context, datanet: pb.Datanet, contributor: bytes, size: int
    ) -> None:
        """Counts a record against the daily quotas. Raises QuotaExceededError."""
        q = datanet.quotas
        scopes = []  # only limited scopes are counted (quotas are fixed at creation)
        if q.account_bytes_per_day or q.account_records_per_day:
            scopes.append(
                (
                    keys.account_usage_key(datanet.id, contributor),
                    q.account_bytes_per_day,
                    q.account_records_per_day,
                    "this account",
                )
            )
        if q.datanet_bytes_per_day or q.datanet_records_per_day:
            scopes.append((keys.datanet_usage_key(datanet.id), q.datanet_bytes_per_day,
                           q.datanet_records_per_day, "the datanet"))  # fmt: skip
        if not scopes:
            return
        store = ctx.kv(self.store_key)
        today = compute_quota_day(ctx.time_ns)
        for key, max_bytes, max_records, who in scopes:
            day, used_bytes, used_records = keys.decode_usage(store.get(key))
            if day != today:
                used_bytes = used_records = 0
            if max_bytes and used_bytes + size > max_bytes:
                raise QuotaExceededError(
                    f"datanet {datanet.id}: {who} used {used_bytes} of {max_bytes} bytes today; "
                    f"a {size}-byte record does not fit (quotas reset each block-time day)"
                )
            if max_records and used_records + 1 > max_records:
                raise QuotaExceededError(
                    f"datanet {datanet.id}: {who} already contributed {used_records} of "
                    f"{max_records} records today (quotas reset each block-time day)"
                )
            store.set(key, keys.encode_usage(today, used_bytes + size, used_records + 1))

    def contribute(self, ctx: Context, contributor: bytes, record: pb.Record) -> int:
        """Adds a record (escrowing the datanet's bond); returns its id. In open curation
        it is accepted at once.

        Raises DatanetNotFoundError, DatanetClosedError, RecordTooLargeError,
        DuplicateRecordError, QuotaExceededError, InsufficientFundsError.
        """
        datanet = self.require_datanet(ctx, record.datanet_id)
        if datanet.closed:
            raise DatanetClosedError(f"datanet {datanet.id} is closed to contributions")
        if record.size > datanet.max_record_size:
            raise RecordTooLargeError(
                f"record of {record.size} bytes exceeds datanet {datanet.id}'s limit of "
                f"{datanet.max_record_size} bytes"
            )
        store = ctx.kv(self.store_key)
        index_key = keys.hash_index_key(datanet.id, bytes.fromhex(record.content_hash))
        existing = store.get(index_key)
        if existing is not None:
            raise DuplicateRecordError(
                f"datanet {datanet.id} already holds content {record.content_hash} as record "
                f"{keys.read_u64(existing)}"
            )
        self._charge_quota(ctx, datanet, contributor, record.size)
        bond = int(datanet.bond_per_record)
        self._escrow(ctx, contributor, bond)
        datanet.record_count += 1
        record.id = datanet.record_count
        record.contributor = account_address(contributor)
        record.status = ACCEPTED if datanet.curation_mode == pb.CURATION_MODE_OPEN else PENDING
        record.bond = str(bond)
        record.height = ctx.height
        store.set(index_key, keys.u64(record.id))
        self._set_record(ctx, record)
        self._record_history(ctx, datanet, record.contributor, "contribute", f"record {record.id}")
        self._set_datanet(ctx, datanet)
        events.emit_contributed(ctx, datanet.id, record.id, record.contributor, record.content_hash)
        return record.id

    def review(
        self, ctx: Context, curator: str, datanet_id: int, record_id: int, accept: bool, reason: str
    ) -> int:
        """Accepts a pending record (its bond returned) or rejects it (a params share of the
        bond burned, the rest returned). In open curation an accepted, not yet published record
        may still be rejected. Returns the amount burned.

        Raises DatanetNotFoundError, RecordNotFoundError, NotCuratorError,
        InvalidRecordStatusError.
        """
        datanet = self.require_datanet(ctx, datanet_id)
        self._require_curator(datanet, curator)
        record = self.require_record(ctx, datanet_id, record_id)
        open_unpublished = (
            datanet.curation_mode == pb.CURATION_MODE_OPEN
            and record.status == ACCEPTED
            and record.published_in == 0
            and not accept
        )
        if record.status != PENDING and not open_unpublished:
            raise InvalidRecordStatusError(
                f"record {record_id} is {pb.RecordStatus.Name(record.status)}; only pending "
                "records are reviewed"
            )
        contributor = _address_bytes(record.contributor)
        bond = int(record.bond)
        burned = 0
        if accept:
            record.status = ACCEPTED
            self._pay(ctx, contributor, bond)
        else:
            record.status = REJECTED
            record.reason = reason
            burned, refund = compute_rejection_split(bond, self.get_params(ctx).rejection_burn_bps)
            if burned:
                coins = [Coin(self.get_params(ctx).bond_denom, burned)]
                self.bank.burn_coins(ctx, MODULE, coins)
            self._pay(ctx, contributor, refund)
            ctx.kv(self.store_key).delete(
                keys.hash_index_key(datanet_id, bytes.fromhex(record.content_hash))
            )
        record.bond = "0"
        record.reviewed_height = ctx.height
        self._set_record(ctx, record)
        action = "accept" if accept else "reject"
        detail = f"record {record_id}" + (f": {reason}" if reason else "")
        if burned:
            detail += f" (burned {burned})"
        self._record_history(ctx, datanet, curator, action, detail)
        self._set_datanet(ctx, datanet)
        events.emit_reviewed(ctx, datanet_id, record_id, curator, accept, burned)
        return burned

    def withdraw(self, ctx: Context, contributor: str, datanet_id: int, record_id: int) -> None:
        """The contributor withdraws a pending record; its bond is returned.

        Raises DatanetNotFoundError, RecordNotFoundError, NotContributorError,
        InvalidRecordStatusError.
        """
        datanet = self.require_datanet(ctx, datanet_id)
        record = self.require_record(ctx, datanet_id, record_id)
        if record.contributor != contributor:
            raise NotContributorError(
                f"record {record_id} was contributed by {record.contributor}, not {contributor}"
            )
        if record.status != PENDING:
            raise InvalidRecordStatusError(
                f"record {record_id} is {pb.RecordStatus.Name(record.status)}; only pending "
                "records can be withdrawn"
            )
        self._pay(ctx, _address_bytes(contributor), int(record.bond))
        record.status = WITHDRAWN
        record.bond = "0"
        self._set_record(ctx, record)
        ctx.kv(self.store_key).delete(
            keys.hash_index_key(datanet_id, bytes.fromhex(record.content_hash))
        )
        self._record_history(ctx, datanet, contributor, "withdraw", f"record {record_id}")
        self._set_datanet(ctx, datanet)
        events.emit_withdrawn(ctx, datanet_id, record_id)

    def edit_metadata(
        self, ctx: Context, contributor: str, datanet_id: int, record_id: int, metadata: str
    ) -> None:
        """The contributor edits a record's metadata (not covered by the version root: no new
        version). Raises DatanetNotFoundError, RecordNotFoundError, NotContributorError."""
        datanet = self.require_datanet(ctx, datanet_id)
        record = self.require_record(ctx, datanet_id, record_id)
        if record.contributor != contributor:
            raise NotContributorError(
                f"record {record_id} was contributed by {record.contributor}, not {contributor}"
            )
        record.metadata = metadata
        self._set_record(ctx, record)
        self._record_history(ctx, datanet, contributor, "edit_metadata", f"record {record_id}")
        self._set_datanet(ctx, datanet)
        events.emit_updated(ctx, datanet_id, "edit_metadata", f"record {record_id}")

    # --- versions ----------------------------------------------------------------------------

    def publish_version(
        self,
        ctx: Context,
        publisher: str,
        datanet_id: int,
        append: Sequence[int],
        remove: Sequence[int],
        changelog: str,
    ) -> pb.Version:
        """Publishes the next version: the latest one minus `remove`, then `append` at the end.

        Costs what changed: appending writes the new leaves and the subtrees they complete,
        starting from the stored frontier; removing rewrites the positions after the first
        removed one. Returns the new version.

        Raises DatanetNotFoundError, NotCuratorError, EmptyVersionError, TooManyRecordsError,
        DuplicateEntryError, RecordNotFoundError, RecordNotAcceptedError,
        RecordAlreadyInVersionError, RecordNotInVersionError.
        """
        datanet = self.require_datanet(ctx, datanet_id)
        self._require_curator(datanet, publisher)
        if not append and not remove:
            raise EmptyVersionError("a version must append or remove at least one record")
        limit = self.get_params(ctx).max_publish_records
        if len(append) + len(remove) > limit:
            raise TooManyRecordsError(
                f"{len(append) + len(remove)} records named; at most {limit} per message "
                "(publish in several versions)"
            )
        _check_distinct(append, remove)
        prev_number = datanet.latest_version
        prev = self.get_version(ctx, datanet_id, prev_number) if prev_number else None
        prev_size = prev.size if prev else 0
        delta: dict[str, int] = {}
        removed_at: dict[int, int] = {}
        for record_id in remove:
            position = self.get_position(ctx, datanet_id, prev_number, record_id)
            if position is None:
                raise RecordNotInVersionError(
                    f"record {record_id} is not in version {prev_number} of datanet {datanet_id}"
                )
            removed_at[position] = record_id
            owner = self.require_record(ctx, datanet_id, record_id).contributor
            delta[owner] = delta.get(owner, 0) - 1
        added: list[pb.Record] = []
        for record_id in append:
            record = self.require_record(ctx, datanet_id, record_id)
            if record.status != ACCEPTED:
                raise RecordNotAcceptedError(
                    f"record {record_id} is {pb.RecordStatus.Name(record.status)}; only accepted "
                    "records join a version"
                )
            if (
                prev_number
                and self.get_position(ctx, datanet_id, prev_number, record_id) is not None
            ):
                raise RecordAlreadyInVersionError(
                    f"record {record_id} is already in version {prev_number}"
                )
            added.append(record)
            delta[record.contributor] = delta.get(record.contributor, 0) + 1
        keep = min(removed_at) if removed_at else prev_size
        leaves: list[tuple[int, bytes]] = []
        for position in range(keep, prev_size):
            if position not in removed_at:
                raw = self._versioned(ctx, keys.node_prefix(datanet_id, 0, position), prev_number)
                leaves.append(keys.decode_leaf(raw))  # type: ignore[arg-type]
        leaves.extend((r.id, compute_leaf_hash(record_ref(r))) for r in added)
        size = keep + len(leaves)
        if size == 0:
            raise EmptyVersionError("removing every record would publish an empty version")
        number = prev_number + 1
        if prev is not None and keep == prev_size:
            frontier = list(prev.frontier)
        else:
            frontier = compute_frontier(
                keep, lambda lv, ix: self.get_node(ctx, datanet_id, lv, ix, prev_number)
            )
        store = ctx.kv(self.store_key)
        position = keep
        for record_id, leaf in leaves:
            store.set(
                keys.node_key(datanet_id, 0, position, number), keys.encode_leaf(record_id, leaf)
            )
            store.set(keys.position_key(datanet_id, record_id, number), keys.u64(position))
            frontier, completed = compute_append(frontier, position, leaf)
            for level, index, digest in completed:
                store.set(keys.node_key(datanet_id, level, index, number), digest)
            position += 1
        for contributor in sorted(delta):
            if delta[contributor]:
                raw_addr = _address_bytes(contributor)
                weight = (
                    self.get_weight(ctx, datanet_id, raw_addr, prev_number) + delta[contributor]
                )
                store.set(keys.weight_key(datanet_id, raw_addr, number), keys.u64(weight))
        refunds: dict[str, int] = {}
        for record in added:
            bond = int(record.bond)
            if bond or not record.published_in:
                refunds[record.contributor] = refunds.get(record.contributor, 0) + bond
                record.bond = "0"
                record.published_in = record.published_in or number
                self._set_record(ctx, record)
        for contributor in sorted(refunds):
            self._pay(ctx, _address_bytes(contributor), refunds[contributor])
        root = compute_frontier_root(frontier)
        version = pb.Version(
            datanet_id=datanet_id,
            version=number,
            root=root,
            size=size,
            kept=keep,
            appended=len(append),
            removed=len(remove),
            changelog=changelog,
            publisher=publisher,
            height=ctx.height,
            time_unix=ctx.time_ns // 1_000_000_000,
            frontier=frontier,
            total_weight=size,
        )
        store.set(keys.version_key(datanet_id, number), version.SerializeToString())
        datanet.latest_version = number
        detail = f"version {number} root {root} (+{len(append)} -{len(remove)}, {size} records)"
        self._record_history(ctx, datanet, publisher, "publish", detail)
        self._set_datanet(ctx, datanet)
        events.emit_published(ctx, datanet_id, number, root, size)
        return version

    # --- access ------------------------------------------------------------------------------

    def grant_access(self, ctx: Context, owner: str, datanet_id: int, grantee: bytes) -> None:
        """The owner grants an account access. Raises DatanetNotFoundError, NotOwnerError."""
        datanet = self.require_datanet(ctx, datanet_id)
        self._require_owner(datanet, owner)
        ctx.kv(self.store_key).set(keys.access_key(datanet_id, grantee), b"granted")
        who = account_address(grantee)
        self._record_history(ctx, datanet, owner, "grant", who)
        self._set_datanet(ctx, datanet)
        events.emit_access(ctx, datanet_id, who, "granted")

    def pay_access(
        self, ctx: Context, payer: bytes, datanet_id: int, version: int, grantee: bytes
    ) -> int:
        """Pays the access price of a restricted datanet into the accumulator of the version's
        contributors and grants grantee access. Returns the price paid.

        Raises DatanetNotFoundError, AccessNotForSaleError, VersionNotFoundError,
        NoContributorsError, InsufficientFundsError.
        """
        datanet = self.require_datanet(ctx, datanet_id)
        price = int(datanet.access_price or "0")
        if datanet.access_policy != pb.ACCESS_POLICY_RESTRICTED:
            raise AccessNotForSaleError(f"datanet {datanet_id} is public: access needs no payment")
        if price == 0:
            raise AccessNotForSaleError(
                f"datanet {datanet_id} sells no access (price 0): ask its owner for a grant"
            )
        self.require_version(ctx, datanet_id, version)
        self._escrow(ctx, payer, price)
        self.credit_version(ctx, datanet_id, version, price)
        how = f"paid:{version}"
        ctx.kv(self.store_key).set(keys.access_key(datanet_id, grantee), how.encode())
        who = account_address(grantee)
        self._record_history(
            ctx, datanet, account_address(payer), "pay_access", f"{who} v{version} {price}"
        )
        self._set_datanet(ctx, datanet)
        events.emit_access(ctx, datanet_id, who, how)
        return price

    # --- rewards -----------------------------------------------------------------------------

    def credit_version(self, ctx: Context, datanet_id: int, version: int, amount: int) -> None:
        """Shares amount (already in the datanet module account) among a version's
        contributors by weight, in O(1). Raises VersionNotFoundError, NoContributorsError."""
        found = self.require_version(ctx, datanet_id, version)
        if found.total_weight == 0:
            raise NoContributorsError(f"version {version} of datanet {datanet_id} has no records")
        rewards = self.get_rewards(ctx, datanet_id, version)
        rpw, remainder = compute_credit(
            rewards.reward_per_weight, rewards.remainder, amount, found.total_weight
        )
        updated = Rewards(rewards.paid + amount, rewards.claimed, rpw, remainder)
        self._set_rewards(ctx, datanet_id, version, updated)
        events.emit_credited(ctx, datanet_id, version, amount)

    def credit_records(
        self, ctx: Context, datanet_id: int, version: int, credits: Sequence[tuple[int, int]]
    ) -> None:
        """Credits (record id, amount) pairs of a version to their contributors, in O(K)
        (inference settlement: amounts already in the datanet module account).

        Raises VersionNotFoundError, RecordNotInVersionError.
        """
        self.require_version(ctx, datanet_id, version)
        rewards = self.get_rewards(ctx, datanet_id, version)
        total = 0
        for record_id, amount in credits:
            if not self.is_record_in_version(ctx, datanet_id, version, record_id):
                raise RecordNotInVersionError(
                    f"record {record_id} is not in version {version} of datanet {datanet_id}"
                )
            contributor = _address_bytes(
                self.require_record(ctx, datanet_id, record_id).contributor
            )
            snapshot, carry = self.get_claim_state(ctx, datanet_id, version, contributor)
            weight = self.get_weight(ctx, datanet_id, contributor, version)
            owed = compute_owed(weight, rewards.reward_per_weight, snapshot, carry)
            self._set_claim_state(
                ctx, datanet_id, version, contributor, rewards.reward_per_weight,
                owed + amount * 10**18,
            )  # fmt: skip
            total += amount
        updated = Rewards(
            rewards.paid + total, rewards.claimed, rewards.reward_per_weight, rewards.remainder
        )
        self._set_rewards(ctx, datanet_id, version, updated)

    def claim(
        self, ctx: Context, contributor: bytes, datanet_id: int, versions: Sequence[int]
    ) -> int:
        """Pays a contributor what the given versions (all credited ones when empty) owe it.

        Raises DatanetNotFoundError, VersionNotFoundError, DuplicateEntryError,
        NothingToClaimError.
        """
        self.require_datanet(ctx, datanet_id)
        if len(set(versions)) != len(versions):
            raise DuplicateEntryError("a version is named twice")
        if versions:
            chosen = [(v, self.get_rewards(ctx, datanet_id, v)) for v in versions]
            for v, _ in chosen:
                self.require_version(ctx, datanet_id, v)
        else:
            chosen = list(self.iter_rewards(ctx, datanet_id))
        total = 0
        for version, rewards in chosen:
            snapshot, carry = self.get_claim_state(ctx, datanet_id, version, contributor)
            weight = self.get_weight(ctx, datanet_id, contributor, version)
            owed = compute_owed(weight, rewards.reward_per_weight, snapshot, carry)
            paid, carried = compute_claim(owed)
            if paid == 0:
                continue
            self._set_claim_state(
                ctx, datanet_id, version, contributor, rewards.reward_per_weight, carried
            )
            self._set_rewards(
                ctx,
                datanet_id,
                version,
                Rewards(
                    rewards.paid, rewards.claimed + paid, rewards.reward_per_weight,
                    rewards.remainder,
                ),
            )  # fmt: skip
            total += paid
        if total == 0:
            raise NothingToClaimError(
                f"{account_address(contributor)} has nothing to claim in datanet {datanet_id}"
            )
        self._pay(ctx, contributor, total)
        events.emit_claimed(ctx, datanet_id, account_address(contributor), total)
        return total

    def _set_rewards(self, ctx: Context, datanet_id: int, version: int, rewards: Rewards) -> None:
        key = keys.rewards_key(datanet_id, version)
        ctx.kv(self.store_key).set(key, rewards.to_proto().SerializeToString())

    def _set_claim_state(
        self,
        ctx: Context,
        datanet_id: int,
        version: int,
        contributor: bytes,
        snapshot: int,
        carry: int,
    ) -> None:
        key = keys.claim_key(datanet_id, version, contributor)
        ctx.kv(self.store_key).set(key, f"{snapshot}:{carry}".encode())


def _address_bytes(address: str) -> bytes:
    """The bytes of a stored bech32 address."""
    from aichain.app.crypto import parse_account_address

    return parse_account_address(address)


def _check_distinct(append: Sequence[int], remove: Sequence[int]) -> None:
    """Raises DuplicateEntryError if a record is named twice."""
    for name, items in (("append", append), ("remove", remove)):
        if len(set(items)) != len(items):
            raise DuplicateEntryError(f"a record is named twice in {name}")
    both = sorted(set(append) & set(remove))
    if both:
        raise DuplicateEntryError(f"records {both} are both appended and removed")
