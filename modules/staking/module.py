"""Wiring of the staking module."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from cosmos.staking.v1beta1 import tx_pb2

from aichain.app.context import Context
from aichain.app.module import BURNER, STAKING, BaseModule, Invariant, ModuleAccount
from aichain.app.router import MsgRoute, Router
from aichain.app.store_keys import StoreKey
from aichain.modules.staking import genesis, invariants, msgs
from aichain.modules.staking.keeper import Keeper
from aichain.modules.staking.msg_server import MsgServer
from aichain.modules.staking.query import QueryServer, register_queries
from aichain.modules.staking.types import BONDED_POOL, NOT_BONDED_POOL


class StakingModule(BaseModule):
    """Validators, delegations and the validator set handed to CometBFT."""

    name = "staking"
    store_key: StoreKey
    module_accounts: ClassVar[tuple[ModuleAccount, ...]] = (
        ModuleAccount(BONDED_POOL, (BURNER, STAKING)),
        ModuleAccount(NOT_BONDED_POOL, (BURNER, STAKING)),
    )

    def __init__(self, keeper: Keeper, authority: str) -> None:
        self.keeper = keeper
        self.store_key = keeper.store_key
        self.msg_server = MsgServer(keeper, authority)

    def register(self, router: Router) -> None:
        """Adds the staking messages and queries."""
        s = self.msg_server
        routes = [
            (msgs.MSG_CREATE_VALIDATOR_URL, tx_pb2.MsgCreateValidator, msgs.validator_signer,
             msgs.validate_create_validator, s.create_validator),
            (msgs.MSG_EDIT_VALIDATOR_URL, tx_pb2.MsgEditValidator, msgs.validator_signer,
             msgs.validate_edit_validator, s.edit_validator),
            (msgs.MSG_DELEGATE_URL, tx_pb2.MsgDelegate, msgs.delegator_signer,
             msgs.validate_delegate, s.delegate),
            (msgs.MSG_UNDELEGATE_URL, tx_pb2.MsgUndelegate, msgs.delegator_signer,
             msgs.validate_delegate, s.undelegate),
            (msgs.MSG_BEGIN_REDELEGATE_URL, tx_pb2.MsgBeginRedelegate, msgs.delegator_signer,
             msgs.validate_redelegate, s.begin_redelegate),
            (msgs.MSG_CANCEL_UNBONDING_URL, tx_pb2.MsgCancelUnbondingDelegation,
             msgs.delegator_signer, msgs.validate_cancel_unbonding, s.cancel_unbonding),
            (msgs.MSG_UPDATE_PARAMS_URL, tx_pb2.MsgUpdateParams, msgs.authority_signer,
             msgs.validate_update_params, s.update_params),
        ]  # fmt: skip
        for url, proto, signers, validate, handler in routes:
            router.add_msg(MsgRoute(url, proto, signers, validate, handler, self.name))
        register_queries(router, QueryServer(self.keeper))

    def default_genesis(self) -> dict[str, Any]:
        """Default staking genesis."""
        return genesis.default_genesis()

    def init_genesis(self, ctx: Context, data: dict[str, Any]) -> None:
        """Imports staking genesis."""
        genesis.init_genesis(ctx, self.keeper, data)

    def export_genesis(self, ctx: Context) -> dict[str, Any]:
        """Exports staking genesis."""
        return genesis.export_genesis(ctx, self.keeper)

    def end_block(self, ctx: Context) -> None:
        """Hands set changes to CometBFT, then matures validators, unbondings, redelegations."""
        self.keeper.apply_validator_set_updates(ctx)
        self.keeper.process_mature_validators(ctx)
        self.keeper.process_mature_unbondings(ctx)
        self.keeper.process_mature_redelegations(ctx)

    def invariants(self) -> Sequence[tuple[str, Invariant]]:
        """Pools match tokens and unbondings; delegations sum to validator shares."""
        return (
            ("module-accounts", lambda ctx: invariants.module_accounts_invariant(ctx, self.keeper)),
            (
                "delegator-shares",
                lambda ctx: invariants.delegator_shares_invariant(ctx, self.keeper),
            ),
        )
