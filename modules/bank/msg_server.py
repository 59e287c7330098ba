"""Bank message handlers: stateful checks, then one keeper call each."""

from __future__ import annotations

from cosmos.bank.v1beta1 import tx_pb2

from aichain.app.coins import coins_from_proto
from aichain.app.context import Context
from aichain.app.crypto import parse_account_address
from aichain.modules.bank.errors import BlockedRecipientError
from aichain.modules.bank.keeper import Keeper


class MsgServer:
    """Executes bank messages."""

    def __init__(self, keeper: Keeper, blocked: frozenset[bytes]) -> None:
        self.keeper = keeper
        self.blocked = blocked

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
        self.keeper.check_send_enabled(ctx, total)
        self.keeper.subtract_coins(ctx, sender, total)
        for recipient, coins in outputs:
            self.keeper.add_coins(ctx, recipient, coins)
            self.keeper.accounts.ensure_account(ctx, recipient)
        ctx.emit(
            "coin_spent", ("spender", msg.inputs[0].address), ("amount", ",".join(map(str, total)))
        )
        for output, (_, coins) in zip(msg.outputs, outputs, strict=True):
            amount = ",".join(map(str, coins))
            ctx.emit("coin_received", ("receiver", output.address), ("amount", amount))
            ctx.emit("transfer", ("recipient", output.address), ("amount", amount))
        return tx_pb2.MsgMultiSendResponse()
