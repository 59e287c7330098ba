"""Inference settlement in-process: settled inferences per second (batched results, K = 32),
settlement cost against the number of contributors in the datanet, and the cost of resolving
a challenge.

The whole app runs in memory, driven through ABCI FinalizeBlock + Commit as a node drives it
(ante, signature checks, message routing, end-block). Big datanets are written through the
keepers directly into the genesis branch (no signatures), so setup stays in minutes.

1. Throughput: R requests, answered by results in txs of B bundles each (each bundle hot-key
   signed, K = 32 records, challenge window 1 block), then settled by the next end-block.
   Figure: R / (FinalizeBlock seconds of the submit blocks + the settling block). Signing the
   bundles is the worker's (client) cost and is reported apart.
2. Contributors: the same for datanets of 10^2, 10^4 and 10^5 contributors (one record each);
   per-inference submit and settle cost, and the growth from 10^2 to 10^5.
3. Challenge: a result challenged, a 3-member committee commits and reveals; the resolving
   block's FinalizeBlock time minus an empty block's.

Times are this process's CPU time (time.process_time), not wall time: on a shared, loaded
machine the wall clock mostly measures the other processes.

    .venv/bin/python bench/settlement_throughput.py [--requests 2000] [--batch 500]
        [--sizes 100,10000,100000] [--backend sorted|rocks]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import time
from collections.abc import Sequence

from google.protobuf import timestamp_pb2
from tendermint.abci import types_pb2 as abci

from aichain.app.coins import Coin
from aichain.app.crypto import PrivateKey, account_address
from aichain.app.gas import INFINITE_GAS, GasMeter
from aichain.attribution.v1 import attribution_pb2 as apb
from aichain.attribution.v1 import tx_pb2 as atx
from aichain.client.txbuilder import SignerData, build_tx
from aichain.datanet.v1 import datanet_pb2 as dpb
from aichain.modelreg.v1 import modelreg_pb2 as mpb
from aichain.modules.attribution.signing import commitment, make_bundle, vote_bytes
from aichain.modules.attribution.weights import compute_ppm_weights

CHAIN_ID = "bench"
K = 32
T0 = 1_700_000_000


def key(tag: str) -> PrivateKey:
    return PrivateKey(hashlib.sha256(tag.encode()).digest())


USER, OWNER = key("user"), key("owner")
WORKERS = [(key(f"worker{i}"), key(f"hot{i}")) for i in range(4)]


class SortedStore:
    """A bench-only KVStore over a sorted dict: writes of new keys interleaved with prefix scans
    stay O(log n) (MemStore re-sorts every key on the first scan after a new key), so the
    figures are the chain's, not the in-memory test store's."""

    def __init__(self) -> None:
        from sortedcontainers import SortedDict

        self._data = SortedDict()

    def get(self, key: bytes) -> bytes | None:
        return self._data.get(key)

    def has(self, key: bytes) -> bool:
        return key in self._data

    def set(self, key: bytes, value: bytes) -> None:
        self._data[key] = value

    def delete(self, key: bytes) -> None:
        self._data.pop(key, None)

    def write_batch(self, writes: dict[bytes, bytes | None]) -> None:
        for key, value in writes.items():
            if value is None:
                self.delete(key)
            else:
                self.set(key, value)

    def __len__(self) -> int:
        return len(self._data)

    def iterate(self, prefix: bytes = b"", reverse: bool = False):  # type: ignore[no-untyped-def]
        from aichain.app.store.kv import prefix_end

        end = prefix_end(prefix)
        keys = list(self._data.irange(prefix, end, inclusive=(True, False), reverse=reverse))
        for key in keys:
            yield key, self._data[key]


def build_datanets(sizes: Sequence[int]):  # type: ignore[no-untyped-def]
    """Datanet genesis holding, for each n, a datanet of n records by n contributors (open
    curation, no bond), its last version holding all; built with the datanet keeper over a
    plain memory store (writes land at once, so setup is linear). Returns (genesis section,
    {n: (datanet id, last version, record ids)})."""
    import sys
    from pathlib import Path

    from aichain.app.context import Context
    from aichain.app.store_keys import StoreKey
    from aichain.modules.datanet.genesis import export_genesis
    from aichain.modules.datanet.keeper import Keeper

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' fakes
    from tests.unit.datanet_fakes import FakeAccounts, FakeBank

    bank = FakeBank(FakeAccounts())
    keeper = Keeper(StoreKey("datanet"), bank, bank.accounts)
    ctx = Context(SortedStore(), 1, T0 * 10**9, CHAIN_ID, GasMeter(INFINITE_GAS))  # type: ignore[arg-type]
    owner = account_address(OWNER.address)
    built = {}
    for n in sizes:
        datanet_id = keeper.create_datanet(ctx, dpb.Datanet(
            owner=owner, name=f"bench-{n}", license="MIT", modality=dpb.MODALITY_TEXT,
            curation_mode=dpb.CURATION_MODE_OPEN, access_policy=dpb.ACCESS_POLICY_PUBLIC,
            bond_per_record="0", max_record_size=1 << 20))  # fmt: skip
        ids = []
        for i in range(n):
            contributor = hashlib.sha256(b"c%d-%d" % (n, i)).digest()[:20]
            record = dpb.Record(
                datanet_id=datanet_id,
                size=100,
                media_type="text/plain",
                content_hash=hashlib.sha256(b"r%d-%d" % (n, i)).hexdigest(),
            )
            ids.append(keeper.contribute(ctx, contributor, record))
        version = None
        for start in range(0, n, 10_000):
            version = keeper.publish_version(ctx, owner, datanet_id, ids[start:start + 10_000],
                                             [], "")  # fmt: skip
        built[n] = (datanet_id, version, ids)
    return export_genesis(ctx, keeper), built


class Bench:
    """The app, its accounts' sequences, and the models built for each datanet size."""

    def __init__(self, sizes: Sequence[int], backend: str = "sorted") -> None:
        import tempfile

        from aichain.app.app import new_app
        from aichain.app.store.rocks import RocksStore

        # the app over a sorted-dict backend (MemStore would re-sort its ~10^6 keys in the
        # first scan of every block, a cost RocksDB does not have) or over RocksDB, the node's
        # own backend, in a temporary directory
        if backend == "rocks":
            self._dir = tempfile.TemporaryDirectory(prefix="settlement-bench-")
            store = RocksStore(self._dir.name)
        else:
            store = SortedStore()
        self.app = new_app(store)  # type: ignore[arg-type]
        self.height = 0
        self.seq: dict[bytes, int] = {}
        self.numbers: dict[bytes, int] = {}
        accounts = [USER, OWNER, *(w for w, _ in WORKERS)]
        state = {"bank": {"balances": [
            {"address": account_address(k.address), "coins": [{"denom": "uaic",
                                                               "amount": str(10**15)}]}
            for k in sorted(accounts, key=lambda k: account_address(k.address))]}}  # fmt: skip
        t0 = time.process_time()
        state["datanet"], built = build_datanets(sizes)
        self.app.init_chain(
            abci.RequestInitChain(
                chain_id=CHAIN_ID, app_state_bytes=json.dumps(state).encode(), initial_height=1
            )
        )
        ctx = self.app._ctx(self.app._genesis, GasMeter(INFINITE_GAS), 1, T0 * 10**9)  # bench only
        self.models: dict[int, tuple[int, int, list[int]]] = {
            n: self._register(ctx, n, *built[n]) for n in sizes
        }
        modelreg = self.keeper("modelreg")
        model_ids = [m for m, _, _ in self.models.values()]
        for operator, hot in WORKERS:
            modelreg.register_worker(ctx, operator.address, hot.pubkey, hot.address, model_ids,
                                     "https://bench", "cpu", 10**9)  # fmt: skip
        attribution = self.keeper("attribution")
        from dataclasses import replace

        attribution.set_params(ctx, replace(
            attribution.get_params(ctx), challenge_window_blocks=1, max_results_per_msg=5_000,
            assignment_window_blocks=100, max_timeout_blocks=1_000, commit_window_blocks=1,
            reveal_window_blocks=1, committee_size=3))  # fmt: skip
        self.block([])
        self.setup_s = time.process_time() - t0
        for k in accounts:
            self.numbers[k.address] = self.keeper("auth").get_account(
                self.app.query_context(), k.address).account_number  # fmt: skip

    def keeper(self, name: str):  # type: ignore[no-untyped-def]
        return self.app.manager.module(name).keeper

    def _register(self, ctx, n: int, datanet_id: int, version, ids: list[int]):  # type: ignore[no-untyped-def]
        """A base model and an adapter on the datanet's last version (active, priced).
        Returns (adapter id, datanet id, record ids)."""
        owner = account_address(OWNER.address)
        modelreg = self.keeper("modelreg")
        base = modelreg.register_base_model(ctx, mpb.Model(
            owner=owner, name="base", weights_hash=hashlib.sha256(b"base%d" % n).hexdigest(),
            architecture="gpt2", parameter_count=1, license="MIT"))  # fmt: skip
        adapter = modelreg.register_adapter(ctx, mpb.Model(
            owner=owner, name="lora", base_model_id=base,
            weights_hash=hashlib.sha256(b"lora%d" % n).hexdigest(),
            manifest_hash="00" * 32, training_config_hash="00" * 32,
            provenance=[mpb.DatanetRef(datanet_id=datanet_id, version=version.version,
                                       version_root=version.root)]))  # fmt: skip
        for model_id in (base, adapter):
            modelreg.activate(ctx, model_id)
        modelreg.set_price(ctx, owner, adapter, 1_000_000, 0)
        return adapter, datanet_id, ids

    def tx(self, k: PrivateKey, msgs: list) -> bytes:  # type: ignore[type-arg]
        seq = self.seq.get(k.address, 0)
        self.seq[k.address] = seq + 1
        return build_tx(msgs, k, SignerData(self.numbers.get(k.address, 0), seq), CHAIN_ID,
                        [Coin("uaic", 1)], 10**12)  # fmt: skip

    def block(self, txs: list[bytes]) -> tuple[float, abci.ResponseFinalizeBlock]:
        self.height += 1
        req = abci.RequestFinalizeBlock(
            txs=txs, height=self.height, hash=hashlib.sha256(b"%d" % self.height).digest(),
            time=timestamp_pb2.Timestamp(seconds=T0 + self.height))  # fmt: skip
        t0 = time.process_time()
        resp = self.app.finalize_block(req)
        seconds = time.process_time() - t0
        self.app.commit(abci.RequestCommit())
        for r in resp.tx_results:
            if r.code:
                raise SystemExit(f"tx failed: {r.codespace}/{r.code} {r.log}")
        return seconds, resp

    def request(self, model_id: int, count: int) -> list[tuple[int, str]]:
        """count requests (one tx); (request id, assigned worker)."""
        first = self.keeper("attribution").get_next_id(self.app.query_context())
        msg = atx.MsgRequestInference(requester=account_address(USER.address), model_id=model_id,
                                      input_inline=b"x", max_fee="1000000")  # fmt: skip
        for start in range(0, count, 1_000):
            self.block([self.tx(USER, [msg] * min(1_000, count - start))])
        ctx = self.app.query_context()
        keeper = self.keeper("attribution")
        return [(i, keeper.get_inference(ctx, i).request.assigned_worker)
                for i in range(first, first + count)]  # fmt: skip

    def bundles(self, model: tuple[int, int, list[int]], requests, rng_seed: int):  # type: ignore[no-untyped-def]
        import random

        model_id, datanet_id, ids = model
        modelreg = self.keeper("modelreg")
        ctx = self.app.query_context()
        lineage = modelreg.get_lineage(ctx, model_id)
        version = lineage[0].provenance[0].version
        rng = random.Random(rng_seed)
        hots = {account_address(w.address): (w, hot) for w, hot in WORKERS}
        out = []
        for request_id, worker in requests:
            chosen = rng.sample(ids, min(K, len(ids)))
            weights = compute_ppm_weights([(str(r), rng.randint(1, 1000)) for r in chosen])
            result = apb.InferenceResult(
                chain_id=CHAIN_ID, request_id=request_id, worker=worker, model_id=model_id,
                adapter_weights_hash=lineage[0].weights_hash,
                base_weights_hash=lineage[-1].weights_hash, output_hash="ab" * 32,
                prompt_tokens=10, completion_tokens=20, method="lora-influence-v1",
                evidence_hash="cd" * 32,
                attributions=[apb.AttributionEntry(datanet_id=datanet_id, version=version,
                                                   record_id=int(r), weight_ppm=w)
                              for r, w in weights],
            )  # fmt: skip
            out.append(make_bundle(hots[worker][1], result))
        return out


def settle_run(bench: Bench, n: int, count: int, batch: int) -> dict[str, float]:
    """Requests, signed results in txs of `batch`, settlement: the timings."""
    model = bench.models[n]
    requests = bench.request(model[0], count)
    t0 = time.process_time()
    bundles = bench.bundles(model, requests, n)
    sign_s = time.process_time() - t0
    relayer = account_address(OWNER.address)
    txs = [bench.tx(OWNER, [atx.MsgSubmitInference(submitter=relayer,
                                                   results=bundles[i:i + batch])])
           for i in range(0, count, batch)]  # fmt: skip
    submit_s = 0.0
    for raw in txs:  # one tx a block: each block's cost is one batch's
        seconds, _ = bench.block([raw])
        submit_s += seconds
    empty_s, _ = bench.block([])  # matures the last batch (window 1 block)
    # the earlier batches matured in the following submit blocks; settle them all at once
    # for the per-inference figure: re-run with every batch in one block below
    return {"sign_s": sign_s, "submit_s": submit_s, "tail_s": empty_s}


def settle_costs(bench: Bench, n: int, count: int, batch: int) -> dict[str, float]:
    """Results for `count` requests delivered (one block, txs of `batch`); then each answered
    inference settled alone on a throw-away branch of the committed state: median seconds
    and gas (the store's gas schedule, a load-independent count of reads and writes) of one
    settlement. The next block then settles them all for real."""
    from aichain.app.context import Context
    from aichain.app.gas import GasKVStore
    from aichain.app.store.cache import CacheStore

    model = bench.models[n]
    requests = bench.request(model[0], count)
    bundles = bench.bundles(model, requests, n + 1)
    relayer = account_address(OWNER.address)
    txs = [bench.tx(OWNER, [atx.MsgSubmitInference(submitter=relayer,
                                                   results=bundles[i:i + batch])])
           for i in range(0, count, batch)]  # fmt: skip
    submit_s, _ = bench.block(txs)
    keeper = bench.keeper("attribution")
    app = bench.app
    times, gas = [], []
    for request_id, _ in requests:
        inference = keeper.get_inference(app.query_context(), request_id)
        meter = GasMeter(INFINITE_GAS)
        ctx = Context(GasKVStore(CacheStore(app.root.backend), meter), bench.height + 1,
                      (T0 + bench.height + 1) * 10**9, CHAIN_ID, meter,
                      store_keys=app.store_keys)  # fmt: skip
        t0 = time.process_time()
        keeper.settlement.settle(ctx, inference)
        times.append(time.process_time() - t0)
        gas.append(meter.consumed)
    bench.block([])
    ctx = app.query_context()
    settled = sum(
        1
        for rid, _ in requests
        if keeper.get_inference(ctx, rid).request.status == apb.REQUEST_STATUS_SETTLED
    )
    assert settled == count, (settled, count)
    return {
        "submit_s": submit_s / count,
        "settle_s": statistics.median(times),
        "settle_gas": statistics.median(gas),
    }


def challenge_run(bench: Bench, n: int) -> dict[str, float]:
    """One challenged result resolved by a 3-member committee: the resolving block's extra
    time over an empty block."""
    model = bench.models[n]
    ((request_id, worker),) = bench.request(model[0], 1)
    (bundle,) = bench.bundles(model, [(request_id, worker)], 7)
    relayer = account_address(OWNER.address)
    bench.block([bench.tx(OWNER, [atx.MsgSubmitInference(submitter=relayer, results=[bundle])])])
    bench.block(
        [
            bench.tx(
                USER,
                [
                    atx.MsgChallenge(
                        challenger=account_address(USER.address),
                        inference_id=request_id,
                        bond="1000000",
                    )
                ],
            )
        ]
    )
    draw_s, _ = bench.block([])  # the committee is drawn here
    ctx = bench.app.query_context()
    keeper = bench.keeper("attribution")
    inference = keeper.get_inference(ctx, request_id)
    dispute = keeper.get_dispute(ctx, inference.dispute_id)
    by_addr = {account_address(w.address): w for w, _ in WORKERS}
    members = [by_addr[v.member] for v in dispute.committee]
    entries = list(inference.result.attributions)[::-1]
    entries = [apb.AttributionEntry(datanet_id=e.datanet_id, version=e.version,
                                    record_id=e.record_id, weight_ppm=f.weight_ppm)
               for e, f in zip(entries, inference.result.attributions, strict=True)]  # fmt: skip
    vote = vote_bytes(entries, "", "")
    salt = b"s" * 16
    bench.block([bench.tx(m, [atx.MsgCommitVote(
        voter=account_address(m.address), dispute_id=dispute.id,
        commitment=commitment(dispute.id, m.address, vote, salt))]) for m in members])  # fmt: skip
    reveal_s, _ = bench.block([bench.tx(m, [atx.MsgRevealVote(
        voter=account_address(m.address), dispute_id=dispute.id, attributions=entries,
        salt=salt)]) for m in members])  # fmt: skip
    base_s = statistics.median(bench.block([])[0] for _ in range(3))
    resolved = keeper.get_dispute(bench.app.query_context(), dispute.id)
    return {
        "members": len(members),
        "status": apb.DisputeStatus.Name(resolved.status),
        "reveal_and_resolve_s": reveal_s,
        "empty_s": base_s,
        "draw_s": draw_s,
    }


def main() -> None:
    """Runs the benchmark and prints its figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--sizes", default="100,10000,100000")
    parser.add_argument("--per-size", type=int, default=200, help="settlements per size")
    parser.add_argument(
        "--backend",
        choices=("sorted", "rocks"),
        default="sorted",
        help="the committed state: a sorted dict in memory, or RocksDB",
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    bench = Bench(sizes, args.backend)
    print(f"setup ({args.backend} backend): datanets of {sizes} contributors in "
          f"{bench.setup_s:.1f}s")  # fmt: skip
    small = sizes[0]
    run = settle_run(bench, small, args.requests, args.batch)
    total = run["submit_s"] + run["tail_s"]
    print(f"throughput ({args.requests} results, K={K}, txs of {args.batch}, one a block, each "
          f"block also settling the previous batch): {args.requests / total:,.0f} settled "
          f"inferences/s of FinalizeBlock CPU time ({total:.2f}s); worker-side signing "
          f"{args.requests / run['sign_s']:,.0f}/s")  # fmt: skip
    costs = {}
    for n in sizes:
        r = settle_costs(bench, n, args.per_size, args.batch)
        costs[n] = r
        print(f"contributors {n:>7,}: one settlement {r['settle_s'] * 1e6:,.0f} us, "
              f"{r['settle_gas']:,.0f} gas; submit {r['submit_s'] * 1e6:,.0f} us/inference "
              f"(FinalizeBlock of the submit block / results)")  # fmt: skip
    first, last = costs[sizes[0]], costs[sizes[-1]]
    print(f"growth {sizes[0]:,} -> {sizes[-1]:,}: settlement time "
          f"{last['settle_s'] / first['settle_s']:.2f}x, gas "
          f"{last['settle_gas'] / first['settle_gas']:.3f}x; submit "
          f"{last['submit_s'] / first['submit_s']:.2f}x")  # fmt: skip
    ch = challenge_run(bench, small)
    print(
        f"challenge: committee of {ch['members']}, {ch['status']}; reveal block with "
        f"resolution {ch['reveal_and_resolve_s'] * 1e3:.1f} ms (empty block "
        f"{ch['empty_s'] * 1e3:.1f} ms; committee draw block {ch['draw_s'] * 1e3:.1f} ms)"
    )


if __name__ == "__main__":
    main()
