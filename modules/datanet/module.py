"""Wiring of the datanet module."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from aichain.app.context import Context
from aichain.app.module import BURNER, BaseModule, Invariant, ModuleAccount
from aichain.app.router import Router
from aichain.datanet.v1 import tx_pb2
from aichain.modules.datanet import genesis, invariants, msgs
from aichain.modules.datanet.keeper import MODULE, Keeper
from aichain.modules.datanet.msg_server import MsgServer
from aichain.modules.datanet.query import QueryServer, register_queries


class DatanetModule(BaseModule):
    """Community datasets: records, review, versions, history, access and rewards."""

    name = "datanet"
    module_accounts: ClassVar[tuple[ModuleAccount, ...]] = (ModuleAccount(MODULE, (BURNER,)),)

    def __init__(self, keeper: Keeper, authority: str) -> None:
        self.keeper = keeper
        self.store_key = keeper.store_key
        self.msg_server = MsgServer(keeper, authority)

    def register(self, router: Router) -> None:
        """Adds the datanet messages and queries."""
        s = self.msg_server
        router.add_msgs(
            self.name,
            [
                (msgs.MSG_CREATE_URL, tx_pb2.MsgCreateDatanet, msgs.create_signers,
                 msgs.validate_create, s.create_datanet),
                (msgs.MSG_CONTRIBUTE_URL, tx_pb2.MsgContribute, msgs.contribute_signers,
                 msgs.validate_contribute, s.contribute),
                (msgs.MSG_REVIEW_URL, tx_pb2.MsgReview, msgs.review_signers,
                 msgs.validate_review, s.review),
                (msgs.MSG_WITHDRAW_URL, tx_pb2.MsgWithdraw, msgs.withdraw_signers,
                 msgs.validate_withdraw, s.withdraw),
                (msgs.MSG_EDIT_METADATA_URL, tx_pb2.MsgEditMetadata, msgs.edit_metadata_signers,
                 msgs.validate_edit_metadata, s.edit_metadata),
                (msgs.MSG_PUBLISH_URL, tx_pb2.MsgPublishVersion, msgs.publish_signers,
                 msgs.validate_publish, s.publish_version),
                (msgs.MSG_GRANT_URL, tx_pb2.MsgGrantAccess, msgs.grant_signers,
                 msgs.validate_grant, s.grant_access),
                (msgs.MSG_PAY_ACCESS_URL, tx_pb2.MsgPayAccess, msgs.pay_access_signers,
                 msgs.validate_pay_access, s.pay_access),
                (msgs.MSG_SET_CURATORS_URL, tx_pb2.MsgSetCurators, msgs.set_curators_signers,
                 msgs.validate_set_curators, s.set_curators),
                (msgs.MSG_UPDATE_CURATORS_URL, tx_pb2.MsgUpdateCurators,
                 msgs.update_curators_signers, msgs.validate_update_curators,
                 s.update_curators),
                (msgs.MSG_TRANSFER_URL, tx_pb2.MsgTransferOwnership, msgs.transfer_signers,
                 msgs.validate_transfer, s.transfer_ownership),
                (msgs.MSG_SET_CLOSED_URL, tx_pb2.MsgSetClosed, msgs.set_closed_signers,
                 msgs.validate_set_closed, s.set_closed),
                (msgs.MSG_CLAIM_URL, tx_pb2.MsgClaim, msgs.claim_signers,
                 msgs.validate_claim, s.claim),
                (msgs.MSG_UPDATE_PARAMS_URL, tx_pb2.MsgUpdateParams, msgs.update_params_signers,
                 msgs.validate_update_params, s.update_params),
            ],
        )  # fmt: skip
        register_queries(router, QueryServer(self.keeper))

    def default_genesis(self) -> dict[str, Any]:
        """Default datanet genesis."""
        return genesis.default_genesis()

    def init_genesis(self, ctx: Context, data: dict[str, Any]) -> None:
        """Imports datanet genesis."""
        genesis.init_genesis(ctx, self.keeper, data)

    def export_genesis(self, ctx: Context) -> dict[str, Any]:
        """Exports datanet genesis."""
        return genesis.export_genesis(ctx, self.keeper)

    def invariants(self) -> Sequence[tuple[str, Invariant]]:
        """Escrow == bonds + unclaimed rewards; accumulators conserve what was credited."""
        return (
            ("escrow", lambda ctx: invariants.escrow_invariant(ctx, self.keeper)),
            ("accumulator", lambda ctx: invariants.accumulator_invariant(ctx, self.keeper)),
        )
