"""Datanet keepers: ViewKeeper (reads, view.py) and Keeper (writes).

The Keeper is composed, not inherited: one DatanetState (state.py: the reads plus the write
primitives) shared by three parts, one file per job: Records (records.py: contribute, review,
withdraw, metadata), Versions (versions.py: publish through the tree's frontier) and
Accounting (accounting.py: access, reward accumulators, claims). Its methods are the verbs the
message server, other modules (settlement) and genesis call; each hands over to one part.

Bonds and access payments are held by the datanet module account: its balance is always the
bonds still escrowed plus what versions were credited and contributors have not claimed
(invariants.py).
"""

from __future__ import annotations

from collections.abc import Sequence

from aichain.app.context import Context
from aichain.app.store_keys import StoreKey
from aichain.datanet.v1 import datanet_pb2 as pb
from aichain.modules.datanet import events, keys
from aichain.modules.datanet.accounting import Accounting
from aichain.modules.datanet.expected import AccountKeeper, BankKeeper
from aichain.modules.datanet.records import Records
from aichain.modules.datanet.state import DatanetState
from aichain.modules.datanet.types import Params
from aichain.modules.datanet.versions import Versions
from aichain.modules.datanet.view import (
    ACCEPTED,
    MODULE,
    PENDING,
    REJECTED,
    WITHDRAWN,
    Entry,
    Rewards,
    ViewKeeper,
    record_ref,
)

__all__ = [
    "ACCEPTED", "MODULE", "PENDING", "REJECTED", "WITHDRAWN", "Entry", "Keeper", "Rewards",
    "ViewKeeper", "record_ref",
]  # fmt: skip


class Keeper(DatanetState):
    """Every datanet write; each verb hands over to one part."""

    def __init__(self, store_key: StoreKey, bank: BankKeeper, accounts: AccountKeeper) -> None:
        super().__init__(store_key, bank, accounts)
        self.records = Records(self)
        self.versions = Versions(self)
        self.accounting = Accounting(self)

    def set_params(self, ctx: Context, params: Params) -> None:
        """Stores validated params. Raises InvalidParamsError."""
        params.validate()
        ctx.kv(self.store_key).set(keys.PARAMS, params.to_proto().SerializeToString())

    # --- datanets

    def create_datanet(self, ctx: Context, datanet: pb.Datanet) -> int:
        """Stores a new datanet (fields checked by the handler); returns its id."""
        datanet_id = self.get_next_datanet_id(ctx)
        ctx.kv(self.store_key).set(keys.NEXT_DATANET_ID, keys.u64(datanet_id + 1))
        datanet.id = datanet_id
        datanet.created_height = ctx.height
        self.record_history(ctx, datanet, datanet.owner, "create", datanet.name)
        self.set_datanet(ctx, datanet)
        events.emit_created(ctx, datanet_id, datanet.owner)
        return datanet_id

    def set_curators(
        self, ctx: Context, owner: str, datanet_id: int, curators: Sequence[str],
        by_authority: bool = False,
    ) -> None:  # fmt: skip
        """Replaces the curator set: the owner, or governance (by_authority: the handler
        checked the authority; the history names it as the actor). Raises
        DatanetNotFoundError, NotOwnerError."""
        datanet = self.require_datanet(ctx, datanet_id)
        if not by_authority:
            self.require_owner(datanet, owner)
        del datanet.curators[:]
        datanet.curators.extend(curators)
        detail = ",".join(curators) or "(none)"
        self.record_history(ctx, datanet, owner, "set_curators", detail)
        self.set_datanet(ctx, datanet)
        events.emit_updated(ctx, datanet_id, "set_curators", detail)

    def transfer_ownership(self, ctx: Context, owner: str, datanet_id: int, new_owner: str) -> None:
        """Hands the datanet to new_owner. Raises DatanetNotFoundError, NotOwnerError."""
        datanet = self.require_datanet(ctx, datanet_id)
        self.require_owner(datanet, owner)
        datanet.owner = new_owner
        self.record_history(ctx, datanet, owner, "transfer", new_owner)
        self.set_datanet(ctx, datanet)
        events.emit_updated(ctx, datanet_id, "transfer", new_owner)

    def set_closed(self, ctx: Context, owner: str, datanet_id: int, closed: bool) -> None:
        """Closes or reopens contributions. Raises DatanetNotFoundError, NotOwnerError."""
        datanet = self.require_datanet(ctx, datanet_id)
        self.require_owner(datanet, owner)
        datanet.closed = closed
        action = "close" if closed else "reopen"
        self.record_history(ctx, datanet, owner, action, "")
        self.set_datanet(ctx, datanet)
        events.emit_updated(ctx, datanet_id, action, "")

    # --- records (records.py)

    def contribute(self, ctx: Context, contributor: bytes, record: pb.Record) -> int:
        """Adds a record; returns its id (see Records.contribute)."""
        return self.records.contribute(ctx, contributor, record)

    def review(
        self, ctx: Context, curator: str, datanet_id: int, record_id: int, accept: bool, reason: str
    ) -> int:
        """Accepts or rejects a record; returns the amount burned (see Records.review)."""
        return self.records.review(ctx, curator, datanet_id, record_id, accept, reason)

    def withdraw(self, ctx: Context, contributor: str, datanet_id: int, record_id: int) -> None:
        """Withdraws a pending record (see Records.withdraw)."""
        self.records.withdraw(ctx, contributor, datanet_id, record_id)

    def edit_metadata(
        self, ctx: Context, contributor: str, datanet_id: int, record_id: int, metadata: str
    ) -> None:
        """Edits a record's metadata (see Records.edit_metadata)."""
        self.records.edit_metadata(ctx, contributor, datanet_id, record_id, metadata)

    # --- versions (versions.py)

    def publish_version(
        self, ctx: Context, publisher: str, datanet_id: int, append: Sequence[int],
        remove: Sequence[int], changelog: str,
    ) -> pb.Version:  # fmt: skip
        """Publishes the next version (see Versions.publish_version)."""
        return self.versions.publish_version(ctx, publisher, datanet_id, append, remove, changelog)

    # --- access and rewards (accounting.py)

    def grant_access(self, ctx: Context, owner: str, datanet_id: int, grantee: bytes) -> None:
        """The owner grants access (see Accounting.grant_access)."""
        self.accounting.grant_access(ctx, owner, datanet_id, grantee)

    def pay_access(
        self, ctx: Context, payer: bytes, datanet_id: int, version: int, grantee: bytes
    ) -> int:
        """Pays a version's access price to its contributors (see Accounting.pay_access)."""
        return self.accounting.pay_access(ctx, payer, datanet_id, version, grantee)

    def credit_version(self, ctx: Context, datanet_id: int, version: int, amount: int) -> None:
        """Shares amount among a version's contributors, O(1) (see Accounting)."""
        self.accounting.credit_version(ctx, datanet_id, version, amount)

    def credit_records(
        self, ctx: Context, datanet_id: int, version: int, credits: Sequence[tuple[int, int]]
    ) -> None:
        """Credits (record, amount) pairs to their contributors, O(K) (see Accounting)."""
        self.accounting.credit_records(ctx, datanet_id, version, credits)

    def claim(
        self, ctx: Context, contributor: bytes, datanet_id: int, versions: Sequence[int]
    ) -> int:
        """Pays a contributor what it is owed; returns the amount (see Accounting.claim)."""
        return self.accounting.claim(ctx, contributor, datanet_id, versions)
