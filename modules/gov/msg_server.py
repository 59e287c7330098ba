"""Governance message handlers: stateful checks, then the keeper's verbs."""

from __future__ import annotations

from cosmos.gov.v1 import tx_pb2

from aichain.app.authority import check_authority
from aichain.app.coins import coins_from_proto
from aichain.app.context import Context
from aichain.app.crypto import parse_account_address
from aichain.app.dec import ONE
from aichain.app.gas import KV_GAS
from aichain.gov.v1 import tx_pb2 as aic_tx_pb2
from aichain.modules.gov import events
from aichain.modules.gov.keeper import Keeper
from aichain.modules.gov.msgs import SubmitMsg, compute_weighted_options
from aichain.modules.gov.types import ModelParams, Params, coins_pb, ts


class MsgServer:
    """Executes governance messages."""

    def __init__(self, keeper: Keeper, authority: str) -> None:
        self.keeper = keeper
        self.authority = authority

    def _submit(self, ctx: Context, msg: SubmitMsg, model: bool) -> int:
        """Submits a proposal with its initial deposit; returns its id.

        Raises MinDepositTooSmallError, InvalidDepositDenomError, the errors of
        Keeper.submit_proposal and Keeper.add_deposit."""
        k = self.keeper
        proposer = parse_account_address(msg.proposer)
        deposit = coins_from_proto(msg.initial_deposit)
        k.check_initial_deposit(ctx, deposit, msg.expedited)
        proposal = k.submit_proposal(
            ctx,
            [(m.type_url, m.value) for m in msg.messages],
            msg.metadata,
            msg.title,
            msg.summary,
            proposer,
            msg.expedited,
        )
        if model:
            k.participation.open(ctx, proposal.id)
        size = len(proposal.to_proto().SerializeToString())
        ctx.gas_meter.consume(3 * KV_GAS.write_cost_per_byte * size, "submit proposal")
        if k.add_deposit(ctx, proposal.id, proposer, deposit):
            events.emit_voting_period_start(ctx, events.SUBMIT_PROPOSAL, proposal.id)
        return proposal.id

    def submit_proposal(
        self, ctx: Context, msg: tx_pb2.MsgSubmitProposal
    ) -> tx_pb2.MsgSubmitProposalResponse:
        """MsgSubmitProposal (see _submit)."""
        return tx_pb2.MsgSubmitProposalResponse(proposal_id=self._submit(ctx, msg, model=False))

    def submit_model_proposal(
        self, ctx: Context, msg: aic_tx_pb2.MsgSubmitModelProposal
    ) -> aic_tx_pb2.MsgSubmitModelProposalResponse:
        """MsgSubmitModelProposal: a proposal on the model-vote track (see _submit)."""
        proposal_id = self._submit(ctx, msg, model=True)
        return aic_tx_pb2.MsgSubmitModelProposalResponse(proposal_id=proposal_id)

    def deposit(self, ctx: Context, msg: tx_pb2.MsgDeposit) -> tx_pb2.MsgDepositResponse:
        """MsgDeposit. Raises the errors of Keeper.add_deposit."""
        depositor = parse_account_address(msg.depositor)
        coins = coins_from_proto(msg.amount, allow_empty=False)
        if self.keeper.add_deposit(ctx, msg.proposal_id, depositor, coins):
            events.emit_voting_period_start(ctx, events.PROPOSAL_DEPOSIT, msg.proposal_id)
        return tx_pb2.MsgDepositResponse()

    def vote(self, ctx: Context, msg: tx_pb2.MsgVote) -> tx_pb2.MsgVoteResponse:
        """MsgVote: one option with weight 1. Raises the errors of Keeper.add_vote."""
        voter = parse_account_address(msg.voter)
        self.keeper.add_vote(ctx, msg.proposal_id, voter, ((msg.option, ONE),), msg.metadata)
        return tx_pb2.MsgVoteResponse()

    def vote_weighted(
        self, ctx: Context, msg: tx_pb2.MsgVoteWeighted
    ) -> tx_pb2.MsgVoteWeightedResponse:
        """MsgVoteWeighted. Raises InvalidVoteError and the errors of Keeper.add_vote."""
        voter = parse_account_address(msg.voter)
        options = compute_weighted_options(msg.options)
        self.keeper.add_vote(ctx, msg.proposal_id, voter, options, msg.metadata)
        return tx_pb2.MsgVoteWeightedResponse()

    def cancel_proposal(
        self, ctx: Context, msg: tx_pb2.MsgCancelProposal
    ) -> tx_pb2.MsgCancelProposalResponse:
        """MsgCancelProposal. Raises the errors of Keeper.cancel_proposal."""
        proposer = parse_account_address(msg.proposer)
        self.keeper.cancel_proposal(ctx, msg.proposal_id, proposer)
        return tx_pb2.MsgCancelProposalResponse(
            proposal_id=msg.proposal_id, canceled_time=ts(ctx.time_ns), canceled_height=ctx.height
        )

    def update_params(
        self, ctx: Context, msg: tx_pb2.MsgUpdateParams
    ) -> tx_pb2.MsgUpdateParamsResponse:
        """MsgUpdateParams. Raises UnauthorizedError, InvalidParamsError."""
        check_authority(self.authority, msg.authority)
        self.keeper.set_params(ctx, Params.from_proto(msg.params))
        return tx_pb2.MsgUpdateParamsResponse()

    def claim_participation_reward(
        self, ctx: Context, msg: aic_tx_pb2.MsgClaimParticipationReward
    ) -> aic_tx_pb2.MsgClaimParticipationRewardResponse:
        """MsgClaimParticipationReward. Raises the errors of Participation.claim."""
        voter = parse_account_address(msg.voter)
        amount = self.keeper.participation.claim(ctx, msg.proposal_id, voter)
        return aic_tx_pb2.MsgClaimParticipationRewardResponse(amount=coins_pb(amount))

    def fund_participation_pool(
        self, ctx: Context, msg: aic_tx_pb2.MsgFundParticipationPool
    ) -> aic_tx_pb2.MsgFundParticipationPoolResponse:
        """MsgFundParticipationPool. Raises InsufficientFundsError."""
        depositor = parse_account_address(msg.depositor)
        self.keeper.participation.fund(ctx, depositor, coins_from_proto(msg.amount, False))
        return aic_tx_pb2.MsgFundParticipationPoolResponse()

    def fund_from_community_pool(
        self, ctx: Context, msg: aic_tx_pb2.MsgFundParticipationPoolFromCommunityPool
    ) -> aic_tx_pb2.MsgFundParticipationPoolFromCommunityPoolResponse:
        """MsgFundParticipationPoolFromCommunityPool (governance only). Raises
        UnauthorizedError, InsufficientFundsError."""
        check_authority(self.authority, msg.authority)
        coins = coins_from_proto(msg.amount, allow_empty=False)
        self.keeper.participation.fund_from_community_pool(ctx, coins)
        return aic_tx_pb2.MsgFundParticipationPoolFromCommunityPoolResponse()

    def update_model_params(
        self, ctx: Context, msg: aic_tx_pb2.MsgUpdateParams
    ) -> aic_tx_pb2.MsgUpdateParamsResponse:
        """aichain.gov.v1.MsgUpdateParams (the model-vote track's params). Raises
        UnauthorizedError, InvalidParamsError."""
        check_authority(self.authority, msg.authority)
        self.keeper.set_model_params(ctx, ModelParams.from_proto(msg.params))
        return aic_tx_pb2.MsgUpdateParamsResponse()
