"""The attribution state's write primitives, shared by the keeper's parts: inferences and
their queues, escrow accounting, earnings, coins in and out of the module account."""

from __future__ import annotations

import hashlib
from dataclasses import replace

from aichain.app.coins import Coin
from aichain.app.context import Context
from aichain.app.crypto import account_address, parse_account_address
from aichain.attribution.v1 import attribution_pb2 as pb
from aichain.modules.attribution import keys
from aichain.modules.attribution.types import Params
from aichain.modules.attribution.view import MODULE, ViewKeeper, parse_pair


class AttributionState(ViewKeeper):
    """Reads (ViewKeeper) plus the primitives every write goes through."""

    def set_params(self, ctx: Context, params: Params) -> None:
        """Stores validated params. Raises InvalidParamsError."""
        params.validate()
        ctx.kv(self.store_key).set(keys.PARAMS, params.to_proto().SerializeToString())

    def allocate_id(self, ctx: Context) -> int:
        """The next request id (and advances it)."""
        next_id = self.get_next_id(ctx)
        ctx.kv(self.store_key).set(keys.NEXT_ID, keys.u64(next_id + 1))
        return next_id

    def set_inference(self, ctx: Context, inference: pb.Inference) -> None:
        """Stores an inference under its request id."""
        key = keys.inference_key(inference.request.id)
        ctx.kv(self.store_key).set(key, inference.SerializeToString())

    def queue(self, ctx: Context, queue: bytes, height: int, item_id: int) -> None:
        """Adds an item to a height queue."""
        ctx.kv(self.store_key).set(keys.height_queue_key(queue, height, item_id), b"")

    def dequeue(self, ctx: Context, queue: bytes, height: int, item_id: int) -> None:
        """Removes an item from a height queue."""
        ctx.kv(self.store_key).delete(keys.height_queue_key(queue, height, item_id))

    def due(self, ctx: Context, queue: bytes) -> list[tuple[int, int]]:
        """(height, id) of the queue's items due at or before this block, in order."""
        found = []
        for key, _ in ctx.kv(self.store_key).iterate(queue):
            height, item_id = keys.split_height_queue_key(key)
            if height > ctx.height:
                break
            found.append((height, item_id))
        return found

    def add_totals(self, ctx: Context, **deltas: int) -> None:
        """Adds to the escrow accounting counters."""
        totals = self.get_totals(ctx)
        updated = replace(totals, **{k: getattr(totals, k) + v for k, v in deltas.items()})
        ctx.kv(self.store_key).set(keys.TOTALS, updated.encode())

    def set_earning(self, ctx: Context, account: bytes, earning: pb.Earning) -> None:
        """Stores an account's earnings."""
        ctx.kv(self.store_key).set(keys.earning_key(account), earning.SerializeToString())

    def add_pending(self, ctx: Context, account: str, amount: int) -> None:
        """Adds (or removes, amount < 0) earnings held until a challenge window closes."""
        raw = parse_account_address(account)
        earning = self.get_earning(ctx, raw)
        earning.pending = str(int(earning.pending or "0") + amount)
        self.set_earning(ctx, raw, earning)

    def mature_earning(self, ctx: Context, account: str, model_id: int, amount: int) -> None:
        """Moves amount from pending to claimable and records it against the model."""
        raw = parse_account_address(account)
        earning = self.get_earning(ctx, raw)
        earning.pending = str(int(earning.pending or "0") - amount)
        earning.claimable = str(int(earning.claimable or "0") + amount)
        self.set_earning(ctx, raw, earning)
        store = ctx.kv(self.store_key)
        key = keys.model_earning_key(raw, model_id)
        before = store.get(key)
        store.set(key, str((int(before) if before else 0) + amount).encode())

    def add_datanet_revenue(
        self, ctx: Context, datanet_id: int, amount: int, inferences: int
    ) -> None:
        """Adds settled inferences' credits to a datanet's revenue."""
        store = ctx.kv(self.store_key)
        key = keys.datanet_revenue_key(datanet_id)
        revenue, count = parse_pair(store.get(key))
        store.set(key, f"{revenue + amount}:{count + inferences}".encode())

    def add_model_stats(self, ctx: Context, model_id: int, disputes: int, upheld: int) -> None:
        """Adds to a model's dispute counters."""
        store = ctx.kv(self.store_key)
        key = keys.model_stats_key(model_id)
        d, u = parse_pair(store.get(key))
        store.set(key, f"{d + disputes}:{u + upheld}".encode())

    def set_misses(self, ctx: Context, worker: bytes, misses: int) -> None:
        """Stores a worker's consecutive misses (deletes at zero)."""
        store = ctx.kv(self.store_key)
        if misses:
            store.set(keys.misses_key(worker), keys.u64(misses))
        else:
            store.delete(keys.misses_key(worker))

    def set_seed(self, ctx: Context) -> None:
        """The seed the next block's assignments and draws use: sha256 of this block's hash and
        height (the hash CometBFT gave FinalizeBlock)."""
        seed = hashlib.sha256(
            b"aichain/attribution/seed" + ctx.block.hash + keys.u64(ctx.height)
        ).digest()
        ctx.kv(self.store_key).set(keys.SEED, seed)

    # --- coins

    def coins(self, ctx: Context, amount: int) -> list[Coin]:
        """amount of the fee denom."""
        return [Coin(self.get_denom(ctx), amount)]

    def escrow(self, ctx: Context, sender: bytes, amount: int) -> None:
        """Moves amount into the module account. Raises InsufficientFundsError."""
        if amount:
            self.bank.send_coins_from_account_to_module(
                ctx, sender, MODULE, self.coins(ctx, amount)
            )

    def pay(self, ctx: Context, recipient: str | bytes, amount: int) -> None:
        """Pays amount out of the module account."""
        if amount:
            raw = parse_account_address(recipient) if isinstance(recipient, str) else recipient
            self.bank.send_coins_from_module_to_account(ctx, MODULE, raw, self.coins(ctx, amount))

    def burn(self, ctx: Context, amount: int) -> None:
        """Burns amount held by the module account."""
        if amount:
            self.bank.burn_coins(ctx, MODULE, self.coins(ctx, amount))

    def to_community_pool(self, ctx: Context, amount: int) -> None:
        """Moves amount into distribution's community pool."""
        if amount:
            depositor = self.accounts.get_module_address(MODULE)
            self.distribution.fund_community_pool(ctx, depositor, self.coins(ctx, amount))


def address(text: str) -> bytes:
    """The bytes of a bech32 account address."""
    return parse_account_address(text)


def bech32(raw: bytes) -> str:
    """The bech32 account address of raw bytes."""
    return account_address(raw)
