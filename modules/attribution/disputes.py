"""Challenges: a bonded challenge, a committee of other workers serving the model drawn in
the next block's begin-block from the last block's hash, commit and reveal windows, and the
resolution by the majority of revealed votes (agreement.py's rule): the losing side is
slashed, part to the winner and the rest burned; members who do not reveal are penalised."""

from __future__ import annotations

from aichain.app.context import Context
from aichain.attribution.v1 import attribution_pb2 as pb
from aichain.modules.attribution import events, keys
from aichain.modules.attribution.agreement import EXACT_METHODS, attributions_agree
from aichain.modules.attribution.errors import (
    AlreadyVotedError,
    ChallengeBondTooSmallError,
    ChallengeWindowClosedError,
    NoCommitteeError,
    NotChallengeableError,
    NotCommitteeMemberError,
    RevealMismatchError,
    WrongPhaseError,
)
from aichain.modules.attribution.requests import Requests
from aichain.modules.attribution.results import check_attributions
from aichain.modules.attribution.settlement import Settlement
from aichain.modules.attribution.signing import commitment, vote_bytes
from aichain.modules.attribution.state import AttributionState, address, bech32
from aichain.modules.attribution.types import BPS, compute_committee, compute_slash_split
from aichain.modules.attribution.view import ANSWERED, DISPUTED, MODULE, REFUNDED

COMMIT = pb.DISPUTE_STATUS_COMMIT
REVEAL = pb.DISPUTE_STATUS_REVEAL
UPHELD = pb.DISPUTE_STATUS_UPHELD
REJECTED = pb.DISPUTE_STATUS_REJECTED
VOID = pb.DISPUTE_STATUS_VOID


def compute_outcome(votes: list[pb.CommitteeVote]) -> int:
    """UPHELD when more revealed votes disagree with the claim than agree, REJECTED when more
    agree, VOID on a tie (no reveals included)."""
    agree = sum(1 for v in votes if v.revealed and v.agrees)
    disagree = sum(1 for v in votes if v.revealed and not v.agrees)
    if disagree > agree:
        return UPHELD
    if agree > disagree:
        return REJECTED
    return VOID


class Disputes:
    """MsgChallenge, MsgCommitVote, MsgRevealVote and the dispute steps of the block."""

    def __init__(self, state: AttributionState, requests: Requests, settlement: Settlement):
        self.state = state
        self.requests = requests
        self.settlement = settlement

    def _set(self, ctx: Context, dispute: pb.Dispute) -> None:
        ctx.kv(self.state.store_key).set(keys.dispute_key(dispute.id), dispute.SerializeToString())

    def _candidates(self, ctx: Context, inference: pb.Inference, challenger: str) -> list:
        exclude = {address(inference.worker)}
        try:
            exclude.add(address(challenger))
        except Exception:  # noqa: BLE001 - the challenger address was checked by the handler
            pass
        return self.requests.candidates(ctx, inference.request.model_id, frozenset(exclude))

    def challenge(
        self, ctx: Context, challenger: bytes, inference_id: int, bond: int, reason: str
    ) -> int:
        """Opens a dispute and escrows the bond; returns the dispute id.

        Raises InferenceNotFoundError, NotChallengeableError, ChallengeWindowClosedError,
        ChallengeBondTooSmallError, NoCommitteeError, InsufficientFundsError."""
        params = self.state.get_params(ctx)
        inference = self.state.require_inference(ctx, inference_id)
        if inference.worker and ctx.height > inference.challenge_end_height:
            raise ChallengeWindowClosedError(
                f"inference {inference_id}'s challenge window closed at height "
                f"{inference.challenge_end_height}"
            )
        if inference.request.status != ANSWERED:
            raise NotChallengeableError(
                f"inference {inference_id} is "
                f"{pb.RequestStatus.Name(inference.request.status)}: only answered inferences "
                "inside their challenge window can be challenged"
            )
        if bond < params.min_challenge_bond:
            raise ChallengeBondTooSmallError(
                f"bond {bond} is below params.min_challenge_bond {params.min_challenge_bond}"
            )
        if bech32(challenger) == inference.worker:
            raise NotChallengeableError("a worker cannot challenge its own result")
        if not self._candidates(ctx, inference, bech32(challenger)):
            raise NoCommitteeError(
                f"no other active worker serves model {inference.request.model_id}: nobody "
                "could re-run the inference"
            )
        self.state.escrow(ctx, challenger, bond)
        self.state.add_totals(ctx, bonds=bond)
        store = ctx.kv(self.state.store_key)
        raw = store.get(keys.NEXT_DISPUTE_ID)
        dispute_id = keys.read_u64(raw) if raw else 1
        store.set(keys.NEXT_DISPUTE_ID, keys.u64(dispute_id + 1))
        dispute = pb.Dispute(
            id=dispute_id, inference_id=inference_id, challenger=bech32(challenger),
            bond=str(bond), reason=reason, status=COMMIT, height=ctx.height,
            slashed="0", burned="0", rewarded="0",
        )  # fmt: skip
        self._set(ctx, dispute)
        store.set(keys.draw_key(dispute_id), b"")
        self.state.dequeue(ctx, keys.MATURITY, inference.challenge_end_height, inference_id)
        inference.request.status = DISPUTED
        inference.dispute_id = dispute_id
        self.state.set_inference(ctx, inference)
        self.state.add_model_stats(ctx, inference.request.model_id, 1, 0)
        events.emit_challenged(ctx, dispute_id, inference_id, dispute.challenger, bond)
        return dispute_id

    def process_draws(self, ctx: Context) -> None:
        """Draws the committee of every dispute opened in the last block (begin-block), from
        the seed of the last block's hash."""
        params = self.state.get_params(ctx)
        store = ctx.kv(self.state.store_key)
        pending = [keys.read_u64(k[1:9]) for k, _ in store.iterate(keys.DRAWS)]
        for dispute_id in pending:
            store.delete(keys.draw_key(dispute_id))
            dispute = self.state.require_dispute(ctx, dispute_id)
            inference = self.state.require_inference(ctx, dispute.inference_id)
            candidates = self._candidates(ctx, inference, dispute.challenger)
            members = compute_committee(
                self.state.get_seed(ctx), dispute_id, candidates, params.committee_size
            )
            dispute.commit_end_height = ctx.height + params.commit_window_blocks
            dispute.reveal_end_height = dispute.commit_end_height + params.reveal_window_blocks
            dispute.committee.extend(pb.CommitteeVote(member=bech32(m)) for m in members)
            if not members:  # every candidate left since the challenge
                self._set(ctx, dispute)
                self.resolve(ctx, dispute)
                continue
            self._set(ctx, dispute)
            self.state.queue(ctx, keys.DEADLINES, dispute.commit_end_height, dispute_id)
            self.state.queue(ctx, keys.DEADLINES, dispute.reveal_end_height, dispute_id)
            events.emit_committee(ctx, dispute_id, [bech32(m) for m in members],
                                  dispute.commit_end_height)  # fmt: skip

    def _member(self, ctx: Context, dispute: pb.Dispute, voter: bytes) -> pb.CommitteeVote:
        operator = voter
        if not any(v.member == bech32(voter) for v in dispute.committee):
            operator = self.state.modelreg.get_operator_of_hot_key(ctx, voter) or voter
        for vote in dispute.committee:
            if vote.member == bech32(operator):
                return vote
        raise NotCommitteeMemberError(
            f"{bech32(voter)} is not on dispute {dispute.id}'s committee (sign with a member's "
            "operator or hot key)"
        )

    def commit_vote(self, ctx: Context, voter: bytes, dispute_id: int, digest: bytes) -> None:
        """Records a member's commitment. Raises DisputeNotFoundError,
        NotCommitteeMemberError, WrongPhaseError, AlreadyVotedError."""
        dispute = self.state.require_dispute(ctx, dispute_id)
        if dispute.status == COMMIT and not dispute.committee:
            raise WrongPhaseError(
                f"dispute {dispute_id}'s committee is drawn in the block after the challenge"
            )
        vote = self._member(ctx, dispute, voter)
        if dispute.status != COMMIT or ctx.height > dispute.commit_end_height:
            raise WrongPhaseError(
                f"dispute {dispute_id} took commitments until height {dispute.commit_end_height}"
            )
        if vote.commitment:
            raise AlreadyVotedError(f"{vote.member} already committed to dispute {dispute_id}")
        vote.commitment = digest
        self._set(ctx, dispute)
        events.emit_committed(ctx, dispute_id, vote.member)

    def reveal_vote(
        self, ctx: Context, voter: bytes, dispute_id: int, attributions: list[pb.AttributionEntry],
        output_hash: str, evidence_hash: str, salt: bytes,
    ) -> bool:  # fmt: skip
        """Opens a member's commitment; returns whether its re-run agrees with the claim.

        Raises DisputeNotFoundError, NotCommitteeMemberError, WrongPhaseError,
        AlreadyVotedError, RevealMismatchError, WeightsSumError, DuplicateRecordError,
        TooManyAttributionsError."""
        params = self.state.get_params(ctx)
        dispute = self.state.require_dispute(ctx, dispute_id)
        vote = self._member(ctx, dispute, voter)
        if dispute.status != REVEAL or ctx.height > dispute.reveal_end_height:
            raise WrongPhaseError(
                f"dispute {dispute_id} takes reveals from height {dispute.commit_end_height + 1} "
                f"to {dispute.reveal_end_height}"
            )
        if not vote.commitment:
            raise WrongPhaseError(f"{vote.member} did not commit to dispute {dispute_id}")
        if vote.revealed:
            raise AlreadyVotedError(f"{vote.member} already revealed for dispute {dispute_id}")
        member = address(vote.member)
        opened = commitment(dispute_id, member, vote_bytes(attributions, output_hash,
                                                            evidence_hash), salt)  # fmt: skip
        if opened != vote.commitment:
            raise RevealMismatchError(
                "sha256(dispute id || member || vote || salt) differs from the commitment: "
                "reveal exactly the attributions, hashes and salt committed to"
            )
        rerun = pb.InferenceResult(attributions=attributions)
        check_attributions(rerun, params)
        claim = self.state.require_inference(ctx, dispute.inference_id).result
        agrees = attributions_agree(
            [((e.datanet_id, e.version, e.record_id), e.weight_ppm) for e in claim.attributions],
            [((e.datanet_id, e.version, e.record_id), e.weight_ppm) for e in attributions],
            min_overlap_ppm=params.min_overlap_ppm,
            tolerance_ppm=params.weight_tolerance_ppm,
            exact=claim.method in EXACT_METHODS,
        )
        vote.revealed = True
        vote.attributions.extend(attributions)
        vote.output_hash = output_hash
        vote.evidence_hash = evidence_hash
        vote.agrees = agrees
        self._set(ctx, dispute)
        events.emit_revealed(ctx, dispute_id, vote.member, agrees)
        return agrees

    def process_deadlines(self, ctx: Context) -> None:
        """Closes commit phases and resolves disputes whose reveal window closed (end-block)."""
        for height, dispute_id in self.state.due(ctx, keys.DEADLINES):
            self.state.dequeue(ctx, keys.DEADLINES, height, dispute_id)
            dispute = self.state.get_dispute(ctx, dispute_id)
            if dispute is None:
                continue
            if dispute.status == COMMIT and ctx.height >= dispute.commit_end_height:
                dispute.status = REVEAL
                self._set(ctx, dispute)
            if dispute.status == REVEAL and ctx.height >= dispute.reveal_end_height:
                self.resolve(ctx, dispute)

    def _slash(self, ctx: Context, operator: str, amount: int, to_module: str | None) -> int:
        raw = address(operator)
        if self.state.modelreg.get_worker(ctx, raw) is None:
            return 0  # unbonded and removed meanwhile
        return self.state.modelreg.slash_worker_bond(ctx, raw, amount, to_module)

    def resolve(self, ctx: Context, dispute: pb.Dispute) -> None:
        """Applies the outcome of the revealed votes (compute_outcome)."""
        params = self.state.get_params(ctx)
        for vote in dispute.committee:
            if not vote.revealed:
                cut = self._slash(ctx, vote.member, params.no_reveal_penalty, None)
                events.emit_penalised(ctx, vote.member, "no_reveal", cut, False)
        inference = self.state.require_inference(ctx, dispute.inference_id)
        bond = int(dispute.bond)
        outcome = compute_outcome(list(dispute.committee))
        slashed = rewarded = burned = 0
        if outcome == UPHELD:
            request = inference.request
            fee = int(request.fee)
            self.settlement.release_pending(ctx, inference)
            self.state.pay(ctx, request.requester, fee)
            self.state.add_totals(ctx, refunded=fee, held=-fee)
            del inference.payouts[:]
            inference.payouts.append(
                pb.Payout(role="refund", recipient=request.requester, amount=str(fee))
            )
            request.status = REFUNDED
            self.state.set_inference(ctx, inference)
            worker = self.state.modelreg.get_worker(ctx, address(inference.worker))
            amount = int(worker.bond or "0") * params.slash_bps // BPS if worker else 0
            slashed = self._slash(ctx, inference.worker, amount, MODULE)
            rewarded, burned = compute_slash_split(slashed, params.slash_reward_bps)
            self.state.pay(ctx, dispute.challenger, rewarded + bond)
            self.state.burn(ctx, burned)
            self.state.add_model_stats(ctx, request.model_id, 0, 1)
            events.emit_penalised(ctx, inference.worker, "attribution", slashed, False)
        elif outcome == REJECTED:
            slashed = bond
            rewarded, burned = compute_slash_split(bond, params.slash_reward_bps)
            self.state.pay(ctx, inference.worker, rewarded)
            self.state.burn(ctx, burned)
        else:
            self.state.pay(ctx, dispute.challenger, bond)
        self.state.add_totals(ctx, bonds=-bond)
        if outcome != UPHELD:
            inference.request.status = ANSWERED
            self.settlement.settle(ctx, inference)
        dispute.status = outcome
        dispute.slashed, dispute.rewarded, dispute.burned = str(slashed), str(rewarded), str(burned)
        dispute.resolved_height = ctx.height
        self._set(ctx, dispute)
        events.emit_resolved(ctx, dispute.id, pb.DisputeStatus.Name(outcome), slashed, rewarded,
                             burned)  # fmt: skip
