"""Publish-version cost against the size of the existing version, record-proof verification
time, and VersionRecords page time against the page's position.

1. For N in (10^3, 10^4, 10^5): a datanet whose latest version holds N records; then a
   version appending 1,000 more is published. Reports the gas the publish costs (the store
   gas schedule, charged through a GasKVStore) and its wall time. The issue asks growth
   <= 1.5x from 10^3 to 10^5.
2. Record proof: the audit path against the version root (check_record_proof) plus the ICS23
   store proof of the version against the app hash (verify_proof_ops), on a committed chain.
3. VersionRecords pages of 100 at positions 0 and N - 100 of the largest version.

The state is built through the keeper directly (a fake bank: no signatures), in memory.

    .venv/bin/python bench/datanet_publish.py [--sizes 1000,10000,100000] [--append 1000]
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
import time
from pathlib import Path

from aichain.app.context import Context
from aichain.app.gas import INFINITE_GAS, GasKVStore, GasMeter
from aichain.app.store.cache import CacheStore
from aichain.app.store.memory import MemStore
from aichain.app.store_keys import StoreKey
from aichain.datanet.v1 import datanet_pb2 as pb
from aichain.datanet.v1 import query_pb2
from aichain.modules.datanet.keeper import Keeper
from aichain.modules.datanet.query import QueryServer

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' fakes
from tests.unit.datanet_fakes import DENOM, FakeAccounts, FakeBank, addr, bech

CONTRIBUTORS = 50


def build(n: int, extra: int) -> tuple[Keeper, MemStore, list[int]]:
    """A datanet whose version 1.. hold n records, plus `extra` accepted unpublished ones."""
    bank = FakeBank(FakeAccounts())
    for i in range(CONTRIBUTORS + 1):
        bank.balances[(addr(i), DENOM)] = 10**15
    keeper = Keeper(StoreKey("datanet"), bank, bank.accounts)
    store = MemStore()
    ctx = Context(store, 1, 1_700_000_000 * 10**9, "bench", GasMeter(INFINITE_GAS))
    keeper.create_datanet(ctx, pb.Datanet(
        owner=bech(0), name="bench", license="MIT", modality=pb.MODALITY_TEXT,
        curation_mode=pb.CURATION_MODE_OPEN, access_policy=pb.ACCESS_POLICY_PUBLIC,
        bond_per_record="0", max_record_size=1 << 20,
    ))  # fmt: skip
    ids = []
    for i in range(n + extra):
        record = pb.Record(datanet_id=1, content_hash=hashlib.sha256(b"%d" % i).hexdigest(),
                           size=100, media_type="text/plain")  # fmt: skip
        ids.append(keeper.contribute(ctx, addr(1 + i % CONTRIBUTORS), record))
    for start in range(0, n, 10_000):
        keeper.publish_version(ctx, bech(0), 1, ids[start : min(n, start + 10_000)], [], "")
    return keeper, store, ids[n:]


def publish_cost(keeper: Keeper, store: MemStore, new: list[int]) -> tuple[int, float]:
    """(gas, seconds) of publishing a version that appends `new`."""
    meter = GasMeter(INFINITE_GAS)
    branch = CacheStore(store)  # a tx's branch over committed state, as in FinalizeBlock
    ctx = Context(GasKVStore(branch, meter), 2, 1_700_000_100 * 10**9, "bench", meter)
    t0 = time.perf_counter()
    keeper.publish_version(ctx, bech(0), 1, new, [], "append")
    seconds = time.perf_counter() - t0
    branch.write()
    return meter.consumed, seconds


def page_time(keeper: Keeper, store: MemStore, version: int, position: int) -> float:
    """Seconds to answer a 100-entry VersionRecords page starting at position (median of 5)."""
    from cosmos.base.query.v1beta1 import pagination_pb2

    ctx = Context(store, 3, 0, "bench", GasMeter(INFINITE_GAS))
    server = QueryServer(keeper)
    req = query_pb2.QueryVersionRecordsRequest(
        datanet_id=1,
        version=version,
        pagination=pagination_pb2.PageRequest(offset=position, limit=100),
    )
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        server.version_records(ctx, req)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def proof_verify_time(rounds: int) -> tuple[float, int]:
    """Median seconds to verify one record proof (audit path + store proof), and its path length."""
    from tendermint.abci import types_pb2 as abci

    from aichain.client.proofs import verify_proof_ops
    from aichain.datanet.v1 import tx_pb2
    from aichain.modules.datanet.proof import check_record_proof
    from tests.integration.test_datanet_abci import OWNER, chain, create_msg, run
    from tests.integration.test_datanet_abci import addr as baddr

    c = chain()
    run(c, OWNER, create_msg(curation_mode=pb.CURATION_MODE_OPEN, bond_per_record="0"))
    msgs = [tx_pb2.MsgContribute(contributor=baddr(OWNER), datanet_id=1,
                                 content_hash=hashlib.sha256(b"p%d" % i).hexdigest(), size=10,
                                 media_type="text/plain") for i in range(1000)]  # fmt: skip
    for start in range(0, 1000, 100):
        res = c.block([c.tx(OWNER, msgs[start : start + 100], gas=10**8)]).tx_results[0]
        assert res.code == 0, res.log
    publish = tx_pb2.MsgPublishVersion(publisher=baddr(OWNER), datanet_id=1,
                                       append=list(range(1, 1001)))  # fmt: skip
    assert c.block([c.tx(OWNER, [publish], gas=10**8)]).tx_results[0].code == 0
    c.block([])
    req = query_pb2.QueryRecordProofRequest(datanet_id=1, version=1, record_id=777)
    res = c.app.query(abci.RequestQuery(path="/aichain.datanet.v1.Query/RecordProof",
                                        data=req.SerializeToString()))  # fmt: skip
    answer = query_pb2.QueryRecordProofResponse.FromString(res.value)
    store = c.app.query(abci.RequestQuery(path="/store/datanet/key",
                                          data=answer.version_store_key, prove=True))  # fmt: skip
    ops = [(op.type, op.key, op.data) for op in store.proof_ops.ops]
    app_hash = c.app.info(abci.RequestInfo()).last_block_app_hash
    key = b"datanet/" + answer.version_store_key
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        verify_proof_ops(app_hash, key, store.value, ops)
        verdict = check_record_proof(answer, store.value)
        times.append(time.perf_counter() - t0)
        assert verdict.ok, verdict.reason
    return statistics.median(times), len(answer.audit_path)


def main() -> None:
    """Prints publish cost per size, page times, and proof verification time."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--append", type=int, default=1000)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    costs = {}
    for n in sizes:
        t0 = time.perf_counter()
        keeper, store, new = build(n, args.append)
        built = time.perf_counter() - t0
        for _ in store.iterate(b"\xff"):  # sort the memory store's keys once, as committed
            pass  # state is sorted on disk: the publish below then pays no re-sort
        gas, seconds = publish_cost(keeper, store, new)
        costs[n] = (gas, seconds)
        latest = keeper.require_datanet(Context(store, 3, 0, "bench", GasMeter(INFINITE_GAS)), 1)
        version = latest.latest_version
        first = page_time(keeper, store, version, 0)
        last = page_time(keeper, store, version, n - 100)
        print(f"existing {n:>7,}: publish +{args.append} -> gas {gas:,}, {seconds * 1000:.1f} ms "
              f"(state built in {built:.1f}s); VersionRecords page at 0: {first * 1000:.2f} ms, "
              f"at {n - 100:,}: {last * 1000:.2f} ms")  # fmt: skip
    lo, hi = costs[sizes[0]], costs[sizes[-1]]
    print(f"growth {sizes[0]:,} -> {sizes[-1]:,}: gas x{hi[0] / lo[0]:.3f}, "
          f"time x{hi[1] / lo[1]:.2f}")  # fmt: skip
    median, path = proof_verify_time(200)
    print(f"record proof (audit path of {path} + ICS23 store proof) verifies in "
          f"{median * 1000:.3f} ms (median of 200)")  # fmt: skip


if __name__ == "__main__":
    main()
