"""Datanet contributions through the in-process pipeline, against bank sends in the same run.

Pre-signed txs from distinct senders go through CheckTx + FinalizeBlock + Commit on a
RocksDB-backed app in a temporary directory (bench/inprocess_throughput.py's approach). Each
contribution escrows a bond, charges the quotas, indexes the hash and writes the record and
a history entry. Prints both rates and their ratio (the issue asks >= 3,000 contributions/s on
one core).

    .venv/bin/python bench/datanet_throughput.py [--txs 3000] [--blocks 3]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import tempfile
import time
from pathlib import Path

from google.protobuf import timestamp_pb2
from tendermint.abci import types_pb2 as abci

from aichain.app.app import open_app
from aichain.app.baseapp import AppConfig
from aichain.app.coins import Coin
from aichain.app.crypto import PrivateKey, account_address
from aichain.client.txbuilder import SignerData, build_tx
from aichain.datanet.v1 import datanet_pb2 as pb
from aichain.datanet.v1 import tx_pb2
from aichain.modules.bank.cli import msg_send
from aichain.node.gc_tuning import tune_gc

CHAIN_ID = "aichain-bench"


def make_keys(n: int) -> list[PrivateKey]:
    """n deterministic keys (the last one owns the datanet)."""
    return [PrivateKey((i + 1).to_bytes(32, "big")) for i in range(n + 1)]


def run(kind: str, txs_per_block: int, blocks: int, data_dir: Path) -> dict[str, float]:
    """Runs `blocks` blocks of `kind` ("send" or "contribute"); returns summed timings."""
    keys = make_keys(txs_per_block)
    owner, senders = keys[-1], keys[:-1]
    app = open_app(data_dir, AppConfig())
    coins = [{"denom": "uaic", "amount": str(10**12)}]
    balances = sorted(
        ({"address": account_address(k.address), "coins": coins} for k in keys),
        key=lambda b: b["address"],
    )
    app.init_chain(
        abci.RequestInitChain(
            chain_id=CHAIN_ID,
            app_state_bytes=json.dumps({"bank": {"balances": balances}}).encode(),
            initial_height=1,
        )
    )
    numbers = {}
    app.finalize_block(abci.RequestFinalizeBlock(height=1))
    app.commit(abci.RequestCommit())
    auth = app.manager.module("auth").keeper  # type: ignore[attr-defined]
    for key in keys:
        numbers[key.address] = auth.get_account(app.query_context(), key.address).account_number
    create = tx_pb2.MsgCreateDatanet(
        creator=account_address(owner.address), name="bench", license="MIT",
        modality=pb.MODALITY_TEXT, curation_mode=pb.CURATION_MODE_OWNER,
        access_policy=pb.ACCESS_POLICY_PUBLIC, bond_per_record="1000", max_record_size=1 << 20,
        quotas=pb.Quotas(account_records_per_day=1000),
    )  # fmt: skip
    tx = build_tx([create], owner, SignerData(numbers[owner.address], 0), CHAIN_ID,
                  [Coin("uaic", 5000)], 400_000)  # fmt: skip
    res = app.finalize_block(abci.RequestFinalizeBlock(txs=[tx], height=2))
    assert res.tx_results[0].code == 0, res.tx_results[0].log
    app.commit(abci.RequestCommit())
    recipient = account_address(PrivateKey.generate().address)
    totals = {"check": 0.0, "finalize": 0.0, "commit": 0.0}
    for b in range(blocks):
        batch = []
        for i, k in enumerate(senders):
            sender = account_address(k.address)
            if kind == "send":
                msg = msg_send(sender, recipient, [Coin("uaic", 1)])
            else:
                digest = hashlib.sha256(b"record %d %d" % (b, i)).hexdigest()
                msg = tx_pb2.MsgContribute(contributor=sender, datanet_id=1, content_hash=digest,
                                           size=200, media_type="text/plain",
                                           metadata='{"lang": "en"}')  # fmt: skip
            batch.append(build_tx([msg], k, SignerData(numbers[k.address], b), CHAIN_ID,
                                  [Coin("uaic", 5000)], 200_000))  # fmt: skip
        t0 = time.perf_counter()
        for tx in batch:
            resp = app.check_tx(abci.RequestCheckTx(tx=tx))
            assert resp.code == 0, resp.log
        t1 = time.perf_counter()
        res = app.finalize_block(
            abci.RequestFinalizeBlock(
                txs=batch, height=b + 3, time=timestamp_pb2.Timestamp(seconds=1_700_000_000 + b)
            )
        )
        t2 = time.perf_counter()
        app.commit(abci.RequestCommit())
        t3 = time.perf_counter()
        assert all(r.code == 0 for r in res.tx_results), res.tx_results[0].log
        totals["check"] += t1 - t0
        totals["finalize"] += t2 - t1
        totals["commit"] += t3 - t2
    app.root.backend.close()
    return totals


def main() -> None:
    """Runs sends then contributions (same sizes, same run) and prints rates and ratio."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--txs", type=int, default=3000)
    parser.add_argument("--blocks", type=int, default=3)
    args = parser.parse_args()
    tune_gc()
    n = args.txs * args.blocks
    rates = {}
    for kind in ("send", "contribute", "send", "contribute"):  # interleaved, twice
        with tempfile.TemporaryDirectory() as tmp:
            t = run(kind, args.txs, args.blocks, Path(tmp))
        total = sum(t.values())
        rates.setdefault(kind, []).append(n / total)
        print(
            f"{kind:10s} {n} txs in {total:.2f}s -> {n / total:,.0f} tx/s "
            f"(CheckTx {n / t['check']:,.0f}/s, FinalizeBlock {n / t['finalize']:,.0f}/s, "
            f"Commit {t['commit'] / args.blocks * 1000:.0f} ms/block)"
        )
    send = sum(rates["send"]) / len(rates["send"])
    contribute = sum(rates["contribute"]) / len(rates["contribute"])
    print(f"mean: bank sends {send:,.0f} tx/s, contributions {contribute:,.0f} tx/s, "
          f"ratio {contribute / send:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
