"""Datanet params and the pure rules of its accounting (bond burn, quota days, rewards).

Rounding, written down (docs/datanet.md): a rejection burns floor(bond * bps / 10^4) and
refunds the rest; a credit to a version adds floor((amount * 10^18 + remainder) / weight) to
its reward per weight and keeps the remainder; a contributor's claim pays floor(owed / 10^18)
and carries the rest. Nothing is lost: paid * 10^18 == claimed * 10^18 + sum(owed) + remainder.
"""

from __future__ import annotations

from dataclasses import dataclass

from aichain.app.coins import validate_denom
from aichain.app.errors import AppError
from aichain.datanet.v1 import datanet_pb2
from aichain.modules.datanet.errors import InvalidParamsError

BPS = 10_000
"""Basis points in a whole."""

REWARD_SCALE = 10**18
"""Fixed-point scale of reward per weight."""

SECONDS_PER_DAY = 86_400
"""Length of a quota day of block time."""

MAX_NAME = 64
"""Longest datanet name (characters)."""
MAX_DESCRIPTION = 2048
"""Longest description (bytes)."""
MAX_LICENSE = 128
"""Longest license text (bytes)."""
MAX_METADATA = 1024
"""Longest record metadata (bytes)."""
MAX_MEDIA_TYPE = 127
"""Longest media type."""
MAX_REASON = 512
"""Longest rejection reason or changelog line (bytes)."""
MAX_CHANGELOG = 4096
"""Longest changelog (bytes)."""


@dataclass(frozen=True, slots=True)
class Params:
    """Rejection burn share, size and list bounds, bond denom."""

    rejection_burn_bps: int = 5_000
    max_record_size: int = 64 * 1024 * 1024
    max_curators: int = 32
    max_publish_records: int = 10_000
    bond_denom: str = "uaic"

    def validate(self) -> None:
        """Raises InvalidParamsError naming the first bad field."""
        if not 0 <= self.rejection_burn_bps <= BPS:
            raise InvalidParamsError(
                f"params.rejection_burn_bps must be in [0, {BPS}], got {self.rejection_burn_bps}"
            )
        if not 0 < self.max_record_size < 2**63:
            raise InvalidParamsError(
                f"params.max_record_size must be positive, got {self.max_record_size}"
            )
        if not 0 < self.max_curators <= 1000:
            raise InvalidParamsError(
                f"params.max_curators must be in [1, 1000], got {self.max_curators}"
            )
        if not 0 < self.max_publish_records <= 1_000_000:
            raise InvalidParamsError(
                "params.max_publish_records must be in [1, 1000000], got "
                f"{self.max_publish_records}"
            )
        try:
            validate_denom(self.bond_denom)
        except AppError:
            raise InvalidParamsError(
                f"params.bond_denom {self.bond_denom!r} is not a denom"
            ) from None

    def to_proto(self) -> datanet_pb2.Params:
        """As aichain.datanet.v1.Params."""
        return datanet_pb2.Params(
            rejection_burn_bps=self.rejection_burn_bps,
            max_record_size=self.max_record_size,
            max_curators=self.max_curators,
            max_publish_records=self.max_publish_records,
            bond_denom=self.bond_denom,
        )

    @classmethod
    def from_proto(cls, p: datanet_pb2.Params) -> Params:
        """From the proto, validated. Raises InvalidParamsError."""
        params = cls(
            p.rejection_burn_bps,
            p.max_record_size,
            p.max_curators,
            p.max_publish_records,
            p.bond_denom,
        )
        params.validate()
        return params


def compute_rejection_split(bond: int, burn_bps: int) -> tuple[int, int]:
    """(burned, refunded) of a rejected record's bond: floor(bond * bps / 10^4) burned."""
    burned = bond * burn_bps // BPS
    return burned, bond - burned


def compute_quota_day(time_ns: int) -> int:
    """The block-time day (UTC days since the epoch) of a block time in nanoseconds."""
    return max(time_ns, 0) // 1_000_000_000 // SECONDS_PER_DAY


def compute_credit(
    reward_per_weight: int, remainder: int, amount: int, total_weight: int
) -> tuple[int, int]:
    """(reward per weight, remainder) after crediting amount to total_weight units."""
    scaled = amount * REWARD_SCALE + remainder
    return reward_per_weight + scaled // total_weight, scaled % total_weight


def compute_owed(weight: int, reward_per_weight: int, snapshot: int, carry: int) -> int:
    """What a contributor is owed, scaled by 10^18, since its snapshot."""
    return weight * (reward_per_weight - snapshot) + carry


def compute_claim(owed_scaled: int) -> tuple[int, int]:
    """(paid now, carried) of a scaled amount owed: the whole units, and the rest."""
    return owed_scaled // REWARD_SCALE, owed_scaled % REWARD_SCALE
