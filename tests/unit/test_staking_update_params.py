"""MsgUpdateParams of staking and slashing: accepted from the authority, refused from anyone
else with nothing changed, and each invalid field refused with an error naming it."""

from __future__ import annotations

import pytest
from cosmos.slashing.v1beta1 import tx_pb2 as slashing_tx
from cosmos.staking.v1beta1 import tx_pb2 as staking_tx
from google.protobuf import duration_pb2

from aichain.app.authority import default_authority
from aichain.app.crypto import account_address
from aichain.app.errors import InvalidAddressError, UnauthorizedError
from aichain.modules.slashing import msgs as slashing_msgs
from aichain.modules.slashing.errors import InvalidParamsError as SlashingParamsError
from aichain.modules.slashing.msg_server import MsgServer as SlashingMsgServer
from aichain.modules.slashing.types import Params as SlashingParams
from aichain.modules.staking import msgs as staking_msgs
from aichain.modules.staking.errors import InvalidParamsError as StakingParamsError
from aichain.modules.staking.msg_server import MsgServer as StakingMsgServer
from aichain.modules.staking.types import Params as StakingParams

from .staking_fakes import addr, context, slashing_keeper, staking_keeper

AUTHORITY = default_authority()
STRANGER = account_address(addr(9))

NEW_STAKING = StakingParams(
    unbonding_time_ns=3600 * 10**9,
    max_validators=7,
    max_entries=3,
    historical_entries=0,
    bond_denom="uaic",
    min_commission_rate=5 * 10**16,
)
NEW_SLASHING = SlashingParams(
    signed_blocks_window=50,
    min_signed_per_window=10**17,
    downtime_jail_duration_ns=60 * 10**9,
    slash_fraction_double_sign=10**16,
    slash_fraction_downtime=10**15,
)


def staking_msg(authority: str = AUTHORITY, **proto_fields: object) -> staking_tx.MsgUpdateParams:
    params = NEW_STAKING.to_proto()
    for name, value in proto_fields.items():
        if name == "unbonding_time":
            params.unbonding_time.CopyFrom(value)  # type: ignore[arg-type]
        else:
            setattr(params, name, value)
    return staking_tx.MsgUpdateParams(authority=authority, params=params)


def slashing_msg(authority: str = AUTHORITY, **proto_fields: object) -> slashing_tx.MsgUpdateParams:
    params = NEW_SLASHING.to_proto()
    for name, value in proto_fields.items():
        if name == "downtime_jail_duration":
            params.downtime_jail_duration.CopyFrom(value)  # type: ignore[arg-type]
        else:
            setattr(params, name, value)
    return slashing_tx.MsgUpdateParams(authority=authority, params=params)


def test_staking_update_params_from_the_authority() -> None:
    keeper, _ = staking_keeper()
    ctx = context()
    msg = staking_msg()
    staking_msgs.validate_update_params(msg)
    assert staking_msgs.authority_signer(msg) == (keeper.accounts.get_module_address("gov"),)
    StakingMsgServer(keeper, AUTHORITY).update_params(ctx, msg)
    assert keeper.get_params(ctx) == NEW_STAKING


@pytest.mark.parametrize("authority", [STRANGER, ""])
def test_staking_update_params_rejects_other_signers(authority: str) -> None:
    keeper, _ = staking_keeper()
    ctx = context()
    with pytest.raises(UnauthorizedError, match="expected " + AUTHORITY):
        StakingMsgServer(keeper, AUTHORITY).update_params(ctx, staking_msg(authority))
    assert keeper.get_params(ctx) == StakingParams()
    assert list(ctx.kv(keeper.store_key).iterate(b"")) == []


def test_staking_update_params_checks_the_authority_before_the_params() -> None:
    keeper, _ = staking_keeper()
    with pytest.raises(UnauthorizedError):
        StakingMsgServer(keeper, AUTHORITY).update_params(
            context(), staking_msg(STRANGER, max_validators=0)
        )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"unbonding_time": duration_pb2.Duration()},
            "params.unbonding_time must be positive, got 0s",
        ),
        (
            {"unbonding_time": duration_pb2.Duration(seconds=-5)},
            "params.unbonding_time must be positive",
        ),
        (
            {"unbonding_time": duration_pb2.Duration(seconds=2**40)},
            "params.unbonding_time must be below",
        ),
        ({"max_validators": 0}, "params.max_validators must be positive, got 0"),
        ({"max_entries": 0}, "params.max_entries must be positive, got 0"),
        ({"bond_denom": ""}, "params.bond_denom"),
        ({"bond_denom": "1bad"}, "params.bond_denom"),
        ({"min_commission_rate": "-1"}, "params.min_commission_rate must be within [0, 1]"),
        ({"min_commission_rate": str(10**18 + 1)}, "params.min_commission_rate must be within"),
        ({"min_commission_rate": "abc"}, "params.min_commission_rate"),
    ],
)
def test_staking_update_params_rejects_each_invalid_field(fields: dict, message: str) -> None:
    keeper, _ = staking_keeper()
    ctx = context()
    with pytest.raises(StakingParamsError) as exc:
        StakingMsgServer(keeper, AUTHORITY).update_params(ctx, staking_msg(**fields))
    assert message in exc.value.message
    assert keeper.get_params(ctx) == StakingParams()


def test_staking_update_params_validate_basic() -> None:
    with pytest.raises(InvalidAddressError):
        staking_msgs.validate_update_params(staking_msg("not-an-address"))
    with pytest.raises(StakingParamsError, match="params must be given"):
        staking_msgs.validate_update_params(staking_tx.MsgUpdateParams(authority=AUTHORITY))


def test_slashing_update_params_from_the_authority() -> None:
    keeper, _, _ = slashing_keeper()
    ctx = context()
    msg = slashing_msg()
    slashing_msgs.validate_update_params(msg)
    SlashingMsgServer(keeper, AUTHORITY).update_params(ctx, msg)
    assert keeper.get_params(ctx) == NEW_SLASHING


@pytest.mark.parametrize("authority", [STRANGER, ""])
def test_slashing_update_params_rejects_other_signers(authority: str) -> None:
    keeper, _, _ = slashing_keeper()
    ctx = context()
    with pytest.raises(UnauthorizedError, match="expected " + AUTHORITY):
        SlashingMsgServer(keeper, AUTHORITY).update_params(ctx, slashing_msg(authority))
    assert keeper.get_params(ctx) == SlashingParams()
    assert list(ctx.kv(keeper.store_key).iterate(b"")) == []


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"signed_blocks_window": 0}, "params.signed_blocks_window must be positive, got 0"),
        ({"signed_blocks_window": -3}, "params.signed_blocks_window must be positive"),
        ({"min_signed_per_window": b"-1"}, "params.min_signed_per_window must be within [0, 1]"),
        ({"min_signed_per_window": b"\xff"}, "params.min_signed_per_window"),
        ({"min_signed_per_window": str(2 * 10**18).encode()}, "params.min_signed_per_window"),
        (
            {"downtime_jail_duration": duration_pb2.Duration()},
            "params.downtime_jail_duration must be positive, got 0s",
        ),
        (
            {"downtime_jail_duration": duration_pb2.Duration(seconds=2**40)},
            "params.downtime_jail_duration must be below",
        ),
        (
            {"slash_fraction_double_sign": str(10**18 + 1).encode()},
            "params.slash_fraction_double_sign must be within",
        ),
        ({"slash_fraction_double_sign": b"x"}, "params.slash_fraction_double_sign"),
        ({"slash_fraction_downtime": b"-5"}, "params.slash_fraction_downtime must be within"),
    ],
)
def test_slashing_update_params_rejects_each_invalid_field(fields: dict, message: str) -> None:
    keeper, _, _ = slashing_keeper()
    ctx = context()
    with pytest.raises(SlashingParamsError) as exc:
        SlashingMsgServer(keeper, AUTHORITY).update_params(ctx, slashing_msg(**fields))
    assert message in exc.value.message
    assert keeper.get_params(ctx) == SlashingParams()


def test_slashing_update_params_validate_basic() -> None:
    with pytest.raises(InvalidAddressError):
        slashing_msgs.validate_update_params(slashing_msg("aic1nope"))
    with pytest.raises(SlashingParamsError, match="params must be given"):
        slashing_msgs.validate_update_params(slashing_tx.MsgUpdateParams(authority=AUTHORITY))
