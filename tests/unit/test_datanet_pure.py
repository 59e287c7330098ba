"""Datanet pure parts: key builders (order, non-collision, range), the frontier and audit
paths against the shared version root, params, the bond split, and validate_basic of each
message (`test_<msg>_rejects_<reason>`)."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aichain.app.errors import InvalidAddressError
from aichain.datanet.v1 import datanet_pb2 as pb
from aichain.datanet.v1 import tx_pb2
from aichain.modules.datanet import keys, msgs
from aichain.modules.datanet.errors import (
    DuplicateEntryError,
    EmptyVersionError,
    InvalidAmountError,
    InvalidDatanetError,
    InvalidParamsError,
    InvalidRecordError,
)
from aichain.modules.datanet.merkle import (
    RecordRef,
    _merkle,
    compute_append,
    compute_audit_path,
    compute_frontier,
    compute_frontier_root,
    compute_leaf_hash,
    compute_version_root,
    verify_audit_path,
)
from aichain.modules.datanet.types import Params, compute_quota_day, compute_rejection_split
from tests.unit.datanet_fakes import bech

# --- keys ----------------------------------------------------------------------------------


def test_integer_keys_sort_numerically() -> None:
    assert keys.datanet_key(2) < keys.datanet_key(256) < keys.datanet_key(2**40)
    assert keys.record_key(1, 9) < keys.record_key(1, 10) < keys.record_key(2, 0)
    assert keys.version_key(1, 1) < keys.version_key(1, 2)
    assert keys.node_key(1, 0, 5, 1) < keys.node_key(1, 0, 5, 2) < keys.node_key(1, 0, 6, 1)
    assert keys.history_key(3, 1) < keys.history_key(3, 2)


def test_keys_decode_what_they_encode() -> None:
    assert keys.datanet_id_from_key(keys.datanet_key(77)) == 77
    assert keys.record_id_from_key(keys.record_key(7, 123)) == 123
    assert keys.version_from_key(keys.version_key(7, 5)) == 5
    assert keys.written_version(keys.position_key(1, 2, 9)) == 9
    assert keys.history_seq_from_key(keys.history_key(1, 44)) == 44
    a = bytes(range(20))
    assert keys.contributor_from_weight_key(keys.weight_key(1, a, 3)) == a
    assert keys.contributor_from_claim_key(keys.claim_key(1, 3, a)) == a
    assert keys.decode_usage(keys.encode_usage(5, 6, 7)) == (5, 6, 7)
    assert keys.decode_leaf(keys.encode_leaf(9, b"x" * 32)) == (9, b"x" * 32)


def test_collections_do_not_collide() -> None:
    a, b = bytes(20), bytes(32)
    built = [
        keys.datanet_key(1), keys.record_key(1, 1), keys.hash_index_key(1, b),
        keys.version_key(1, 1), keys.node_key(1, 0, 1, 1), keys.position_key(1, 1, 1),
        keys.history_key(1, 1), keys.access_key(1, a), keys.account_usage_key(1, a),
        keys.datanet_usage_key(1), keys.rewards_key(1, 1), keys.weight_key(1, a, 1),
        keys.claim_key(1, 1, a), keys.PARAMS, keys.NEXT_DATANET_ID,
    ]  # fmt: skip
    assert len({k[:1] for k in built}) == len(built)
    # a short address's weights are not a prefix of a longer one's
    assert not keys.weight_key(1, a, 1).startswith(keys.weight_prefix(1, a[:19]))


@pytest.mark.parametrize("bad", [-1, 2**64])
def test_key_builders_reject_out_of_range(bad: int) -> None:
    with pytest.raises(keys.KeyError_):
        keys.record_key(1, bad)
    with pytest.raises(keys.KeyError_):
        keys.hash_index_key(1, b"short")


# --- the tree ------------------------------------------------------------------------------


def leaves_of(n: int) -> list[bytes]:
    return [
        compute_leaf_hash(
            RecordRef(str(i), hashlib.sha256(b"%d" % i).hexdigest(), "c", "text/plain")
        )
        for i in range(n)
    ]


@given(st.integers(1, 140))
def test_frontier_append_matches_the_shared_root_and_paths_verify(n: int) -> None:
    leaves = leaves_of(n)
    nodes: dict[tuple[int, int], bytes] = {}
    frontier: list[bytes] = []
    for i, leaf in enumerate(leaves):
        nodes[(0, i)] = leaf
        frontier, completed = compute_append(frontier, i, leaf)
        for level, index, digest in completed:
            nodes[(level, index)] = digest
    assert compute_frontier_root(frontier) == _merkle(leaves).hex()
    assert compute_frontier(n, lambda lv, ix: nodes[(lv, ix)]) == frontier
    root = bytes.fromhex(compute_frontier_root(frontier))
    for m in {0, n // 2, n - 1}:
        path = compute_audit_path(m, n, lambda lv, ix: nodes[(lv, ix)])
        assert verify_audit_path(leaves[m], m, n, path, root)
        if n > 1:  # (the size is authenticated by the version's stored bytes, not the path)
            assert not verify_audit_path(leaves[m], (m + 1) % n, n, path, root)
        assert not verify_audit_path(b"\x00" * 32, m, n, path, root)


def test_empty_frontier_is_the_empty_root() -> None:
    assert compute_frontier_root([]) == compute_version_root([])


# --- params and rules ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [("rejection_burn_bps", 10_001), ("max_record_size", 0), ("max_curators", 0),
     ("max_publish_records", 0), ("bond_denom", "1x")],
)  # fmt: skip
def test_params_reject_bad_field(field: str, value: object) -> None:
    fields = {**Params().to_proto().__class__.DESCRIPTOR.fields_by_name}
    assert field in fields
    proto = Params().to_proto()
    setattr(proto, field, value)
    with pytest.raises(InvalidParamsError, match=f"params.{field}"):
        Params.from_proto(proto)


def test_rejection_split_and_quota_day() -> None:
    assert compute_rejection_split(1001, 5000) == (500, 501)
    assert compute_rejection_split(1000, 10_000) == (1000, 0)
    assert compute_quota_day(86_400 * 10**9 - 1) == 0
    assert compute_quota_day(86_400 * 10**9) == 1


# --- validate_basic ------------------------------------------------------------------------


def create(**kw) -> tx_pb2.MsgCreateDatanet:
    fields = dict(
        creator=bech(1), name="n", license="MIT", modality=pb.MODALITY_TEXT,
        curation_mode=pb.CURATION_MODE_OWNER, access_policy=pb.ACCESS_POLICY_PUBLIC,
        max_record_size=10,
    )  # fmt: skip
    fields.update(kw)
    return tx_pb2.MsgCreateDatanet(**fields)


def test_create_accepts_a_good_message() -> None:
    msgs.validate_create(create())


@pytest.mark.parametrize(
    ("kw", "error"),
    [
        ({"creator": "nope"}, InvalidAddressError),
        ({"name": ""}, InvalidDatanetError),
        ({"name": "x" * 65}, InvalidDatanetError),
        ({"license": ""}, InvalidDatanetError),
        ({"modality": 0}, InvalidDatanetError),
        ({"curation_mode": 0}, InvalidDatanetError),
        ({"access_policy": 0}, InvalidDatanetError),
        ({"bond_per_record": "-1"}, InvalidAmountError),
        ({"access_price": "1.5"}, InvalidAmountError),
        ({"max_record_size": 0}, InvalidDatanetError),
        ({"curation_mode": pb.CURATION_MODE_CURATORS}, InvalidDatanetError),
        ({"curators": [bech(2), bech(2)]}, DuplicateEntryError),
    ],
)
def test_create_rejects_bad_field(kw: dict, error: type) -> None:
    with pytest.raises(error):
        msgs.validate_create(create(**kw))


def contribute(**kw) -> tx_pb2.MsgContribute:
    fields = dict(contributor=bech(1), datanet_id=1, content_hash="ab" * 32, size=3,
                  media_type="text/plain")  # fmt: skip
    fields.update(kw)
    return tx_pb2.MsgContribute(**fields)


@pytest.mark.parametrize(
    "kw",
    [{"content_hash": "AB" * 32}, {"content_hash": "ab"}, {"size": 0}, {"media_type": "text"},
     {"metadata": "x" * 1025}],
)  # fmt: skip
def test_contribute_rejects_bad_record(kw: dict) -> None:
    msgs.validate_contribute(contribute())
    with pytest.raises(InvalidRecordError):
        msgs.validate_contribute(contribute(**kw))


def test_review_rejects_rejection_without_reason() -> None:
    with pytest.raises(InvalidRecordError, match="reason"):
        msgs.validate_review(tx_pb2.MsgReview(curator=bech(1), datanet_id=1, record_id=1))


def test_publish_rejects_empty_and_duplicates() -> None:
    with pytest.raises(EmptyVersionError):
        msgs.validate_publish(tx_pb2.MsgPublishVersion(publisher=bech(1), datanet_id=1))
    with pytest.raises(DuplicateEntryError):
        msgs.validate_publish(
            tx_pb2.MsgPublishVersion(publisher=bech(1), datanet_id=1, append=[1, 1])
        )


def test_pay_access_rejects_version_zero_and_claim_rejects_duplicates() -> None:
    with pytest.raises(InvalidDatanetError):
        msgs.validate_pay_access(tx_pb2.MsgPayAccess(payer=bech(1), datanet_id=1))
    with pytest.raises(DuplicateEntryError):
        msgs.validate_claim(tx_pb2.MsgClaim(contributor=bech(1), datanet_id=1, versions=[1, 1]))


# --- dense pagination ----------------------------------------------------------------------


def _page(**kw):
    from cosmos.base.query.v1beta1 import pagination_pb2

    from aichain.modules.datanet.query import page_dense

    return page_dense(1, 10, pagination_pb2.PageRequest(**kw), lambda n: n)


def test_page_dense_walks_forward_and_back_by_key() -> None:
    items, info = _page(limit=4, count_total=True)
    assert items == [1, 2, 3, 4] and keys.read_u64(info.next_key) == 5 and info.total == 10
    items, info = _page(limit=4, key=info.next_key)
    assert items == [5, 6, 7, 8]
    items, info = _page(limit=4, key=info.next_key)
    assert items == [9, 10] and info.next_key == b""
    items, info = _page(limit=3, reverse=True)
    assert items == [10, 9, 8] and keys.read_u64(info.next_key) == 7
    assert _page(limit=2, offset=8)[0] == [9, 10]
    assert _page(limit=2, offset=20)[0] == []


def test_page_dense_rejects_key_and_offset() -> None:
    from aichain.app.errors import InvalidRequestError

    with pytest.raises(InvalidRequestError):
        _page(key=keys.u64(2), offset=1)
