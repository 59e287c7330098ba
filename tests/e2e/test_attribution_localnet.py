"""Inference settlement end to end on a real 4-validator localnet (CometBFT consensus, RocksDB
state), driven as clients drive it (signed txs over CometBFT RPC, queries over ABCI): a
scripted worker signs results with its hot key.

- request -> result -> settlement when the challenge window closes -> the worker claims its
  share and the data contributors claim theirs from the datanet;
- a false attribution (records swapped) is challenged; the committee (two scripted honest
  workers) commits and reveals the honest attribution; the worker is slashed and the
  challenger paid;
- a request nobody answers times out and is refunded.
Windows are a few blocks (genesis params), so the file runs in about a minute."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator

import pytest

from aichain.app.coins import Coin
from aichain.app.crypto import PrivateKey, account_address
from aichain.attribution.v1 import attribution_pb2 as apb
from aichain.attribution.v1 import query_pb2 as aq
from aichain.attribution.v1 import tx_pb2 as atx
from aichain.cli.keys import open_keyring
from aichain.client.broadcast import TxResult, sign_and_broadcast
from aichain.client.rpc import CometRPC
from aichain.datanet.v1 import datanet_pb2 as dpb
from aichain.datanet.v1 import query_pb2 as dq
from aichain.datanet.v1 import tx_pb2 as dtx
from aichain.modelreg.v1 import modelreg_pb2 as mpb
from aichain.modelreg.v1 import query_pb2 as mq
from aichain.modelreg.v1 import tx_pb2 as mtx
from aichain.modules.attribution.signing import commitment, make_bundle, vote_bytes
from aichain.node.localnet import (
    Localnet,
    init_localnet,
    load_localnet,
    start_localnet,
    stop_localnet,
    wait_for_height,
)

from .conftest import free_base_port

pytestmark = pytest.mark.e2e

CHAIN_ID = "aichain-attr"
FEES = [Coin("uaic", 100_000)]
GAS = 4_000_000
PRICE = 1_000_000
BOND = 5_000_000
ATTRIBUTION = {
    "assignment_window_blocks": "3", "min_timeout_blocks": "2", "max_timeout_blocks": "30",
    "challenge_window_blocks": "6", "min_challenge_bond": "1000000", "committee_size": 2,
    "commit_window_blocks": "4", "reveal_window_blocks": "4",
}  # fmt: skip


def key(seed: int) -> PrivateKey:
    return PrivateKey(hashlib.sha256(b"attribution-e2e" + bytes([seed])).digest())


OWNER, ALICE, BOB, USER, CHALLENGER = (key(i) for i in range(5))
WORKERS = [(key(10 + i), key(20 + i)) for i in range(3)]
"""(operator, hot key) of the three scripted workers."""


def addr(k: PrivateKey) -> str:
    return account_address(k.address)


def h(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class Client:
    """Signed txs and queries against node0."""

    def __init__(self, net: Localnet) -> None:
        self.rpc = CometRPC(net.nodes[0].rpc, timeout=10)

    def send(self, k: PrivateKey, *msgs) -> TxResult:
        return sign_and_broadcast(self.rpc, k, list(msgs), chain_id=CHAIN_ID, fees=FEES, gas=GAS)

    def send_all(self, batch) -> list[TxResult]:
        """One tx per (key, msgs), broadcast together (different signers), then awaited."""
        sent = [sign_and_broadcast(self.rpc, k, list(m), chain_id=CHAIN_ID, fees=FEES, gas=GAS,
                                   wait=False) for k, m in batch]  # fmt: skip
        results = []
        for res in sent:
            assert res.code == 0, res.log
            committed = self.rpc.wait_for_tx(bytes.fromhex(res.txhash), 30)["tx_result"]
            assert int(committed.get("code", 0)) == 0, committed.get("log")
            results.append(res)
        return results

    def query(self, service: str, method: str, req, resp_type):
        res = self.rpc.abci_query(f"/{service}.Query/{method}", req.SerializeToString())
        assert res.code == 0, res.log
        return resp_type.FromString(res.value)

    def attribution(self, method: str, req):
        resp = getattr(aq, f"Query{method}Response")
        return self.query("aichain.attribution.v1", method, req, resp)

    def balance(self, k: PrivateKey) -> int:
        from cosmos.bank.v1beta1 import query_pb2 as bq

        req = bq.QueryBalanceRequest(address=addr(k), denom="uaic")
        return int(self.query("cosmos.bank.v1beta1", "Balance", req,
                              bq.QueryBalanceResponse).balance.amount)  # fmt: skip

    def height(self) -> int:
        return self.rpc.latest_height()

    def wait_until(self, height: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while self.height() < height:
            assert time.monotonic() < deadline, f"height {height} not reached"
            time.sleep(0.2)

    def inference(self, inference_id: int) -> apb.Inference:
        return self.attribution("Inference", aq.QueryInferenceRequest(id=inference_id)).inference

    def bond(self, operator: PrivateKey) -> int:
        req = mq.QueryWorkerRequest(operator=addr(operator))
        worker = self.query("aichain.modelreg.v1", "Worker", req, mq.QueryWorkerResponse).worker
        return int(worker.bond)


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Localnet]:
    root = tmp_path_factory.mktemp("attribution")
    init_localnet(root, 4, chain_id=CHAIN_ID, base_port=free_base_port(4),
                  params={"attribution": ATTRIBUTION})  # fmt: skip
    net = load_localnet(root)
    start_localnet(net)
    try:
        wait_for_height(net, 2, timeout=90)
        yield net
    finally:
        stop_localnet(net)


@pytest.fixture(scope="module")
def chain(net: Localnet) -> Client:
    """Funded accounts, a public datanet (4 records, v1), a base model and an adapter on v1
    (active, priced), three bonded workers serving the adapter."""
    c = Client(net)
    faucet = open_keyring(net.nodes[0].home, "test").private_key("faucet")
    from cosmos.bank.v1beta1 import tx_pb2 as cbtx
    from cosmos.base.v1beta1 import coin_pb2

    everyone = [OWNER, ALICE, BOB, USER, CHALLENGER, *(w for w, _ in WORKERS)]
    sends = [cbtx.MsgSend(from_address=net.faucet, to_address=addr(k),
                          amount=[coin_pb2.Coin(denom="uaic", amount=str(10**11))])
             for k in everyone]  # fmt: skip
    assert c.send(faucet, *sends).code == 0
    create = dtx.MsgCreateDatanet(
        creator=addr(OWNER), name="poems", description="d", license="CC-BY-4.0",
        modality=dpb.MODALITY_TEXT, curation_mode=dpb.CURATION_MODE_OWNER,
        access_policy=dpb.ACCESS_POLICY_PUBLIC, bond_per_record="0", max_record_size=1000,
    )  # fmt: skip
    assert c.send(OWNER, create).code == 0

    def contribute(k: PrivateKey, i: int) -> dtx.MsgContribute:
        data = f"record {i}".encode()
        return dtx.MsgContribute(contributor=addr(k), datanet_id=1, size=len(data),
                                 content_hash=hashlib.sha256(data).hexdigest(),
                                 media_type="text/plain")  # fmt: skip

    c.send_all([(ALICE, [contribute(ALICE, 1)]), (BOB, [contribute(BOB, 2)])])
    c.send_all([(ALICE, [contribute(ALICE, 3)]), (BOB, [contribute(BOB, 4)])])
    reviews = [dtx.MsgReview(curator=addr(OWNER), datanet_id=1, record_id=i, accept=True)
               for i in range(1, 5)]  # fmt: skip
    publish = dtx.MsgPublishVersion(publisher=addr(OWNER), datanet_id=1, append=[1, 2, 3, 4],
                                    changelog="v1")  # fmt: skip
    base = mtx.MsgRegisterBaseModel(
        owner=addr(OWNER),
        name="tiny",
        weights_hash=h("base"),
        architecture="gpt2",
        parameter_count=1000,
        license="MIT",
    )
    assert (
        c.send(
            OWNER, *reviews, publish, base, mtx.MsgActivateModel(authority=addr(OWNER), model_id=1)
        ).code
        == 0
    )
    root = c.query("aichain.datanet.v1", "Version", dq.QueryVersionRequest(datanet_id=1, version=1),
                   dq.QueryVersionResponse).version.root  # fmt: skip
    adapter = mtx.MsgRegisterAdapter(
        owner=addr(ALICE), name="poet", base_model_id=1, weights_hash=h("adapter"),
        manifest_hash=h("manifest"), training_config_hash=h("config"),
        provenance=[mpb.DatanetRef(datanet_id=1, version=1, version_root=root)],
    )  # fmt: skip
    assert c.send(ALICE, adapter, mtx.MsgActivateModel(authority=addr(ALICE), model_id=2),
                  mtx.MsgSetPrice(owner=addr(ALICE), model_id=2,
                                  price_per_request=str(PRICE))).code == 0  # fmt: skip
    c.send_all([(w, [mtx.MsgRegisterWorker(operator=addr(w), hot_pubkey=hot.pubkey, models=[2],
                                           endpoint="https://w", bond=str(BOND))])
                for w, hot in WORKERS])  # fmt: skip
    return c


HONEST = [(1, 600_000), (2, 400_000)]
SWAPPED = [(3, 600_000), (4, 400_000)]


def result(request_id: int, worker: PrivateKey, records) -> apb.InferenceResult:
    return apb.InferenceResult(
        chain_id=CHAIN_ID, request_id=request_id, worker=addr(worker), model_id=2,
        adapter_weights_hash=h("adapter"), base_weights_hash=h("base"), output_hash=h("out"),
        prompt_tokens=4, completion_tokens=8, method="lora-influence-v1",
        evidence_hash=h("evidence"),
        attributions=[apb.AttributionEntry(datanet_id=1, version=1, record_id=r, weight_ppm=w)
                      for r, w in records],
    )  # fmt: skip


def scripted_worker(operator_address: str) -> tuple[PrivateKey, PrivateKey]:
    return next((w, hot) for w, hot in WORKERS if addr(w) == operator_address)


def request(c: Client, **kw) -> apb.InferenceRequest:
    res = c.send(
        USER,
        atx.MsgRequestInference(
            requester=addr(USER), model_id=2, input_inline=b"a poem", max_fee=str(PRICE), **kw
        ),
    )
    assert res.code == 0, res.log
    found = c.attribution("Inferences", aq.QueryInferencesRequest(requester=addr(USER)))
    return found.inferences[0].request  # newest first


def test_request_result_settlement_and_claims(chain: Client) -> None:
    c = chain
    req = request(c)
    worker, hot = scripted_worker(req.assigned_worker)
    pending = c.attribution("PendingRequests", aq.QueryPendingRequestsRequest(worker=addr(worker)))
    assert req.id in [r.id for r in pending.requests]
    bundle = make_bundle(hot, result(req.id, worker, HONEST))
    res = c.send(OWNER, atx.MsgSubmitInference(submitter=addr(OWNER), results=[bundle]))
    assert res.code == 0, res.log
    inf = c.inference(req.id)
    assert inf.request.status == apb.REQUEST_STATUS_ANSWERED
    c.wait_until(inf.challenge_end_height + 1)
    assert c.inference(req.id).request.status == apb.REQUEST_STATUS_SETTLED
    before = c.balance(worker)
    assert c.send(worker, atx.MsgClaim(claimant=addr(worker))).code == 0
    assert c.balance(worker) == before + PRICE * 20 // 100 - FEES[0].amount
    for contributor, share in ((ALICE, 300_000), (BOB, 200_000)):
        before = c.balance(contributor)
        res = c.send(contributor, dtx.MsgClaim(contributor=addr(contributor), datanet_id=1))
        assert res.code == 0, res.log
        assert c.balance(contributor) == before + share - FEES[0].amount
    revenue = c.attribution("DatanetRevenue", aq.QueryDatanetRevenueRequest(datanet_id=1))
    assert int(revenue.revenue) >= 500_000


def test_false_attribution_is_slashed_and_an_unanswered_request_refunded(chain: Client) -> None:
    c = chain
    before_user = c.balance(USER)
    lost = request(c, timeout_height=c.height() + 8)  # nobody answers this one
    req = request(c)
    worker, hot = scripted_worker(req.assigned_worker)
    bundle = make_bundle(hot, result(req.id, worker, SWAPPED))
    assert c.send(OWNER, atx.MsgSubmitInference(submitter=addr(OWNER), results=[bundle])).code == 0
    bond_before = c.bond(worker)
    challenger_before = c.balance(CHALLENGER)
    res = c.send(
        CHALLENGER,
        atx.MsgChallenge(
            challenger=addr(CHALLENGER),
            inference_id=req.id,
            bond="1000000",
            reason="records swapped",
        ),
    )
    assert res.code == 0, res.log
    dispute_id = c.inference(req.id).dispute_id
    c.wait_until(res.height + 1)  # the committee is drawn in the next block
    dispute = c.attribution("Dispute", aq.QueryDisputeRequest(id=dispute_id)).dispute
    deadline = time.monotonic() + 30
    while not dispute.committee and time.monotonic() < deadline:  # the queried node may lag
        time.sleep(0.5)
        dispute = c.attribution("Dispute", aq.QueryDisputeRequest(id=dispute_id)).dispute
    members = [scripted_worker(v.member)[0] for v in dispute.committee]
    assert sorted(addr(m) for m in members) == sorted(
        addr(w) for w, _ in WORKERS if addr(w) != addr(worker)
    )
    # the honest committee re-runs and finds records 1 and 2
    entries = [apb.AttributionEntry(datanet_id=1, version=1, record_id=r, weight_ppm=w)
               for r, w in HONEST]  # fmt: skip
    vote = vote_bytes(entries, h("out"), h("evidence"))
    salts = {addr(m): hashlib.sha256(m.secret).digest()[:16] for m in members}
    c.send_all([(m, [atx.MsgCommitVote(voter=addr(m), dispute_id=dispute_id,
                                       commitment=commitment(dispute_id, m.address, vote,
                                                             salts[addr(m)]))])
                for m in members])  # fmt: skip
    c.wait_until(dispute.commit_end_height + 1)
    c.send_all([(m, [atx.MsgRevealVote(voter=addr(m), dispute_id=dispute_id, attributions=entries,
                                       output_hash=h("out"), evidence_hash=h("evidence"),
                                       salt=salts[addr(m)])]) for m in members])  # fmt: skip
    c.wait_until(dispute.reveal_end_height + 1)
    dispute = c.attribution("Dispute", aq.QueryDisputeRequest(id=dispute_id)).dispute
    assert dispute.status == apb.DISPUTE_STATUS_UPHELD
    assert all(v.revealed and not v.agrees for v in dispute.committee)
    # the timed-out request's penalty (10,000) lands first when the same worker had it
    penalty = 10_000 if lost.assigned_worker == addr(worker) else 0
    slashed = (bond_before - penalty) // 10
    assert int(dispute.slashed) == slashed
    assert c.bond(worker) == bond_before - penalty - slashed
    assert c.balance(CHALLENGER) == challenger_before - FEES[0].amount + slashed // 2
    assert c.inference(req.id).request.status == apb.REQUEST_STATUS_REFUNDED
    # the request nobody answered timed out and came back in full
    assert c.inference(lost.id).request.status == apb.REQUEST_STATUS_TIMED_OUT
    assert c.balance(USER) == before_user - 2 * FEES[0].amount  # both fees refunded
