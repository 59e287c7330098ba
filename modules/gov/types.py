"""Records of the governance module and their Cosmos SDK protobuf forms (cosmos.gov.v1), and
the model-vote track's (aichain.gov.v1).

Decimals (quorum, thresholds, ratios, vote weights) are ints of atomics (18 places, as
`app/dec.py`); on the cosmos.gov.v1 wire they are decimal text ("0.334000000000000000"), as
the SDK writes these plain `cosmos.Dec` strings. Times and durations are nanoseconds.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from cosmos.base.v1beta1 import coin_pb2
from cosmos.gov.v1 import gov_pb2
from google.protobuf import any_pb2, duration_pb2, json_format, timestamp_pb2

from aichain.app.coins import Coin, coins_from_proto
from aichain.app.crypto import account_address, bech32_decode
from aichain.app.dec import ONE, format_dec, parse_dec_text
from aichain.app.errors import AppError
from aichain.gov.v1 import gov_pb2 as aic_gov_pb2
from aichain.modules.gov.errors import InvalidParamsError

DAY_NS = 24 * 3600 * 10**9
"""A day in nanoseconds."""

MODULE = "gov"
"""The governance module account (burner): deposits are held here, refunded or burned; its
address is the authority every MsgUpdateParams checks."""

PARTICIPATION_POOL = "gov_participation"
"""The module account holding the participation pool and the rewards set aside for model
proposals' voters."""

BOND_DENOM = "uaic"
"""The denom of the default deposits."""

# Proposal statuses (cosmos.gov.v1.ProposalStatus values).
STATUS_UNSPECIFIED = gov_pb2.PROPOSAL_STATUS_UNSPECIFIED
STATUS_DEPOSIT_PERIOD = gov_pb2.PROPOSAL_STATUS_DEPOSIT_PERIOD
STATUS_VOTING_PERIOD = gov_pb2.PROPOSAL_STATUS_VOTING_PERIOD
STATUS_PASSED = gov_pb2.PROPOSAL_STATUS_PASSED
STATUS_REJECTED = gov_pb2.PROPOSAL_STATUS_REJECTED
STATUS_FAILED = gov_pb2.PROPOSAL_STATUS_FAILED

# Vote options (cosmos.gov.v1.VoteOption values).
YES = gov_pb2.VOTE_OPTION_YES
ABSTAIN = gov_pb2.VOTE_OPTION_ABSTAIN
NO = gov_pb2.VOTE_OPTION_NO
NO_WITH_VETO = gov_pb2.VOTE_OPTION_NO_WITH_VETO

OPTIONS = (YES, ABSTAIN, NO, NO_WITH_VETO)
"""The options a vote may carry, in the order tallies list them."""

MAX_METADATA_LEN = 255
"""Longest metadata and title of a proposal or vote (the SDK's MaxMetadataLen)."""

MAX_SUMMARY_LEN = 40 * MAX_METADATA_LEN
"""Longest proposal summary."""


def ts(time_ns: int) -> timestamp_pb2.Timestamp:
    """A Timestamp of nanoseconds since the epoch."""
    return timestamp_pb2.Timestamp(seconds=time_ns // 10**9, nanos=time_ns % 10**9)


def ts_ns(t: timestamp_pb2.Timestamp) -> int:
    """Nanoseconds since the epoch of a Timestamp."""
    return t.seconds * 10**9 + t.nanos


def _duration(ns: int) -> duration_pb2.Duration:
    return duration_pb2.Duration(seconds=ns // 10**9, nanos=ns % 10**9)


def coins_pb(coins: tuple[Coin, ...] | list[Coin]) -> list[coin_pb2.Coin]:
    """Coins as cosmos.base.v1beta1.Coin messages."""
    return [coin_pb2.Coin(denom=c.denom, amount=str(c.amount)) for c in coins]


def is_all_gte(have: tuple[Coin, ...], want: tuple[Coin, ...]) -> bool:
    """Whether have holds at least each coin of want (the SDK's Coins.IsAllGTE)."""
    held = {c.denom: c.amount for c in have}
    return all(held.get(c.denom, 0) >= c.amount for c in want)


def add_coins(a: tuple[Coin, ...], b: tuple[Coin, ...] | list[Coin]) -> tuple[Coin, ...]:
    """a + b, sorted by denom, zero amounts dropped."""
    total: dict[str, int] = {}
    for coin in (*a, *b):
        total[coin.denom] = total.get(coin.denom, 0) + coin.amount
    return tuple(Coin(d, n) for d, n in sorted(total.items()) if n)


def sub_coins(a: tuple[Coin, ...], b: tuple[Coin, ...] | list[Coin]) -> tuple[Coin, ...]:
    """a - b, sorted by denom, zero amounts dropped. Raises ValueError when b exceeds a."""
    total = {c.denom: c.amount for c in a}
    for coin in b:
        left = total.get(coin.denom, 0) - coin.amount
        if left < 0:
            raise ValueError(f"cannot take {coin} from {','.join(map(str, a)) or 'nothing'}")
        total[coin.denom] = left
    return tuple(Coin(d, n) for d, n in sorted(total.items()) if n)


def min_coins(a: tuple[Coin, ...], b: tuple[Coin, ...]) -> tuple[Coin, ...]:
    """The per-denom minimum of a and b (denoms in both), sorted."""
    held = {c.denom: c.amount for c in b}
    return tuple(Coin(c.denom, min(c.amount, held[c.denom])) for c in a if held.get(c.denom))


@dataclass(frozen=True, slots=True)
class Params:
    """The standard track's params (cosmos.gov.v1.Params, the SDK's defaults with uaic)."""

    min_deposit: tuple[Coin, ...] = (Coin(BOND_DENOM, 10_000_000),)
    max_deposit_period_ns: int = 2 * DAY_NS
    voting_period_ns: int = 2 * DAY_NS
    quorum: int = ONE * 334 // 1000
    threshold: int = ONE // 2
    veto_threshold: int = ONE * 334 // 1000
    min_initial_deposit_ratio: int = 0
    proposal_cancel_ratio: int = ONE // 2
    proposal_cancel_dest: str = ""
    expedited_voting_period_ns: int = DAY_NS
    expedited_threshold: int = ONE * 667 // 1000
    expedited_min_deposit: tuple[Coin, ...] = (Coin(BOND_DENOM, 50_000_000),)
    burn_vote_quorum: bool = False
    burn_proposal_deposit_prevote: bool = False
    burn_vote_veto: bool = True
    min_deposit_ratio: int = ONE // 100

    def validate(self) -> None:
        """The SDK's Params.ValidateBasic. Raises InvalidParamsError naming the first bad
        field."""
        if not self.min_deposit:
            raise InvalidParamsError("params.min_deposit must hold at least one coin")
        if not self.expedited_min_deposit:
            raise InvalidParamsError("params.expedited_min_deposit must hold at least one coin")
        if is_all_gte(self.min_deposit, self.expedited_min_deposit):
            raise InvalidParamsError(
                "params.expedited_min_deposit must be greater than params.min_deposit"
            )
        for name in ("max_deposit_period_ns", "voting_period_ns", "expedited_voting_period_ns"):
            if getattr(self, name) <= 0:
                raise InvalidParamsError(f"params.{name[:-3]} must be positive")
        if self.expedited_voting_period_ns >= self.voting_period_ns:
            raise InvalidParamsError(
                "params.expedited_voting_period must be shorter than params.voting_period"
            )
        for name, low_open in (
            ("quorum", False),
            ("threshold", True),
            ("expedited_threshold", True),
            ("veto_threshold", True),
            ("min_initial_deposit_ratio", False),
            ("proposal_cancel_ratio", False),
            ("min_deposit_ratio", False),
        ):
            value = getattr(self, name)
            if value < 0 or (low_open and value == 0) or value > ONE:
                span = "(0, 1]" if low_open else "[0, 1]"
                raise InvalidParamsError(
                    f"params.{name} must be in {span}, got {format_dec(value)}"
                )
        if self.expedited_threshold <= self.threshold:
            raise InvalidParamsError(
                "params.expedited_threshold must be greater than params.threshold"
            )
        if self.proposal_cancel_dest:
            try:
                bech32_decode(self.proposal_cancel_dest)
            except AppError:
                raise InvalidParamsError(
                    f"params.proposal_cancel_dest {self.proposal_cancel_dest!r} is not an "
                    "account address (leave it empty to burn)"
                ) from None

    def min_deposit_for(self, expedited: bool) -> tuple[Coin, ...]:
        """The deposit a proposal of that kind needs to enter its voting period."""
        return self.expedited_min_deposit if expedited else self.min_deposit

    def to_proto(self) -> gov_pb2.Params:
        """As cosmos.gov.v1.Params."""
        return gov_pb2.Params(
            min_deposit=coins_pb(self.min_deposit),
            max_deposit_period=_duration(self.max_deposit_period_ns),
            voting_period=_duration(self.voting_period_ns),
            quorum=format_dec(self.quorum),
            threshold=format_dec(self.threshold),
            veto_threshold=format_dec(self.veto_threshold),
            min_initial_deposit_ratio=format_dec(self.min_initial_deposit_ratio),
            proposal_cancel_ratio=format_dec(self.proposal_cancel_ratio),
            proposal_cancel_dest=self.proposal_cancel_dest,
            expedited_voting_period=_duration(self.expedited_voting_period_ns),
            expedited_threshold=format_dec(self.expedited_threshold),
            expedited_min_deposit=coins_pb(self.expedited_min_deposit),
            burn_vote_quorum=self.burn_vote_quorum,
            burn_proposal_deposit_prevote=self.burn_proposal_deposit_prevote,
            burn_vote_veto=self.burn_vote_veto,
            min_deposit_ratio=format_dec(self.min_deposit_ratio),
        )

    @classmethod
    def from_proto(cls, p: gov_pb2.Params) -> Params:
        """From cosmos.gov.v1.Params, validated. Raises InvalidParamsError naming the field."""
        decs = {}
        for name in (
            "quorum",
            "threshold",
            "veto_threshold",
            "min_initial_deposit_ratio",
            "proposal_cancel_ratio",
            "expedited_threshold",
            "min_deposit_ratio",
        ):
            try:
                decs[name] = parse_dec_text(getattr(p, name))
            except AppError:
                raise InvalidParamsError(
                    f"params.{name} {getattr(p, name)!r} is not a decimal (e.g. 0.5)"
                ) from None
        durations = {}
        for name in ("max_deposit_period", "voting_period", "expedited_voting_period"):
            if not p.HasField(name):
                raise InvalidParamsError(f"params.{name} must be set (e.g. 172800s)")
            d = getattr(p, name)
            durations[name] = d.seconds * 10**9 + d.nanos
        coins = {}
        for name in ("min_deposit", "expedited_min_deposit"):
            try:
                coins[name] = coins_from_proto(getattr(p, name))
            except AppError as exc:
                raise InvalidParamsError(f"params.{name}: {exc.message}") from None
        params = cls(
            min_deposit=coins["min_deposit"],
            max_deposit_period_ns=durations["max_deposit_period"],
            voting_period_ns=durations["voting_period"],
            quorum=decs["quorum"],
            threshold=decs["threshold"],
            veto_threshold=decs["veto_threshold"],
            min_initial_deposit_ratio=decs["min_initial_deposit_ratio"],
            proposal_cancel_ratio=decs["proposal_cancel_ratio"],
            proposal_cancel_dest=p.proposal_cancel_dest,
            expedited_voting_period_ns=durations["expedited_voting_period"],
            expedited_threshold=decs["expedited_threshold"],
            expedited_min_deposit=coins["expedited_min_deposit"],
            burn_vote_quorum=p.burn_vote_quorum,
            burn_proposal_deposit_prevote=p.burn_proposal_deposit_prevote,
            burn_vote_veto=p.burn_vote_veto,
            min_deposit_ratio=decs["min_deposit_ratio"],
        )
        params.validate()
        return params

    def to_json(self) -> dict[str, Any]:
        """As genesis JSON (the SDK's: durations "172800s", decimals as text)."""
        return json_format.MessageToDict(
            self.to_proto(),
            always_print_fields_with_no_presence=True,
            preserving_proto_field_name=True,
        )

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Params:
        """From genesis JSON; fields not given keep their defaults. Raises InvalidParamsError,
        json_format.ParseError."""
        merged = {**cls().to_json(), **data}
        return cls.from_proto(json_format.ParseDict(merged, gov_pb2.Params()))


@dataclass(frozen=True, slots=True)
class ModelParams:
    """The model-vote track's params (aichain.gov.v1.Params)."""

    participation_reward: tuple[Coin, ...] = ()

    def to_proto(self) -> aic_gov_pb2.Params:
        """As aichain.gov.v1.Params."""
        return aic_gov_pb2.Params(participation_reward=coins_pb(self.participation_reward))

    @classmethod
    def from_proto(cls, p: aic_gov_pb2.Params) -> ModelParams:
        """From aichain.gov.v1.Params. Raises InvalidParamsError naming the field."""
        try:
            return cls(coins_from_proto(p.participation_reward))
        except AppError as exc:
            raise InvalidParamsError(f"params.participation_reward: {exc.message}") from None


@dataclass(frozen=True, slots=True)
class TallyResult:
    """Voting power per option (bond-denom tokens, truncated)."""

    yes: int = 0
    abstain: int = 0
    no: int = 0
    no_with_veto: int = 0

    def to_proto(self) -> gov_pb2.TallyResult:
        """As cosmos.gov.v1.TallyResult."""
        return gov_pb2.TallyResult(
            yes_count=str(self.yes),
            abstain_count=str(self.abstain),
            no_count=str(self.no),
            no_with_veto_count=str(self.no_with_veto),
        )

    @classmethod
    def from_proto(cls, t: gov_pb2.TallyResult) -> TallyResult:
        """From cosmos.gov.v1.TallyResult."""
        return cls(
            int(t.yes_count or 0),
            int(t.abstain_count or 0),
            int(t.no_count or 0),
            int(t.no_with_veto_count or 0),
        )


@dataclass(frozen=True, slots=True)
class Proposal:
    """A proposal: the messages it executes when it passes, its deposit and voting times."""

    id: int
    messages: tuple[tuple[str, bytes], ...]
    """(type URL, serialized message) of each message, in execution order."""
    status: int
    submit_time_ns: int
    deposit_end_time_ns: int
    proposer: bytes
    title: str = ""
    summary: str = ""
    metadata: str = ""
    expedited: bool = False
    total_deposit: tuple[Coin, ...] = ()
    voting_start_time_ns: int | None = None
    voting_end_time_ns: int | None = None
    final_tally: TallyResult = TallyResult()
    failed_reason: str = ""

    def replace(self, **changes: Any) -> Proposal:
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)

    def to_proto(self) -> gov_pb2.Proposal:
        """As cosmos.gov.v1.Proposal."""
        p = gov_pb2.Proposal(
            id=self.id,
            messages=[any_pb2.Any(type_url=url, value=value) for url, value in self.messages],
            status=self.status,  # type: ignore[arg-type]
            final_tally_result=self.final_tally.to_proto(),
            submit_time=ts(self.submit_time_ns),
            deposit_end_time=ts(self.deposit_end_time_ns),
            total_deposit=coins_pb(self.total_deposit),
            metadata=self.metadata,
            title=self.title,
            summary=self.summary,
            proposer=account_address(self.proposer),
            expedited=self.expedited,
            failed_reason=self.failed_reason,
        )
        if self.voting_start_time_ns is not None:
            p.voting_start_time.CopyFrom(ts(self.voting_start_time_ns))
        if self.voting_end_time_ns is not None:
            p.voting_end_time.CopyFrom(ts(self.voting_end_time_ns))
        return p

    @classmethod
    def from_proto(cls, p: gov_pb2.Proposal) -> Proposal:
        """From cosmos.gov.v1.Proposal. Raises InvalidAddressError, InvalidCoinsError."""
        return cls(
            id=p.id,
            messages=tuple((m.type_url, m.value) for m in p.messages),
            status=p.status,
            submit_time_ns=ts_ns(p.submit_time),
            deposit_end_time_ns=ts_ns(p.deposit_end_time),
            proposer=bech32_decode(p.proposer),
            title=p.title,
            summary=p.summary,
            metadata=p.metadata,
            expedited=p.expedited,
            total_deposit=coins_from_proto(p.total_deposit),
            voting_start_time_ns=ts_ns(p.voting_start_time)
            if p.HasField("voting_start_time")
            else None,
            voting_end_time_ns=ts_ns(p.voting_end_time) if p.HasField("voting_end_time") else None,
            final_tally=TallyResult.from_proto(p.final_tally_result),
            failed_reason=p.failed_reason,
        )


WeightedOptions = tuple[tuple[int, int], ...]
"""(option, weight atomics) pairs of a vote; the weights sum to 1."""


@dataclass(frozen=True, slots=True)
class Vote:
    """A voter's (weighted) vote on a proposal."""

    proposal_id: int
    voter: bytes
    options: WeightedOptions
    metadata: str = ""

    def to_proto(self) -> gov_pb2.Vote:
        """As cosmos.gov.v1.Vote."""
        return gov_pb2.Vote(
            proposal_id=self.proposal_id,
            voter=account_address(self.voter),
            options=[
                gov_pb2.WeightedVoteOption(option=o, weight=format_dec(w))  # type: ignore[arg-type]
                for o, w in self.options
            ],
            metadata=self.metadata,
        )

    @classmethod
    def from_proto(cls, v: gov_pb2.Vote) -> Vote:
        """From cosmos.gov.v1.Vote. Raises InvalidAddressError, InvalidRequestError."""
        return cls(
            v.proposal_id,
            bech32_decode(v.voter),
            tuple((o.option, parse_dec_text(o.weight)) for o in v.options),
            v.metadata,
        )


@dataclass(frozen=True, slots=True)
class Deposit:
    """What a depositor has deposited on a proposal."""

    proposal_id: int
    depositor: bytes
    amount: tuple[Coin, ...]

    def to_proto(self) -> gov_pb2.Deposit:
        """As cosmos.gov.v1.Deposit."""
        return gov_pb2.Deposit(
            proposal_id=self.proposal_id,
            depositor=account_address(self.depositor),
            amount=coins_pb(self.amount),
        )

    @classmethod
    def from_proto(cls, d: gov_pb2.Deposit) -> Deposit:
        """From cosmos.gov.v1.Deposit. Raises InvalidAddressError, InvalidCoinsError."""
        return cls(d.proposal_id, bech32_decode(d.depositor), coins_from_proto(d.amount))


@dataclass(frozen=True, slots=True)
class ModelProposal:
    """The participation record of a model-track proposal: the voters' total reward power,
    the reward set aside when voting ended, and what voters have claimed of it."""

    proposal_id: int
    total_power: int = 0
    reward: tuple[Coin, ...] = ()
    claimed: tuple[Coin, ...] = ()
    voting_ended: bool = False

    def replace(self, **changes: Any) -> ModelProposal:
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)

    def to_proto(self) -> aic_gov_pb2.ModelProposal:
        """As aichain.gov.v1.ModelProposal."""
        return aic_gov_pb2.ModelProposal(
            proposal_id=self.proposal_id,
            total_power=str(self.total_power),
            reward=coins_pb(self.reward),
            claimed=coins_pb(self.claimed),
            voting_ended=self.voting_ended,
        )

    @classmethod
    def from_proto(cls, m: aic_gov_pb2.ModelProposal) -> ModelProposal:
        """From aichain.gov.v1.ModelProposal. Raises InvalidCoinsError, ValueError."""
        return cls(
            m.proposal_id,
            int(m.total_power or 0),
            coins_from_proto(m.reward),
            coins_from_proto(m.claimed),
            m.voting_ended,
        )


def compute_reward_share(
    power: int, total_power: int, reward: tuple[Coin, ...]
) -> tuple[Coin, ...]:
    """A voter's share of a model proposal's reward: floor(power * amount / total_power) of
    each denom (the remainder stays in the pool). Empty when total_power is 0."""
    if total_power <= 0 or power <= 0:
        return ()
    share = (Coin(c.denom, c.amount * power // total_power) for c in reward)
    return tuple(c for c in share if c.amount)
