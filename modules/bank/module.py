"""Wiring of the bank module."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cosmos.bank.v1beta1 import tx_pb2

from aichain.app.context import Context
from aichain.app.module import BaseModule, Invariant
from aichain.app.router import Router
from aichain.modules.bank import genesis, invariants, msgs
from aichain.modules.bank.keeper import Keeper
from aichain.modules.bank.msg_server import MsgServer
from aichain.modules.bank.query import QueryServer, register_queries


class BankModule(BaseModule):
    """Balances, supply and sends."""

    name = "bank"

    def __init__(self, keeper: Keeper, blocked: frozenset[bytes], authority: str) -> None:
        self.keeper = keeper
        self.store_key = keeper.store_key
        self.msg_server = MsgServer(keeper, blocked, authority)

    def register(self, router: Router) -> None:
        """Adds MsgSend, MsgMultiSend, MsgUpdateParams and the bank queries."""
        server = self.msg_server
        router.add_msgs(
            self.name,
            [
                (
                    msgs.MSG_SEND_URL,
                    tx_pb2.MsgSend,
                    msgs.send_signers,
                    msgs.validate_send,
                    server.send,
                ),
                (
                    msgs.MSG_MULTI_SEND_URL,
                    tx_pb2.MsgMultiSend,
                    msgs.multi_send_signers,
                    msgs.validate_multi_send,
                    server.multi_send,
                ),
                (
                    msgs.MSG_UPDATE_PARAMS_URL,
                    tx_pb2.MsgUpdateParams,
                    msgs.update_params_signers,
                    msgs.validate_update_params,
                    server.update_params,
                ),
            ],
        )
        register_queries(router, QueryServer(self.keeper))

    def default_genesis(self) -> dict[str, Any]:
        """Default bank genesis."""
        return genesis.default_genesis()

    def init_genesis(self, ctx: Context, data: dict[str, Any]) -> None:
        """Imports bank genesis."""
        genesis.init_genesis(ctx, self.keeper, data)

    def export_genesis(self, ctx: Context) -> dict[str, Any]:
        """Exports bank genesis."""
        return genesis.export_genesis(ctx, self.keeper)

    def invariants(self) -> Sequence[tuple[str, Invariant]]:
        """Total supply equals the sum of balances; balances are positive."""
        return (
            ("total-supply", lambda ctx: invariants.total_supply_invariant(ctx, self.keeper)),
            (
                "nonnegative",
                lambda ctx: invariants.nonnegative_balances_invariant(ctx, self.keeper),
            ),
        )
