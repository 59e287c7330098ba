"""Bank message handlers: stateful checks, then one keeper call each."""

from __future__ import annotations

from cosmos.bank.v1beta1 import tx_pb2

from aichain.app.authority import check_authority
from aichain.app.coins import coins_from_proto
from aichain.app.context import Context
from aichain.app.crypto import parse_account_address
from aichain.modules.bank.errors import BlockedRecipientError, InvalidParamsError
from aichain.modules.bank.keeper import Keeper
from aichain.modules.bank.types import Params


class MsgServer:
    """Executes bank messages."""

    def __init__(self, keeper: Keeper, blocked: frozenset[bytes], authority: str) -> None:
        self.keeper = keeper
        self.blocked = blocked
        self.authority = authority

    def _check_recipient(self, address: str) -> bytes:
        """The recipient's bytes. Raises BlockedRecipientError for module accounts."""
        raw = parse_account_address(address)
        if raw in self.blocked:
            raise BlockedRecipientError(f"{address} is a module account and cannot receive sends")
        return raw

    def send(self, ctx: Context, msg: tx_pb2.MsgSend) -> tx_pb2.MsgSendResponse:
        """MsgSend. Raises BlockedRecipientError, SendDisabledError, InsufficientFundsError."""
        recipient = self._check_recipient(msg.to_address)
        coins = coins_from_proto(msg.amount)
        self.keeper.send_coins(ctx, parse_account_address(msg.from_address), recipient, coins)
        return tx_pb2.MsgSendResponse()

    def multi_send(self, ctx: Context, msg: tx_pb2.MsgMultiSend) -> tx_pb2.MsgMultiSendResponse:
        """MsgMultiSend: debit the input once, credit each output.

        Raises BlockedRecipientError, SendDisabledError, InsufficientFundsError.
        """
        sender = parse_account_address(msg.inputs[0].address)
        outputs = [
            (self._check_recipient(o.address), coins_from_proto(o.coins)) for o in msg.outputs
        ]
        total = coins_from_proto(msg.inputs[0].coins)
        self.keeper.input_output_coins(ctx, sender, total, outputs)
        return tx_pb2.MsgMultiSendResponse()

    def update_params(
        self, ctx: Context, msg: tx_pb2.MsgUpdateParams
    ) -> tx_pb2.MsgUpdateParamsResponse:
        """MsgUpdateParams. Raises UnauthorizedError, InvalidParamsError."""
        check_authority(self.authority, msg.authority)
        if msg.params.send_enabled:
            raise InvalidParamsError(
                "params.send_enabled is deprecated and must be empty: per-denom flags are set "
                "with MsgSetSendEnabled"
            )
        self.keeper.set_params(ctx, Params.from_proto(msg.params))
        return tx_pb2.MsgUpdateParamsResponse()
