"""Wiring of the governance module ("gov": its name, store key, genesis key and codespace)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from cosmos.gov.v1 import tx_pb2

from aichain.app.context import Context
from aichain.app.module import BURNER, BaseModule, Invariant, ModuleAccount
from aichain.app.router import Router
from aichain.gov.v1 import tx_pb2 as aic_tx_pb2
from aichain.modules.gov import end_block, genesis, invariants, msgs
from aichain.modules.gov.keeper import Keeper
from aichain.modules.gov.msg_server import MsgServer
from aichain.modules.gov.query import register_queries
from aichain.modules.gov.types import MODULE, PARTICIPATION_POOL


class GovModule(BaseModule):
    """Proposals, deposits, votes, the tally and execution at end-block; the model-vote
    track's participation rewards."""

    name = "gov"
    module_accounts: ClassVar[tuple[ModuleAccount, ...]] = (
        ModuleAccount(MODULE, (BURNER,)),
        ModuleAccount(PARTICIPATION_POOL),
    )

    def __init__(self, keeper: Keeper, authority: str) -> None:
        self.keeper = keeper
        self.store_key = keeper.store_key
        self.msg_server = MsgServer(keeper, authority)

    def register(self, router: Router) -> None:
        """Adds the gov messages and queries, and hands the keeper the router its proposals
        execute through."""
        s = self.msg_server
        routes = [
            (
                msgs.MSG_SUBMIT_PROPOSAL_URL,
                tx_pb2.MsgSubmitProposal,
                msgs.proposer_signer,
                msgs.validate_submit_proposal,
                s.submit_proposal,
            ),
            (
                msgs.MSG_DEPOSIT_URL,
                tx_pb2.MsgDeposit,
                msgs.depositor_signer,
                msgs.validate_deposit,
                s.deposit,
            ),
            (msgs.MSG_VOTE_URL, tx_pb2.MsgVote, msgs.voter_signer, msgs.validate_vote, s.vote),
            (
                msgs.MSG_VOTE_WEIGHTED_URL,
                tx_pb2.MsgVoteWeighted,
                msgs.voter_signer,
                msgs.validate_vote_weighted,
                s.vote_weighted,
            ),
            (
                msgs.MSG_CANCEL_PROPOSAL_URL,
                tx_pb2.MsgCancelProposal,
                msgs.proposer_signer,
                msgs.validate_cancel_proposal,
                s.cancel_proposal,
            ),
            (
                msgs.MSG_UPDATE_PARAMS_URL,
                tx_pb2.MsgUpdateParams,
                msgs.authority_signer,
                msgs.validate_update_params,
                s.update_params,
            ),
            (
                msgs.MSG_SUBMIT_MODEL_PROPOSAL_URL,
                aic_tx_pb2.MsgSubmitModelProposal,
                msgs.proposer_signer,
                msgs.validate_submit_proposal,
                s.submit_model_proposal,
            ),
            (
                msgs.MSG_CLAIM_PARTICIPATION_REWARD_URL,
                aic_tx_pb2.MsgClaimParticipationReward,
                msgs.voter_signer,
                msgs.validate_claim,
                s.claim_participation_reward,
            ),
            (
                msgs.MSG_FUND_PARTICIPATION_POOL_URL,
                aic_tx_pb2.MsgFundParticipationPool,
                msgs.depositor_signer,
                msgs.validate_fund_pool,
                s.fund_participation_pool,
            ),
            (
                msgs.MSG_FUND_FROM_COMMUNITY_POOL_URL,
                aic_tx_pb2.MsgFundParticipationPoolFromCommunityPool,
                msgs.authority_signer,
                msgs.validate_fund_from_community_pool,
                s.fund_from_community_pool,
            ),
            (
                msgs.MSG_UPDATE_MODEL_PARAMS_URL,
                aic_tx_pb2.MsgUpdateParams,
                msgs.authority_signer,
                msgs.validate_update_params,
                s.update_model_params,
            ),
        ]
        router.add_msgs(self.name, routes)
        register_queries(router, self.keeper)
        self.keeper.set_router(router)

    def default_genesis(self) -> dict[str, Any]:
        """Default gov genesis."""
        return genesis.default_genesis()

    def init_genesis(self, ctx: Context, data: dict[str, Any]) -> None:
        """Imports gov genesis."""
        genesis.init_genesis(ctx, self.keeper, data)

    def export_genesis(self, ctx: Context) -> dict[str, Any]:
        """Exports gov genesis."""
        return genesis.export_genesis(ctx, self.keeper)

    def end_block(self, ctx: Context) -> None:
        """Drops underfunded proposals, tallies those whose voting ended, executes the passed."""
        end_block.end_block(ctx, self.keeper)

    def invariants(self) -> Sequence[tuple[str, Invariant]]:
        """Deposits and participation rewards are conserved."""
        return (
            ("deposits", lambda ctx: invariants.deposits_invariant(ctx, self.keeper)),
            ("participation", lambda ctx: invariants.participation_invariant(ctx, self.keeper)),
        )
