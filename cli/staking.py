"""`aichain tx staking ...` and `aichain query staking ...` (cosmos.staking.v1beta1).

Also holds the shared tx flags and broadcaster of the staking, distribution and slashing
commands (the same path `aichain tx bank send` takes: sign_and_broadcast).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from google.protobuf.message import Message

from aichain.cli.common import (
    QUERY_HEIGHT,
    emit,
    fail,
    height_option,
    home_option,
    keyring_backend_option,
    node_option,
    output_option,
    resolve_node,
)


def tx_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The flags every tx command takes (fees, gas, chain id, memo, -y, node, keyring)."""
    options = [
        click.option("--fees", default="", help="Fee to pay, e.g. 5000uaic."),
        click.option(
            "--gas",
            "gas_text",
            default="300000",
            show_default=True,
            help="Gas limit, or 'auto' to simulate and estimate it.",
        ),  # fmt: skip
        click.option("--gas-adjustment", default=1.3, show_default=True),
        click.option("--chain-id", default=None, help="Chain id (default: asked from the node)."),
        click.option("--memo", default="", help="Note stored with the tx."),
        click.option("-y", "--yes", is_flag=True, help="Skip the confirmation prompt."),
        click.option("--no-wait", is_flag=True, help="Return after CheckTx."),
        node_option,
        output_option,
        home_option,
        keyring_backend_option,
    ]
    return functools.reduce(lambda f, opt: opt(f), reversed(options), func)


def broadcast(
    from_key: str,
    build: Callable[[bytes], list[Message]],
    describe: str,
    opts: dict[str, Any],
) -> None:
    """Signs the messages build(signer address bytes) returns with FROM_KEY, broadcasts them,
    prints the result and exits non-zero if the tx failed."""
    from aichain.app.coins import parse_coins
    from aichain.app.errors import AppError
    from aichain.cli.keys import open_keyring
    from aichain.client.broadcast import TxError, sign_and_broadcast
    from aichain.client.keyring import KeyringError
    from aichain.client.rpc import CometRPC, RPCError

    gas_text = opts["gas_text"]
    if gas_text != "auto" and (not gas_text.isdigit() or int(gas_text) == 0):
        raise click.BadParameter("use 'auto' or a positive integer", param_hint="--gas")
    try:
        key = open_keyring(opts["home"], opts["keyring_backend"]).private_key(from_key)
        msgs = build(key.address)
        if not opts["yes"] and not click.confirm(f"{describe}?", err=True):
            fail("cancelled")
        rpc = CometRPC(resolve_node(opts["node"], opts["home"]))
        chain = opts["chain_id"] or rpc.status()["node_info"]["network"]
        result = sign_and_broadcast(
            rpc,
            key,
            msgs,
            chain_id=chain,
            fees=parse_coins(opts["fees"]),
            gas=None if gas_text == "auto" else int(gas_text),
            gas_adjustment=opts["gas_adjustment"],
            memo=opts["memo"],
            wait=not opts["no_wait"],
        )
    except (AppError, KeyringError, TxError, RPCError, ValueError) as exc:
        fail(str(exc))
    emit(result.to_dict(), opts["output"])
    if result.code != 0:
        fail(f"tx failed with code {result.codespace}/{result.code}: {result.log}")


def ask(node: str | None, home: Path, path: str, request: Message, response: type[Message]) -> dict:
    """Runs a gRPC query method through abci_query (at --height); returns the response as
    JSON."""
    from aichain.client.rpc import CometRPC, RPCError

    try:
        result = CometRPC(resolve_node(node, home)).abci_query(
            path, request.SerializeToString(), height=QUERY_HEIGHT.get()
        )
    except RPCError as exc:
        fail(str(exc))
    if result.code != 0:
        fail(result.log or f"query failed with code {result.codespace}/{result.code}")
    message = response.FromString(result.value)
    from aichain.cli.query import _as_dict

    return _as_dict(message)


def _coin(amount: str):  # noqa: ANN202 - a Coin
    """One positive coin from text like 1000000uaic."""
    from aichain.app.coins import parse_coins

    coins = parse_coins(amount)
    if len(coins) != 1:
        raise click.BadParameter("give one amount, e.g. 1000000uaic", param_hint="AMOUNT")
    return coins[0]


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
                     **opts: Any) -> None:  # fmt: skip
    """Make FROM_KEY's account a validator with the given consensus key."""
    import base64
    import json

    from aichain.client.txbuilder import msg_create_validator

    path = Path(pubkey)
    if path.is_file():
        pubkey = json.loads(path.read_text())["pub_key"]["value"]
    key_bytes = base64.b64decode(pubkey)
    coin = _coin(amount)
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
        opts,
    )


@tx_staking.command("edit-validator")
@click.argument("from_key")
@click.option("--moniker", default="[do-not-modify]")
@click.option("--details", default="[do-not-modify]")
@click.option("--commission-rate", default="", help="New rate (at most once per 24h).")
@click.option("--min-self-delegation", default=0, type=int, help="New minimum (only up).")
@tx_options
def edit_validator(from_key: str, moniker: str, details: str, commission_rate: str,
                   min_self_delegation: int, **opts: Any) -> None:  # fmt: skip
    """Edit the validator operated by FROM_KEY."""
    from aichain.client.txbuilder import msg_edit_validator

    broadcast(
        from_key,
        lambda address: [
            msg_edit_validator(address, moniker, commission_rate, min_self_delegation, details)
        ],
        "edit validator",
        opts,
    )


@tx_staking.command("delegate")
@click.argument("from_key")
@click.argument("validator")
@click.argument("amount")
@tx_options
def delegate(from_key: str, validator: str, amount: str, **opts: Any) -> None:
    """Delegate AMOUNT from FROM_KEY to VALIDATOR (aicvaloper1...)."""
    from aichain.app.crypto import account_address
    from aichain.client.txbuilder import msg_delegate

    coin = _coin(amount)
    broadcast(from_key, lambda a: [msg_delegate(account_address(a), validator, coin)],
              f"delegate {amount} to {validator}", opts)  # fmt: skip


@tx_staking.command("unbond")
@click.argument("from_key")
@click.argument("validator")
@click.argument("amount")
@tx_options
def unbond(from_key: str, validator: str, amount: str, **opts: Any) -> None:
    """Undelegate AMOUNT from VALIDATOR (released after the unbonding period)."""
    from aichain.app.crypto import account_address
    from aichain.client.txbuilder import msg_undelegate

    coin = _coin(amount)
    broadcast(from_key, lambda a: [msg_undelegate(account_address(a), validator, coin)],
              f"unbond {amount} from {validator}", opts)  # fmt: skip


@tx_staking.command("redelegate")
@click.argument("from_key")
@click.argument("src_validator")
@click.argument("dst_validator")
@click.argument("amount")
@tx_options
def redelegate(from_key: str, src_validator: str, dst_validator: str, amount: str,
               **opts: Any) -> None:  # fmt: skip
    """Move AMOUNT of FROM_KEY's delegation from SRC_VALIDATOR to DST_VALIDATOR."""
    from aichain.app.crypto import account_address
    from aichain.client.txbuilder import msg_redelegate

    coin = _coin(amount)
    broadcast(
        from_key,
        lambda a: [msg_redelegate(account_address(a), src_validator, dst_validator, coin)],
        f"redelegate {amount} from {src_validator} to {dst_validator}",
        opts,
    )


@click.group("staking")
def query_staking() -> None:
    """Staking queries (cosmos.staking.v1beta1.Query)."""


def query_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--node, --home, --output, --height."""
    return height_option(node_option(home_option(output_option(func))))


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
