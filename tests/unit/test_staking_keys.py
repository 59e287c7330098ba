"""Staking key builders and decoders: byte order is numeric order, no two collections or
records share a key, every decoder inverts its builder, out-of-range input raises."""

from __future__ import annotations

import pytest

from aichain.app.errors import InvalidAddressError
from aichain.modules.staking import keys
from aichain.modules.staking.errors import InvalidKeyError

A, B, C = b"\x01" * 20, b"\x02" * 20, b"\xff" * 20
TIMES = (0, 1, 255, 256, 10**18, 2**63, keys.U64_MAX)


def every_key() -> list[bytes]:
    """One key of every builder, from the same addresses."""
    return [
        keys.validator_key(A),
        keys.validator_by_cons_key(A),
        keys.power_index_key(1, A),
        keys.last_power_key(A),
        keys.LAST_TOTAL_POWER,
        keys.PARAMS,
        keys.delegation_key(A, B),
        keys.delegation_by_val_key(A, B),
        keys.ubd_key(A, B),
        keys.ubd_by_val_key(A, B),
        keys.ubd_queue_key(1, A, B),
        keys.red_key(A, B, C),
        keys.red_by_src_key(A, B, C),
        keys.red_queue_key(1, A, B, C),
        keys.validator_queue_key(1, A),
    ]


def test_collection_bytes_are_distinct() -> None:
    collections = [
        keys.VALIDATOR, keys.VALIDATOR_BY_CONS, keys.POWER_INDEX, keys.LAST_POWER,
        keys.LAST_TOTAL_POWER, keys.PARAMS, keys.DELEGATION, keys.DELEGATION_BY_VAL, keys.UBD,
        keys.UBD_BY_VAL, keys.UBD_QUEUE, keys.RED, keys.RED_BY_SRC, keys.RED_QUEUE,
        keys.VALIDATOR_QUEUE,
    ]  # fmt: skip
    assert len(set(collections)) == len(collections)
    assert all(len(c) == 1 for c in collections)


def test_keys_do_not_collide_and_none_is_a_prefix_of_another() -> None:
    built = every_key()
    assert len(set(built)) == len(built)
    for a in built:
        for b in built:
            if a != b:
                assert not b.startswith(a), (a.hex(), b.hex())


def test_same_collection_keys_of_different_records_differ() -> None:
    assert keys.delegation_key(A, B) != keys.delegation_key(B, A)
    assert keys.red_key(A, B, C) != keys.red_key(A, C, B)
    assert keys.ubd_queue_key(5, A, B) != keys.ubd_queue_key(5, B, A)


def test_power_index_orders_by_power_then_lower_address_last() -> None:
    entries = sorted(
        [keys.power_index_key(p, op) for p in (0, 5, 9, 2**40, keys.U64_MAX) for op in (A, B)]
    )
    decoded = [keys.split_power_index_key(k) for k in reversed(entries)]
    assert decoded[:2] == [(keys.U64_MAX, A), (keys.U64_MAX, B)]
    assert [p for p, _ in decoded] == sorted((p for p, _ in decoded), reverse=True)


@pytest.mark.parametrize(
    "build",
    [
        lambda t: keys.ubd_queue_key(t, A, B),
        lambda t: keys.red_queue_key(t, A, B, C),
        lambda t: keys.validator_queue_key(t, A),
        lambda t: keys.power_index_key(t, A),
    ],
)
def test_time_and_power_keys_sort_numerically(build) -> None:  # noqa: ANN001
    built = [build(t) for t in TIMES]
    assert built == sorted(built)


def test_queue_keys_sort_by_time_before_addresses() -> None:
    assert keys.ubd_queue_key(1, C, C) < keys.ubd_queue_key(2, A, A)
    assert keys.red_queue_key(1, C, C, C) < keys.red_queue_key(2, A, A, A)
    assert keys.validator_queue_key(1, C) < keys.validator_queue_key(2, A)


@pytest.mark.parametrize("time_ns", TIMES)
def test_decoders_invert_builders(time_ns: int) -> None:
    assert keys.split_ubd_queue_key(keys.ubd_queue_key(time_ns, A, B)) == (time_ns, A, B)
    assert keys.split_red_queue_key(keys.red_queue_key(time_ns, A, B, C)) == (time_ns, A, B, C)
    assert keys.split_validator_queue_key(keys.validator_queue_key(time_ns, C)) == (time_ns, C)
    assert keys.split_power_index_key(keys.power_index_key(time_ns, B)) == (time_ns, B)
    for key in (
        keys.ubd_queue_key(time_ns, A, B),
        keys.red_queue_key(time_ns, A, B, C),
        keys.validator_queue_key(time_ns, A),
    ):
        assert keys.queue_time(key) == time_ns
    assert keys.split_last_power_key(keys.last_power_key(A)) == A
    assert keys.split_delegation_key(keys.delegation_key(A, B)) == (A, B)
    assert keys.split_delegation_by_val_key(keys.delegation_by_val_key(B, A)) == (B, A)
    assert keys.split_ubd_by_val_key(keys.ubd_by_val_key(B, A)) == (B, A)
    assert keys.split_red_by_src_key(keys.red_by_src_key(A, B, C)) == (A, B, C)


@pytest.mark.parametrize("value", [-1, -(2**64), 2**64, 2**70])
def test_builders_reject_out_of_range_times_and_powers(value: int) -> None:
    with pytest.raises(InvalidKeyError, match=r"\[0, 2\^64\)"):
        keys.ubd_queue_key(value, A, B)
    with pytest.raises(InvalidKeyError, match="completion time"):
        keys.red_queue_key(value, A, B, C)
    with pytest.raises(InvalidKeyError, match="unbonding completion time"):
        keys.validator_queue_key(value, A)
    with pytest.raises(InvalidKeyError, match="power"):
        keys.power_index_key(value, A)


@pytest.mark.parametrize("bad", [b"", b"\x01" * 19, b"\x01" * 21])
def test_builders_reject_addresses_of_the_wrong_length(bad: bytes) -> None:
    for build in (
        lambda: keys.validator_key(bad),
        lambda: keys.delegation_key(A, bad),
        lambda: keys.red_queue_key(1, A, B, bad),
        lambda: keys.validator_queue_key(1, bad),
    ):
        with pytest.raises(InvalidAddressError):
            build()


def test_decoders_reject_keys_of_another_collection_or_length() -> None:
    decoders = [
        keys.split_power_index_key,
        keys.split_last_power_key,
        keys.split_delegation_key,
        keys.split_delegation_by_val_key,
        keys.split_ubd_by_val_key,
        keys.split_red_by_src_key,
        keys.split_ubd_queue_key,
        keys.split_red_queue_key,
        keys.split_validator_queue_key,
    ]
    samples = every_key()
    for decode in decoders:
        accepted = 0
        for key in samples:
            try:
                decode(key)
                accepted += 1
            except InvalidKeyError:
                pass
        assert accepted == 1, decode.__name__
    with pytest.raises(InvalidKeyError):
        keys.split_ubd_queue_key(keys.ubd_queue_key(1, A, B)[:-1])
    with pytest.raises(InvalidKeyError):
        keys.queue_time(keys.validator_key(A))
    with pytest.raises(InvalidKeyError):
        keys.queue_time(keys.UBD_QUEUE + b"\x00" * 3)
