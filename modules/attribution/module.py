"""Wiring of the attribution module."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from aichain.app.context import Context
from aichain.app.module import BURNER, BaseModule, Invariant, ModuleAccount
from aichain.app.router import Router
from aichain.attribution.v1 import tx_pb2
from aichain.modules.attribution import genesis, invariants, msgs
from aichain.modules.attribution.keeper import MODULE, Keeper
from aichain.modules.attribution.msg_server import MsgServer
from aichain.modules.attribution.query import QueryServer, register_queries


class AttributionModule(BaseModule):
    """Inference requests, signed results with attributions, settlement, challenges."""

    name = "attribution"
    module_accounts: ClassVar[tuple[ModuleAccount, ...]] = (ModuleAccount(MODULE, (BURNER,)),)

    def __init__(self, keeper: Keeper, authority: str) -> None:
        self.keeper = keeper
        self.store_key = keeper.store_key
        self.msg_server = MsgServer(keeper, authority)

    def register(self, router: Router) -> None:
        """Adds the attribution messages and queries."""
        s = self.msg_server
        router.add_msgs(
            self.name,
            [
                (msgs.MSG_REQUEST_URL, tx_pb2.MsgRequestInference, msgs.request_signers,
                 msgs.validate_request, s.request_inference),
                (msgs.MSG_SUBMIT_URL, tx_pb2.MsgSubmitInference, msgs.submit_signers,
                 msgs.validate_submit, s.submit_inference),
                (msgs.MSG_FUND_PREPAID_URL, tx_pb2.MsgFundPrepaid, msgs.prepaid_signers,
                 msgs.validate_prepaid, s.fund_prepaid),
                (msgs.MSG_WITHDRAW_PREPAID_URL, tx_pb2.MsgWithdrawPrepaid, msgs.prepaid_signers,
                 msgs.validate_prepaid, s.withdraw_prepaid),
                (msgs.MSG_CHALLENGE_URL, tx_pb2.MsgChallenge, msgs.challenge_signers,
                 msgs.validate_challenge, s.challenge),
                (msgs.MSG_COMMIT_VOTE_URL, tx_pb2.MsgCommitVote, msgs.voter_signers,
                 msgs.validate_commit, s.commit_vote),
                (msgs.MSG_REVEAL_VOTE_URL, tx_pb2.MsgRevealVote, msgs.voter_signers,
                 msgs.validate_reveal, s.reveal_vote),
                (msgs.MSG_CLAIM_URL, tx_pb2.MsgClaim, msgs.claim_signers, msgs.validate_claim,
                 s.claim),
                (msgs.MSG_UPDATE_PARAMS_URL, tx_pb2.MsgUpdateParams, msgs.update_params_signers,
                 msgs.validate_update_params, s.update_params),
            ],
        )  # fmt: skip
        register_queries(router, QueryServer(self.keeper))

    def default_genesis(self) -> dict[str, Any]:
        """Default attribution genesis."""
        return genesis.default_genesis()

    def init_genesis(self, ctx: Context, data: dict[str, Any]) -> None:
        """Imports attribution genesis."""
        genesis.init_genesis(ctx, self.keeper, data)

    def export_genesis(self, ctx: Context) -> dict[str, Any]:
        """Exports attribution genesis."""
        return genesis.export_genesis(ctx, self.keeper)

    def begin_block(self, ctx: Context) -> None:
        """Draws the committees of the last block's challenges."""
        self.keeper.process_begin_block(ctx)

    def end_block(self, ctx: Context) -> None:
        """Timeouts, matured settlements, dispute deadlines, the next block's seed."""
        self.keeper.process_end_block(ctx)

    def invariants(self) -> Sequence[tuple[str, Invariant]]:
        """Escrow conservation, result weights and provenance, earnings bookkeeping."""
        k = self.keeper
        return (
            ("escrow", lambda ctx: invariants.escrow_invariant(ctx, k)),
            ("results", lambda ctx: invariants.results_invariant(ctx, k)),
            ("earnings", lambda ctx: invariants.earnings_invariant(ctx, k)),
        )
