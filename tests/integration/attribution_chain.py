"""An in-process chain ready for inference: a public datanet with a published version, a base
model and an adapter trained on it (active, priced), and three bonded workers serving the
adapter, each with its own hot key; helpers to request, sign results and read state."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from tendermint.abci import types_pb2 as abci

from aichain.app.app import new_app
from aichain.app.crypto import PrivateKey, account_address
from aichain.app.store.memory import MemStore
from aichain.attribution.v1 import attribution_pb2 as apb
from aichain.attribution.v1 import query_pb2 as aq
from aichain.attribution.v1 import tx_pb2 as atx
from aichain.datanet.v1 import datanet_pb2 as dpb
from aichain.datanet.v1 import query_pb2 as dq
from aichain.datanet.v1 import tx_pb2 as dtx
from aichain.modelreg.v1 import modelreg_pb2 as mpb
from aichain.modelreg.v1 import tx_pb2 as mtx
from aichain.modules.attribution.signing import make_bundle
from tests.helpers import CHAIN_ID, Chain, make_key

OWNER, ALICE, BOB, CAROL, DAVE, USER, W1, W2, W3, CHALLENGER = (make_key(i) for i in range(60, 70))
HOT1, HOT2, HOT3 = (make_key(i) for i in range(80, 83))
WORKERS = ((W1, HOT1), (W2, HOT2), (W3, HOT3))
FUNDS = 10**13
PRICE = 1_000_000
BOND = 5_000_000
RECORDS = 4
"""Records 1..4 of datanet 1 (alice, bob, carol, dave) are version 1."""

TEST_PARAMS = dict(
    assignment_window_blocks=2, min_timeout_blocks=1, max_timeout_blocks=6,
    challenge_window_blocks=3, min_challenge_bond=1_000_000, committee_size=2,
    commit_window_blocks=2, reveal_window_blocks=2, max_misses=2, jail_seconds=100,
)  # fmt: skip
"""Short windows, so a test walks a request through every phase in a few blocks."""


def addr(key: PrivateKey) -> str:
    return account_address(key.address)


def h(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class AttributionChain:
    """The chain and what its setup registered."""

    c: Chain
    model_id: int = 2
    base_hash: str = field(default_factory=lambda: h("base weights"))
    adapter_hash: str = field(default_factory=lambda: h("adapter weights"))

    def run(self, key: PrivateKey, *msgs, gas: int = 2_000_000) -> abci.ExecTxResult:
        res = self.c.block([self.c.tx(key, list(msgs), gas=gas)]).tx_results[0]
        broken = self.c.invariants()
        assert broken == [], broken
        return res

    def empty_blocks(self, n: int) -> None:
        for _ in range(n):
            self.c.block([])
        assert self.c.invariants() == []

    def query(self, method: str, req, resp_type):
        res = self.c.app.query(
            abci.RequestQuery(
                path=f"/aichain.attribution.v1.Query/{method}", data=req.SerializeToString()
            )
        )
        assert res.code == 0, res.log
        return resp_type.FromString(res.value)

    def inference(self, inference_id: int) -> apb.Inference:
        return self.query("Inference", aq.QueryInferenceRequest(id=inference_id),
                          aq.QueryInferenceResponse).inference  # fmt: skip

    def dispute(self, dispute_id: int) -> apb.Dispute:
        return self.query("Dispute", aq.QueryDisputeRequest(id=dispute_id),
                          aq.QueryDisputeResponse).dispute  # fmt: skip

    def keeper(self):
        return self.c.app.manager.module("attribution").keeper

    def worker(self, key: PrivateKey) -> mpb.Worker:
        modelreg = self.c.app.manager.module("modelreg").keeper
        return modelreg.require_worker(self.c.app.query_context(), key.address)

    def state(self) -> dict:
        ctx = self.c.app.query_context()
        return {name: self.c.app.manager.module(name).export_genesis(ctx)
                for name in ("attribution", "bank", "modelreg", "datanet")}  # fmt: skip

    def request(
        self, key: PrivateKey = USER, max_fee: int = PRICE, **kw
    ) -> atx.MsgRequestInference:
        fields = dict(requester=addr(key), model_id=self.model_id, input_inline=b"hello",
                      max_fee=str(max_fee))  # fmt: skip
        fields.update(kw)
        return atx.MsgRequestInference(**fields)

    def result(
        self, request_id: int, worker: PrivateKey, records=None, **kw
    ) -> apb.InferenceResult:
        records = records if records is not None else [(1, 600_000), (2, 400_000)]
        fields = dict(
            chain_id=CHAIN_ID, request_id=request_id, worker=addr(worker), model_id=self.model_id,
            adapter_weights_hash=self.adapter_hash, base_weights_hash=self.base_hash,
            output_hash=h("output"), prompt_tokens=5, completion_tokens=7,
            method="lora-influence-v1", evidence_hash=h("evidence"),
            attributions=[apb.AttributionEntry(datanet_id=1, version=1, record_id=r,
                                               weight_ppm=w) for r, w in records],
        )  # fmt: skip
        fields.update(kw)
        return apb.InferenceResult(**fields)

    def submit(self, *bundles, submitter: PrivateKey = OWNER) -> abci.ExecTxResult:
        msg = atx.MsgSubmitInference(submitter=addr(submitter), results=list(bundles))
        return self.run(submitter, msg, gas=50_000_000)


def hot_of(worker: PrivateKey) -> PrivateKey:
    return {w.address: hk for w, hk in WORKERS}[worker.address]


def sign(result: apb.InferenceResult, hot: PrivateKey | None = None) -> apb.ResultBundle:
    worker = next(w for w, _ in WORKERS if addr(w) == result.worker)
    return make_bundle(hot or hot_of(worker), result)


def setup(params: dict | None = None) -> AttributionChain:
    """The chain described in the module docstring; OWNER is the params authority."""
    app = new_app(MemStore(), authority=addr(OWNER))
    keys = (OWNER, ALICE, BOB, CAROL, DAVE, USER, W1, W2, W3, CHALLENGER)
    c = Chain.start([(k, FUNDS) for k in keys], app=app)
    ac = AttributionChain(c)
    create = dtx.MsgCreateDatanet(
        creator=addr(OWNER), name="poems", description="d", license="CC-BY-4.0",
        modality=dpb.MODALITY_TEXT, curation_mode=dpb.CURATION_MODE_OWNER,
        access_policy=dpb.ACCESS_POLICY_PUBLIC, bond_per_record="1000", max_record_size=1000,
    )  # fmt: skip
    assert ac.run(OWNER, create).code == 0
    for i, key in enumerate((ALICE, BOB, CAROL, DAVE), start=1):
        data = f"record {i}".encode()
        msg = dtx.MsgContribute(contributor=addr(key), datanet_id=1,
                                content_hash=hashlib.sha256(data).hexdigest(), size=len(data),
                                media_type="text/plain")  # fmt: skip
        assert ac.run(key, msg).code == 0
        review = dtx.MsgReview(curator=addr(OWNER), datanet_id=1, record_id=i, accept=True)
        assert ac.run(OWNER, review).code == 0
    publish = dtx.MsgPublishVersion(publisher=addr(OWNER), datanet_id=1,
                                    append=list(range(1, RECORDS + 1)), changelog="v1")  # fmt: skip
    assert ac.run(OWNER, publish).code == 0
    root = ac.c.app.query(abci.RequestQuery(
        path="/aichain.datanet.v1.Query/Version",
        data=dq.QueryVersionRequest(datanet_id=1, version=1).SerializeToString()))  # fmt: skip
    root = dq.QueryVersionResponse.FromString(root.value).version.root
    base = mtx.MsgRegisterBaseModel(
        owner=addr(OWNER),
        name="tiny",
        weights_hash=ac.base_hash,
        architecture="gpt2",
        parameter_count=1000,
        license="MIT",
    )
    assert ac.run(OWNER, base).code == 0
    adapter = mtx.MsgRegisterAdapter(
        owner=addr(ALICE), name="poet", base_model_id=1, weights_hash=ac.adapter_hash,
        manifest_hash=h("manifest"), training_config_hash=h("config"),
        provenance=[mpb.DatanetRef(datanet_id=1, version=1, version_root=root)],
    )  # fmt: skip
    assert ac.run(ALICE, adapter).code == 0
    for model_id, owner in ((1, OWNER), (2, ALICE)):
        assert (
            ac.run(owner, mtx.MsgActivateModel(authority=addr(owner), model_id=model_id)).code == 0
        )
    price = mtx.MsgSetPrice(owner=addr(ALICE), model_id=2, price_per_request=str(PRICE))
    assert ac.run(ALICE, price).code == 0
    for worker, hot in WORKERS:
        msg = mtx.MsgRegisterWorker(operator=addr(worker), hot_pubkey=hot.pubkey, models=[1, 2],
                                    endpoint="https://w", bond=str(BOND))  # fmt: skip
        assert ac.run(worker, msg).code == 0, "worker"
    merged = {**TEST_PARAMS, **(params or {})}
    keeper = ac.keeper()
    p = keeper.get_params(c.app.query_context())
    from dataclasses import replace

    new = replace(p, **merged).to_proto()
    res = ac.run(OWNER, atx.MsgUpdateParams(authority=addr(OWNER), params=new))
    assert res.code == 0, res.log
    return ac
