"""Records of the staking module and their Cosmos SDK protobuf forms."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from cosmos.crypto.ed25519 import keys_pb2 as ed25519_pb2
from cosmos.staking.v1beta1 import staking_pb2
from google.protobuf import any_pb2, duration_pb2, timestamp_pb2
from google.protobuf.message import DecodeError

from aichain.app.crypto import (
    account_address,
    bech32_decode,
    consensus_address,
    valoper_address,
)
from aichain.app.dec import ONE, dec_wire, parse_dec_wire
from aichain.app.errors import InvalidPubKeyError

ED25519_PUBKEY_URL = "/cosmos.crypto.ed25519.PubKey"
"""Type URL of the only consensus key type CometBFT is given."""

POWER_REDUCTION = 10**6
"""Tokens per unit of consensus power (1 AIC = 1 power)."""

UNBONDED, UNBONDING, BONDED = 1, 2, 3
"""Bond statuses (cosmos.staking.v1beta1.BondStatus values)."""

STATUS_NAMES = {
    UNBONDED: "BOND_STATUS_UNBONDED",
    UNBONDING: "BOND_STATUS_UNBONDING",
    BONDED: "BOND_STATUS_BONDED",
}
"""Status -> its proto enum name (the Validators query filters by these)."""

BONDED_POOL = "bonded_tokens_pool"
"""Module account holding the tokens of bonded validators."""

NOT_BONDED_POOL = "not_bonded_tokens_pool"
"""Module account holding unbonded/unbonding validators' tokens and unbonding entries."""

DAY_NS = 24 * 3600 * 10**9
"""A day in nanoseconds (commission may change once per day)."""

DO_NOT_MODIFY = "[do-not-modify]"
"""Description field value in MsgEditValidator meaning 'keep the current value'."""


def ts(time_ns: int) -> timestamp_pb2.Timestamp:
    """A Timestamp of nanoseconds since the epoch."""
    return timestamp_pb2.Timestamp(seconds=time_ns // 10**9, nanos=time_ns % 10**9)


def ts_ns(t: timestamp_pb2.Timestamp) -> int:
    """Nanoseconds since the epoch of a Timestamp."""
    return t.seconds * 10**9 + t.nanos


def pubkey_any(pubkey: bytes) -> any_pb2.Any:
    """An ed25519 consensus key as the Any Cosmos clients send."""
    return any_pb2.Any(
        type_url=ED25519_PUBKEY_URL, value=ed25519_pb2.PubKey(key=pubkey).SerializeToString()
    )


def pubkey_from_any(value: any_pb2.Any) -> bytes:
    """The 32 key bytes of an ed25519 PubKey Any. Raises InvalidPubKeyError."""
    if value.type_url != ED25519_PUBKEY_URL:
        raise InvalidPubKeyError(
            f"consensus key type {value.type_url or '(none)'} is not supported; "
            f"use {ED25519_PUBKEY_URL} (CometBFT's priv_validator_key.json)"
        )
    try:
        key = ed25519_pb2.PubKey.FromString(value.value).key
    except DecodeError:  # found by tests/fuzz: it escaped as an internal error
        raise InvalidPubKeyError(
            f"consensus key {ED25519_PUBKEY_URL} does not decode: give 32 ed25519 key bytes"
        ) from None
    consensus_address(key)  # checks the length
    return key


@dataclass(frozen=True, slots=True)
class Params:
    """Staking params (the Cosmos SDK's, with aichain's denom)."""

    unbonding_time_ns: int = 21 * DAY_NS
    max_validators: int = 100
    max_entries: int = 7
    historical_entries: int = 0
    bond_denom: str = "uaic"
    min_commission_rate: int = 0

    def to_proto(self) -> staking_pb2.Params:
        """As cosmos.staking.v1beta1.Params."""
        return staking_pb2.Params(
            unbonding_time=duration_pb2.Duration(
                seconds=self.unbonding_time_ns // 10**9, nanos=self.unbonding_time_ns % 10**9
            ),
            max_validators=self.max_validators,
            max_entries=self.max_entries,
            historical_entries=self.historical_entries,
            bond_denom=self.bond_denom,
            min_commission_rate=dec_wire(self.min_commission_rate),
        )

    @classmethod
    def from_proto(cls, p: staking_pb2.Params) -> Params:
        """From cosmos.staking.v1beta1.Params (decimals as atomics)."""
        return cls(
            p.unbonding_time.seconds * 10**9 + p.unbonding_time.nanos,
            p.max_validators,
            p.max_entries,
            p.historical_entries,
            p.bond_denom,
            parse_dec_wire(p.min_commission_rate),
        )


@dataclass(frozen=True, slots=True)
class Commission:
    """Commission rates (decimal atomics) and when the rate last changed."""

    rate: int
    max_rate: int
    max_change_rate: int
    update_time_ns: int = 0


@dataclass(frozen=True, slots=True)
class Description:
    """A validator's public description."""

    moniker: str = ""
    identity: str = ""
    website: str = ""
    security_contact: str = ""
    details: str = ""

    def to_proto(self) -> staking_pb2.Description:
        """As cosmos.staking.v1beta1.Description."""
        return staking_pb2.Description(**dataclasses.asdict(self))

    @classmethod
    def from_proto(cls, d: staking_pb2.Description) -> Description:
        """From cosmos.staking.v1beta1.Description."""
        return cls(d.moniker, d.identity, d.website, d.security_contact, d.details)


@dataclass(frozen=True, slots=True)
class Validator:
    """A validator: operator, consensus key, status, tokens and delegator shares (atomics)."""

    operator: bytes
    pubkey: bytes
    commission: Commission
    description: Description = Description()
    jailed: bool = False
    status: int = UNBONDED
    tokens: int = 0
    shares: int = 0
    unbonding_height: int = 0
    unbonding_time_ns: int = 0
    min_self_delegation: int = 1

    @property
    def cons_address(self) -> bytes:
        """CometBFT's address of the consensus key."""
        return consensus_address(self.pubkey)

    @property
    def power(self) -> int:
        """Consensus power the validator would have if bonded."""
        return self.tokens // POWER_REDUCTION

    def bonded_power(self) -> int:
        """Consensus power if bonded, else 0."""
        return self.power if self.status == BONDED else 0

    def shares_from_tokens(self, amount: int) -> int:
        """Shares (atomics) that amount tokens buy, truncated. Raises
        ZeroDivisionError when the validator has no tokens."""
        return self.shares * amount // self.tokens

    def tokens_from_shares(self, shares: int) -> int:
        """Tokens (truncated to an integer) that shares are worth."""
        return shares * self.tokens // self.shares if self.shares else 0

    def tokens_from_shares_dec(self, shares: int) -> int:
        """Tokens as a decimal (atomics, truncated) that shares are worth."""
        return shares * self.tokens * ONE // self.shares if self.shares else 0

    def replace(self, **changes: object) -> Validator:
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    def to_proto(self) -> staking_pb2.Validator:
        """As cosmos.staking.v1beta1.Validator."""
        c = self.commission
        return staking_pb2.Validator(
            operator_address=valoper_address(self.operator),
            consensus_pubkey=pubkey_any(self.pubkey),
            jailed=self.jailed,
            status=self.status,
            tokens=str(self.tokens),
            delegator_shares=dec_wire(self.shares),
            description=self.description.to_proto(),
            unbonding_height=self.unbonding_height,
            unbonding_time=ts(self.unbonding_time_ns),
            commission=staking_pb2.Commission(
                commission_rates=staking_pb2.CommissionRates(
                    rate=dec_wire(c.rate),
                    max_rate=dec_wire(c.max_rate),
                    max_change_rate=dec_wire(c.max_change_rate),
                ),
                update_time=ts(c.update_time_ns),
            ),
            min_self_delegation=str(self.min_self_delegation),
        )

    @classmethod
    def from_proto(cls, v: staking_pb2.Validator) -> Validator:
        """From cosmos.staking.v1beta1.Validator."""
        rates = v.commission.commission_rates
        return cls(
            operator=bech32_decode(v.operator_address, "aicvaloper"),
            pubkey=pubkey_from_any(v.consensus_pubkey),
            commission=Commission(
                parse_dec_wire(rates.rate),
                parse_dec_wire(rates.max_rate),
                parse_dec_wire(rates.max_change_rate),
                ts_ns(v.commission.update_time),
            ),
            description=Description.from_proto(v.description),
            jailed=v.jailed,
            status=v.status,
            tokens=int(v.tokens or 0),
            shares=parse_dec_wire(v.delegator_shares),
            unbonding_height=v.unbonding_height,
            unbonding_time_ns=ts_ns(v.unbonding_time),
            min_self_delegation=int(v.min_self_delegation or 0),
        )


@dataclass(frozen=True, slots=True)
class UnbondingEntry:
    """Tokens leaving a validator, released at completion_time_ns (balance may be slashed)."""

    creation_height: int
    completion_time_ns: int
    initial_balance: int
    balance: int


@dataclass(frozen=True, slots=True)
class UnbondingDelegation:
    """A delegator's unbonding entries from one validator."""

    delegator: bytes
    validator: bytes
    entries: tuple[UnbondingEntry, ...]

    def to_proto(self) -> staking_pb2.UnbondingDelegation:
        """As cosmos.staking.v1beta1.UnbondingDelegation."""
        return staking_pb2.UnbondingDelegation(
            delegator_address=account_address(self.delegator),
            validator_address=valoper_address(self.validator),
            entries=[
                staking_pb2.UnbondingDelegationEntry(
                    creation_height=e.creation_height,
                    completion_time=ts(e.completion_time_ns),
                    initial_balance=str(e.initial_balance),
                    balance=str(e.balance),
                )
                for e in self.entries
            ],
        )

    @classmethod
    def from_proto(cls, u: staking_pb2.UnbondingDelegation) -> UnbondingDelegation:
        """From cosmos.staking.v1beta1.UnbondingDelegation."""
        return cls(
            bech32_decode(u.delegator_address),
            bech32_decode(u.validator_address, "aicvaloper"),
            tuple(
                UnbondingEntry(
                    e.creation_height,
                    ts_ns(e.completion_time),
                    int(e.initial_balance),
                    int(e.balance),
                )
                for e in u.entries
            ),
        )


@dataclass(frozen=True, slots=True)
class RedelegationEntry:
    """Shares moved to the destination validator, slashable at the source until maturity."""

    creation_height: int
    completion_time_ns: int
    initial_balance: int
    shares_dst: int


@dataclass(frozen=True, slots=True)
class Redelegation:
    """A delegator's redelegation entries from src to dst."""

    delegator: bytes
    src: bytes
    dst: bytes
    entries: tuple[RedelegationEntry, ...]

    def to_proto(self) -> staking_pb2.Redelegation:
        """As cosmos.staking.v1beta1.Redelegation."""
        return staking_pb2.Redelegation(
            delegator_address=account_address(self.delegator),
            validator_src_address=valoper_address(self.src),
            validator_dst_address=valoper_address(self.dst),
            entries=[
                staking_pb2.RedelegationEntry(
                    creation_height=e.creation_height,
                    completion_time=ts(e.completion_time_ns),
                    initial_balance=str(e.initial_balance),
                    shares_dst=dec_wire(e.shares_dst),
                )
                for e in self.entries
            ],
        )

    @classmethod
    def from_proto(cls, r: staking_pb2.Redelegation) -> Redelegation:
        """From cosmos.staking.v1beta1.Redelegation."""
        return cls(
            bech32_decode(r.delegator_address),
            bech32_decode(r.validator_src_address, "aicvaloper"),
            bech32_decode(r.validator_dst_address, "aicvaloper"),
            tuple(
                RedelegationEntry(
                    e.creation_height,
                    ts_ns(e.completion_time),
                    int(e.initial_balance),
                    parse_dec_wire(e.shares_dst),
                )
                for e in r.entries
            ),
        )
