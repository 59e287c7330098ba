"""`aichain tx distribution ...` and `aichain query distribution ...`
(cosmos.distribution.v1beta1), and distribution's message builders.

Click commands only: parse, build the message, hand it to the shared broadcaster.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from aichain.cli.common import TxFlags, ask, broadcast, emit, query_options, tx_options

if TYPE_CHECKING:
    from google.protobuf.message import Message


def msg_withdraw_rewards(delegator: str, validator: str) -> Message:
    """A distribution MsgWithdrawDelegatorReward."""
    from cosmos.distribution.v1beta1 import tx_pb2 as distr_tx

    return distr_tx.MsgWithdrawDelegatorReward(
        delegator_address=delegator, validator_address=validator
    )


def msg_withdraw_commission(validator: str) -> Message:
    """A distribution MsgWithdrawValidatorCommission."""
    from cosmos.distribution.v1beta1 import tx_pb2 as distr_tx

    return distr_tx.MsgWithdrawValidatorCommission(validator_address=validator)


def msg_set_withdraw_address(delegator: str, withdraw: str) -> Message:
    """A distribution MsgSetWithdrawAddress."""
    from cosmos.distribution.v1beta1 import tx_pb2 as distr_tx

    return distr_tx.MsgSetWithdrawAddress(delegator_address=delegator, withdraw_address=withdraw)


@click.group("distribution")
def tx_distribution() -> None:
    """Reward transactions (cosmos.distribution.v1beta1)."""


@tx_distribution.command("withdraw-rewards")
@click.argument("from_key")
@click.argument("validator")
@click.option("--commission", is_flag=True, help="Also withdraw the validator's commission.")
@tx_options
def withdraw_rewards(from_key: str, validator: str, commission: bool, tx: TxFlags) -> None:
    """Withdraw FROM_KEY's rewards from VALIDATOR (and its commission with --commission)."""
    from aichain.app.crypto import account_address

    def build(address: bytes) -> list[Message]:
        msgs = [msg_withdraw_rewards(account_address(address), validator)]
        return msgs + [msg_withdraw_commission(validator)] if commission else msgs

    broadcast(from_key, build, f"withdraw rewards from {validator}", tx)


@tx_distribution.command("set-withdraw-addr")
@click.argument("from_key")
@click.argument("withdraw_address")
@tx_options
def set_withdraw_addr(from_key: str, withdraw_address: str, tx: TxFlags) -> None:
    """Send FROM_KEY's future rewards to WITHDRAW_ADDRESS."""
    from aichain.app.crypto import account_address

    broadcast(from_key, lambda a: [msg_set_withdraw_address(account_address(a), withdraw_address)],
              f"set withdraw address {withdraw_address}", tx)  # fmt: skip


@click.group("distribution")
def query_distribution() -> None:
    """Reward queries (cosmos.distribution.v1beta1.Query)."""


@query_distribution.command("rewards")
@click.argument("delegator")
@click.argument("validator", required=False)
@query_options
def rewards(
    delegator: str, validator: str | None, node: str | None, home: Path, output: str
) -> None:
    """Pending rewards of DELEGATOR (from one VALIDATOR, or all); decimals in atomics."""
    from cosmos.distribution.v1beta1 import query_pb2 as q

    if validator:
        request = q.QueryDelegationRewardsRequest(
            delegator_address=delegator, validator_address=validator
        )
        data = ask(node, home, "/cosmos.distribution.v1beta1.Query/DelegationRewards", request,
                   q.QueryDelegationRewardsResponse)  # fmt: skip
    else:
        request2 = q.QueryDelegationTotalRewardsRequest(delegator_address=delegator)
        data = ask(node, home, "/cosmos.distribution.v1beta1.Query/DelegationTotalRewards",
                   request2, q.QueryDelegationTotalRewardsResponse)  # fmt: skip
    emit(data, output)


@query_distribution.command("commission")
@click.argument("validator")
@query_options
def commission(validator: str, node: str | None, home: Path, output: str) -> None:
    """Accumulated commission of VALIDATOR."""
    from cosmos.distribution.v1beta1 import query_pb2 as q

    request = q.QueryValidatorCommissionRequest(validator_address=validator)
    emit(ask(node, home, "/cosmos.distribution.v1beta1.Query/ValidatorCommission", request,
             q.QueryValidatorCommissionResponse), output)  # fmt: skip


@query_distribution.command("community-pool")
@query_options
def community_pool(node: str | None, home: Path, output: str) -> None:
    """The community pool."""
    from cosmos.distribution.v1beta1 import query_pb2 as q

    emit(ask(node, home, "/cosmos.distribution.v1beta1.Query/CommunityPool",
             q.QueryCommunityPoolRequest(), q.QueryCommunityPoolResponse), output)  # fmt: skip


def tx_command() -> click.Group:
    """`aichain tx distribution`."""
    return tx_distribution


def query_command() -> click.Group:
    """`aichain query distribution`."""
    return query_distribution
