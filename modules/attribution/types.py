"""Attribution params and the pure settlement rules (docs/settlement.md).

The fee split, written down (`compute_split`), for a fee F:

1. Each of the five shares is floor(F * bps / 10^4) (worker, owner, data, community, burn);
   what the five floors leave (less than 5 units) goes to the community share C.
   Of C, floor(C * participation_bps / 10^4) goes to governance's participation pool and the
   rest (remainder included) to the community pool.
2. The owner share passes up the lineage by modelreg's royalty rule
   (`compute_lineage_royalties`): the adapter's owner keeps what it does not pass on.
3. The data share D is divided by attribution weight: record i gets floor(D * w_i / 10^6);
   the remainder R = D - sum (0 <= R < K) goes one unit each to the R records with the
   largest D * w_i mod 10^6, ties to the earlier entry in (datanet, version, record) order.

Every unit of F lands in exactly one share; each record's payout differs from its exact
share by less than one unit; the outcome depends only on the fee, the params and the set of
(record, weight) pairs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aichain.attribution.v1 import attribution_pb2 as pb
from aichain.modules.attribution.errors import InvalidAmountError, InvalidParamsError
from aichain.modules.attribution.weights import PPM_TOTAL

BPS = 10_000
"""Basis points in a whole."""

MAX_AMOUNT = 2**256
"""Amounts are below this."""

RecordKey = tuple[int, int, int]
"""(datanet id, version, record id)."""


def parse_amount(value: str, what: str) -> int:
    """A non-negative decimal integer ('' is 0). Raises InvalidAmountError."""
    if value == "":
        return 0
    if not value.isascii() or not value.isdigit() or len(value) > 78 or int(value) >= MAX_AMOUNT:
        raise InvalidAmountError(f"{what} must be a non-negative integer, got {value!r}")
    return int(value)


@dataclass(frozen=True, slots=True)
class Params:
    """Fee split, limits, windows, agreement thresholds and penalties."""

    worker_bps: int = 2_000
    owner_bps: int = 1_500
    data_bps: int = 5_000
    community_bps: int = 1_000
    burn_bps: int = 500
    max_attributions: int = 32
    max_results_per_msg: int = 1_000
    max_inline_input_bytes: int = 4_096
    max_inline_output_bytes: int = 4_096
    assignment_window_blocks: int = 10
    min_timeout_blocks: int = 5
    max_timeout_blocks: int = 600
    challenge_window_blocks: int = 100
    min_challenge_bond: int = 1_000_000
    committee_size: int = 3
    commit_window_blocks: int = 20
    reveal_window_blocks: int = 20
    min_overlap_ppm: int = 950_000
    weight_tolerance_ppm: int = 50_000
    slash_bps: int = 1_000
    slash_reward_bps: int = 5_000
    no_reveal_penalty: int = 100_000
    timeout_penalty: int = 10_000
    max_misses: int = 3
    jail_seconds: int = 3_600
    participation_bps: int = 1_000
    """Part of the community share, in bps of it, for governance's participation pool: 10 %
    of it, so 1 % of each fee at the default split (docs/settlement.md says why)."""

    def validate(self) -> None:
        """Raises InvalidParamsError naming the first bad field."""
        shares = (self.worker_bps, self.owner_bps, self.data_bps, self.community_bps,
                  self.burn_bps)  # fmt: skip
        if any(not 0 <= s <= BPS for s in shares) or sum(shares) != BPS:
            raise InvalidParamsError(
                "params.worker_bps + owner_bps + data_bps + community_bps + burn_bps must sum "
                f"to {BPS}, each in [0, {BPS}], got {list(shares)}"
            )
        if not 0 <= self.participation_bps <= BPS:
            raise InvalidParamsError(
                f"params.participation_bps is the part of the community share, in bps of it, "
                f"that funds governance's participation pool: it must be in [0, {BPS}] "
                f"(at most the whole community share), got {self.participation_bps}"
            )
        ranges = (
            ("max_attributions", self.max_attributions, 1, 1_024),
            ("max_results_per_msg", self.max_results_per_msg, 1, 100_000),
            ("max_inline_input_bytes", self.max_inline_input_bytes, 0, 1 << 20),
            ("max_inline_output_bytes", self.max_inline_output_bytes, 0, 1 << 20),
            ("assignment_window_blocks", self.assignment_window_blocks, 0, 10**6),
            ("min_timeout_blocks", self.min_timeout_blocks, 1, 10**7),
            ("max_timeout_blocks", self.max_timeout_blocks, self.min_timeout_blocks, 10**7),
            ("challenge_window_blocks", self.challenge_window_blocks, 0, 10**7),
            ("committee_size", self.committee_size, 1, 101),
            ("commit_window_blocks", self.commit_window_blocks, 1, 10**6),
            ("reveal_window_blocks", self.reveal_window_blocks, 1, 10**6),
            ("min_overlap_ppm", self.min_overlap_ppm, 0, PPM_TOTAL),
            ("weight_tolerance_ppm", self.weight_tolerance_ppm, 0, PPM_TOTAL),
            ("slash_bps", self.slash_bps, 0, BPS),
            ("slash_reward_bps", self.slash_reward_bps, 0, BPS),
            ("max_misses", self.max_misses, 1, 10**6),
            ("jail_seconds", self.jail_seconds, 0, 10 * 365 * 86_400),
        )
        for name, value, low, high in ranges:
            if not low <= value <= high:
                raise InvalidParamsError(f"params.{name} must be in [{low}, {high}], got {value}")
        for name, value in (("min_challenge_bond", self.min_challenge_bond),
                            ("no_reveal_penalty", self.no_reveal_penalty),
                            ("timeout_penalty", self.timeout_penalty)):  # fmt: skip
            if not 0 <= value < MAX_AMOUNT:
                raise InvalidParamsError(f"params.{name} must be a non-negative amount")
        if self.min_challenge_bond == 0:
            raise InvalidParamsError("params.min_challenge_bond must be positive")

    def to_proto(self) -> pb.Params:
        """As aichain.attribution.v1.Params."""
        return pb.Params(
            worker_bps=self.worker_bps, owner_bps=self.owner_bps, data_bps=self.data_bps,
            community_bps=self.community_bps, burn_bps=self.burn_bps,
            max_attributions=self.max_attributions, max_results_per_msg=self.max_results_per_msg,
            max_inline_input_bytes=self.max_inline_input_bytes,
            max_inline_output_bytes=self.max_inline_output_bytes,
            assignment_window_blocks=self.assignment_window_blocks,
            min_timeout_blocks=self.min_timeout_blocks, max_timeout_blocks=self.max_timeout_blocks,
            challenge_window_blocks=self.challenge_window_blocks,
            min_challenge_bond=str(self.min_challenge_bond), committee_size=self.committee_size,
            commit_window_blocks=self.commit_window_blocks,
            reveal_window_blocks=self.reveal_window_blocks, min_overlap_ppm=self.min_overlap_ppm,
            weight_tolerance_ppm=self.weight_tolerance_ppm, slash_bps=self.slash_bps,
            slash_reward_bps=self.slash_reward_bps,
            no_reveal_penalty=str(self.no_reveal_penalty),
            timeout_penalty=str(self.timeout_penalty), max_misses=self.max_misses,
            jail_seconds=self.jail_seconds, participation_bps=self.participation_bps,
        )  # fmt: skip

    @classmethod
    def from_proto(cls, p: pb.Params) -> Params:
        """From the proto, validated. Raises InvalidParamsError."""
        try:
            bond, no_reveal, timeout = (
                parse_amount(v, f"params.{n}") for n, v in (
                    ("min_challenge_bond", p.min_challenge_bond),
                    ("no_reveal_penalty", p.no_reveal_penalty),
                    ("timeout_penalty", p.timeout_penalty)))  # fmt: skip
        except InvalidAmountError as exc:
            raise InvalidParamsError(exc.message) from None
        params = cls(
            p.worker_bps, p.owner_bps, p.data_bps, p.community_bps, p.burn_bps,
            p.max_attributions, p.max_results_per_msg, p.max_inline_input_bytes,
            p.max_inline_output_bytes, p.assignment_window_blocks, p.min_timeout_blocks,
            p.max_timeout_blocks, p.challenge_window_blocks, bond, p.committee_size,
            p.commit_window_blocks, p.reveal_window_blocks, p.min_overlap_ppm,
            p.weight_tolerance_ppm, p.slash_bps, p.slash_reward_bps, no_reveal, timeout,
            p.max_misses, p.jail_seconds, p.participation_bps,
        )  # fmt: skip
        params.validate()
        return params


@dataclass(frozen=True, slots=True)
class Split:
    """Where one fee goes: the top-level shares and the data share per record
    (worker + owner + data + community + participation + burn == fee)."""

    worker: int
    owner: int
    data: int
    community: int
    burn: int
    records: tuple[tuple[RecordKey, int], ...]
    """(record, amount) in (datanet, version, record) order; sums to `data`."""
    participation: int = 0
    """The part of the community share that goes to governance's participation pool."""


def compute_data_split(data: int, weights: Sequence[tuple[RecordKey, int]]) -> list[int]:
    """Each record's part of the data share, in the order given (weights sum to 10^6):
    floor(data * w / 10^6), the remainder one unit each to the largest (data * w) mod 10^6,
    ties to the smaller record key."""
    products = [data * w for _, w in weights]
    parts = [p // PPM_TOTAL for p in products]
    remainder = data - sum(parts)
    order = sorted(range(len(weights)), key=lambda i: (-(products[i] % PPM_TOTAL), weights[i][0]))
    for i in order[:remainder]:
        parts[i] += 1
    return parts


def compute_split(fee: int, params: Params, weights: Sequence[tuple[RecordKey, int]]) -> Split:
    """The fee split of docs/settlement.md; `weights` sum to 10^6 with distinct records."""
    worker, owner, data, community, burn = (
        fee * bps // BPS
        for bps in (
            params.worker_bps,
            params.owner_bps,
            params.data_bps,
            params.community_bps,
            params.burn_bps,
        )  # fmt: skip
    )
    community += fee - (worker + owner + data + community + burn)
    participation = community * params.participation_bps // BPS
    ordered = sorted(weights)
    parts = compute_data_split(data, ordered)
    records = tuple((key, amount) for (key, _), amount in zip(ordered, parts, strict=True))
    return Split(worker, owner, data, community - participation, burn, records, participation)


def compute_slash_split(amount: int, reward_bps: int) -> tuple[int, int]:
    """(reward to the winning side, burned) of a slashed amount: floor(amount * bps / 10^4)
    and the rest."""
    reward = amount * reward_bps // BPS
    return reward, amount - reward


def compute_token_fee(per_request: int, per_1k_tokens: int, tokens: int) -> int:
    """A request's price for `tokens` tokens: per_request + ceil(per_1k * tokens / 1000)."""
    return per_request + -(-per_1k_tokens * tokens // 1_000)


def compute_assignment(
    seed: bytes, request_id: int, candidates: Sequence[tuple[bytes, int]]
) -> bytes:
    """The worker a request is assigned to: candidates (operator, bond) in operator order,
    each chosen with probability bond / total, by sha256(seed || request id) mod total."""
    import hashlib

    total = sum(weight for _, weight in candidates)
    draw = int.from_bytes(hashlib.sha256(seed + request_id.to_bytes(8, "big")).digest(), "big")
    draw %= total
    for operator, weight in candidates:
        if draw < weight:
            return operator
        draw -= weight
    raise AssertionError("unreachable: draw < total")  # pragma: no cover


def compute_committee(
    seed: bytes, dispute_id: int, candidates: Sequence[tuple[bytes, int]], size: int
) -> list[bytes]:
    """A committee of up to `size` distinct candidates (operator, bond) in operator order,
    drawn one at a time with probability bond / remaining total by
    sha256(seed || dispute id || draw number) mod remaining total."""
    import hashlib

    remaining = [c for c in candidates if c[1] > 0]
    chosen: list[bytes] = []
    for n in range(min(size, len(remaining))):
        digest = hashlib.sha256(
            seed + dispute_id.to_bytes(8, "big") + n.to_bytes(4, "big")
        ).digest()
        draw = int.from_bytes(digest, "big") % sum(w for _, w in remaining)
        for i, (operator, weight) in enumerate(remaining):
            if draw < weight:
                chosen.append(operator)
                del remaining[i]
                break
            draw -= weight
    return chosen
