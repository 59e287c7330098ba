"""Settlement at the close of a challenge window, claims, and prepaid balances.

The payouts were computed when the result was stored (results.py); settling moves them:
worker, owner and lineage shares become claimable earnings of their accounts, the data share
moves to the datanet module account and is credited to the records' contributors through
datanet's accumulators (O(K)), the community share joins the community pool, the participation
share joins governance's participation pool (the reward of model-proposal voters) and the burn
share is burned."""

from __future__ import annotations

from aichain.app.context import Context
from aichain.attribution.v1 import attribution_pb2 as pb
from aichain.modules.attribution import events, keys
from aichain.modules.attribution.errors import (
    InsufficientPrepaidError,
    InvalidAmountError,
    NothingToClaimError,
)
from aichain.modules.attribution.expected import ParticipationPool
from aichain.modules.attribution.state import AttributionState, bech32
from aichain.modules.attribution.view import ANSWERED, MODULE, SETTLED

DATANET_MODULE = "datanet"
"""The datanet module account, which holds what contributors have not claimed."""

EARNING_ROLES = frozenset({"worker", "owner", "lineage"})
"""Payout roles that become claimable earnings in this module."""


class Settlement:
    """Maturity (end-block), settling one inference, MsgClaim, prepaid funding."""

    def __init__(self, state: AttributionState, participation: ParticipationPool) -> None:
        self.state = state
        self.participation = participation

    def process_matured(self, ctx: Context) -> None:
        """Settles every answered inference whose challenge window closed by this block."""
        matured = []
        for height, inference_id in self.state.due(ctx, keys.MATURITY):
            self.state.dequeue(ctx, keys.MATURITY, height, inference_id)
            inference = self.state.get_inference(ctx, inference_id)
            if inference is not None and inference.request.status == ANSWERED:
                matured.append(inference)
        if matured:
            self.settle_many(ctx, matured)

    def settle(self, ctx: Context, inference: pb.Inference) -> None:
        """Moves one inference's payouts (see settle_many)."""
        self.settle_many(ctx, [inference])

    def settle_many(self, ctx: Context, inferences: list[pb.Inference]) -> None:
        """Moves the inferences' payouts (see the module docstring); status SETTLED.

        Batched: the data shares of all of them move to the datanet account in one transfer
        and are credited per (datanet, version) in one call each (its reads before its
        writes), the community, participation and burn shares move once each, usage is
        recorded once per model, so a block settling thousands of inferences costs O(total K)
        store operations."""
        paid = pooled = burned = held = participation = funded = 0
        data: dict[tuple[int, int], dict[int, int]] = {}
        revenue: dict[int, list[int]] = {}
        usage: dict[int, list[int]] = {}
        for inference in inferences:
            request = inference.request
            touched: set[int] = set()
            share = 0
            for payout in inference.payouts:
                amount = int(payout.amount)
                if payout.role in EARNING_ROLES:
                    self.state.mature_earning(ctx, payout.recipient, request.model_id, amount)
                    paid += amount
                elif payout.role == "data":
                    records = data.setdefault((payout.datanet_id, payout.version), {})
                    records[payout.record_id] = records.get(payout.record_id, 0) + amount
                    entry = revenue.setdefault(payout.datanet_id, [0, 0])
                    entry[0] += amount
                    if payout.datanet_id not in touched:
                        touched.add(payout.datanet_id)
                        entry[1] += 1
                elif payout.role == "community":
                    pooled += amount
                elif payout.role == "participation":
                    share += amount
                elif payout.role == "burn":
                    burned += amount
            fee = int(request.fee)
            held += fee
            counters = usage.setdefault(request.model_id, [0, 0])
            counters[0] += 1
            counters[1] += fee
            request.status = SETTLED
            self.state.set_inference(ctx, inference)
            events.emit_settled(ctx, request.id, fee, share)
            participation += share
            funded += 1 if share else 0
        data_total = sum(sum(records.values()) for records in data.values())
        if data_total:
            self.state.bank.send_coins_from_module_to_module(
                ctx, MODULE, DATANET_MODULE, self.state.coins(ctx, data_total)
            )
        for (datanet_id, version), records in sorted(data.items()):
            self.state.datanet.credit_records(ctx, datanet_id, version, sorted(records.items()))
        for datanet_id, (amount, count) in sorted(revenue.items()):
            self.state.add_datanet_revenue(ctx, datanet_id, amount, count)
        self.state.to_community_pool(ctx, pooled)
        if participation:
            self.participation.fund_from_module(
                ctx, MODULE, tuple(self.state.coins(ctx, participation))
            )
            events.emit_participation_funded(ctx, participation, funded)
        self.state.burn(ctx, burned)
        self.state.add_totals(ctx, paid=paid + data_total, pooled=pooled, burned=burned,
                              held=-held, participation=participation)  # fmt: skip
        for model_id, (count, fees) in sorted(usage.items()):
            self.state.modelreg.record_usage(ctx, model_id, count, fees)

    def release_pending(self, ctx: Context, inference: pb.Inference) -> None:
        """Drops an inference's held earnings (its result was found false)."""
        for payout in inference.payouts:
            if payout.role in EARNING_ROLES:
                self.state.add_pending(ctx, payout.recipient, -int(payout.amount))

    def claim(self, ctx: Context, claimant: bytes) -> int:
        """Pays an account its matured worker, owner and lineage earnings. Raises
        NothingToClaimError."""
        earning = self.state.get_earning(ctx, claimant)
        amount = int(earning.claimable or "0")
        if amount == 0:
            raise NothingToClaimError(
                f"{bech32(claimant)} has no matured earnings (pending {earning.pending or '0'} "
                "wait for their challenge windows; data shares are claimed with "
                "`aichain tx datanet claim`)"
            )
        self.state.pay(ctx, claimant, amount)
        earning.claimable = "0"
        earning.claimed = str(int(earning.claimed or "0") + amount)
        self.state.set_earning(ctx, claimant, earning)
        events.emit_claimed(ctx, bech32(claimant), amount)
        return amount

    def fund_prepaid(self, ctx: Context, requester: bytes, model_id: int, amount: int) -> int:
        """Adds to a prepaid balance; returns it. Raises ModelNotFoundError,
        InvalidAmountError, InsufficientFundsError."""
        self.state.modelreg.require_model(ctx, model_id)
        if amount == 0:
            raise InvalidAmountError("fund a positive amount")
        self.state.escrow(ctx, requester, amount)
        balance = self.state.get_prepaid(ctx, requester, model_id) + amount
        ctx.kv(self.state.store_key).set(
            keys.prepaid_key(requester, model_id), str(balance).encode()
        )
        events.emit_prepaid(ctx, bech32(requester), model_id, "fund", balance)
        return balance

    def withdraw_prepaid(self, ctx: Context, requester: bytes, model_id: int, amount: int) -> int:
        """Takes back (part of) a prepaid balance; returns what is left. Raises
        InvalidAmountError, InsufficientPrepaidError."""
        balance = self.state.get_prepaid(ctx, requester, model_id)
        if amount == 0:
            raise InvalidAmountError("withdraw a positive amount")
        if amount > balance:
            raise InsufficientPrepaidError(
                f"prepaid balance for model {model_id} is {balance}, below {amount}"
            )
        self.state.pay(ctx, requester, amount)
        key = keys.prepaid_key(requester, model_id)
        if balance - amount:
            ctx.kv(self.state.store_key).set(key, str(balance - amount).encode())
        else:
            ctx.kv(self.state.store_key).delete(key)
        events.emit_prepaid(ctx, bech32(requester), model_id, "withdraw", balance - amount)
        return balance - amount
