"""Encoded internal nodes read and rewritten in place: reading one child, listing the slot
hashes and splicing changed children give exactly what decoding and re-encoding would."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aichain.app.store.errors import StoreCorruptError
from aichain.app.store.hashing import EMPTY_HASH
from aichain.app.store.nodes import (
    compute_child_span,
    compute_slot_hashes,
    count_children,
    decode_internal,
    decode_stale,
    encode_internal,
    encode_stale,
    read_child,
    read_slot_hash,
    splice_child,
    splice_internal,
)

_entry = st.one_of(
    st.none(),
    st.tuples(
        st.integers(1, 2**64 - 1),
        st.binary(min_size=32, max_size=32),
        st.one_of(st.none(), st.binary(min_size=32, max_size=32)),
    ),
)
_children = st.lists(_entry, min_size=16, max_size=16)
_changes = st.dictionaries(st.integers(0, 15), _entry, max_size=16)


@settings(max_examples=300, deadline=None)
@given(_children, _changes)
def test_splicing_children_equals_re_encoding_the_node(children, changes) -> None:
    data = encode_internal(children)
    expected = list(children)
    for slot, entry in changes.items():
        expected[slot] = entry
    spliced = splice_internal(data, sorted(changes.items()))
    assert spliced == encode_internal(expected)
    assert decode_internal(spliced) == expected
    assert count_children(spliced) == 16 - expected.count(None)


@settings(max_examples=200, deadline=None)
@given(_children)
def test_reading_one_child_and_the_slot_hashes_match_decoding(children) -> None:
    data = encode_internal(children)
    for slot in range(16):
        assert read_child(data, slot) == children[slot]
        off, size = compute_child_span(data, slot)
        assert size == (0 if children[slot] is None else 40 if children[slot][2] is None else 72)
        assert 5 <= off <= len(data)
        child = children[slot]
        assert read_slot_hash(data, slot, EMPTY_HASH) == (EMPTY_HASH if child is None else child[1])
    assert compute_slot_hashes(data, EMPTY_HASH) == [
        EMPTY_HASH if c is None else c[1] for c in children
    ]


def test_a_node_with_trailing_bytes_is_reported_corrupt() -> None:
    data = encode_internal([(1, b"\x11" * 32, None)] + [None] * 15)
    with pytest.raises(StoreCorruptError, match="trailing"):
        compute_slot_hashes(data + b"x", EMPTY_HASH)


@given(st.lists(st.binary(min_size=11, max_size=75), max_size=40))
def test_stale_index_records_round_trip(nkeys) -> None:
    assert decode_stale(encode_stale(nkeys)) == nkeys


def test_a_truncated_stale_index_record_is_reported_corrupt() -> None:
    record = encode_stale([b"\x00n" + bytes(9), b"\x00n" + bytes(10)])
    with pytest.raises(StoreCorruptError, match="truncated"):
        decode_stale(record[:-1])


@settings(max_examples=300, deadline=None)
@given(_children, st.integers(0, 15), _entry)
def test_splicing_one_child_equals_the_general_splice(children, slot, entry) -> None:
    data = encode_internal(children)
    assert splice_child(data, slot, entry) == splice_internal(data, [(slot, entry)])
