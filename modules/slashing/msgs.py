"""Slashing messages (cosmos.slashing.v1beta1): type URLs, signers and stateless
validate_basic."""

from __future__ import annotations

from cosmos.slashing.v1beta1 import slashing_pb2, tx_pb2

from aichain.app.crypto import parse_account_address, parse_valoper_address
from aichain.app.dec import parse_dec_wire
from aichain.app.errors import AppError
from aichain.modules.slashing.errors import InvalidParamsError
from aichain.modules.slashing.types import Params

MSG_UNJAIL_URL = "/cosmos.slashing.v1beta1.MsgUnjail"
"""Type URL of MsgUnjail."""

MSG_UPDATE_PARAMS_URL = "/cosmos.slashing.v1beta1.MsgUpdateParams"
"""Type URL of MsgUpdateParams."""


def unjail_signers(msg: tx_pb2.MsgUnjail) -> tuple[bytes, ...]:
    """The operator signs (its valoper address as an account)."""
    return (parse_valoper_address(msg.validator_addr),)


def validate_unjail(msg: tx_pb2.MsgUnjail) -> None:
    """Raises InvalidAddressError unless validator_addr is an aicvaloper address."""
    parse_valoper_address(msg.validator_addr)


def authority_signer(msg: tx_pb2.MsgUpdateParams) -> tuple[bytes, ...]:
    """The authority signs."""
    return (parse_account_address(msg.authority),)


def validate_update_params(msg: tx_pb2.MsgUpdateParams) -> None:
    """Stateless checks of MsgUpdateParams: the authority is an address and params are given
    (each field is checked by the handler, after the authority). Raises InvalidAddressError,
    InvalidParamsError."""
    parse_account_address(msg.authority)
    if not msg.HasField("params"):
        raise InvalidParamsError("params must be given (every field: the whole new params)")


def _fraction(raw: bytes, name: str) -> int:
    """The decimal atomics of the fraction field name (bytes of its atomics digits). Raises
    InvalidParamsError naming the field."""
    try:
        return parse_dec_wire(raw.decode("ascii"))
    except (UnicodeDecodeError, AppError) as exc:
        raise InvalidParamsError(f"params.{name}: not a decimal ({exc})") from None


def validated_params(p: slashing_pb2.Params) -> Params:
    """Params of their proto form, every field checked.

    Raises InvalidParamsError naming the first field out of range.
    """
    d = p.downtime_jail_duration
    params = Params(
        p.signed_blocks_window,
        _fraction(p.min_signed_per_window, "min_signed_per_window"),
        d.seconds * 10**9 + d.nanos,
        _fraction(p.slash_fraction_double_sign, "slash_fraction_double_sign"),
        _fraction(p.slash_fraction_downtime, "slash_fraction_downtime"),
    )
    params.validate()
    return params
