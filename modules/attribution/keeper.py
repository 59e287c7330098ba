"""Attribution keepers: ViewKeeper (reads, view.py) and Keeper (writes).

The Keeper is composed of one AttributionState (state.py: reads plus write primitives) shared
by four parts, one file per job: Requests (requests.py: escrow, assignment, timeouts), Results
(results.py: the checks of a signed result and its payouts), Settlement (settlement.py:
maturity, claims, prepaid balances) and Disputes (disputes.py: challenges, committees,
commit-reveal, resolution). Its methods are the verbs the message server, the block steps and
genesis call; each hands over to one part.
"""

from __future__ import annotations

from collections.abc import Sequence

from aichain.app.context import Context
from aichain.app.store_keys import StoreKey
from aichain.attribution.v1 import attribution_pb2 as pb
from aichain.attribution.v1 import tx_pb2
from aichain.modules.attribution.disputes import Disputes
from aichain.modules.attribution.expected import (
    AccountKeeper,
    BankKeeper,
    DatanetKeeper,
    DistributionKeeper,
    ModelregKeeper,
    ParticipationPool,
)
from aichain.modules.attribution.requests import Requests
from aichain.modules.attribution.results import Results
from aichain.modules.attribution.settlement import Settlement
from aichain.modules.attribution.state import AttributionState
from aichain.modules.attribution.view import MODULE, ViewKeeper

__all__ = ["MODULE", "Keeper", "ViewKeeper"]


class Keeper(AttributionState):
    """Every attribution write; each verb hands over to one part."""

    def __init__(
        self, store_key: StoreKey, bank: BankKeeper, accounts: AccountKeeper,
        distribution: DistributionKeeper, datanet: DatanetKeeper, modelreg: ModelregKeeper,
        participation: ParticipationPool,
    ) -> None:  # fmt: skip
        super().__init__(store_key, bank, accounts, distribution, datanet, modelreg)
        self.requests = Requests(self)
        self.results = Results(self)
        self.settlement = Settlement(self, participation)
        self.disputes = Disputes(self, self.requests, self.settlement)

    def request_inference(
        self, ctx: Context, requester: bytes, msg: tx_pb2.MsgRequestInference
    ) -> tuple[int, str, int]:
        """Escrows and assigns (see Requests.request)."""
        return self.requests.request(ctx, requester, msg)

    def submit_results(self, ctx: Context, bundles: Sequence[pb.ResultBundle]) -> list[int]:
        """Checks and stores signed results (see Results.submit)."""
        return self.results.submit(ctx, bundles)

    def claim(self, ctx: Context, claimant: bytes) -> int:
        """Pays matured earnings (see Settlement.claim)."""
        return self.settlement.claim(ctx, claimant)

    def fund_prepaid(self, ctx: Context, requester: bytes, model_id: int, amount: int) -> int:
        """Funds a prepaid balance (see Settlement.fund_prepaid)."""
        return self.settlement.fund_prepaid(ctx, requester, model_id, amount)

    def withdraw_prepaid(self, ctx: Context, requester: bytes, model_id: int, amount: int) -> int:
        """Withdraws from a prepaid balance (see Settlement.withdraw_prepaid)."""
        return self.settlement.withdraw_prepaid(ctx, requester, model_id, amount)

    def challenge(
        self, ctx: Context, challenger: bytes, inference_id: int, bond: int, reason: str
    ) -> int:
        """Opens a dispute (see Disputes.challenge)."""
        return self.disputes.challenge(ctx, challenger, inference_id, bond, reason)

    def commit_vote(self, ctx: Context, voter: bytes, dispute_id: int, digest: bytes) -> None:
        """A member's commitment (see Disputes.commit_vote)."""
        self.disputes.commit_vote(ctx, voter, dispute_id, digest)

    def reveal_vote(self, ctx: Context, voter: bytes, msg: tx_pb2.MsgRevealVote) -> bool:
        """A member's reveal (see Disputes.reveal_vote)."""
        return self.disputes.reveal_vote(
            ctx, voter, msg.dispute_id, list(msg.attributions), msg.output_hash,
            msg.evidence_hash, msg.salt,
        )  # fmt: skip

    # --- block steps

    def process_begin_block(self, ctx: Context) -> None:
        """Draws the committees of last block's challenges."""
        self.disputes.process_draws(ctx)

    def process_end_block(self, ctx: Context) -> None:
        """Timeouts, matured settlements, dispute deadlines, then the next block's seed."""
        self.requests.process_timeouts(ctx)
        self.settlement.process_matured(ctx)
        self.disputes.process_deadlines(ctx)
        self.set_seed(ctx)
