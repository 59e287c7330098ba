"""Wiring of the bank module."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cosmos.bank.v1beta1 import tx_pb2

from aichain.app.context import Context
from aichain.app.module import BaseModule, Invariant
from aichain.app.router import MsgRoute, Router
from aichain.modules.bank import genesis, invariants, msgs
from aichain.modules.bank.keeper import Keeper
from aichain.modules.bank.msg_server import MsgServer
from aichain.modules.bank.query import QueryServer, register_queries


class BankModule(BaseModule):
    """Balances, supply and sends."""

    name = "bank"

    def __init__(self, keeper: Keeper, blocked: frozenset[bytes]) -> None:
        self.keeper = keeper
        self.msg_server = MsgServer(keeper, blocked)

    def register(self, router: Router) -> None:
        """Adds MsgSend, MsgMultiSend and the bank queries."""
        router.add_msg(
            MsgRoute(
                msgs.MSG_SEND_URL,
                tx_pb2.MsgSend,
                msgs.send_signers,
                msgs.validate_send,
                self.msg_server.send,
                self.name,
            )
        )
        router.add_msg(
            MsgRoute(
                msgs.MSG_MULTI_SEND_URL,
                tx_pb2.MsgMultiSend,
                msgs.multi_send_signers,
                msgs.validate_multi_send,
                self.msg_server.multi_send,
                self.name,
            )
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
