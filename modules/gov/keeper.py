"""Governance keepers: ViewKeeper (reads, for queries and the tally) and Keeper (writes).

The Keeper's verbs are the SDK's: submit a proposal (its messages checked against the router:
routable, valid, signed by the governance account alone), add a deposit (entering the voting
period at the minimum deposit), add a vote, cancel, and the deposit settlements (refund,
burn, cancellation charge). The model-vote track's writes live in participation.py, the
end-block steps in end_block.py.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import lru_cache

from cosmos.gov.v1 import gov_pb2
from cosmos.staking.v1beta1 import staking_pb2
from google.protobuf.message import DecodeError

from aichain.app.coins import Coin, format_coins, parse_coins
from aichain.app.context import Context
from aichain.app.crypto import account_address, bech32_decode
from aichain.app.dec import ONE, format_dec, parse_dec_text
from aichain.app.errors import AppError, UnknownRequestError
from aichain.app.store.prefix import PrefixStore
from aichain.app.store_keys import StoreKey
from aichain.gov.v1 import gov_pb2 as aic_gov_pb2
from aichain.modules.gov import events, keys
from aichain.modules.gov.errors import (
    InactiveProposalError,
    InvalidDepositDenomError,
    InvalidProposalError,
    InvalidProposalMsgError,
    InvalidProposerError,
    InvalidSignerError,
    MetadataTooLongError,
    MinDepositTooSmallError,
    SummaryTooLongError,
    UnknownProposalError,
    UnroutableProposalMsgError,
    VotingPeriodEndedError,
)
from aichain.modules.gov.expected import (
    AccountKeeper,
    BankKeeper,
    DistributionKeeper,
    MsgRouter,
    StakingKeeper,
)
from aichain.modules.gov.participation import Participation
from aichain.modules.gov.tally import TallyOutcome, ValidatorGovInfo, compute_tally
from aichain.modules.gov.types import (
    MAX_METADATA_LEN,
    MAX_SUMMARY_LEN,
    MODULE,
    PARTICIPATION_POOL,
    STATUS_DEPOSIT_PERIOD,
    STATUS_VOTING_PERIOD,
    Deposit,
    ModelParams,
    ModelProposal,
    Params,
    Proposal,
    Vote,
    WeightedOptions,
    add_coins,
    is_all_gte,
    sub_coins,
)

PROPOSABLE_GOV_MSGS = frozenset(
    {
        "/cosmos.gov.v1.MsgUpdateParams",
        "/aichain.gov.v1.MsgUpdateParams",
        "/aichain.gov.v1.MsgFundParticipationPoolFromCommunityPool",
    }
)
"""The governance module's own messages a proposal may carry (its others would act with the
deposits the governance account escrows)."""

DISTRIBUTION_MODULE = "distribution"
"""The distribution module account: a cancellation charge sent there funds the community
pool (as the SDK does)."""

BONDED = staking_pb2.BOND_STATUS_BONDED
"""Bond status of the validators whose stake votes."""


@lru_cache(maxsize=64)
def _decode_params(raw: bytes) -> Params:
    """Params from their stored bytes (memoised: they are immutable)."""
    return Params.from_proto(gov_pb2.Params.FromString(raw))


class ViewKeeper:
    """Reads params, proposals, deposits, votes and the model-vote track's records; tallies."""

    def __init__(
        self,
        store_key: StoreKey,
        accounts: AccountKeeper,
        bank: BankKeeper,
        staking: StakingKeeper,
        distribution: DistributionKeeper,
    ) -> None:
        self.store_key = store_key
        self.accounts = accounts
        self.bank = bank
        self.staking = staking
        self.distribution = distribution
        self.module_address = accounts.get_module_address(MODULE)
        """The governance account: the only signer a proposal's messages may have."""
        self.pool_address = accounts.get_module_address(PARTICIPATION_POOL)
        """The participation pool's account."""

    def kv(self, ctx: Context) -> PrefixStore:
        """The gov store."""
        return ctx.kv(self.store_key)

    # -- params and singletons

    def get_params(self, ctx: Context) -> Params:
        """The standard track's params (defaults before genesis)."""
        raw = self.kv(ctx).get(keys.PARAMS)
        return _decode_params(raw) if raw else Params()

    def get_model_params(self, ctx: Context) -> ModelParams:
        """The model-vote track's params (defaults before genesis)."""
        raw = self.kv(ctx).get(keys.MODEL_PARAMS)
        return ModelParams.from_proto(aic_gov_pb2.Params.FromString(raw)) if raw else ModelParams()

    def get_constitution(self, ctx: Context) -> str:
        """The constitution text."""
        return (self.kv(ctx).get(keys.CONSTITUTION) or b"").decode()

    def get_next_proposal_id(self, ctx: Context) -> int:
        """The id the next proposal gets (1 on a new chain)."""
        raw = self.kv(ctx).get(keys.NEXT_PROPOSAL_ID)
        return keys.decode_u64(raw) if raw else 1

    def get_allocated(self, ctx: Context) -> tuple[Coin, ...]:
        """Participation rewards set aside for model proposals' voters and not yet claimed."""
        return parse_coins((self.kv(ctx).get(keys.ALLOCATED) or b"").decode())

    # -- proposals

    def get_proposal(self, ctx: Context, proposal_id: int) -> Proposal | None:
        """The proposal with that id, or None."""
        raw = self.kv(ctx).get(keys.proposal_key(proposal_id))
        return Proposal.from_proto(gov_pb2.Proposal.FromString(raw)) if raw else None

    def must_get_proposal(self, ctx: Context, proposal_id: int) -> Proposal:
        """The proposal with that id. Raises UnknownProposalError."""
        proposal = self.get_proposal(ctx, proposal_id)
        if proposal is None:
            raise UnknownProposalError(
                f"proposal {proposal_id} does not exist; list them with "
                "`aichain query gov proposals`"
            )
        return proposal

    def iter_proposals(self, ctx: Context, reverse: bool = False) -> Iterator[Proposal]:
        """Every proposal, by id."""
        for _, raw in self.kv(ctx).iterate(keys.PROPOSAL, reverse):
            yield Proposal.from_proto(gov_pb2.Proposal.FromString(raw))

    def iter_due(self, ctx: Context, queue: bytes) -> list[int]:
        """Ids of the proposals in queue (keys.DEPOSIT_QUEUE or keys.VOTING_QUEUE) whose end
        time has come (end <= block time), by end time then id."""
        due = []
        for key, _ in self.kv(ctx).iterate(queue):
            time_ns, proposal_id = keys.split_queue_key(key)
            if time_ns > ctx.time_ns:
                break
            due.append(proposal_id)
        return due

    # -- deposits and votes

    def get_deposit(self, ctx: Context, proposal_id: int, depositor: bytes) -> Deposit | None:
        """A depositor's deposit on a proposal, or None."""
        raw = self.kv(ctx).get(keys.deposit_key(proposal_id, depositor))
        return Deposit.from_proto(gov_pb2.Deposit.FromString(raw)) if raw else None

    def iter_deposits(
        self, ctx: Context, proposal_id: int | None = None, reverse: bool = False
    ) -> Iterator[Deposit]:
        """The deposits on a proposal (every deposit when proposal_id is None), by depositor."""
        prefix = keys.DEPOSIT if proposal_id is None else keys.deposits_prefix(proposal_id)
        for _, raw in self.kv(ctx).iterate(prefix, reverse):
            yield Deposit.from_proto(gov_pb2.Deposit.FromString(raw))

    def get_vote(self, ctx: Context, proposal_id: int, voter: bytes) -> Vote | None:
        """A voter's vote on a proposal, or None."""
        raw = self.kv(ctx).get(keys.vote_key(proposal_id, voter))
        return Vote.from_proto(gov_pb2.Vote.FromString(raw)) if raw else None

    def iter_votes(
        self, ctx: Context, proposal_id: int | None = None, reverse: bool = False
    ) -> Iterator[Vote]:
        """The votes on a proposal (every vote when proposal_id is None), by voter."""
        prefix = keys.VOTE if proposal_id is None else keys.votes_prefix(proposal_id)
        for _, raw in self.kv(ctx).iterate(prefix, reverse):
            yield Vote.from_proto(gov_pb2.Vote.FromString(raw))

    def iter_vote_options(
        self, ctx: Context, proposal_id: int, seen: list[bytes] | None = None
    ) -> Iterator[tuple[bytes, WeightedOptions]]:
        """(voter, options) of the votes on a proposal, read straight from the keys (no
        address decoding); each voter is appended to seen when given."""
        for key, raw in self.kv(ctx).iterate(keys.votes_prefix(proposal_id)):
            voter = keys.split_address_key(key, keys.VOTE)[1]
            if seen is not None:
                seen.append(voter)
            options = gov_pb2.Vote.FromString(raw).options
            yield voter, tuple((o.option, parse_dec_text(o.weight)) for o in options)

    # -- the model-vote track

    def get_model_proposal(self, ctx: Context, proposal_id: int) -> ModelProposal | None:
        """The participation record of a model-track proposal, or None (standard track)."""
        raw = self.kv(ctx).get(keys.model_proposal_key(proposal_id))
        if raw is None:
            return None
        return ModelProposal.from_proto(aic_gov_pb2.ModelProposal.FromString(raw))

    def iter_model_proposals(self, ctx: Context) -> Iterator[ModelProposal]:
        """Every model-track participation record, by proposal id."""
        for _, raw in self.kv(ctx).iterate(keys.MODEL_PROPOSAL):
            yield ModelProposal.from_proto(aic_gov_pb2.ModelProposal.FromString(raw))

    def get_stake(self, ctx: Context, proposal_id: int, voter: bytes) -> int | None:
        """A voter's unclaimed reward power on a model proposal, or None."""
        raw = self.kv(ctx).get(keys.stake_key(proposal_id, voter))
        return int(raw) if raw is not None else None

    def iter_stakes(
        self, ctx: Context, proposal_id: int | None = None
    ) -> Iterator[tuple[int, bytes, int]]:
        """(proposal id, voter, power) of the unclaimed reward stakes (of one proposal, or
        all), by proposal then voter."""
        prefix = keys.STAKE if proposal_id is None else keys.stakes_prefix(proposal_id)
        for key, raw in self.kv(ctx).iterate(prefix):
            pid, voter = keys.split_address_key(key, keys.STAKE)
            yield pid, voter, int(raw)

    def get_pool_balance(self, ctx: Context) -> tuple[Coin, ...]:
        """What the participation pool account holds."""
        return tuple(self.bank.get_all_balances(ctx, self.pool_address))

    # -- voting power

    def bonded_validators(self, ctx: Context) -> dict[bytes, ValidatorGovInfo]:
        """The bonded validators as the tally sees them, by operator."""
        validators = {}
        for op, _ in self.staking.iter_last_powers(ctx):
            v = self.staking.get_validator(ctx, op)
            if v is not None and v.status == BONDED:
                validators[op] = ValidatorGovInfo(op, v.tokens, v.shares)
        return validators

    def compute_own_power(self, ctx: Context, voter: bytes) -> int:
        """The bonded tokens of voter's own delegations (truncated): its reward power."""
        total = 0
        for op, shares in self.staking.iter_delegator_delegations(ctx, voter):
            v = self.staking.get_validator(ctx, op)
            if v is not None and v.status == BONDED and v.shares:
                total += shares * v.tokens // v.shares
        return total

    def tally(
        self, ctx: Context, proposal: Proposal, seen: list[bytes] | None = None
    ) -> TallyOutcome:
        """The proposal's tally now (reads only; the voters visited are appended to seen)."""
        return compute_tally(
            self.bonded_validators(ctx),
            self.iter_vote_options(ctx, proposal.id, seen),
            lambda voter: self.staking.iter_delegator_delegations(ctx, voter),
            self.staking.get_pool(ctx)[1],
            self.get_params(ctx),
            proposal.expedited,
        )


class Keeper(ViewKeeper):
    """Every governance write but the model-vote track's (participation.py)."""

    def __init__(
        self,
        store_key: StoreKey,
        accounts: AccountKeeper,
        bank: BankKeeper,
        staking: StakingKeeper,
        distribution: DistributionKeeper,
    ) -> None:
        super().__init__(store_key, accounts, bank, staking, distribution)
        self.participation = Participation(self)
        """The model-vote track's writes."""
        self.router: MsgRouter | None = None
        """The app's message routes, set when the module registers (submission checks and
        execution run through them)."""

    def set_router(self, router: MsgRouter) -> None:
        """Installs the app's router (once, at wiring)."""
        self.router = router

    def _router(self) -> MsgRouter:
        if self.router is None:
            raise RuntimeError("gov keeper used before the module registered its router")
        return self.router

    # -- records

    def set_params(self, ctx: Context, params: Params) -> None:
        """Stores validated params. Raises InvalidParamsError."""
        params.validate()
        self.kv(ctx).set(keys.PARAMS, params.to_proto().SerializeToString())

    def set_model_params(self, ctx: Context, params: ModelParams) -> None:
        """Stores the model-vote track's params."""
        self.kv(ctx).set(keys.MODEL_PARAMS, params.to_proto().SerializeToString())

    def set_constitution(self, ctx: Context, text: str) -> None:
        """Stores the constitution."""
        self.kv(ctx).set(keys.CONSTITUTION, text.encode())

    def set_next_proposal_id(self, ctx: Context, proposal_id: int) -> None:
        """Stores the id the next proposal gets."""
        self.kv(ctx).set(keys.NEXT_PROPOSAL_ID, keys.u64(proposal_id, "proposal id"))

    def set_allocated(self, ctx: Context, coins: tuple[Coin, ...]) -> None:
        """Stores the participation rewards allocated and unclaimed."""
        if coins:
            self.kv(ctx).set(keys.ALLOCATED, format_coins(coins).encode())
        else:
            self.kv(ctx).delete(keys.ALLOCATED)

    def set_proposal(self, ctx: Context, proposal: Proposal) -> None:
        """Stores a proposal record (its queue entries are the caller's)."""
        self.kv(ctx).set(keys.proposal_key(proposal.id), proposal.to_proto().SerializeToString())

    def insert_queue(self, ctx: Context, proposal: Proposal) -> None:
        """Queues a proposal by the end of its current period (deposit or voting)."""
        if proposal.status == STATUS_DEPOSIT_PERIOD:
            key = keys.deposit_queue_key(proposal.deposit_end_time_ns, proposal.id)
        elif proposal.status == STATUS_VOTING_PERIOD and proposal.voting_end_time_ns is not None:
            key = keys.voting_queue_key(proposal.voting_end_time_ns, proposal.id)
        else:
            return
        self.kv(ctx).set(key, b"")

    def remove_queue(self, ctx: Context, proposal: Proposal) -> None:
        """Takes a proposal out of the queue of its current period."""
        store = self.kv(ctx)
        if proposal.status == STATUS_DEPOSIT_PERIOD:
            store.delete(keys.deposit_queue_key(proposal.deposit_end_time_ns, proposal.id))
        elif proposal.status == STATUS_VOTING_PERIOD and proposal.voting_end_time_ns is not None:
            store.delete(keys.voting_queue_key(proposal.voting_end_time_ns, proposal.id))

    def delete_proposal(self, ctx: Context, proposal: Proposal) -> None:
        """Deletes a proposal and its queue entry."""
        self.remove_queue(ctx, proposal)
        self.kv(ctx).delete(keys.proposal_key(proposal.id))

    def set_deposit(self, ctx: Context, deposit: Deposit) -> None:
        """Stores a deposit record."""
        key = keys.deposit_key(deposit.proposal_id, deposit.depositor)
        self.kv(ctx).set(key, deposit.to_proto().SerializeToString())

    def set_vote(self, ctx: Context, vote: Vote) -> None:
        """Stores a vote record."""
        key = keys.vote_key(vote.proposal_id, vote.voter)
        self.kv(ctx).set(key, vote.to_proto().SerializeToString())

    def delete_votes(self, ctx: Context, proposal_id: int, voters: Sequence[bytes]) -> None:
        """Deletes the votes of voters on a proposal."""
        store = self.kv(ctx)
        for voter in voters:
            store.delete(keys.vote_key(proposal_id, voter))

    def delete_all_votes(self, ctx: Context, proposal_id: int) -> None:
        """Deletes every vote on a proposal."""
        voters = [
            keys.split_address_key(key, keys.VOTE)[1]
            for key, _ in self.kv(ctx).iterate(keys.votes_prefix(proposal_id))
        ]
        self.delete_votes(ctx, proposal_id, voters)

    # -- proposals

    def check_proposal_messages(self, messages: Sequence[tuple[str, bytes]]) -> None:
        """Each message is routable, decodes, passes its validate_basic and is signed by the
        governance account alone. Raises UnroutableProposalMsgError, InvalidProposalMsgError,
        InvalidSignerError."""
        router = self._router()
        gov = account_address(self.module_address)
        for i, (url, value) in enumerate(messages):
            try:
                route = router.msg_route(url)
            except UnknownRequestError:
                raise UnroutableProposalMsgError(
                    f"message {i}: {url or '(no type URL)'} is not a message this chain routes"
                ) from None
            try:
                msg = route.proto.FromString(value)
                route.validate_basic(msg)
            except DecodeError as exc:
                raise InvalidProposalMsgError(
                    f"message {i} ({url}) does not decode: {exc}"
                ) from None
            except AppError as exc:
                raise InvalidProposalMsgError(f"message {i} ({url}): {exc.message}") from None
            if route.module == MODULE and url not in PROPOSABLE_GOV_MSGS:
                raise InvalidProposalMsgError(
                    f"message {i} ({url}): governance's own deposits, votes and proposals "
                    "cannot be proposed"
                )
            try:
                signers = route.signers(msg)
            except AppError as exc:
                raise InvalidSignerError(f"message {i} ({url}): {exc.message}") from None
            if len(signers) != 1 or signers[0] != self.module_address:
                named = ", ".join(account_address(s) for s in signers) or "nobody"
                raise InvalidSignerError(
                    f"message {i} ({url}) is signed by {named}; a proposal's messages must "
                    f"carry the governance account {gov} as their only signer (authority)"
                )

    def submit_proposal(
        self,
        ctx: Context,
        messages: Sequence[tuple[str, bytes]],
        metadata: str,
        title: str,
        summary: str,
        proposer: bytes,
        expedited: bool,
    ) -> Proposal:
        """Stores a new proposal in its deposit period (the initial deposit is added by the
        caller). Raises MetadataTooLongError, SummaryTooLongError and the errors of
        check_proposal_messages."""
        if len(metadata) > MAX_METADATA_LEN:
            raise MetadataTooLongError(
                f"metadata is {len(metadata)} characters, above {MAX_METADATA_LEN}"
            )
        if len(title) > MAX_METADATA_LEN:
            raise MetadataTooLongError(
                f"title is {len(title)} characters, above {MAX_METADATA_LEN}"
            )
        if len(summary) > MAX_SUMMARY_LEN:
            raise SummaryTooLongError(
                f"summary is {len(summary)} characters, above {MAX_SUMMARY_LEN}"
            )
        self.check_proposal_messages(messages)
        proposal_id = self.get_next_proposal_id(ctx)
        params = self.get_params(ctx)
        proposal = Proposal(
            id=proposal_id,
            messages=tuple(messages),
            status=STATUS_DEPOSIT_PERIOD,
            submit_time_ns=ctx.time_ns,
            deposit_end_time_ns=ctx.time_ns + params.max_deposit_period_ns,
            proposer=proposer,
            title=title,
            summary=summary,
            metadata=metadata,
            expedited=expedited,
        )
        self.set_next_proposal_id(ctx, proposal_id + 1)
        self.set_proposal(ctx, proposal)
        self.insert_queue(ctx, proposal)
        events.emit_submit_proposal(ctx, proposal_id, proposer, [url for url, _ in messages])
        return proposal

    def check_initial_deposit(self, ctx: Context, coins: tuple[Coin, ...], expedited: bool) -> None:
        """The initial deposit meets min_initial_deposit_ratio of the minimum deposit (rounded
        half up, as the SDK) and is in accepted denoms. Raises MinDepositTooSmallError,
        InvalidDepositDenomError."""
        params = self.get_params(ctx)
        ratio = params.min_initial_deposit_ratio
        if ratio:
            wanted = tuple(
                Coin(c.denom, (c.amount * ratio + ONE // 2) // ONE)
                for c in params.min_deposit_for(expedited)
            )
            if not is_all_gte(coins, wanted):
                raise MinDepositTooSmallError(
                    f"initial deposit {format_coins(coins) or 'of nothing'} is below "
                    f"{format_coins(wanted)} (min_initial_deposit_ratio "
                    f"{format_dec(ratio)} of the minimum deposit)"
                )
        self.check_deposit_denoms(params, coins)

    @staticmethod
    def check_deposit_denoms(params: Params, coins: Sequence[Coin]) -> None:
        """Raises InvalidDepositDenomError unless every coin's denom is a min_deposit denom."""
        accepted = [c.denom for c in params.min_deposit]
        wrong = [c for c in coins if c.denom not in accepted]
        if wrong:
            raise InvalidDepositDenomError(
                f"deposited {format_coins(coins)}, but governance accepts only "
                f"{', '.join(accepted)}"
            )

    def add_deposit(
        self, ctx: Context, proposal_id: int, depositor: bytes, coins: tuple[Coin, ...]
    ) -> bool:
        """Escrows a deposit on a proposal in its deposit or voting period; a proposal whose
        total reaches its minimum deposit enters its voting period. Returns whether it did.

        Raises UnknownProposalError, InactiveProposalError, InvalidDepositDenomError,
        MinDepositTooSmallError, InsufficientFundsError."""
        proposal = self.must_get_proposal(ctx, proposal_id)
        if proposal.status not in (STATUS_DEPOSIT_PERIOD, STATUS_VOTING_PERIOD):
            raise InactiveProposalError(
                f"proposal {proposal_id} takes no deposits: its deposit and voting periods are over"
            )
        params = self.get_params(ctx)
        self.check_deposit_denoms(params, coins)
        minimum = params.min_deposit_for(proposal.expedited)
        ratio = params.min_deposit_ratio
        if ratio:
            thresholds = [Coin(c.denom, c.amount * ratio // ONE) for c in minimum]
            given = {c.denom: c.amount for c in coins}
            if not any(c.denom in given and given[c.denom] >= c.amount for c in thresholds):
                raise MinDepositTooSmallError(
                    f"received {format_coins(coins) or 'nothing'} but need at least one of "
                    f"{format_coins(thresholds)} (min_deposit_ratio {format_dec(ratio)} of the "
                    "minimum deposit)"
                )
        if coins:
            self.bank.send_coins_from_account_to_module(ctx, depositor, MODULE, coins)
        proposal = proposal.replace(total_deposit=add_coins(proposal.total_deposit, coins))
        activated = proposal.status == STATUS_DEPOSIT_PERIOD and is_all_gte(
            proposal.total_deposit, minimum
        )
        if activated:
            self.activate_voting_period(ctx, proposal)
        else:
            self.set_proposal(ctx, proposal)
        if coins:
            previous = self.get_deposit(ctx, proposal_id, depositor)
            total = add_coins(previous.amount if previous else (), coins)
            self.set_deposit(ctx, Deposit(proposal_id, depositor, total))
        events.emit_deposit(ctx, proposal_id, depositor, coins)
        return activated

    def activate_voting_period(self, ctx: Context, proposal: Proposal) -> Proposal:
        """Moves a proposal from its deposit period into its voting period, starting now."""
        params = self.get_params(ctx)
        period = (
            params.expedited_voting_period_ns if proposal.expedited else params.voting_period_ns
        )
        self.remove_queue(ctx, proposal)
        proposal = proposal.replace(
            status=STATUS_VOTING_PERIOD,
            voting_start_time_ns=ctx.time_ns,
            voting_end_time_ns=ctx.time_ns + period,
        )
        self.set_proposal(ctx, proposal)
        self.insert_queue(ctx, proposal)
        return proposal

    def check_voting_open(self, ctx: Context, proposal: Proposal) -> None:
        """Raises InactiveProposalError unless the proposal is in its voting period, and
        VotingPeriodEndedError once its end time has come (votes count in [start, end))."""
        if proposal.status != STATUS_VOTING_PERIOD:
            raise InactiveProposalError(
                f"proposal {proposal.id} is not in its voting period (status "
                f"{gov_pb2.ProposalStatus.Name(proposal.status)}); votes are taken only then"  # type: ignore[arg-type]
            )
        end = proposal.voting_end_time_ns
        if end is not None and ctx.time_ns >= end:
            raise VotingPeriodEndedError(f"voting on proposal {proposal.id} has ended")

    def add_vote(
        self,
        ctx: Context,
        proposal_id: int,
        voter: bytes,
        options: WeightedOptions,
        metadata: str,
    ) -> Proposal:
        """Records (or replaces) voter's vote (on a model proposal, its reward power too);
        options are checked by the message's validate_basic. Returns the proposal.

        Raises UnknownProposalError, InactiveProposalError, VotingPeriodEndedError,
        MetadataTooLongError."""
        proposal = self.must_get_proposal(ctx, proposal_id)
        self.check_voting_open(ctx, proposal)
        if len(metadata) > MAX_METADATA_LEN:
            raise MetadataTooLongError(
                f"vote metadata is {len(metadata)} characters, above {MAX_METADATA_LEN}"
            )
        self.set_vote(ctx, Vote(proposal_id, voter, options, metadata))
        self.participation.record_vote(ctx, proposal_id, voter)
        events.emit_vote(ctx, proposal_id, voter, options)
        return proposal

    # -- deposit settlements

    def _take_deposits(self, ctx: Context, proposal_id: int) -> list[Deposit]:
        """Deletes and returns the deposits on a proposal."""
        deposits = list(self.iter_deposits(ctx, proposal_id))
        store = self.kv(ctx)
        for d in deposits:
            store.delete(keys.deposit_key(proposal_id, d.depositor))
        return deposits

    def refund_and_delete_deposits(self, ctx: Context, proposal_id: int) -> None:
        """Pays every deposit on a proposal back to its depositor."""
        for d in self._take_deposits(ctx, proposal_id):
            self.bank.send_coins_from_module_to_account(ctx, MODULE, d.depositor, d.amount)

    def delete_and_burn_deposits(self, ctx: Context, proposal_id: int) -> None:
        """Burns every deposit on a proposal."""
        total: tuple[Coin, ...] = ()
        for d in self._take_deposits(ctx, proposal_id):
            total = add_coins(total, d.amount)
        if total:
            self.bank.burn_coins(ctx, MODULE, total)

    def charge_deposits(self, ctx: Context, proposal_id: int, params: Params) -> None:
        """A cancellation: proposal_cancel_ratio of each deposit (truncated) is burned, or sent
        to proposal_cancel_dest (the distribution account: the community pool); the rest goes
        back to each depositor."""
        charges: tuple[Coin, ...] = ()
        for d in self._take_deposits(ctx, proposal_id):
            charge = tuple(
                Coin(c.denom, c.amount * params.proposal_cancel_ratio // ONE) for c in d.amount
            )
            charge = tuple(c for c in charge if c.amount)
            back = sub_coins(d.amount, charge)
            if back:
                self.bank.send_coins_from_module_to_account(ctx, MODULE, d.depositor, back)
            charges = add_coins(charges, charge)
        if not charges:
            return
        dest = params.proposal_cancel_dest
        if not dest:
            self.bank.burn_coins(ctx, MODULE, charges)
            return
        recipient = bech32_decode(dest)
        if recipient == self.accounts.get_module_address(DISTRIBUTION_MODULE):
            self.distribution.fund_community_pool(ctx, self.module_address, list(charges))
        else:
            self.bank.send_coins_from_module_to_account(ctx, MODULE, recipient, charges)

    def cancel_proposal(self, ctx: Context, proposal_id: int, proposer: bytes) -> Proposal:
        """The proposer withdraws a proposal before its voting period ends: deposits are
        charged (charge_deposits), votes deleted, the proposal deleted. Returns it.

        Raises UnknownProposalError, InvalidProposerError, InvalidProposalError,
        VotingPeriodEndedError."""
        proposal = self.must_get_proposal(ctx, proposal_id)
        if proposal.proposer != proposer:
            raise InvalidProposerError(
                f"only the proposer {account_address(proposal.proposer)} may cancel proposal "
                f"{proposal_id}"
            )
        if proposal.status not in (STATUS_DEPOSIT_PERIOD, STATUS_VOTING_PERIOD):
            raise InvalidProposalError(
                f"proposal {proposal_id} is no longer in its deposit or voting period"
            )
        end = proposal.voting_end_time_ns
        if end is not None and end <= ctx.time_ns:
            raise VotingPeriodEndedError(f"voting on proposal {proposal_id} has ended")
        self.charge_deposits(ctx, proposal_id, self.get_params(ctx))
        if proposal.voting_start_time_ns is not None:
            self.delete_all_votes(ctx, proposal_id)
        self.participation.drop(ctx, proposal_id)
        self.delete_proposal(ctx, proposal)
        events.emit_cancel_proposal(ctx, proposal_id, proposer)
        return proposal
