"""The model registry through ABCI, on a real datanet: a base model, an adapter pinned to a
published datanet version (root checked), activation by the owner or, when the params say
so, only by governance, prices within bounds, a bonded worker with a separate hot key,
restricted datanets' access terms; bad input is a registered error with nothing changed."""

from __future__ import annotations

import hashlib

import pytest
from tendermint.abci import types_pb2 as abci

from aichain.datanet.v1 import query_pb2 as dq
from aichain.datanet.v1 import tx_pb2 as dtx
from aichain.modelreg.v1 import modelreg_pb2 as pb
from aichain.modelreg.v1 import tx_pb2
from tests.helpers import make_key
from tests.integration.test_datanet_abci import (
    ALICE,
    BOB,
    OWNER,
    addr,
    chain,
    query,
    run,
    setup_published,
)

HOT = make_key(40)


def h(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def root_of(c, datanet_id: int = 1, version: int = 1) -> str:
    req = dq.QueryVersionRequest(datanet_id=datanet_id, version=version)
    return query(c, "Version", req, dq.QueryVersionResponse).version.root


def base_msg(owner=ALICE) -> tx_pb2.MsgRegisterBaseModel:
    return tx_pb2.MsgRegisterBaseModel(
        owner=addr(owner), name="tiny", weights_hash=h("base"), architecture="gpt2",
        parameter_count=1000, license="MIT",
    )  # fmt: skip


def adapter_msg(root: str, owner=ALICE, datanet_id: int = 1, weights: str = "adapter"):
    return tx_pb2.MsgRegisterAdapter(
        owner=addr(owner), name="poet", base_model_id=1, weights_hash=h(weights),
        manifest_hash=h("manifest"), training_config_hash=h("config"),
        provenance=[pb.DatanetRef(datanet_id=datanet_id, version=1, version_root=root)],
    )  # fmt: skip


def model(c, model_id: int) -> pb.Model:
    keeper = c.app.manager.module("modelreg").keeper
    return keeper.require_model(c.app.query_context(), model_id)


def state(c) -> dict:
    return c.app.manager.module("modelreg").export_genesis(c.app.query_context())


@pytest.fixture
def c():
    c = chain()
    setup_published(c)  # datanet 1 (restricted, price 9000), v1 = records 1..3
    assert run(c, ALICE, base_msg()).code == 0
    return c


def test_adapter_needs_the_restricted_datanets_access_paid(c) -> None:
    res = run(c, ALICE, adapter_msg(root_of(c)))
    assert (res.codespace, res.code) == ("modelreg", 8), res.log
    assert run(c, ALICE, dtx.MsgPayAccess(payer=addr(ALICE), datanet_id=1, version=1)).code == 0
    res = run(c, ALICE, adapter_msg(root_of(c)))
    assert res.code == 0, res.log
    assert [r.version_root for r in model(c, 2).provenance] == [root_of(c)]
    assert run(c, ALICE, tx_pb2.MsgActivateModel(authority=addr(ALICE), model_id=2)).code == 0
    assert model(c, 2).status == pb.MODEL_STATUS_ACTIVE


def worker_msg(operator, hot: bytes, bond: str) -> tx_pb2.MsgRegisterWorker:
    return tx_pb2.MsgRegisterWorker(
        operator=addr(operator), hot_pubkey=hot, models=[1], endpoint="https://w", bond=bond
    )


def unknown_base(root: str) -> tx_pb2.MsgRegisterAdapter:
    msg = adapter_msg(root)
    msg.base_model_id = 9
    return msg


BAD = [
    (ALICE, lambda root: adapter_msg("cd" * 32), 7),  # root mismatch
    (ALICE, lambda root: adapter_msg(root, datanet_id=5), 6),  # unknown datanet version
    (ALICE, unknown_base, 5),  # unknown base model
    (ALICE, lambda root: base_msg(), 17),  # weights already registered
    (ALICE, lambda root: tx_pb2.MsgSetPrice(
        owner=addr(ALICE), model_id=1, price_per_request=str(10**13)), 9),  # out of bounds
    (BOB, lambda root: tx_pb2.MsgSetPrice(owner=addr(BOB), model_id=1, price_per_request="5"), 15),
    (ALICE, lambda root: worker_msg(ALICE, HOT.pubkey, "10"), 10),  # bond too small
    (ALICE, lambda root: worker_msg(ALICE, ALICE.pubkey, "2000000"), 11),  # hot == operator
    (BOB, lambda root: tx_pb2.MsgActivateModel(authority=addr(BOB), model_id=1), 15),
]  # fmt: skip


@pytest.mark.parametrize(("signer", "make", "code"), BAD)
def test_bad_input_is_a_registered_error_and_changes_nothing(c, signer, make, code: int) -> None:
    before = state(c)
    res = run(c, signer, make(root_of(c)))
    assert (res.codespace, res.code) == ("modelreg", code), res.log
    assert state(c) == before


def _fields(msg) -> dict:
    return {f.name: v for f, v in msg.ListFields()}


def test_governance_gated_activation(c) -> None:
    params = pb.Params(owner_activation=False, min_price="0", max_price="1000000",
                       min_worker_bond="1000000", unbonding_seconds=10, max_lineage_depth=4,
                       royalty_bps=1000, max_models_per_worker=8, bond_denom="uaic")  # fmt: skip
    # the chain's authority is OWNER (standing in for the governance account)
    assert run(c, OWNER, tx_pb2.MsgUpdateParams(authority=addr(OWNER), params=params)).code == 0
    res = run(c, ALICE, tx_pb2.MsgActivateModel(authority=addr(ALICE), model_id=1))
    assert (res.codespace, res.code) == ("sdk", 4), res.log
    assert model(c, 1).status == pb.MODEL_STATUS_PROPOSED
    assert run(c, OWNER, tx_pb2.MsgActivateModel(authority=addr(OWNER), model_id=1)).code == 0
    assert model(c, 1).status == pb.MODEL_STATUS_ACTIVE


def test_worker_bond_unbonds_through_end_block(c) -> None:
    before = c.balance(BOB.address)
    msg = worker_msg(BOB, HOT.pubkey, "2000000")
    assert run(c, BOB, msg).code == 0
    assert c.balance(BOB.address) == before - 2_000_000 - 5000
    res = run(c, BOB, tx_pb2.MsgUnbondWorker(operator=addr(BOB)))
    assert res.code == 0
    keeper = c.app.manager.module("modelreg").keeper
    assert (
        keeper.get_worker(c.app.query_context(), BOB.address).status == pb.WORKER_STATUS_UNBONDING
    )
    # default unbonding is 21 days of block time: jump the clock through a block far ahead
    from google.protobuf import timestamp_pb2

    c.height += 1
    later = timestamp_pb2.Timestamp(seconds=1_700_000_000 + 22 * 86_400)
    c.app.finalize_block(abci.RequestFinalizeBlock(height=c.height, time=later))
    c.app.commit(abci.RequestCommit())
    assert keeper.get_worker(c.app.query_context(), BOB.address) is None
    assert c.balance(BOB.address) == before - 2 * 5000
    assert c.invariants() == []


def test_queries_and_genesis_round_trip(c) -> None:
    from aichain.modelreg.v1 import query_pb2 as q

    path = "/aichain.modelreg.v1.Query/Models"
    res = c.app.query(abci.RequestQuery(path=path, data=q.QueryModelsRequest().SerializeToString()))
    assert res.code == 0 and [m.id for m in q.QueryModelsResponse.FromString(res.value).models] == [
        1
    ]
    exported = state(c)
    other = chain()
    module = other.app.manager.module("modelreg")
    module.init_genesis(other.app.query_context(), exported)
    assert module.export_genesis(other.app.query_context()) == exported
