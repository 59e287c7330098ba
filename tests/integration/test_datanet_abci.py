"""The datanet module through ABCI: create, contribute, review, publish, record proofs against
the version root, access payments shared by the version's contributors, claims; bad input is a
registered error with nothing changed; invariants hold after every block."""

from __future__ import annotations

import hashlib

import pytest
from tendermint.abci import types_pb2 as abci

from aichain.app.app import new_app
from aichain.app.crypto import account_address
from aichain.app.store.memory import MemStore
from aichain.datanet.v1 import datanet_pb2 as pb
from aichain.datanet.v1 import query_pb2, tx_pb2
from aichain.modules.datanet.merkle import (
    RecordRef,
    compute_leaf_hash,
    compute_version_root,
    verify_audit_path,
)
from tests.helpers import Chain, make_key

OWNER, ALICE, BOB, CAROL, PAYER = (make_key(i) for i in range(10, 15))
FUNDS = 10**12
BOND = 1_000


def addr(key) -> str:
    return account_address(key.address)


def chain() -> Chain:
    app = new_app(MemStore(), authority=addr(OWNER))
    return Chain.start([(k, FUNDS) for k in (OWNER, ALICE, BOB, CAROL, PAYER)], app=app)


def create_msg(**kw) -> tx_pb2.MsgCreateDatanet:
    fields = dict(
        creator=addr(OWNER),
        name="poems",
        description="short poems",
        license="CC-BY-4.0",
        modality=pb.MODALITY_TEXT,
        curation_mode=pb.CURATION_MODE_OWNER,
        access_policy=pb.ACCESS_POLICY_RESTRICTED,
        access_price="9000",
        bond_per_record=str(BOND),
        max_record_size=1000,
    )
    fields.update(kw)
    return tx_pb2.MsgCreateDatanet(**fields)


def content(i: int) -> bytes:
    return f"record number {i}".encode()


def contribute_msg(
    key, i: int, datanet_id: int = 1, size: int | None = None
) -> tx_pb2.MsgContribute:
    data = content(i)
    return tx_pb2.MsgContribute(
        contributor=addr(key),
        datanet_id=datanet_id,
        content_hash=hashlib.sha256(data).hexdigest(),
        size=len(data) if size is None else size,
        media_type="text/plain",
        metadata=f'{{"i": {i}}}',
    )


def run(c: Chain, key, *msgs) -> abci.ExecTxResult:
    res = c.block([c.tx(key, list(msgs))]).tx_results[0]
    assert c.invariants() == []
    return res


def query(c: Chain, method: str, req, resp_type):
    res = c.app.query(
        abci.RequestQuery(path=f"/aichain.datanet.v1.Query/{method}", data=req.SerializeToString())
    )
    assert res.code == 0, res.log
    return resp_type.FromString(res.value)


def app_hash_of(c: Chain) -> bytes:
    return c.app.info(abci.RequestInfo()).last_block_app_hash


def setup_published(c: Chain) -> None:
    """Datanet 1 with records 1..3 (alice, bob, carol), record 4 rejected, v1 = [1, 2, 3]."""
    assert run(c, OWNER, create_msg()).code == 0
    for i, key in enumerate((ALICE, BOB, CAROL, ALICE), start=1):
        assert run(c, key, contribute_msg(key, i)).code == 0
    for rid in (1, 2, 3):
        assert (
            run(
                c,
                OWNER,
                tx_pb2.MsgReview(curator=addr(OWNER), datanet_id=1, record_id=rid, accept=True),
            ).code
            == 0
        )
    res = run(
        c,
        OWNER,
        tx_pb2.MsgReview(
            curator=addr(OWNER), datanet_id=1, record_id=4, accept=False, reason="spam"
        ),
    )
    assert res.code == 0, res.log
    res = run(
        c,
        OWNER,
        tx_pb2.MsgPublishVersion(
            publisher=addr(OWNER), datanet_id=1, append=[1, 2, 3], changelog="v1"
        ),
    )
    assert res.code == 0, res.log


def test_full_flow_bonds_burn_and_root() -> None:
    c = chain()
    setup_published(c)
    fee = 5_000
    # alice: two bonds escrowed; record 1 accepted (refunded), record 4 rejected (half burned)
    assert c.balance(ALICE.address) == FUNDS - 2 * fee - BOND // 2
    assert c.balance(BOB.address) == FUNDS - fee
    version = query(
        c,
        "Version",
        query_pb2.QueryVersionRequest(datanet_id=1, version=1),
        query_pb2.QueryVersionResponse,
    ).version
    refs = [
        RecordRef(str(i), hashlib.sha256(content(i)).hexdigest(), addr(k), "text/plain")
        for i, k in ((1, ALICE), (2, BOB), (3, CAROL))
    ]
    assert version.root == compute_version_root(refs)
    assert version.size == 3
    hist = query(
        c, "History", query_pb2.QueryHistoryRequest(datanet_id=1), query_pb2.QueryHistoryResponse
    )
    actions = [e.action for e in hist.entries]
    assert actions == [
        "create",
        "contribute",
        "contribute",
        "contribute",
        "contribute",
        "accept",
        "accept",
        "accept",
        "reject",
        "publish",
    ]
    assert hist.entries[1].actor == addr(ALICE) and hist.entries[1].height > 0


def test_record_proof_verifies_against_root_and_store() -> None:
    c = chain()
    setup_published(c)
    proof = query(
        c,
        "RecordProof",
        query_pb2.QueryRecordProofRequest(datanet_id=1, version=1, record_id=2),
        query_pb2.QueryRecordProofResponse,
    )
    e = proof.entry
    leaf = compute_leaf_hash(
        RecordRef(str(e.record_id), e.content_hash, e.contributor, e.media_type)
    )
    assert verify_audit_path(
        leaf,
        e.position,
        proof.version.size,
        list(proof.audit_path),
        bytes.fromhex(proof.version.root),
    )
    assert not verify_audit_path(
        leaf,
        e.position + 1,
        proof.version.size,
        list(proof.audit_path),
        bytes.fromhex(proof.version.root),
    )
    # the version's stored bytes are what the store proof covers
    res = c.app.query(
        abci.RequestQuery(path="/store/datanet/key", data=proof.version_store_key, prove=True)
    )
    assert res.code == 0 and pb.Version.FromString(res.value).root == proof.version.root
    assert res.proof_ops.ops


def test_append_and_remove_versions_keep_old_versions_resolvable() -> None:
    c = chain()
    setup_published(c)
    for i in range(5, 12):
        assert run(c, BOB, contribute_msg(BOB, i)).code == 0
    msgs = [
        tx_pb2.MsgReview(curator=addr(OWNER), datanet_id=1, record_id=r, accept=True)
        for r in range(5, 12)
    ]
    assert run(c, OWNER, *msgs).code == 0
    pub = tx_pb2.MsgPublishVersion(
        publisher=addr(OWNER), datanet_id=1, append=[5, 6, 7, 8, 9], changelog="more"
    )
    assert run(c, OWNER, pub).code == 0
    pub = tx_pb2.MsgPublishVersion(
        publisher=addr(OWNER), datanet_id=1, append=[10, 11], remove=[2, 6], changelog="swap"
    )
    assert run(c, OWNER, pub).code == 0

    def listing(v):
        r = query(
            c,
            "VersionRecords",
            query_pb2.QueryVersionRecordsRequest(datanet_id=1, version=v),
            query_pb2.QueryVersionRecordsResponse,
        )
        return [e.record_id for e in r.entries]

    assert listing(1) == [1, 2, 3]
    assert listing(2) == [1, 2, 3, 5, 6, 7, 8, 9]
    assert listing(3) == [1, 3, 5, 7, 8, 9, 10, 11]
    for v, ids in ((1, [1, 2, 3]), (2, [1, 2, 3, 5, 6, 7, 8, 9]), (3, [1, 3, 5, 7, 8, 9, 10, 11])):
        ver = query(
            c,
            "Version",
            query_pb2.QueryVersionRequest(datanet_id=1, version=v),
            query_pb2.QueryVersionResponse,
        ).version
        for rid in ids:
            p = query(
                c,
                "RecordProof",
                query_pb2.QueryRecordProofRequest(datanet_id=1, version=v, record_id=rid),
                query_pb2.QueryRecordProofResponse,
            )
            e = p.entry
            leaf = compute_leaf_hash(
                RecordRef(str(e.record_id), e.content_hash, e.contributor, e.media_type)
            )
            assert verify_audit_path(
                leaf, e.position, ver.size, list(p.audit_path), bytes.fromhex(ver.root)
            )
    res = c.app.query(
        abci.RequestQuery(
            path="/aichain.datanet.v1.Query/RecordProof",
            data=query_pb2.QueryRecordProofRequest(
                datanet_id=1, version=3, record_id=2
            ).SerializeToString(),
        )
    )
    assert (res.codespace, res.code) == ("datanet", 18)


def test_pay_access_is_shared_and_claimed() -> None:
    c = chain()
    setup_published(c)
    msg = tx_pb2.MsgPayAccess(payer=addr(PAYER), datanet_id=1, version=1)
    assert run(c, PAYER, msg).code == 0
    acc = query(
        c,
        "Access",
        query_pb2.QueryAccessRequest(datanet_id=1, account=addr(PAYER)),
        query_pb2.QueryAccessResponse,
    )
    assert acc.allowed and acc.how == "paid:1"
    earn = query(
        c,
        "Earnings",
        query_pb2.QueryEarningsRequest(datanet_id=1, contributor=addr(BOB)),
        query_pb2.QueryEarningsResponse,
    )
    assert earn.total == "3000"
    before = c.balance(BOB.address)
    assert run(c, BOB, tx_pb2.MsgClaim(contributor=addr(BOB), datanet_id=1)).code == 0
    assert c.balance(BOB.address) == before + 3000 - 5000
    res = run(c, BOB, tx_pb2.MsgClaim(contributor=addr(BOB), datanet_id=1))
    assert (res.codespace, res.code) == ("datanet", 26)


@pytest.mark.parametrize(
    ("key", "msg", "code"),
    [
        (ALICE, contribute_msg(ALICE, 1), 11),  # duplicate hash
        (ALICE, contribute_msg(ALICE, 50, size=5000), 9),  # over the size limit
        (ALICE, contribute_msg(ALICE, 50, datanet_id=9), 5),  # unknown datanet
        (BOB, tx_pb2.MsgReview(curator=addr(BOB), datanet_id=1, record_id=1, accept=True), 12),
        (OWNER, tx_pb2.MsgPublishVersion(publisher=addr(OWNER), datanet_id=1, append=[4]), 17),
        (OWNER, tx_pb2.MsgPublishVersion(publisher=addr(OWNER), datanet_id=1, append=[1]), 19),
        (
            OWNER,
            tx_pb2.MsgPublishVersion(publisher=addr(OWNER), datanet_id=1, remove=[1, 2, 3]),
            16,
        ),
        (OWNER, tx_pb2.MsgPublishVersion(publisher=addr(OWNER), datanet_id=1), 16),
        (ALICE, tx_pb2.MsgWithdraw(contributor=addr(ALICE), datanet_id=1, record_id=2), 14),
        (PAYER, tx_pb2.MsgPayAccess(payer=addr(PAYER), datanet_id=1, version=7), 7),
    ],
)
def test_bad_input_is_a_registered_error_and_changes_nothing(key, msg, code: int) -> None:
    c = chain()
    setup_published(c)
    exported = c.app.manager.module("datanet").export_genesis(c.app.query_context())
    res = run(c, key, msg)
    assert (res.codespace, res.code) == ("datanet", code), res.log
    assert c.app.manager.module("datanet").export_genesis(c.app.query_context()) == exported


def test_closed_datanet_refuses_contributions() -> None:
    c = chain()
    setup_published(c)
    assert (
        run(c, OWNER, tx_pb2.MsgSetClosed(owner=addr(OWNER), datanet_id=1, closed=True)).code == 0
    )
    res = run(c, ALICE, contribute_msg(ALICE, 60))
    assert (res.codespace, res.code) == ("datanet", 8)


def test_genesis_round_trip() -> None:
    c = chain()
    setup_published(c)
    module = c.app.manager.module("datanet")
    exported = module.export_genesis(c.app.query_context())
    assert exported["state"]
    other = chain()
    ctx = other.app.query_context()
    module2 = other.app.manager.module("datanet")
    module2.init_genesis(ctx, exported)
    assert module2.export_genesis(ctx) == exported
