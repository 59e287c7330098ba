"""Bank messages (cosmos.bank.v1beta1): signers and stateless validate_basic."""

from __future__ import annotations

from collections import Counter

from cosmos.bank.v1beta1 import tx_pb2

from aichain.app.authority import authority_signers, validate_authority_msg
from aichain.app.coins import coins_from_proto
from aichain.app.crypto import parse_account_address
from aichain.modules.bank.errors import (
    InputOutputMismatchError,
    MultipleSendersError,
    NoInputsError,
    NoOutputsError,
)

MSG_SEND_URL = "/cosmos.bank.v1beta1.MsgSend"
"""Type URL of MsgSend."""

MSG_MULTI_SEND_URL = "/cosmos.bank.v1beta1.MsgMultiSend"
"""Type URL of MsgMultiSend."""

MSG_UPDATE_PARAMS_URL = "/cosmos.bank.v1beta1.MsgUpdateParams"
"""Type URL of MsgUpdateParams."""

update_params_signers = authority_signers
"""The authority signs MsgUpdateParams."""

validate_update_params = validate_authority_msg
"""The authority is an address and params are given (each field is checked statefully)."""


def send_signers(msg: tx_pb2.MsgSend) -> tuple[bytes, ...]:
    """The sender signs a MsgSend."""
    return (parse_account_address(msg.from_address),)


def validate_send(msg: tx_pb2.MsgSend) -> None:
    """Checks addresses and a non-empty positive amount. Raises InvalidAddressError,
    InvalidCoinsError."""
    parse_account_address(msg.from_address)
    parse_account_address(msg.to_address)
    coins_from_proto(msg.amount, allow_empty=False)


def multi_send_signers(msg: tx_pb2.MsgMultiSend) -> tuple[bytes, ...]:
    """The single input's address signs a MsgMultiSend."""
    if not msg.inputs:
        raise NoInputsError("a multi-send needs exactly one input")
    return (parse_account_address(msg.inputs[0].address),)


def validate_multi_send(msg: tx_pb2.MsgMultiSend) -> None:
    """One input, at least one output, valid addresses and coins, inputs == outputs.

    Raises NoInputsError, MultipleSendersError, NoOutputsError, InputOutputMismatchError,
    InvalidAddressError, InvalidCoinsError.
    """
    if not msg.inputs:
        raise NoInputsError("a multi-send needs exactly one input")
    if len(msg.inputs) > 1:
        raise MultipleSendersError("a multi-send takes exactly one input; split the tx")
    if not msg.outputs:
        raise NoOutputsError("a multi-send needs at least one output")
    total_in: Counter[str] = Counter()
    total_out: Counter[str] = Counter()
    for item in msg.inputs:
        parse_account_address(item.address)
        for coin in coins_from_proto(item.coins, allow_empty=False):
            total_in[coin.denom] += coin.amount
    for item in msg.outputs:
        parse_account_address(item.address)
        for coin in coins_from_proto(item.coins, allow_empty=False):
            total_out[coin.denom] += coin.amount
    if total_in != total_out:
        raise InputOutputMismatchError(
            f"inputs {dict(sorted(total_in.items()))} != outputs {dict(sorted(total_out.items()))}"
        )
