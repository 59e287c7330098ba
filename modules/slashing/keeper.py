"""Slashing keeper: signing infos, the missed-block bitmap, downtime and double-sign
punishment, and unjailing."""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

from cosmos.slashing.v1beta1 import slashing_pb2

from aichain.app.context import Context, Misbehavior
from aichain.app.crypto import bech32_decode, valcons_address, valoper_address
from aichain.app.store.prefix import PrefixStore
from aichain.app.store_keys import StoreKey
from aichain.modules.slashing import events, keys
from aichain.modules.slashing.errors import (
    MissingSelfDelegationError,
    NoValidatorForAddressError,
    SelfDelegationTooLowToUnjailError,
    ValidatorJailedError,
    ValidatorNotJailedError,
    ValidatorTombstonedError,
)
from aichain.modules.slashing.expected import StakingKeeper
from aichain.modules.slashing.types import (
    DOUBLE_SIGN_JAIL_END_NS,
    VALIDATOR_UPDATE_DELAY,
    Params,
    SigningInfo,
    format_time,
)

UNBONDED = 1
"""Staking's unbonded status value."""


@lru_cache(maxsize=64)
def _decode_params(raw: bytes) -> Params:
    """Params from their stored bytes."""
    return Params.from_proto(slashing_pb2.Params.FromString(raw))


def signing_info_proto(info: SigningInfo) -> slashing_pb2.ValidatorSigningInfo:
    """As cosmos.slashing.v1beta1.ValidatorSigningInfo."""
    proto = slashing_pb2.ValidatorSigningInfo(
        address=valcons_address(info.address),
        start_height=info.start_height,
        index_offset=info.index_offset,
        tombstoned=info.tombstoned,
        missed_blocks_counter=info.missed_blocks_counter,
    )
    proto.jailed_until.FromNanoseconds(info.jailed_until_ns)
    return proto


def signing_info_from_proto(p: slashing_pb2.ValidatorSigningInfo) -> SigningInfo:
    """From cosmos.slashing.v1beta1.ValidatorSigningInfo."""
    return SigningInfo(
        bech32_decode(p.address, "aicvalcons"),
        p.start_height,
        p.index_offset,
        p.jailed_until.ToNanoseconds(),
        p.tombstoned,
        p.missed_blocks_counter,
    )


class ViewKeeper:
    """Reads params, signing infos and missed blocks."""

    def __init__(self, store_key: StoreKey, staking: StakingKeeper) -> None:
        self.store_key = store_key
        self.staking = staking

    def _kv(self, ctx: Context) -> PrefixStore:
        """The slashing store."""
        return ctx.kv(self.store_key)

    def get_params(self, ctx: Context) -> Params:
        """Module params."""
        raw = self._kv(ctx).get(keys.PARAMS)
        return _decode_params(raw) if raw else Params()

    def get_signing_info(self, ctx: Context, cons: bytes) -> SigningInfo | None:
        """A validator's signing info, or None."""
        raw = self._kv(ctx).get(keys.signing_info_key(cons))
        if raw is None:
            return None
        return signing_info_from_proto(slashing_pb2.ValidatorSigningInfo.FromString(raw))

    def iter_signing_infos(self, ctx: Context) -> Iterator[SigningInfo]:
        """Every signing info in key order."""
        for _, raw in self._kv(ctx).iterate(keys.SIGNING_INFO):
            yield signing_info_from_proto(slashing_pb2.ValidatorSigningInfo.FromString(raw))

    def is_missed(self, ctx: Context, cons: bytes, index: int) -> bool:
        """Whether the block at a window index was missed."""
        return self._kv(ctx).has(keys.missed_key(cons, index))

    def iter_missed(self, ctx: Context, cons: bytes) -> Iterator[int]:
        """Window indexes of missed blocks, ascending."""
        for key, _ in self._kv(ctx).iterate(keys.missed_prefix(cons)):
            yield keys.split_missed_key(key)[1]


class Keeper(ViewKeeper):
    """Writes signing infos and punishes validators."""

    def set_params(self, ctx: Context, params: Params) -> None:
        """Stores params. Raises InvalidParamsError naming a field out of range."""
        params.validate()
        self._kv(ctx).set(keys.PARAMS, params.to_proto().SerializeToString())

    def set_signing_info(self, ctx: Context, info: SigningInfo) -> None:
        """Stores a signing info."""
        raw = signing_info_proto(info).SerializeToString()
        self._kv(ctx).set(keys.signing_info_key(info.address), raw)

    def set_missed(self, ctx: Context, cons: bytes, index: int, missed: bool) -> None:
        """Sets or clears a missed bit."""
        key = keys.missed_key(cons, index)
        if missed:
            self._kv(ctx).set(key, b"\x01")
        else:
            self._kv(ctx).delete(key)

    def clear_missed(self, ctx: Context, cons: bytes) -> None:
        """Clears a validator's whole bitmap."""
        store = self._kv(ctx)
        for key, _ in list(store.iterate(keys.missed_prefix(cons))):
            store.delete(key)

    def handle_validator_signature(
        self, ctx: Context, cons: bytes, power: int, signed: bool
    ) -> None:
        """Records one vote of the last commit; jails and slashes a validator that missed
        more than the window allows."""
        validator = self.staking.get_validator_by_cons(ctx, cons)
        if validator is None or validator.jailed:
            return
        params = self.get_params(ctx)
        info = self.get_signing_info(ctx, cons) or SigningInfo(cons, start_height=ctx.height)
        index = info.index_offset % params.signed_blocks_window
        counter = info.missed_blocks_counter
        previous = self.is_missed(ctx, cons, index)
        if not previous and not signed:
            self.set_missed(ctx, cons, index, True)
            counter += 1
        elif previous and signed:
            self.set_missed(ctx, cons, index, False)
            counter -= 1
        if not signed:
            events.emit_liveness(ctx, cons, counter, ctx.height)
        info = SigningInfo(
            cons, info.start_height, info.index_offset + 1, info.jailed_until_ns,
            info.tombstoned, counter,
        )  # fmt: skip
        min_height = info.start_height + params.signed_blocks_window
        if ctx.height > min_height and counter > params.max_missed():
            height = ctx.height - VALIDATOR_UPDATE_DELAY - 1
            self.staking.slash(ctx, cons, height, power, params.slash_fraction_downtime)
            self.staking.jail(ctx, cons)
            events.emit_slash(ctx, cons, power, events.REASON_MISSING_SIGNATURE)
            self.clear_missed(ctx, cons)
            info = SigningInfo(
                cons, info.start_height, 0, ctx.time_ns + params.downtime_jail_duration_ns,
                info.tombstoned, 0,
            )  # fmt: skip
        self.set_signing_info(ctx, info)

    def handle_double_sign(self, ctx: Context, evidence: Misbehavior) -> None:
        """Slashes, jails for ever and tombstones a validator that signed twice (evidence
        older than the unbonding period, or against a tombstoned or unbonded validator, is
        ignored)."""
        cons = evidence.address
        validator = self.staking.get_validator_by_cons(ctx, cons)
        if validator is None or validator.status == UNBONDED:
            return
        info = self.get_signing_info(ctx, cons) or SigningInfo(cons, start_height=ctx.height)
        if info.tombstoned:
            return
        max_age = self.staking.get_params(ctx).unbonding_time_ns
        if ctx.time_ns - evidence.time_ns > max_age:
            return
        params = self.get_params(ctx)
        height = evidence.height - VALIDATOR_UPDATE_DELAY
        self.staking.slash(ctx, cons, height, evidence.power, params.slash_fraction_double_sign)
        self.staking.jail(ctx, cons)
        self.set_signing_info(
            ctx,
            SigningInfo(
                cons, info.start_height, info.index_offset, DOUBLE_SIGN_JAIL_END_NS,
                True, info.missed_blocks_counter,
            ),
        )  # fmt: skip
        events.emit_slash(ctx, cons, evidence.power, events.REASON_DOUBLE_SIGN)

    def unjail(self, ctx: Context, op: bytes) -> None:
        """Returns a jailed validator to the candidates.

        Raises NoValidatorForAddressError, MissingSelfDelegationError,
        SelfDelegationTooLowToUnjailError, ValidatorNotJailedError, ValidatorTombstonedError,
        ValidatorJailedError.
        """
        address = valoper_address(op)
        validator = self.staking.get_validator(ctx, op)
        if validator is None:
            raise NoValidatorForAddressError(f"{address} is not a validator")
        shares = self.staking.get_delegation(ctx, op, op)
        if shares is None:
            raise MissingSelfDelegationError(
                f"{address} has no self-delegation; delegate to it from its own account first"
            )
        if validator.tokens_from_shares(shares) < validator.min_self_delegation:
            raise SelfDelegationTooLowToUnjailError(
                f"self-delegation is below the minimum {validator.min_self_delegation}; "
                "delegate more from the operator account first"
            )
        if not validator.jailed:
            raise ValidatorNotJailedError(f"{address} is not jailed")
        info = self.get_signing_info(ctx, validator.cons_address)
        if info is not None:
            if info.tombstoned:
                raise ValidatorTombstonedError(
                    f"{address} was tombstoned for double signing; create a new validator"
                )
            if not ctx.is_check and ctx.time_ns < info.jailed_until_ns:
                raise ValidatorJailedError(
                    f"{address} is jailed until {format_time(info.jailed_until_ns)}; "
                    "try again after that"
                )
        self.staking.unjail(ctx, validator.cons_address)
