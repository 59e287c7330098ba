"""Modelreg params and pure rules: price bounds, lineage royalties.

Royalties, written down (docs/modelreg.md): of an adapter's revenue R, floor(R * bps / 10^4)
goes up to its parent, floor(that * bps / 10^4) on to the grandparent, and so on up the
lineage (at most max_lineage_depth levels); each level keeps what it does not pass on.
"""

from __future__ import annotations

from dataclasses import dataclass

from aichain.app.coins import validate_denom
from aichain.app.errors import AppError
from aichain.modelreg.v1 import modelreg_pb2 as pb
from aichain.modules.modelreg.errors import InvalidAmountError, InvalidParamsError

BPS = 10_000
"""Basis points in a whole."""


def parse_amount(value: str, what: str) -> int:
    """A non-negative decimal integer ('' is 0). Raises InvalidAmountError."""
    if value == "":
        return 0
    if not value.isascii() or not value.isdigit() or len(value) > 77 or int(value) >= 2**256:
        raise InvalidAmountError(f"{what} must be a non-negative integer, got {value!r}")
    return int(value)


@dataclass(frozen=True, slots=True)
class Params:
    """Activation rule, price bounds, worker bond and unbonding, lineage and royalties."""

    owner_activation: bool = True
    min_price: int = 0
    max_price: int = 10**12
    min_worker_bond: int = 1_000_000
    unbonding_seconds: int = 21 * 86_400
    max_lineage_depth: int = 8
    royalty_bps: int = 1_000
    max_models_per_worker: int = 64
    bond_denom: str = "uaic"

    def validate(self) -> None:
        """Raises InvalidParamsError naming the first bad field."""
        if not 0 <= self.min_price <= self.max_price < 2**256:
            raise InvalidParamsError(
                f"params.min_price {self.min_price} must not exceed params.max_price "
                f"{self.max_price}"
            )
        if not 0 <= self.min_worker_bond < 2**256:
            raise InvalidParamsError("params.min_worker_bond must be a non-negative amount")
        if not 0 <= self.unbonding_seconds <= 10 * 365 * 86_400:
            raise InvalidParamsError(
                f"params.unbonding_seconds must be in [0, 10 years], got {self.unbonding_seconds}"
            )
        if not 1 <= self.max_lineage_depth <= 64:
            raise InvalidParamsError(
                f"params.max_lineage_depth must be in [1, 64], got {self.max_lineage_depth}"
            )
        if not 0 <= self.royalty_bps <= BPS:
            raise InvalidParamsError(
                f"params.royalty_bps must be in [0, {BPS}], got {self.royalty_bps}"
            )
        if not 1 <= self.max_models_per_worker <= 10_000:
            raise InvalidParamsError(
                f"params.max_models_per_worker must be in [1, 10000], got "
                f"{self.max_models_per_worker}"
            )
        try:
            validate_denom(self.bond_denom)
        except AppError:
            raise InvalidParamsError(
                f"params.bond_denom {self.bond_denom!r} is not a denom"
            ) from None

    def to_proto(self) -> pb.Params:
        """As aichain.modelreg.v1.Params."""
        return pb.Params(
            owner_activation=self.owner_activation,
            min_price=str(self.min_price),
            max_price=str(self.max_price),
            min_worker_bond=str(self.min_worker_bond),
            unbonding_seconds=self.unbonding_seconds,
            max_lineage_depth=self.max_lineage_depth,
            royalty_bps=self.royalty_bps,
            max_models_per_worker=self.max_models_per_worker,
            bond_denom=self.bond_denom,
        )

    @classmethod
    def from_proto(cls, p: pb.Params) -> Params:
        """From the proto, validated. Raises InvalidParamsError."""
        try:
            amounts = [parse_amount(v, f"params.{n}") for n, v in (
                ("min_price", p.min_price), ("max_price", p.max_price),
                ("min_worker_bond", p.min_worker_bond))]  # fmt: skip
        except InvalidAmountError as exc:
            raise InvalidParamsError(exc.message) from None
        params = cls(
            p.owner_activation, amounts[0], amounts[1], amounts[2], p.unbonding_seconds,
            p.max_lineage_depth, p.royalty_bps, p.max_models_per_worker, p.bond_denom,
        )  # fmt: skip
        params.validate()
        return params


def compute_lineage_royalties(revenue: int, depth: int, royalty_bps: int) -> list[int]:
    """What the adapter's owner and each ancestor (parent first, `depth` of them) keep of the
    adapter's revenue: each level passes floor(bps / 10^4) of what reached it up the lineage
    and keeps the rest; the last ancestor keeps all that reached it. Sums to revenue."""
    reached = [revenue]
    for _ in range(depth):
        reached.append(reached[-1] * royalty_bps // BPS)
    kept = [reached[i] - reached[i + 1] for i in range(depth)]
    return [*kept, reached[depth]]


MAX_RANKED_VERSIONS = 16
"""Most models one governance version ranking holds (a chain of successors), so walking a
ranking costs at most this many reads."""


def compute_price_bounds(params: Params, model_min: str, model_max: str) -> tuple[int, int]:
    """The bounds a model's prices must lie in: the params' bounds narrowed by the model's own
    (governance's MsgSetPriceBounds; "" is no bound of its own on that side). The range is
    empty (low > high) when the two do not meet."""
    low = max(params.min_price, int(model_min)) if model_min else params.min_price
    high = min(params.max_price, int(model_max)) if model_max else params.max_price
    return low, high


def compute_clamped(price: int, low: int, high: int) -> int:
    """price moved into [low, high] (low <= high)."""
    return min(max(price, low), high)
