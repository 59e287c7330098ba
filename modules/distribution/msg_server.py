"""Distribution message handlers: stateful checks, then one keeper call each."""

from __future__ import annotations

from cosmos.base.v1beta1 import coin_pb2
from cosmos.distribution.v1beta1 import tx_pb2

from aichain.app.authority import check_authority
from aichain.app.coins import Coin, coins_from_proto
from aichain.app.context import Context
from aichain.app.crypto import parse_account_address, parse_valoper_address
from aichain.app.dec import ONE
from aichain.app.errors import UnauthorizedError
from aichain.modules.distribution import events
from aichain.modules.distribution.errors import (
    InvalidParamsError,
    NoDelegationExistsError,
    NoValidatorCommissionError,
    NoValidatorExistsError,
    SetWithdrawAddrDisabledError,
)
from aichain.modules.distribution.keeper import Keeper
from aichain.modules.distribution.types import Params


def _coins(coins: list[Coin]) -> list[coin_pb2.Coin]:
    return [coin_pb2.Coin(denom=c.denom, amount=str(c.amount)) for c in coins]


def compute_checked_params(p: Params) -> Params:
    """p when every field is in range. Raises InvalidParamsError naming the field."""
    for name in ("community_tax", "base_proposer_reward", "bonus_proposer_reward"):
        value = getattr(p, name)
        if not 0 <= value <= ONE:
            raise InvalidParamsError(f"params.{name} must be in [0, 1], got {value / ONE}")
    return p


class MsgServer:
    """Executes distribution messages."""

    def __init__(self, keeper: Keeper, blocked: frozenset[bytes], authority: str) -> None:
        self.keeper = keeper
        self.blocked = blocked
        self.authority = authority

    def set_withdraw_address(
        self, ctx: Context, msg: tx_pb2.MsgSetWithdrawAddress
    ) -> tx_pb2.MsgSetWithdrawAddressResponse:
        """MsgSetWithdrawAddress. Raises SetWithdrawAddrDisabledError, UnauthorizedError."""
        if not self.keeper.get_params(ctx).withdraw_addr_enabled:
            raise SetWithdrawAddrDisabledError("withdraw addresses cannot be changed on this chain")
        target = parse_account_address(msg.withdraw_address)
        if target in self.blocked:
            raise UnauthorizedError(f"{msg.withdraw_address} is a module account; pick another")
        delegator = parse_account_address(msg.delegator_address)
        self.keeper.set_withdraw_address(ctx, delegator, target)
        return tx_pb2.MsgSetWithdrawAddressResponse()

    def withdraw_rewards(
        self, ctx: Context, msg: tx_pb2.MsgWithdrawDelegatorReward
    ) -> tx_pb2.MsgWithdrawDelegatorRewardResponse:
        """MsgWithdrawDelegatorReward. Raises NoValidatorExistsError, NoDelegationExistsError."""
        k = self.keeper
        op = parse_valoper_address(msg.validator_address)
        delegator = parse_account_address(msg.delegator_address)
        if k.staking.get_validator(ctx, op) is None:
            raise NoValidatorExistsError(f"validator {msg.validator_address} does not exist")
        if k.staking.get_delegation(ctx, delegator, op) is None:
            raise NoDelegationExistsError(
                f"{msg.delegator_address} has no delegation to {msg.validator_address}"
            )
        coins = k.withdraw_rewards(ctx, op, delegator)
        return tx_pb2.MsgWithdrawDelegatorRewardResponse(amount=_coins(coins))

    def withdraw_commission(
        self, ctx: Context, msg: tx_pb2.MsgWithdrawValidatorCommission
    ) -> tx_pb2.MsgWithdrawValidatorCommissionResponse:
        """MsgWithdrawValidatorCommission. Raises NoValidatorCommissionError."""
        op = parse_valoper_address(msg.validator_address)
        coins = self.keeper.withdraw_commission(ctx, op)
        if not coins:
            raise NoValidatorCommissionError(
                f"{msg.validator_address} has less than 1 whole coin of commission to withdraw"
            )
        events.emit_withdraw_commission(ctx, coins)
        return tx_pb2.MsgWithdrawValidatorCommissionResponse(amount=_coins(coins))

    def fund_community_pool(
        self, ctx: Context, msg: tx_pb2.MsgFundCommunityPool
    ) -> tx_pb2.MsgFundCommunityPoolResponse:
        """MsgFundCommunityPool. Raises InsufficientFundsError."""
        depositor = parse_account_address(msg.depositor)
        self.keeper.fund_community_pool(ctx, depositor, coins_from_proto(msg.amount))
        return tx_pb2.MsgFundCommunityPoolResponse()

    def community_pool_spend(
        self, ctx: Context, msg: tx_pb2.MsgCommunityPoolSpend
    ) -> tx_pb2.MsgCommunityPoolSpendResponse:
        """MsgCommunityPoolSpend (governance only). Raises UnauthorizedError,
        InsufficientFundsError."""
        check_authority(self.authority, msg.authority)
        recipient = parse_account_address(msg.recipient)
        self.keeper.distribute_from_community_pool(ctx, recipient, coins_from_proto(msg.amount))
        return tx_pb2.MsgCommunityPoolSpendResponse()

    def update_params(
        self, ctx: Context, msg: tx_pb2.MsgUpdateParams
    ) -> tx_pb2.MsgUpdateParamsResponse:
        """MsgUpdateParams. Raises UnauthorizedError, InvalidParamsError."""
        check_authority(self.authority, msg.authority)
        try:
            params = Params.from_proto(msg.params)
        except ValueError as exc:
            raise InvalidParamsError(f"params: {exc}") from None
        self.keeper.set_params(ctx, compute_checked_params(params))
        return tx_pb2.MsgUpdateParamsResponse()
