"""Records of the slashing module."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cosmos.slashing.v1beta1 import slashing_pb2
from google.protobuf import duration_pb2

from aichain.app.dec import ONE, format_dec, parse_dec_json, parse_dec_wire, truncate_int
from aichain.modules.slashing.errors import InvalidGenesisError, InvalidParamsError

DOUBLE_SIGN_JAIL_END_NS = 253402300799 * 10**9
"""Jailed-until of a tombstoned validator (9999-12-31T23:59:59Z, the Cosmos SDK's)."""

VALIDATOR_UPDATE_DELAY = 1
"""Blocks between a validator set change and CometBFT applying it."""

MAX_INT64 = 2**63 - 1
"""Largest window or duration (ns) a param may hold (the Cosmos SDK's int64 and Go's
time.Duration)."""


def format_duration(ns: int) -> str:
    """A duration of nanoseconds as text: whole seconds as '600s', else '1500ns' (any value,
    valid Duration or not)."""
    return f"{ns // 10**9}s" if ns % 10**9 == 0 else f"{ns}ns"


@dataclass(frozen=True, slots=True)
class Params:
    """Slashing params; fractions are decimal atomics."""

    signed_blocks_window: int = 100
    min_signed_per_window: int = ONE // 2
    downtime_jail_duration_ns: int = 600 * 10**9
    slash_fraction_double_sign: int = ONE // 20
    slash_fraction_downtime: int = ONE // 100

    def validate(self) -> None:
        """Raises InvalidParamsError naming the first field out of range."""
        if self.signed_blocks_window <= 0:
            raise InvalidParamsError(
                f"params.signed_blocks_window must be positive, got {self.signed_blocks_window}"
            )
        if self.signed_blocks_window > MAX_INT64:
            raise InvalidParamsError(
                f"params.signed_blocks_window must be below 2^63, got {self.signed_blocks_window}"
            )
        if self.downtime_jail_duration_ns <= 0:
            raise InvalidParamsError(
                "params.downtime_jail_duration must be positive, got "
                f"{format_duration(self.downtime_jail_duration_ns)}"
            )
        if self.downtime_jail_duration_ns > MAX_INT64:
            raise InvalidParamsError(
                f"params.downtime_jail_duration must be below {MAX_INT64 // 10**9}s, got "
                f"{format_duration(self.downtime_jail_duration_ns)}"
            )
        for name, value in (
            ("min_signed_per_window", self.min_signed_per_window),
            ("slash_fraction_double_sign", self.slash_fraction_double_sign),
            ("slash_fraction_downtime", self.slash_fraction_downtime),
        ):
            if not 0 <= value <= ONE:
                raise InvalidParamsError(
                    f"params.{name} must be within [0, 1], got {format_dec(value)}"
                )

    def max_missed(self) -> int:
        """Most blocks a validator may miss per window before it is jailed."""
        return self.signed_blocks_window - truncate_int(
            self.min_signed_per_window * self.signed_blocks_window
        )

    def to_proto(self) -> slashing_pb2.Params:
        """As cosmos.slashing.v1beta1.Params (decimals as atomics bytes)."""
        d = self.downtime_jail_duration_ns
        return slashing_pb2.Params(
            signed_blocks_window=self.signed_blocks_window,
            min_signed_per_window=str(self.min_signed_per_window).encode(),
            downtime_jail_duration=duration_pb2.Duration(seconds=d // 10**9, nanos=d % 10**9),
            slash_fraction_double_sign=str(self.slash_fraction_double_sign).encode(),
            slash_fraction_downtime=str(self.slash_fraction_downtime).encode(),
        )

    @classmethod
    def from_proto(cls, p: slashing_pb2.Params) -> Params:
        """From cosmos.slashing.v1beta1.Params."""
        d = p.downtime_jail_duration
        return cls(
            p.signed_blocks_window,
            parse_dec_wire(p.min_signed_per_window.decode()),
            d.seconds * 10**9 + d.nanos,
            parse_dec_wire(p.slash_fraction_double_sign.decode()),
            parse_dec_wire(p.slash_fraction_downtime.decode()),
        )

    def to_json(self) -> dict[str, Any]:
        """Genesis JSON (the Cosmos SDK's shape: decimals as text, duration as '600s')."""
        d = self.downtime_jail_duration_ns
        return {
            "signed_blocks_window": str(self.signed_blocks_window),
            "min_signed_per_window": format_dec(self.min_signed_per_window),
            "downtime_jail_duration": duration_pb2.Duration(
                seconds=d // 10**9, nanos=d % 10**9
            ).ToJsonString(),
            "slash_fraction_double_sign": format_dec(self.slash_fraction_double_sign),
            "slash_fraction_downtime": format_dec(self.slash_fraction_downtime),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Params:
        """From genesis JSON; missing fields take defaults. Raises InvalidGenesisError."""
        merged = {**cls().to_json(), **data}
        try:
            duration = duration_pb2.Duration()
            duration.FromJsonString(merged["downtime_jail_duration"])
            params = cls(
                int(merged["signed_blocks_window"]),
                parse_dec_json(merged["min_signed_per_window"]),
                duration.seconds * 10**9 + duration.nanos,
                parse_dec_json(merged["slash_fraction_double_sign"]),
                parse_dec_json(merged["slash_fraction_downtime"]),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidGenesisError(f"slashing params: {exc}") from None
        except Exception as exc:  # InvalidRequestError from a bad decimal
            raise InvalidGenesisError(f"slashing params: {exc}") from None
        try:
            params.validate()
        except InvalidParamsError as exc:
            raise InvalidGenesisError(f"slashing params: {exc.message}") from None
        return params


@dataclass(frozen=True, slots=True)
class SigningInfo:
    """A validator's liveness record."""

    address: bytes
    start_height: int = 0
    index_offset: int = 0
    jailed_until_ns: int = 0
    tombstoned: bool = False
    missed_blocks_counter: int = 0


def format_time(time_ns: int) -> str:
    """RFC 3339 text of nanoseconds since the epoch."""
    from google.protobuf import timestamp_pb2

    t = timestamp_pb2.Timestamp()
    t.FromNanoseconds(time_ns)
    return t.ToJsonString()
