"""Wiring of the distribution module."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from cosmos.distribution.v1beta1 import tx_pb2

from aichain.app.context import Context
from aichain.app.module import BaseModule, Invariant, ModuleAccount
from aichain.app.router import Router
from aichain.modules.distribution import genesis, invariants, msgs
from aichain.modules.distribution.allocation import process_allocation
from aichain.modules.distribution.keeper import MODULE, Keeper
from aichain.modules.distribution.msg_server import MsgServer
from aichain.modules.distribution.query import QueryServer, register_queries


class DistributionModule(BaseModule):
    """Block rewards, commission, delegator rewards (F1) and the community pool."""

    name = "distribution"

    module_accounts: ClassVar[tuple[ModuleAccount, ...]] = (ModuleAccount(MODULE),)

    def __init__(self, keeper: Keeper, blocked: frozenset[bytes], authority: str) -> None:
        self.keeper = keeper
        self.store_key = keeper.store_key
        self.msg_server = MsgServer(keeper, blocked, authority)

    def register(self, router: Router) -> None:
        """Adds the distribution messages and queries."""
        s = self.msg_server
        routes = [
            ("MsgSetWithdrawAddress", tx_pb2.MsgSetWithdrawAddress, msgs.delegator_signer,
             msgs.validate_set_withdraw_address, s.set_withdraw_address),
            ("MsgWithdrawDelegatorReward", tx_pb2.MsgWithdrawDelegatorReward,
             msgs.delegator_signer, msgs.validate_withdraw_rewards, s.withdraw_rewards),
            ("MsgWithdrawValidatorCommission", tx_pb2.MsgWithdrawValidatorCommission,
             msgs.commission_signer, msgs.validate_withdraw_commission, s.withdraw_commission),
            ("MsgFundCommunityPool", tx_pb2.MsgFundCommunityPool, msgs.depositor_signer,
             msgs.validate_fund_pool, s.fund_community_pool),
            ("MsgCommunityPoolSpend", tx_pb2.MsgCommunityPoolSpend, msgs.authority_signer,
             msgs.validate_pool_spend, s.community_pool_spend),
            ("MsgUpdateParams", tx_pb2.MsgUpdateParams, msgs.authority_signer,
             msgs.validate_update_params, s.update_params),
        ]  # fmt: skip
        router.add_msgs(
            self.name,
            [(msgs.URL + name, proto, sig, check, fn) for name, proto, sig, check, fn in routes],
        )
        register_queries(router, QueryServer(self.keeper))

    def default_genesis(self) -> dict[str, Any]:
        """Default distribution genesis."""
        return genesis.default_genesis()

    def init_genesis(self, ctx: Context, data: dict[str, Any]) -> None:
        """Imports distribution genesis."""
        genesis.init_genesis(ctx, self.keeper, data)

    def export_genesis(self, ctx: Context) -> dict[str, Any]:
        """Exports distribution genesis."""
        return genesis.export_genesis(ctx, self.keeper)

    def begin_block(self, ctx: Context) -> None:
        """Allocates the last block's fees and provisions to its voters."""
        process_allocation(ctx, self.keeper)

    def invariants(self) -> Sequence[tuple[str, Invariant]]:
        """Outstanding is non-negative; rewards owed never exceed rewards accrued."""
        return (
            (
                "nonnegative-outstanding",
                lambda ctx: invariants.nonnegative_outstanding_invariant(ctx, self.keeper),
            ),
            ("can-withdraw", lambda ctx: invariants.can_withdraw_invariant(ctx, self.keeper)),
        )
