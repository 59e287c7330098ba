"""Records: contributions (bond escrow, quotas, duplicate hashes), review (the bond rule),
withdrawal and metadata edits."""

from __future__ import annotations

from aichain.app.coins import Coin
from aichain.app.context import Context
from aichain.app.crypto import account_address
from aichain.datanet.v1 import datanet_pb2 as pb
from aichain.modules.datanet import events, keys
from aichain.modules.datanet.errors import (
    DatanetClosedError,
    DuplicateRecordError,
    InvalidRecordStatusError,
    NotContributorError,
    QuotaExceededError,
    RecordTooLargeError,
)
from aichain.modules.datanet.state import DatanetState, address_bytes
from aichain.modules.datanet.types import (
    compute_quota_day,
    compute_rejection_split,
)
from aichain.modules.datanet.view import ACCEPTED, MODULE, PENDING, REJECTED, WITHDRAWN


class Records:
    """Contribute, review, withdraw, edit metadata."""

    def __init__(self, state: DatanetState) -> None:
        self.state = state

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
        store = ctx.kv(self.state.store_key)
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
        datanet = self.state.require_datanet(ctx, record.datanet_id)
        if datanet.closed:
            raise DatanetClosedError(f"datanet {datanet.id} is closed to contributions")
        if record.size > datanet.max_record_size:
            raise RecordTooLargeError(
                f"record of {record.size} bytes exceeds datanet {datanet.id}'s limit of "
                f"{datanet.max_record_size} bytes"
            )
        store = ctx.kv(self.state.store_key)
        index_key = keys.hash_index_key(datanet.id, bytes.fromhex(record.content_hash))
        existing = store.get(index_key)
        if existing is not None:
            raise DuplicateRecordError(
                f"datanet {datanet.id} already holds content {record.content_hash} as record "
                f"{keys.read_u64(existing)}"
            )
        self._charge_quota(ctx, datanet, contributor, record.size)
        bond = int(datanet.bond_per_record)
        self.state.escrow(ctx, contributor, bond)
        datanet.record_count += 1
        record.id = datanet.record_count
        record.contributor = account_address(contributor)
        record.status = ACCEPTED if datanet.curation_mode == pb.CURATION_MODE_OPEN else PENDING
        record.bond = str(bond)
        record.height = ctx.height
        store.set(index_key, keys.u64(record.id))
        self.state.set_record(ctx, record)
        self.state.record_history(
            ctx, datanet, record.contributor, "contribute", f"record {record.id}"
        )
        self.state.set_datanet(ctx, datanet)
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
        datanet = self.state.require_datanet(ctx, datanet_id)
        self.state.require_curator(datanet, curator)
        record = self.state.require_record(ctx, datanet_id, record_id)
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
        contributor = address_bytes(record.contributor)
        bond = int(record.bond)
        burned = 0
        if accept:
            record.status = ACCEPTED
            self.state.pay(ctx, contributor, bond)
        else:
            record.status = REJECTED
            record.reason = reason
            burned, refund = compute_rejection_split(
                bond, self.state.get_params(ctx).rejection_burn_bps
            )
            if burned:
                coins = [Coin(self.state.get_params(ctx).bond_denom, burned)]
                self.state.bank.burn_coins(ctx, MODULE, coins)
            self.state.pay(ctx, contributor, refund)
            ctx.kv(self.state.store_key).delete(
                keys.hash_index_key(datanet_id, bytes.fromhex(record.content_hash))
            )
        record.bond = "0"
        record.reviewed_height = ctx.height
        self.state.set_record(ctx, record)
        action = "accept" if accept else "reject"
        detail = f"record {record_id}" + (f": {reason}" if reason else "")
        if burned:
            detail += f" (burned {burned})"
        self.state.record_history(ctx, datanet, curator, action, detail)
        self.state.set_datanet(ctx, datanet)
        events.emit_reviewed(ctx, datanet_id, record_id, curator, accept, burned)
        return burned

    def withdraw(self, ctx: Context, contributor: str, datanet_id: int, record_id: int) -> None:
        """The contributor withdraws a pending record; its bond is returned.

        Raises DatanetNotFoundError, RecordNotFoundError, NotContributorError,
        InvalidRecordStatusError.
        """
        datanet = self.state.require_datanet(ctx, datanet_id)
        record = self.state.require_record(ctx, datanet_id, record_id)
        if record.contributor != contributor:
            raise NotContributorError(
                f"record {record_id} was contributed by {record.contributor}, not {contributor}"
            )
        if record.status != PENDING:
            raise InvalidRecordStatusError(
                f"record {record_id} is {pb.RecordStatus.Name(record.status)}; only pending "
                "records can be withdrawn"
            )
        self.state.pay(ctx, address_bytes(contributor), int(record.bond))
        record.status = WITHDRAWN
        record.bond = "0"
        self.state.set_record(ctx, record)
        ctx.kv(self.state.store_key).delete(
            keys.hash_index_key(datanet_id, bytes.fromhex(record.content_hash))
        )
        self.state.record_history(ctx, datanet, contributor, "withdraw", f"record {record_id}")
        self.state.set_datanet(ctx, datanet)
        events.emit_withdrawn(ctx, datanet_id, record_id)

    def edit_metadata(
        self, ctx: Context, contributor: str, datanet_id: int, record_id: int, metadata: str
    ) -> None:
        """The contributor edits a record's metadata (not covered by the version root: no new
        version). Raises DatanetNotFoundError, RecordNotFoundError, NotContributorError."""
        datanet = self.state.require_datanet(ctx, datanet_id)
        record = self.state.require_record(ctx, datanet_id, record_id)
        if record.contributor != contributor:
            raise NotContributorError(
                f"record {record_id} was contributed by {record.contributor}, not {contributor}"
            )
        record.metadata = metadata
        self.state.set_record(ctx, record)
        self.state.record_history(ctx, datanet, contributor, "edit_metadata", f"record {record_id}")
        self.state.set_datanet(ctx, datanet)
        events.emit_updated(ctx, datanet_id, "edit_metadata", f"record {record_id}")
