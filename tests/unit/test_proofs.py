"""Proofs: membership and non-membership verify with the standalone verifier, over abci_query
ProofOps too; tampering with anything fails and the message names the step."""

from __future__ import annotations

import dataclasses

import pytest

from aichain.app.store import MemStore
from aichain.app.store.ics23 import (
    CommitmentProof,
    InnerOp,
    decode_commitment_proof,
    encode_commitment_proof,
)
from aichain.app.store.root import RootStore
from aichain.client.proofs import ProofError, verify_commitment_proof, verify_proof_ops


@pytest.fixture(scope="module")
def tree() -> tuple[RootStore, bytes]:
    root = RootStore(MemStore())
    branch = root.branch()
    for i in range(400):
        branch.set(b"bank/" + str(i).encode(), b"value-" + str(i).encode())
    app_hash = root.compute_next_app_hash(1, branch)
    root.commit(1, app_hash, branch)
    return root, app_hash


def _roundtrip(proof: CommitmentProof) -> bytes:
    raw = encode_commitment_proof(proof)
    assert encode_commitment_proof(decode_commitment_proof(raw)) == raw
    return raw


def test_every_member_and_many_absent_keys_verify(tree) -> None:
    root, app_hash = tree
    for i in range(0, 400, 3):
        key = b"bank/" + str(i).encode()
        value, proof = root.prove(key, 1)
        assert value == b"value-" + str(i).encode()
        verify_commitment_proof(app_hash, key, value, _roundtrip(proof))
    for i in range(400, 700, 3):
        key = b"bank/" + str(i).encode()
        value, proof = root.prove(key, 1)
        assert value is None and proof.nonexist is not None
        verify_commitment_proof(app_hash, key, None, _roundtrip(proof))


def test_single_key_tree_proves_absence_with_one_neighbour() -> None:
    root = RootStore(MemStore())
    branch = root.branch()
    branch.set(b"only", b"1")
    app_hash = root.compute_next_app_hash(1, branch)
    root.commit(1, app_hash, branch)
    for i in range(20):
        key = b"k" + bytes([i])
        value, proof = root.prove(key, 1)
        assert value is None
        verify_commitment_proof(app_hash, key, None, encode_commitment_proof(proof))


def test_tampering_fails_and_names_the_step(tree) -> None:
    root, app_hash = tree
    key = b"bank/5"
    value, proof = root.prove(key, 1)
    exist = proof.exist
    with pytest.raises(ProofError, match="value does not match"):
        verify_commitment_proof(app_hash, key, b"value-6", proof)
    with pytest.raises(ProofError, match="computed root"):
        verify_commitment_proof(bytes(32), key, value, proof)
    op = exist.path[2]
    bad_sibling = (
        InnerOp(prefix=op.prefix, suffix=bytes(32 - 1) + b"\x01")
        if op.suffix
        else InnerOp(prefix=op.prefix[:-1] + b"\x07")
    )
    path = list(exist.path)
    path[2] = bad_sibling
    tampered = CommitmentProof(exist=dataclasses.replace(exist, path=tuple(path)))
    with pytest.raises(ProofError, match="computed root"):
        verify_commitment_proof(app_hash, key, value, tampered)
    flipped = list(exist.path)
    flipped[0] = (
        InnerOp(prefix=op.prefix + op.suffix)
        if exist.path[0].suffix
        else InnerOp(prefix=b"\x01", suffix=exist.path[0].prefix[1:])
    )
    with pytest.raises(ProofError, match="inner op 0.*bit"):
        verify_commitment_proof(
            app_hash,
            key,
            value,
            CommitmentProof(exist=dataclasses.replace(exist, path=tuple(flipped))),
        )
    with pytest.raises(ProofError, match="decode"):
        verify_commitment_proof(app_hash, key, value, b"\x0a\xff\xff")
    with pytest.raises(ProofError, match="membership proof"):
        verify_commitment_proof(app_hash, key, None, proof)


def test_non_membership_tampering_fails(tree) -> None:
    root, app_hash = tree
    key = b"bank/absent"
    _, proof = root.prove(key, 1)
    n = proof.nonexist
    assert n.left is not None and n.right is not None
    swapped = CommitmentProof(nonexist=dataclasses.replace(n, left=n.right, right=n.left))
    with pytest.raises(ProofError, match="neighbour does not sort"):
        verify_commitment_proof(app_hash, key, None, swapped)
    _, far = root.prove(b"bank/7", 1)  # a member far from the gap
    gap = CommitmentProof(nonexist=dataclasses.replace(n, left=far.exist))
    with pytest.raises(ProofError):
        verify_commitment_proof(app_hash, key, None, gap)
    with pytest.raises(ProofError, match="non-membership proof"):
        verify_commitment_proof(app_hash, key, b"x", proof)


def test_abci_query_returns_proof_ops_that_verify() -> None:
    from tendermint.abci import types_pb2 as abci

    from aichain.app.app import memory_app

    app = memory_app()
    app.init_chain(abci.RequestInitChain(chain_id="proofs", app_state_bytes=b"{}"))
    app.finalize_block(abci.RequestFinalizeBlock(height=1))
    app.commit(abci.RequestCommit())
    app_hash = app.info(abci.RequestInfo()).last_block_app_hash
    for key in (b"missing", b"\x00"):
        res = app.query(abci.RequestQuery(path="/store/bank/key", data=key, prove=True))
        assert res.code == 0 and res.height == 1
        ops = [(o.type, o.key, o.data) for o in res.proof_ops.ops]
        verify_proof_ops(app_hash, b"bank/" + key, res.value or None, ops)
    res = app.query(abci.RequestQuery(path="/store/bank/key", data=b"x", prove=True, height=9))
    assert res.code == 26 and "not committed yet" in res.log
    res = app.query(abci.RequestQuery(path="/cosmos.bank.v1beta1.Query/Params", prove=True))
    assert res.code == 18 and "/store/" in res.log
