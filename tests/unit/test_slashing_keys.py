"""Slashing key builders and decoders: ordering, non-collision, round trips, range checks."""

from __future__ import annotations

import pytest

from aichain.modules.slashing import keys
from aichain.modules.slashing.errors import InvalidKeyError

CONS_A, CONS_B = b"\x01" * 20, b"\x01" * 21


def test_keys_do_not_collide_and_none_is_a_prefix_of_another() -> None:
    built = [
        keys.signing_info_key(CONS_A),
        keys.signing_info_key(CONS_B),
        keys.missed_key(CONS_A, 0),
        keys.missed_key(CONS_B, 0),
        keys.PARAMS,
    ]
    assert len(set(built)) == len(built)
    for a in built:
        for b in built:
            if a != b:
                assert not b.startswith(a)
    assert not keys.missed_key(CONS_B, 0).startswith(keys.missed_prefix(CONS_A))


def test_missed_keys_sort_by_window_index() -> None:
    indexes = [0, 1, 255, 256, 2**40, keys.U64_MAX]
    built = [keys.missed_key(CONS_A, i) for i in indexes]
    assert built == sorted(built)
    assert [keys.split_missed_key(k) for k in built] == [(CONS_A, i) for i in indexes]


def test_decoders_invert_builders() -> None:
    assert keys.split_signing_info_key(keys.signing_info_key(CONS_B)) == CONS_B
    assert keys.split_missed_key(keys.missed_key(CONS_B, 7)) == (CONS_B, 7)


@pytest.mark.parametrize("index", [-1, 2**64])
def test_missed_key_rejects_out_of_range_index(index: int) -> None:
    with pytest.raises(InvalidKeyError, match=r"\[0, 2\^64\)"):
        keys.missed_key(CONS_A, index)


@pytest.mark.parametrize("cons", [b"", b"\x01" * 256])
def test_builders_reject_unprefixable_addresses(cons: bytes) -> None:
    with pytest.raises(InvalidKeyError):
        keys.signing_info_key(cons)
    with pytest.raises(InvalidKeyError):
        keys.missed_prefix(cons)


def test_decoders_reject_keys_of_another_collection_or_length() -> None:
    with pytest.raises(InvalidKeyError):
        keys.split_missed_key(keys.signing_info_key(CONS_A))
    with pytest.raises(InvalidKeyError):
        keys.split_signing_info_key(keys.missed_key(CONS_A, 1))
    with pytest.raises(InvalidKeyError):
        keys.split_missed_key(keys.missed_key(CONS_A, 1)[:-1])
    with pytest.raises(InvalidKeyError):
        keys.split_signing_info_key(keys.signing_info_key(CONS_A) + b"\x00")
