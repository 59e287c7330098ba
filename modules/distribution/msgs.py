"""Distribution messages (cosmos.distribution.v1beta1): signers, validate_basic, handlers."""

from __future__ import annotations

from cosmos.base.v1beta1 import coin_pb2
from cosmos.distribution.v1beta1 import tx_pb2

from aichain.app.coins import coins_from_proto
from aichain.app.context import Context
from aichain.app.crypto import account_address, parse_account_address, parse_valoper_address
from aichain.app.errors import UnauthorizedError
from aichain.modules.distribution import deccoins as dc
from aichain.modules.distribution.errors import (
    NoDelegationExistsError,
    NoValidatorCommissionError,
    NoValidatorExistsError,
    SetWithdrawAddrDisabledError,
)
from aichain.modules.distribution.keeper import MODULE, Keeper

URL = "/cosmos.distribution.v1beta1."
"""Type URL prefix of the distribution messages."""

GOV_MODULE = "gov"
"""Module account whose authority spends the community pool."""


def delegator_signer(msg: object) -> tuple[bytes, ...]:
    """The delegator signs."""
    return (parse_account_address(msg.delegator_address),)  # type: ignore[attr-defined]


def validate_set_withdraw_address(msg: tx_pb2.MsgSetWithdrawAddress) -> None:
    """Raises InvalidAddressError."""
    parse_account_address(msg.delegator_address)
    parse_account_address(msg.withdraw_address)


def validate_withdraw_rewards(msg: tx_pb2.MsgWithdrawDelegatorReward) -> None:
    """Raises InvalidAddressError."""
    parse_account_address(msg.delegator_address)
    parse_valoper_address(msg.validator_address)


def commission_signer(msg: tx_pb2.MsgWithdrawValidatorCommission) -> tuple[bytes, ...]:
    """The operator signs."""
    return (parse_valoper_address(msg.validator_address),)


def validate_withdraw_commission(msg: tx_pb2.MsgWithdrawValidatorCommission) -> None:
    """Raises InvalidAddressError."""
    parse_valoper_address(msg.validator_address)


def depositor_signer(msg: tx_pb2.MsgFundCommunityPool) -> tuple[bytes, ...]:
    """The depositor signs."""
    return (parse_account_address(msg.depositor),)


def validate_fund_pool(msg: tx_pb2.MsgFundCommunityPool) -> None:
    """Raises InvalidAddressError, InvalidCoinsError."""
    parse_account_address(msg.depositor)
    coins_from_proto(msg.amount, allow_empty=False)


def authority_signer(msg: tx_pb2.MsgCommunityPoolSpend) -> tuple[bytes, ...]:
    """The authority (the governance module account) signs."""
    return (parse_account_address(msg.authority),)


def validate_pool_spend(msg: tx_pb2.MsgCommunityPoolSpend) -> None:
    """Raises InvalidAddressError, InvalidCoinsError."""
    parse_account_address(msg.authority)
    parse_account_address(msg.recipient)
    coins_from_proto(msg.amount, allow_empty=False)


def _coins(coins: list) -> list[coin_pb2.Coin]:
    return [coin_pb2.Coin(denom=c.denom, amount=str(c.amount)) for c in coins]


class MsgServer:
    """Executes distribution messages."""

    def __init__(self, keeper: Keeper, blocked: frozenset[bytes]) -> None:
        self.keeper = keeper
        self.blocked = blocked

    def set_withdraw_address(
        self, ctx: Context, msg: tx_pb2.MsgSetWithdrawAddress
    ) -> tx_pb2.MsgSetWithdrawAddressResponse:
        """MsgSetWithdrawAddress. Raises SetWithdrawAddrDisabledError, UnauthorizedError."""
        if not self.keeper.get_params(ctx).withdraw_addr_enabled:
            raise SetWithdrawAddrDisabledError("withdraw addresses cannot be changed on this chain")
        target = parse_account_address(msg.withdraw_address)
        if target in self.blocked:
            raise UnauthorizedError(f"{msg.withdraw_address} is a module account; pick another")
        from aichain.modules.distribution import keys

        delegator = parse_account_address(msg.delegator_address)
        store = ctx.kv(keys.STORE_PREFIX)
        if target == delegator:
            store.delete(keys.withdraw_addr_key(delegator))
        else:
            store.set(keys.withdraw_addr_key(delegator), target)
        ctx.emit("set_withdraw_address", ("withdraw_address", msg.withdraw_address))
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
        coins = k.withdraw_delegation_rewards(ctx, op, delegator)
        k.initialize_delegation(ctx, op, delegator)
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
        ctx.emit("withdraw_commission", ("amount", ",".join(map(str, coins))))
        return tx_pb2.MsgWithdrawValidatorCommissionResponse(amount=_coins(coins))

    def fund_community_pool(
        self, ctx: Context, msg: tx_pb2.MsgFundCommunityPool
    ) -> tx_pb2.MsgFundCommunityPoolResponse:
        """MsgFundCommunityPool. Raises InsufficientFundsError."""
        coins = coins_from_proto(msg.amount)
        depositor = parse_account_address(msg.depositor)
        self.keeper.bank.send_coins_from_account_to_module(ctx, depositor, MODULE, coins)
        self.keeper.add_to_community_pool(ctx, dc.from_coins(coins))
        return tx_pb2.MsgFundCommunityPoolResponse()

    def community_pool_spend(
        self, ctx: Context, msg: tx_pb2.MsgCommunityPoolSpend
    ) -> tx_pb2.MsgCommunityPoolSpendResponse:
        """MsgCommunityPoolSpend (governance only). Raises UnauthorizedError,
        InsufficientFundsError."""
        gov = self.keeper.accounts.get_module_address(GOV_MODULE)
        if parse_account_address(msg.authority) != gov:
            raise UnauthorizedError(
                f"only the governance module ({account_address(gov)}) may spend the pool"
            )
        coins = coins_from_proto(msg.amount)
        pool = dc.compute_sub(self.keeper.get_community_pool(ctx), dc.from_coins(coins))
        if dc.is_negative(pool):
            from aichain.app.errors import InsufficientFundsError

            raise InsufficientFundsError("the community pool holds less than the amount asked")
        self.keeper.set_community_pool(ctx, pool)
        recipient = parse_account_address(msg.recipient)
        self.keeper.bank.send_coins_from_module_to_account(ctx, MODULE, recipient, coins)
        return tx_pb2.MsgCommunityPoolSpendResponse()
