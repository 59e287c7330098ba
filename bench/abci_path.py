"""The app's side of the ABCI socket, as a node runs it: what one bank send costs the app process.

The app (RocksDB, minimum gas price 0.025uaic, metrics wrapper on, the node's GC settings) is
served by the real asyncio ABCIServer on a unix socket; a client in a second process plays
CometBFT's part with the request pattern of a loaded node: CheckTx frames on the mempool
connection in writes of ~4 KiB (CometBFT's socket client flushes its buffered writer when it
fills) with a Flush after each write, then on the consensus connection a FinalizeBlock of
--block of the txs and Commit, then the rest rechecked on the mempool connection (type
RECHECK, then Flush), then a second FinalizeBlock + Commit with the rest.

Wall time is printed per phase (noisy on a shared machine). For repeatable figures run it
twice under callgrind, at N and 2N txs with the same genesis (--accounts), and divide the
difference of the two instruction totals by N (the process's startup and genesis cancel out;
the client is a child process and is not traced):

    valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.%p \
        .venv/bin/python bench/abci_path.py --accounts 1200 --txs 300
    (same with --txs 600)   ->  (I_600 - I_300) / 300 instructions per tx

Signed txs are cached in the temp dir by --accounts so that signing is not counted either.

    .venv/bin/python bench/abci_path.py [--txs 2000] [--block 0.7] [--no-telemetry]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import pickle
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import tendermint.abci.types_pb2 as abci_pb
from google.protobuf import timestamp_pb2

CHAIN_ID = "aichain-bench"
WRITE_BYTES = 4096
"""CometBFT's socket client writes through a 4 KiB bufio.Writer."""


def signed_txs(n: int, cache_dir: Path) -> tuple[list[str], list[bytes]]:
    """(sorted sender addresses, one signed send per sender), cached by n."""
    path = cache_dir / f"aichain-abci-path-{n}.pickle"
    if path.exists():
        return pickle.loads(path.read_bytes())
    from aichain.app.coins import Coin
    from aichain.app.crypto import PrivateKey, account_address
    from aichain.client.txbuilder import SignerData, build_tx
    from aichain.modules.bank.cli import msg_send

    keys = [PrivateKey((i + 1).to_bytes(32, "big")) for i in range(n)]
    addrs = sorted(account_address(k.address) for k in keys)
    number = {a: i for i, a in enumerate(addrs)}
    recipient = account_address(PrivateKey((10**9).to_bytes(32, "big")).address)
    txs = []
    for key in keys:
        sender = account_address(key.address)
        txs.append(
            build_tx(
                [msg_send(sender, recipient, [Coin("uaic", 1)])],
                key,
                SignerData(number[sender], 0),
                CHAIN_ID,
                [Coin("uaic", 2_500)],
                100_000,
            )
        )
    path.write_bytes(pickle.dumps((addrs, txs)))
    return addrs, txs


def frame(request: abci_pb.Request) -> bytes:
    """One length-prefixed request frame."""
    from aichain.abci.framing import encode_frame

    return encode_frame(request)


def mempool_writes(txs: list[bytes], recheck: bool) -> list[bytes]:
    """CheckTx frames grouped into ~4 KiB writes, each ending with a Flush."""
    kind = abci_pb.CheckTxType.Value("RECHECK" if recheck else "NEW")
    flush = frame(abci_pb.Request(flush=abci_pb.RequestFlush()))
    writes, current = [], b""
    for tx in txs:
        current += frame(abci_pb.Request(check_tx=abci_pb.RequestCheckTx(tx=tx, type=kind)))
        if len(current) >= WRITE_BYTES:
            writes.append(current + flush)
            current = b""
    if current:
        writes.append(current + flush)
    return writes


def block_writes(txs: list[bytes], height: int) -> list[bytes]:
    """FinalizeBlock then Commit (each flushed, as CometBFT's synchronous calls are)."""
    flush = frame(abci_pb.Request(flush=abci_pb.RequestFlush()))
    fin = abci_pb.RequestFinalizeBlock(
        txs=txs, height=height, time=timestamp_pb2.Timestamp(seconds=1_700_000_000 + height)
    )
    return [
        frame(abci_pb.Request(finalize_block=fin)) + flush,
        frame(abci_pb.Request(commit=abci_pb.RequestCommit())) + flush,
    ]


def client(sock_path: str, plan_path: str) -> None:
    """CometBFT's part: (connection, writes) steps; waits for every response of a step
    (counted by Flush responses) before the next. Prints each step's seconds as JSON."""
    from aichain.abci.framing import response_decoder

    plan: list[tuple[str, str, list[bytes]]] = pickle.loads(Path(plan_path).read_bytes())
    conns: dict[str, tuple[socket.socket, object]] = {}
    timings = []
    for name, conn_name, writes in plan:
        if conn_name not in conns:
            s = socket.socket(socket.AF_UNIX)
            s.connect(sock_path)
            conns[conn_name] = (s, response_decoder())
        s, decoder = conns[conn_name]
        t0 = time.perf_counter()
        codes: dict[int, int] = {}
        for data in writes:
            s.sendall(data)
            flushed = False
            while not flushed:
                for resp in decoder.feed(s.recv(1 << 20)):  # type: ignore[attr-defined]
                    kind = resp.WhichOneof("value")
                    if kind == "flush":
                        flushed = True
                    elif kind == "check_tx":
                        codes[resp.check_tx.code] = codes.get(resp.check_tx.code, 0) + 1
                    elif kind == "finalize_block":
                        for r in resp.finalize_block.tx_results:
                            codes[r.code] = codes.get(r.code, 0) + 1
                    elif kind == "exception":
                        raise SystemExit(f"exception from the app: {resp.exception.error}")
        timings.append((name, time.perf_counter() - t0, codes))
    for s, _ in conns.values():
        s.close()
    print(json.dumps(timings))


def serve(args: argparse.Namespace, tmp: Path) -> None:
    """Builds the app and its genesis, plays the plan against it, prints the figures."""
    from aichain.abci.server import ABCIServer
    from aichain.app.ante import parse_min_gas_prices
    from aichain.app.app import open_app
    from aichain.app.baseapp import AppConfig
    from aichain.node.gc_tuning import tune_gc

    accounts = max(args.accounts, args.txs)
    addrs, txs = signed_txs(accounts, Path(tempfile.gettempdir()))
    txs = txs[: args.txs]
    app = open_app(tmp / "data", AppConfig(min_gas_prices=parse_min_gas_prices("0.025uaic")))
    served: object = app
    if not args.no_telemetry:
        from aichain.node.metrics import AppMetrics, InstrumentedApp, Registry

        served = InstrumentedApp(app, AppMetrics(Registry(), app))
    state = {
        "auth": {
            "accounts": [
                {
                    "@type": "/cosmos.auth.v1beta1.BaseAccount",
                    "address": a,
                    "account_number": str(i),
                    "sequence": "0",
                }
                for i, a in enumerate(addrs)
            ]
        },
        "bank": {"balances": [{"address": a, "coins": [{"denom": "uaic", "amount": str(10**12)}]}
                              for a in addrs]},
    }  # fmt: skip
    app.init_chain(
        abci_pb.RequestInitChain(
            chain_id=CHAIN_ID, app_state_bytes=json.dumps(state).encode(), initial_height=1
        )
    )
    app.finalize_block(abci_pb.RequestFinalizeBlock(height=1))
    app.commit(abci_pb.RequestCommit())
    cut = int(len(txs) * args.block)
    plan = [
        ("check_tx", "mempool", mempool_writes(txs, False)),
        ("block_1", "consensus", block_writes(txs[:cut], 2)),
        ("recheck_tx", "mempool", mempool_writes(txs[cut:], True)),
        ("block_2", "consensus", block_writes(txs[cut:], 3)),
    ]
    plan_path = tmp / "plan.pickle"
    plan_path.write_bytes(pickle.dumps(plan))
    sock = str(tmp / "abci.sock")
    tune_gc()

    async def main() -> str:
        server = ABCIServer(served, f"unix://{sock}")  # type: ignore[arg-type]
        await server.start()
        proc = await asyncio.create_subprocess_exec(
            sys.executable, __file__, "--client", sock, str(plan_path),
            stdout=subprocess.PIPE, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        )  # fmt: skip
        out, _ = await proc.communicate()
        await server.stop()
        return out.decode()

    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    cpu0 = time.process_time()
    out = asyncio.run(main())
    cpu = time.process_time() - cpu0
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(args.profile)
    app.root.backend.close()
    timings = json.loads(out)
    n = len(txs)
    for name, seconds, codes in timings:
        print(f"{name:10s} {seconds * 1000:8.1f} ms  results by code: {codes}")
    print(f"app process CPU for {n} txs: {cpu:.3f}s -> {cpu / n * 1e6:.0f} us per tx")


def main() -> None:
    """Parses the arguments and runs the server side (or, with --client, the client)."""
    if len(sys.argv) == 4 and sys.argv[1] == "--client":
        client(sys.argv[2], sys.argv[3])
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--txs", type=int, default=2000)
    parser.add_argument(
        "--accounts",
        type=int,
        default=1200,
        help="funded senders in genesis (at least --txs); keep it fixed when differencing",
    )
    parser.add_argument("--block", type=float, default=0.7)
    parser.add_argument("--no-telemetry", action="store_true")
    parser.add_argument("--profile", help="write the server side's cProfile stats here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="aichain-abci-path-") as tmp:
        serve(args, Path(tmp))


if __name__ == "__main__":
    main()
