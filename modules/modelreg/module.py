"""Wiring of the modelreg module."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from aichain.app.context import Context
from aichain.app.module import BURNER, BaseModule, Invariant, ModuleAccount
from aichain.app.router import Router
from aichain.modelreg.v1 import tx_pb2
from aichain.modules.modelreg import genesis, invariants, msgs
from aichain.modules.modelreg.keeper import MODULE, Keeper
from aichain.modules.modelreg.msg_server import MsgServer
from aichain.modules.modelreg.query import QueryServer, register_queries


class ModelregModule(BaseModule):
    """Base models, adapters with provenance, lifecycle, prices, usage and workers."""

    name = "modelreg"
    module_accounts: ClassVar[tuple[ModuleAccount, ...]] = (ModuleAccount(MODULE, (BURNER,)),)

    def __init__(self, keeper: Keeper, authority: str) -> None:
        self.keeper = keeper
        self.store_key = keeper.store_key
        self.msg_server = MsgServer(keeper, authority)

    def register(self, router: Router) -> None:
        """Adds the modelreg messages and queries."""
        s = self.msg_server
        router.add_msgs(
            self.name,
            [
                (msgs.MSG_REGISTER_BASE_URL, tx_pb2.MsgRegisterBaseModel,
                 msgs.register_base_signers, msgs.validate_register_base, s.register_base_model),
                (msgs.MSG_REGISTER_ADAPTER_URL, tx_pb2.MsgRegisterAdapter,
                 msgs.register_adapter_signers, msgs.validate_register_adapter,
                 s.register_adapter),
                (msgs.MSG_ACTIVATE_URL, tx_pb2.MsgActivateModel, msgs.authority_msg_signers,
                 msgs.validate_model_authority, s.activate_model),
                (msgs.MSG_DEPRECATE_URL, tx_pb2.MsgDeprecateModel, msgs.authority_msg_signers,
                 msgs.validate_model_authority, s.deprecate_model),
                (msgs.MSG_SET_PRICE_URL, tx_pb2.MsgSetPrice, msgs.set_price_signers,
                 msgs.validate_set_price, s.set_price),
                (msgs.MSG_REGISTER_WORKER_URL, tx_pb2.MsgRegisterWorker, msgs.operator_signers,
                 msgs.validate_register_worker, s.register_worker),
                (msgs.MSG_UPDATE_WORKER_URL, tx_pb2.MsgUpdateWorker, msgs.operator_signers,
                 msgs.validate_update_worker, s.update_worker),
                (msgs.MSG_ROTATE_KEY_URL, tx_pb2.MsgRotateWorkerKey, msgs.operator_signers,
                 msgs.validate_rotate_key, s.rotate_worker_key),
                (msgs.MSG_UNBOND_WORKER_URL, tx_pb2.MsgUnbondWorker, msgs.operator_signers,
                 msgs.validate_operator, s.unbond_worker),
                (msgs.MSG_UNJAIL_WORKER_URL, tx_pb2.MsgUnjailWorker, msgs.operator_signers,
                 msgs.validate_operator, s.unjail_worker),
                (msgs.MSG_UPDATE_PARAMS_URL, tx_pb2.MsgUpdateParams, msgs.update_params_signers,
                 msgs.validate_update_params, s.update_params),
                (msgs.MSG_SET_PRICE_BOUNDS_URL, tx_pb2.MsgSetPriceBounds,
                 msgs.authority_signers_of, msgs.validate_set_price_bounds,
                 s.set_price_bounds),
                (msgs.MSG_RANK_MODELS_URL, tx_pb2.MsgRankModels, msgs.authority_signers_of,
                 msgs.validate_rank_models, s.rank_models),
            ],
        )  # fmt: skip
        register_queries(router, QueryServer(self.keeper))

    def default_genesis(self) -> dict[str, Any]:
        """Default modelreg genesis."""
        return genesis.default_genesis()

    def init_genesis(self, ctx: Context, data: dict[str, Any]) -> None:
        """Imports modelreg genesis."""
        genesis.init_genesis(ctx, self.keeper, data)

    def export_genesis(self, ctx: Context) -> dict[str, Any]:
        """Exports modelreg genesis."""
        return genesis.export_genesis(ctx, self.keeper)

    def end_block(self, ctx: Context) -> None:
        """Returns the bonds of workers whose unbonding completed."""
        self.keeper.process_matured_unbondings(ctx)

    def invariants(self) -> Sequence[tuple[str, Invariant]]:
        """The module account holds exactly the worker bonds; rankings are chains."""
        return (
            ("bonds", lambda ctx: invariants.bonds_invariant(ctx, self.keeper)),
            ("rankings", lambda ctx: invariants.rankings_invariant(ctx, self.keeper)),
        )
