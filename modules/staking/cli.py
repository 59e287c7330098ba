"""`aichain tx staking ...` and `aichain query staking ...` (cosmos.staking.v1beta1), and
staking's message builders.

Click commands only: parse, build the message, hand it to the shared broadcaster. Protobuf
and the app load inside the functions, so listing commands stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from aichain.cli.common import TxFlags, ask, broadcast, emit, one_coin, query_options, tx_options

if TYPE_CHECKING:
    from google.protobuf.message import Message

    from aichain.app.coins import Coin


# --- message builders ------------------------------------------------------------------------


def msg_create_validator(
    operator: bytes,
    consensus_pubkey: bytes,
    moniker: str,
    amount: int,
    denom: str = "uaic",
    commission_rate: str = "0.10",
    commission_max_rate: str = "0.20",
    commission_max_change_rate: str = "0.01",
    min_self_delegation: int = 1,
    details: str = "",
) -> Message:
    """A staking MsgCreateValidator (rates as decimal text, e.g. '0.10'; ed25519 key bytes)."""
    from cosmos.base.v1beta1 import coin_pb2
    from cosmos.staking.v1beta1 import staking_pb2
    from cosmos.staking.v1beta1 import tx_pb2 as staking_tx

    from aichain.app.crypto import account_address, valoper_address
    from aichain.app.dec import dec_wire, parse_dec_text
    from aichain.modules.staking.types import pubkey_any

    return staking_tx.MsgCreateValidator(
        description=staking_pb2.Description(moniker=moniker, details=details),
        commission=staking_pb2.CommissionRates(
            rate=dec_wire(parse_dec_text(commission_rate)),
            max_rate=dec_wire(parse_dec_text(commission_max_rate)),
            max_change_rate=dec_wire(parse_dec_text(commission_max_change_rate)),
        ),
        min_self_delegation=str(min_self_delegation),
        delegator_address=account_address(operator),
        validator_address=valoper_address(operator),
        pubkey=pubkey_any(consensus_pubkey),
        value=coin_pb2.Coin(denom=denom, amount=str(amount)),
    )


def msg_edit_validator(
    operator: bytes,
    moniker: str = "[do-not-modify]",
    commission_rate: str = "",
    min_self_delegation: int = 0,
    details: str = "[do-not-modify]",
) -> Message:
    """A staking MsgEditValidator (empty rate / 0 minimum: unchanged)."""
    from cosmos.staking.v1beta1 import staking_pb2
    from cosmos.staking.v1beta1 import tx_pb2 as staking_tx

    from aichain.app.crypto import valoper_address
    from aichain.app.dec import dec_wire, parse_dec_text

    keep = "[do-not-modify]"
    return staking_tx.MsgEditValidator(
        description=staking_pb2.Description(
            moniker=moniker, identity=keep, website=keep, security_contact=keep, details=details
        ),
        validator_address=valoper_address(operator),
        commission_rate=dec_wire(parse_dec_text(commission_rate)) if commission_rate else "",
        min_self_delegation=str(min_self_delegation) if min_self_delegation else "",
    )


def msg_delegate(delegator: str, validator: str, coin: Coin) -> Message:
    """A staking MsgDelegate (validator as aicvaloper1...)."""
    from cosmos.staking.v1beta1 import tx_pb2 as staking_tx

    from aichain.client.txbuilder import coins_proto

    return staking_tx.MsgDelegate(
        delegator_address=delegator, validator_address=validator, amount=coins_proto([coin])[0]
    )


def msg_undelegate(delegator: str, validator: str, coin: Coin) -> Message:
    """A staking MsgUndelegate."""
    from cosmos.staking.v1beta1 import tx_pb2 as staking_tx

    from aichain.client.txbuilder import coins_proto

    return staking_tx.MsgUndelegate(
        delegator_address=delegator, validator_address=validator, amount=coins_proto([coin])[0]
    )


def msg_redelegate(delegator: str, src: str, dst: str, coin: Coin) -> Message:
    """A staking MsgBeginRedelegate."""
    from cosmos.staking.v1beta1 import tx_pb2 as staking_tx

    from aichain.client.txbuilder import coins_proto

    return staking_tx.MsgBeginRedelegate(
        delegator_address=delegator,
        validator_src_address=src,
        validator_dst_address=dst,
        amount=coins_proto([coin])[0],
    )


def msg_cancel_unbonding(delegator: str, validator: str, coin: Coin, height: int) -> Message:
    """A staking MsgCancelUnbondingDelegation of the entry created at height."""
    from cosmos.staking.v1beta1 import tx_pb2 as staking_tx

    from aichain.client.txbuilder import coins_proto

    return staking_tx.MsgCancelUnbondingDelegation(
        delegator_address=delegator,
        validator_address=validator,
        amount=coins_proto([coin])[0],
        creation_height=height,
    )


# --- tx commands -----------------------------------------------------------------------------


@click.group("staking")
def tx_staking() -> None:
    """Staking transactions (cosmos.staking.v1beta1)."""


@tx_staking.command("create-validator")
@click.argument("from_key")
@click.option("--amount", required=True, help="Self-delegation, e.g. 100000000uaic.")
@click.option(
    "--pubkey",
    required=True,
    help="Consensus key: base64 ed25519 key, or the path of priv_validator_key.json.",
)
@click.option("--moniker", required=True)
@click.option("--details", default="")
@click.option("--commission-rate", default="0.10", show_default=True)
@click.option("--commission-max-rate", default="0.20", show_default=True)
@click.option("--commission-max-change-rate", default="0.01", show_default=True)
@click.option("--min-self-delegation", default=1, show_default=True, type=int)
@tx_options
def create_validator(from_key: str, amount: str, pubkey: str, moniker: str, details: str,
                     commission_rate: str, commission_max_rate: str,
                     commission_max_change_rate: str, min_self_delegation: int,
                     tx: TxFlags) -> None:  # fmt: skip
    """Make FROM_KEY's account a validator with the given consensus key."""
    import base64
    import binascii
    import json

    path = Path(pubkey)
    if path.is_file():
        pubkey = json.loads(path.read_text())["pub_key"]["value"]
    try:
        key_bytes = base64.b64decode(pubkey, validate=True)
    except binascii.Error:
        raise click.BadParameter("not base64 and not a key file", param_hint="--pubkey") from None
    coin = one_coin(amount)
    broadcast(
        from_key,
        lambda address: [
            msg_create_validator(
                address,
                key_bytes,
                moniker,
                coin.amount,
                coin.denom,
                commission_rate,
                commission_max_rate,
                commission_max_change_rate,
                min_self_delegation,
                details,
            )
        ],  # fmt: skip
        f"create validator {moniker} with {amount}",
        tx,
    )


@tx_staking.command("edit-validator")
@click.argument("from_key")
@click.option("--moniker", default="[do-not-modify]")
@click.option("--details", default="[do-not-modify]")
@click.option("--commission-rate", default="", help="New rate (at most once per 24h).")
@click.option("--min-self-delegation", default=0, type=int, help="New minimum (only up).")
@tx_options
def edit_validator(from_key: str, moniker: str, details: str, commission_rate: str,
                   min_self_delegation: int, tx: TxFlags) -> None:  # fmt: skip
    """Edit the validator operated by FROM_KEY."""
    broadcast(
        from_key,
        lambda address: [
            msg_edit_validator(address, moniker, commission_rate, min_self_delegation, details)
        ],
        "edit validator",
        tx,
    )


@tx_staking.command("delegate")
@click.argument("from_key")
@click.argument("validator")
@click.argument("amount")
@tx_options
def delegate(from_key: str, validator: str, amount: str, tx: TxFlags) -> None:
    """Delegate AMOUNT from FROM_KEY to VALIDATOR (aicvaloper1...)."""
    from aichain.app.crypto import account_address

    coin = one_coin(amount)
    broadcast(from_key, lambda a: [msg_delegate(account_address(a), validator, coin)],
              f"delegate {amount} to {validator}", tx)  # fmt: skip


@tx_staking.command("unbond")
@click.argument("from_key")
@click.argument("validator")
@click.argument("amount")
@tx_options
def unbond(from_key: str, validator: str, amount: str, tx: TxFlags) -> None:
    """Undelegate AMOUNT from VALIDATOR (released after the unbonding period)."""
    from aichain.app.crypto import account_address

    coin = one_coin(amount)
    broadcast(from_key, lambda a: [msg_undelegate(account_address(a), validator, coin)],
              f"unbond {amount} from {validator}", tx)  # fmt: skip


@tx_staking.command("redelegate")
@click.argument("from_key")
@click.argument("src_validator")
@click.argument("dst_validator")
@click.argument("amount")
@tx_options
def redelegate(from_key: str, src_validator: str, dst_validator: str, amount: str,
               tx: TxFlags) -> None:  # fmt: skip
    """Move AMOUNT of FROM_KEY's delegation from SRC_VALIDATOR to DST_VALIDATOR."""
    from aichain.app.crypto import account_address

    coin = one_coin(amount)
    broadcast(
        from_key,
        lambda a: [msg_redelegate(account_address(a), src_validator, dst_validator, coin)],
        f"redelegate {amount} from {src_validator} to {dst_validator}",
        tx,
    )


# --- queries ---------------------------------------------------------------------------------


@click.group("staking")
def query_staking() -> None:
    """Staking queries (cosmos.staking.v1beta1.Query)."""


def _q(name: str, request: Message, response: type[Message], node: str | None, home: Path,
       output: str) -> None:  # fmt: skip
    """Runs /cosmos.staking.v1beta1.Query/<name> and prints the answer."""
    emit(ask(node, home, f"/cosmos.staking.v1beta1.Query/{name}", request, response), output)


@query_staking.command("validators")
@click.option("--status", default="", help="BOND_STATUS_BONDED, _UNBONDING or _UNBONDED.")
@query_options
def validators(status: str, node: str | None, home: Path, output: str) -> None:
    """Every validator."""
    from cosmos.staking.v1beta1 import query_pb2 as q

    _q("Validators", q.QueryValidatorsRequest(status=status), q.QueryValidatorsResponse,
       node, home, output)  # fmt: skip


@query_staking.command("validator")
@click.argument("validator")
@query_options
def validator(validator: str, node: str | None, home: Path, output: str) -> None:
    """One validator (aicvaloper1...)."""
    from cosmos.staking.v1beta1 import query_pb2 as q

    _q("Validator", q.QueryValidatorRequest(validator_addr=validator), q.QueryValidatorResponse,
       node, home, output)  # fmt: skip


@query_staking.command("delegation")
@click.argument("delegator")
@click.argument("validator")
@query_options
def delegation(delegator: str, validator: str, node: str | None, home: Path, output: str) -> None:
    """One delegation of DELEGATOR to VALIDATOR."""
    from cosmos.staking.v1beta1 import query_pb2 as q

    request = q.QueryDelegationRequest(delegator_addr=delegator, validator_addr=validator)
    _q("Delegation", request, q.QueryDelegationResponse, node, home, output)


@query_staking.command("delegations")
@click.argument("delegator")
@query_options
def delegations(delegator: str, node: str | None, home: Path, output: str) -> None:
    """Every delegation of DELEGATOR."""
    from cosmos.staking.v1beta1 import query_pb2 as q

    request = q.QueryDelegatorDelegationsRequest(delegator_addr=delegator)
    _q("DelegatorDelegations", request, q.QueryDelegatorDelegationsResponse, node, home, output)


@query_staking.command("unbonding-delegations")
@click.argument("delegator")
@query_options
def unbonding_delegations(delegator: str, node: str | None, home: Path, output: str) -> None:
    """Every unbonding delegation of DELEGATOR."""
    from cosmos.staking.v1beta1 import query_pb2 as q

    request = q.QueryDelegatorUnbondingDelegationsRequest(delegator_addr=delegator)
    _q("DelegatorUnbondingDelegations", request, q.QueryDelegatorUnbondingDelegationsResponse,
       node, home, output)  # fmt: skip


@query_staking.command("pool")
@query_options
def pool(node: str | None, home: Path, output: str) -> None:
    """Bonded and not-bonded token totals."""
    from cosmos.staking.v1beta1 import query_pb2 as q

    _q("Pool", q.QueryPoolRequest(), q.QueryPoolResponse, node, home, output)


@query_staking.command("params")
@query_options
def params(node: str | None, home: Path, output: str) -> None:
    """Staking params."""
    from cosmos.staking.v1beta1 import query_pb2 as q

    _q("Params", q.QueryParamsRequest(), q.QueryParamsResponse, node, home, output)


def tx_command() -> click.Group:
    """`aichain tx staking`."""
    return tx_staking


def query_command() -> click.Group:
    """`aichain query staking`."""
    return query_staking
