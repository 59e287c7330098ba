"""Mint message handlers: stateful checks, then one keeper call each."""

from __future__ import annotations

from cosmos.mint.v1beta1 import tx_pb2

from aichain.app.authority import check_authority
from aichain.app.context import Context
from aichain.modules.mint.keeper import Keeper
from aichain.modules.mint.types import Params


class MsgServer:
    """Executes mint messages."""

    def __init__(self, keeper: Keeper, authority: str) -> None:
        self.keeper = keeper
        self.authority = authority

    def update_params(
        self, ctx: Context, msg: tx_pb2.MsgUpdateParams
    ) -> tx_pb2.MsgUpdateParamsResponse:
        """MsgUpdateParams. Raises UnauthorizedError, InvalidParamsError."""
        check_authority(self.authority, msg.authority)
        self.keeper.set_params(ctx, Params.from_proto(msg.params))
        return tx_pb2.MsgUpdateParamsResponse()
