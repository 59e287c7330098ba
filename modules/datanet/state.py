"""The datanet keeper parts' shared state: the ViewKeeper's reads plus the write
primitives every part uses (records, history, escrow and payouts, reward accounting)."""

from __future__ import annotations

from aichain.app.coins import Coin
from aichain.app.context import Context
from aichain.app.crypto import parse_account_address
from aichain.datanet.v1 import datanet_pb2 as pb
from aichain.modules.datanet import keys
from aichain.modules.datanet.errors import (
    NotCuratorError,
    NotOwnerError,
)
from aichain.modules.datanet.view import MODULE, Rewards, ViewKeeper


class DatanetState(ViewKeeper):
    """Reads, plus the writes the keeper's parts share."""

    def set_datanet(self, ctx: Context, datanet: pb.Datanet) -> None:
        ctx.kv(self.store_key).set(keys.datanet_key(datanet.id), datanet.SerializeToString())

    def set_record(self, ctx: Context, record: pb.Record) -> None:
        key = keys.record_key(record.datanet_id, record.id)
        ctx.kv(self.store_key).set(key, record.SerializeToString())

    def record_history(
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

    def require_owner(self, datanet: pb.Datanet, sender: str) -> None:
        if sender != datanet.owner:
            raise NotOwnerError(
                f"only the owner of datanet {datanet.id} ({datanet.owner}) may do this, "
                f"not {sender}"
            )

    def require_curator(self, datanet: pb.Datanet, sender: str) -> None:
        if not self.is_curator(datanet, sender):
            raise NotCuratorError(
                f"{sender} is neither the owner nor a curator of datanet {datanet.id}"
            )

    def escrow(self, ctx: Context, sender: bytes, amount: int) -> None:
        if amount:
            coins = [Coin(self.get_params(ctx).bond_denom, amount)]
            self.bank.send_coins_from_account_to_module(ctx, sender, MODULE, coins)

    def pay(self, ctx: Context, recipient: bytes, amount: int) -> None:
        if amount:
            coins = [Coin(self.get_params(ctx).bond_denom, amount)]
            self.bank.send_coins_from_module_to_account(ctx, MODULE, recipient, coins)

    def set_rewards(self, ctx: Context, datanet_id: int, version: int, rewards: Rewards) -> None:
        key = keys.rewards_key(datanet_id, version)
        ctx.kv(self.store_key).set(key, rewards.to_proto().SerializeToString())

    def set_claim_state(
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


def address_bytes(address: str) -> bytes:
    """The bytes of a stored bech32 address (the parts use it on record and owner fields)."""
    return parse_account_address(address)
