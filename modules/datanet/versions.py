"""Versions: publishing the next version through the tree's frontier, writing only what
changed (leaves, positions, completed subtrees, weights)."""

from __future__ import annotations

from collections.abc import Sequence

from aichain.app.context import Context
from aichain.datanet.v1 import datanet_pb2 as pb
from aichain.modules.datanet import events, keys
from aichain.modules.datanet.errors import (
    DuplicateEntryError,
    EmptyVersionError,
    RecordAlreadyInVersionError,
    RecordNotAcceptedError,
    RecordNotInVersionError,
    TooManyRecordsError,
)
from aichain.modules.datanet.merkle import (
    compute_append,
    compute_frontier,
    compute_frontier_root,
    compute_leaf_hash,
)
from aichain.modules.datanet.state import DatanetState, address_bytes
from aichain.modules.datanet.view import ACCEPTED, record_ref


class Versions:
    """Publish versions."""

    def __init__(self, state: DatanetState) -> None:
        self.state = state

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
        datanet = self.state.require_datanet(ctx, datanet_id)
        self.state.require_curator(datanet, publisher)
        if not append and not remove:
            raise EmptyVersionError("a version must append or remove at least one record")
        limit = self.state.get_params(ctx).max_publish_records
        if len(append) + len(remove) > limit:
            raise TooManyRecordsError(
                f"{len(append) + len(remove)} records named; at most {limit} per message "
                "(publish in several versions)"
            )
        _check_distinct(append, remove)
        prev_number = datanet.latest_version
        prev = self.state.get_version(ctx, datanet_id, prev_number) if prev_number else None
        prev_size = prev.size if prev else 0
        delta: dict[str, int] = {}
        removed_at: dict[int, int] = {}
        for record_id in remove:
            position = self.state.get_position(ctx, datanet_id, prev_number, record_id)
            if position is None:
                raise RecordNotInVersionError(
                    f"record {record_id} is not in version {prev_number} of datanet {datanet_id}"
                )
            removed_at[position] = record_id
            owner = self.state.require_record(ctx, datanet_id, record_id).contributor
            delta[owner] = delta.get(owner, 0) - 1
        added: list[pb.Record] = []
        for record_id in append:
            record = self.state.require_record(ctx, datanet_id, record_id)
            if record.status != ACCEPTED:
                raise RecordNotAcceptedError(
                    f"record {record_id} is {pb.RecordStatus.Name(record.status)}; only accepted "
                    "records join a version"
                )
            if (
                prev_number
                and self.state.get_position(ctx, datanet_id, prev_number, record_id) is not None
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
                raw = self.state.get_versioned(
                    ctx, keys.node_prefix(datanet_id, 0, position), prev_number
                )
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
                keep, lambda lv, ix: self.state.get_node(ctx, datanet_id, lv, ix, prev_number)
            )
        store = ctx.kv(self.state.store_key)
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
        for record_id in sorted(removed_at.values()):
            store.set(keys.position_key(datanet_id, record_id, number), keys.u64(keys.REMOVED))
        for contributor in sorted(delta):
            if delta[contributor]:
                raw_addr = address_bytes(contributor)
                weight = (
                    self.state.get_weight(ctx, datanet_id, raw_addr, prev_number)
                    + delta[contributor]
                )
                store.set(keys.weight_key(datanet_id, raw_addr, number), keys.u64(weight))
        refunds: dict[str, int] = {}
        for record in added:
            bond = int(record.bond)
            if bond or not record.published_in:
                refunds[record.contributor] = refunds.get(record.contributor, 0) + bond
                record.bond = "0"
                record.published_in = record.published_in or number
                self.state.set_record(ctx, record)
        for contributor in sorted(refunds):
            self.state.pay(ctx, address_bytes(contributor), refunds[contributor])
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
        self.state.record_history(ctx, datanet, publisher, "publish", detail)
        self.state.set_datanet(ctx, datanet)
        events.emit_published(ctx, datanet_id, number, root, size)
        return version


def _check_distinct(append: Sequence[int], remove: Sequence[int]) -> None:
    """Raises DuplicateEntryError if a record is named twice."""
    for name, items in (("append", append), ("remove", remove)):
        if len(set(items)) != len(items):
            raise DuplicateEntryError(f"a record is named twice in {name}")
    both = sorted(set(append) & set(remove))
    if both:
        raise DuplicateEntryError(f"records {both} are both appended and removed")
