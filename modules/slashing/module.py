"""Wiring of the slashing module."""

from __future__ import annotations

from typing import Any, ClassVar

from cosmos.slashing.v1beta1 import tx_pb2

from aichain.app.context import Context
from aichain.app.module import BaseModule, ModuleAccount
from aichain.app.router import MsgRoute, Router
from aichain.app.store_keys import StoreKey
from aichain.modules.slashing import genesis, msgs
from aichain.modules.slashing.keeper import Keeper
from aichain.modules.slashing.msg_server import MsgServer
from aichain.modules.slashing.query import QueryServer, register_queries


def process_misbehavior(ctx: Context, keeper: Keeper) -> None:
    """Punishes each double-sign CometBFT reported (light-client attacks are ignored)."""
    for evidence in ctx.block.misbehavior:
        if evidence.kind == "duplicate_vote":
            keeper.handle_double_sign(ctx, evidence)


def process_liveness(ctx: Context, keeper: Keeper) -> None:
    """Records each vote of the last commit, in the order CometBFT gave them."""
    for vote in ctx.block.votes:
        keeper.handle_validator_signature(ctx, vote.address, vote.power, vote.signed)


class SlashingModule(BaseModule):
    """Liveness tracking, downtime and double-sign punishment, unjail."""

    name = "slashing"
    store_key: StoreKey
    module_accounts: ClassVar[tuple[ModuleAccount, ...]] = ()

    def __init__(self, keeper: Keeper, authority: str) -> None:
        self.keeper = keeper
        self.store_key = keeper.store_key
        self.msg_server = MsgServer(keeper, authority)

    def register(self, router: Router) -> None:
        """Adds MsgUnjail, MsgUpdateParams and the slashing queries."""
        s = self.msg_server
        routes = [
            (msgs.MSG_UNJAIL_URL, tx_pb2.MsgUnjail, msgs.unjail_signers, msgs.validate_unjail,
             s.unjail),
            (msgs.MSG_UPDATE_PARAMS_URL, tx_pb2.MsgUpdateParams, msgs.authority_signer,
             msgs.validate_update_params, s.update_params),
        ]  # fmt: skip
        for url, proto, signers, validate, handler in routes:
            router.add_msg(MsgRoute(url, proto, signers, validate, handler, self.name))
        register_queries(router, QueryServer(self.keeper))

    def default_genesis(self) -> dict[str, Any]:
        """Default slashing genesis."""
        return genesis.default_genesis()

    def init_genesis(self, ctx: Context, data: dict[str, Any]) -> None:
        """Imports slashing genesis."""
        genesis.init_genesis(ctx, self.keeper, data)

    def export_genesis(self, ctx: Context) -> dict[str, Any]:
        """Exports slashing genesis."""
        return genesis.export_genesis(ctx, self.keeper)

    def begin_block(self, ctx: Context) -> None:
        """Downtime from the last commit, then double-sign evidence."""
        process_liveness(ctx, self.keeper)
        process_misbehavior(ctx, self.keeper)
