"""Governance store keys: ordering, non-collision, decoding, and out-of-range refusal."""

from __future__ import annotations

import pytest

from aichain.modules.gov import keys
from aichain.modules.gov.errors import InvalidKeyError

A, B = b"\x01" * 20, b"\x02" * 32


def test_collections_have_distinct_prefix_bytes() -> None:
    prefixes = [
        keys.PARAMS,
        keys.NEXT_PROPOSAL_ID,
        keys.CONSTITUTION,
        keys.MODEL_PARAMS,
        keys.ALLOCATED,
        keys.PROPOSAL,
        keys.DEPOSIT_QUEUE,
        keys.VOTING_QUEUE,
        keys.DEPOSIT,
        keys.VOTE,
        keys.MODEL_PROPOSAL,
        keys.STAKE,
    ]
    assert len(set(prefixes)) == len(prefixes) and all(len(p) == 1 for p in prefixes)


def test_proposal_keys_sort_by_id_and_round_trip() -> None:
    ids = [0, 1, 2, 255, 256, 2**40, 2**64 - 1]
    built = [keys.proposal_key(i) for i in ids]
    assert built == sorted(built)
    assert [keys.split_proposal_key(k) for k in built] == ids


def test_queue_keys_sort_by_time_then_id_and_round_trip() -> None:
    pairs = [(5, 9), (6, 1), (6, 2), (2**63, 0)]
    built = [keys.voting_queue_key(t, i) for t, i in pairs]
    assert built == sorted(built)
    assert [keys.split_queue_key(k) for k in built] == pairs
    assert keys.split_queue_key(keys.deposit_queue_key(7, 3)) == (7, 3)
    assert keys.deposit_queue_key(1, 1)[:1] != keys.voting_queue_key(1, 1)[:1]


def test_address_keys_are_length_prefixed_and_round_trip() -> None:
    for collection, build in (
        (keys.DEPOSIT, keys.deposit_key),
        (keys.VOTE, keys.vote_key),
        (keys.STAKE, keys.stake_key),
    ):
        short, long_ = build(1, A), build(1, B)
        assert not long_.startswith(short) and not short.startswith(long_)
        assert keys.split_address_key(short, collection) == (1, A)
        assert keys.split_address_key(long_, collection) == (1, B)
        assert build(1, A) < build(2, A)  # grouped by proposal
        assert build(7, A).startswith(
            {
                keys.DEPOSIT: keys.deposits_prefix,
                keys.VOTE: keys.votes_prefix,
                keys.STAKE: keys.stakes_prefix,
            }[collection](7)
        )


@pytest.mark.parametrize("bad", [-1, 2**64])
def test_key_builders_reject_out_of_range_integers(bad: int) -> None:
    with pytest.raises(InvalidKeyError):
        keys.proposal_key(bad)
    with pytest.raises(InvalidKeyError):
        keys.voting_queue_key(bad, 1)
    with pytest.raises(InvalidKeyError):
        keys.vote_key(bad, A)


def test_decoders_reject_keys_of_other_collections_or_lengths() -> None:
    with pytest.raises(InvalidKeyError):
        keys.split_proposal_key(keys.vote_key(1, A))
    with pytest.raises(InvalidKeyError):
        keys.split_queue_key(keys.proposal_key(1))
    with pytest.raises(InvalidKeyError):
        keys.split_address_key(keys.vote_key(1, A)[:-1], keys.VOTE)
    with pytest.raises(InvalidKeyError):
        keys.split_address_key(keys.vote_key(1, A), keys.DEPOSIT)
    with pytest.raises(InvalidKeyError):
        keys.vote_key(1, b"")
    with pytest.raises(InvalidKeyError):
        keys.decode_u64(b"\x00" * 7)
