"""`aichain bench load`: committed tx/s through a real node, against CometBFT's own ceiling.

One generator drives every chain the same way: txs are made up front (signed bank sends for
aichain, `key=value` pairs for the kvstore apps), a second process broadcasts them from several
threads with `broadcast_tx_sync` over CometBFT RPC, and a watcher reads each new block to see
when each tx committed. Figures: committed tx/s over the steady window (from the first commit
to the last), p50/p95/p99 latency from broadcast to commit, CheckTx refusals by reason, and for
aichain the app's time per ABCI phase from its own metrics endpoint.

`--compare-kvstore` first runs CometBFT's kvstore example app twice with the same CometBFT
settings, generator and size: built into the CometBFT process (`--proxy_app kvstore`) and
over the ABCI socket (`abci-cli kvstore`, the pinned CometBFT's own tool, built with `go
install` into .tools/bin). The last line printed is `ratio_to_kvstore_socket: 0.NN`.

`--rate R --duration S` is the steady mode (SteadyLoad), the stream the fault tests run
under: R signed sends a second, each sender a few txs in flight, for S seconds. The tx of a
sender's sequence is always the same bytes (deterministic signatures), so a sender that
lost track after a fault (a killed node's mempool, a partition) re-sends from the chain's
sequence and can never make a second tx; a thread whose node stops answering moves to the
next node. Afterwards each sender's committed txs are read back from the blocks and checked
exactly once against its sequence and balances and the recipient's balance.
"""

from __future__ import annotations

import base64
import hashlib
import json
import multiprocessing as mp
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from aichain.app.coins import Coin
from aichain.app.crypto import PrivateKey, account_address
from aichain.client.rpc import CometRPC, RPCError
from aichain.client.txbuilder import SignerData, build_tx
from aichain.node.home import REPO_ROOT, Home, configure_cometbft, find_cometbft

if TYPE_CHECKING:
    from aichain.node.localnet import Localnet

CHAIN_ID = "aichain-load"
"""Chain id of the temporary chains."""

COMET_SETTINGS = {
    "mempool.size": "50000",
    "mempool.max_txs_bytes": "268435456",
    "mempool.cache_size": "100000",
    "mempool.recheck": "true",
    "tx_index.indexer": '"kv"',
    "rpc.max_open_connections": "2000",
}
"""CometBFT settings every compared chain gets (timeout_commit is an option)."""


def free_port() -> int:
    """A free port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of non-empty values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


@dataclass
class Result:
    """What one run measured."""

    name: str
    made: int
    accepted: int
    committed: int
    seconds: float
    latencies: list[float]
    refusals: Counter[str] = field(default_factory=Counter)
    phases: dict[str, tuple[float, int]] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)
    """CPU seconds (user + system) each process used during the run: app, cometbft,
    generator (the app is CometBFT itself for the built-in kvstore)."""

    @property
    def tps(self) -> float:
        """Committed tx/s over the steady window."""
        return self.committed / self.seconds if self.seconds > 0 else 0.0

    def lines(self) -> list[str]:
        """The human-readable report."""
        out = [
            f"{self.name}: {self.committed:,} of {self.made:,} txs committed in "
            f"{self.seconds:.2f}s -> {self.tps:,.0f} tx/s"
        ]
        if self.latencies:
            ms = [percentile(self.latencies, p) * 1000 for p in (50, 95, 99)]
            out.append(
                f"  latency broadcast->commit: p50 {ms[0]:.0f} ms, p95 {ms[1]:.0f} ms, "
                f"p99 {ms[2]:.0f} ms"
            )
        if self.refusals:
            top = ", ".join(f"{n} x {why}" for why, n in self.refusals.most_common(3))
            out.append(f"  refused by CheckTx or RPC: {sum(self.refusals.values())} ({top})")
        if self.cpu and self.committed:
            per_tx = ", ".join(
                f"{who} {seconds / self.committed * 1e6:,.0f}" for who, seconds in self.cpu.items()
            )
            out.append(f"  CPU per committed tx (us): {per_tx}")
        for phase, (requests, reads) in sorted(self.phases.items()):
            if phase.startswith("reads:") and reads:
                out.append(
                    f"  app {phase[6:]} connection: {requests:,.0f} requests in {reads:,} "
                    f"socket reads, {requests / reads:.1f} a read"
                )
        for phase, (seconds, count) in sorted(self.phases.items()):
            if count and not phase.startswith("reads:"):
                out.append(
                    f"  app {phase}: {count:,} calls, {seconds:.2f}s, "
                    f"{seconds / count * 1e6:,.0f} us each"
                )
        return out


# --- the generator (a second process) ---------------------------------------------------------


def broadcast_all(rpc: str, shards: list[list[bytes]], out: mp.Queue) -> None:
    """Broadcasts each shard from its own thread; reports tx hash -> send time and refusals."""
    sent: dict[str, float] = {}
    refusals: Counter[str] = Counter()
    lock = threading.Lock()

    def worker(txs: list[bytes]) -> None:
        client = CometRPC(rpc, timeout=30)
        for tx in txs:
            t = time.time()
            try:
                res = client.broadcast_tx_sync(tx)
            except RPCError as exc:
                with lock:
                    refusals[_reason(str(exc))] += 1
                continue
            with lock:
                if int(res.get("code", 0)) != 0:
                    refusals[_reason(res.get("log", ""))] += 1
                else:
                    sent[hashlib.sha256(tx).hexdigest().upper()] = t

    threads = [threading.Thread(target=worker, args=(s,)) for s in shards]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    cpu = os.times()
    out.put({"sent": sent, "refusals": dict(refusals), "cpu": cpu.user + cpu.system})


def _reason(text: str) -> str:
    """A refusal's reason without its numbers and addresses (for counting by reason)."""
    text = re.sub(r"aic1[0-9a-z]+", "ADDR", text)
    return re.sub(r"\d+", "N", text)[:80] or "(no log)"


def watch_blocks(rpc: str, from_height: int, expect: int, deadline: float) -> dict[str, float]:
    """tx hash -> time its block was seen, until expect txs were seen or the deadline."""
    client = CometRPC(rpc)
    seen: dict[str, float] = {}
    height = from_height
    quiet_since = time.time()
    while len(seen) < expect and time.time() < deadline:
        try:
            latest = client.latest_height()
        except RPCError:
            time.sleep(0.05)
            continue
        while height <= latest:
            block = client.block(height)
            now = time.time()
            for tx in block["block"]["data"]["txs"] or []:
                seen[hashlib.sha256(base64.b64decode(tx)).hexdigest().upper()] = now
                quiet_since = now
            height += 1
        if seen and time.time() - quiet_since > 15:  # nothing more is coming
            break
        time.sleep(0.02)
    return seen


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds process pid has used so far (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def child_pids(pid: int) -> list[int]:
    """The processes whose parent is pid."""
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
                continue
            if ppid == pid:
                out.append(int(entry.name))
    return out


def drive(
    name: str,
    rpc: str,
    shards: list[list[bytes]],
    timeout: float = 900,
    processes: dict[str, int] | None = None,
) -> Result:
    """Runs the generator against a started chain and measures it; processes (name -> pid)
    are the chain's, whose CPU time during the run is reported."""
    processes = processes or {}
    cpu_before = {who: cpu_seconds(pid) for who, pid in processes.items()}
    client = CometRPC(rpc)
    start_height = client.latest_height() + 1
    total = sum(len(s) for s in shards)
    queue: mp.Queue = mp.get_context("spawn").Queue()
    gen = mp.get_context("spawn").Process(target=broadcast_all, args=(rpc, shards, queue))
    seen: dict[str, float] = {}
    gen.start()
    watcher = threading.Thread(
        target=lambda: seen.update(watch_blocks(rpc, start_height, total, time.time() + timeout))
    )
    watcher.start()
    report = queue.get(timeout=timeout)
    gen.join()
    cpu = {who: cpu_seconds(pid) - cpu_before[who] for who, pid in processes.items()}
    cpu["generator"] = float(report.get("cpu", 0.0))
    watcher.join()
    sent: dict[str, float] = report["sent"]
    committed = [h for h in sent if h in seen]
    latencies = [seen[h] - sent[h] for h in committed]
    first = min(sent.values()) if sent else 0.0
    last = max((seen[h] for h in committed), default=first)
    return Result(
        name, total, len(sent), len(committed), last - first, latencies,
        Counter(report["refusals"]), cpu=cpu,
    )  # fmt: skip


# --- the steady mode (a background stream, also what the fault tests run under) ----------


STEADY_AMOUNT = 1
"""uaic each steady send moves."""

STEADY_WINDOW = 4
"""Txs a steady sender has in flight (broadcast, not yet in the chain's sequence) at most."""

STEADY_RESEND_AFTER = 3.0
"""Seconds without its sequence moving after which a sender re-sends from the chain's
sequence (the node lost its mempool, a peer never got the tx)."""


def fund_steady_senders(genesis_files: list[Path], accounts: int) -> list[PrivateKey]:
    """Funds `accounts` load senders (loadchain's make_keys) in a chain's genesis, the first
    file's, and writes it to every file (each node's copy); returns the senders' keys."""
    from aichain.node.loadchain import fund_genesis_senders, make_keys

    genesis = json.loads(genesis_files[0].read_text())
    fund_genesis_senders(genesis, accounts)
    for path in genesis_files:
        path.write_text(json.dumps(genesis, indent=2) + "\n")
    return make_keys(accounts)


def steady_recipient(keys: list[PrivateKey]) -> bytes:
    """The address a steady load sends to: derived from its first sender, so two loads with
    different senders never share a recipient."""
    return hashlib.sha256(b"steady-recipient" + keys[0].address).digest()[:20]


def steady_send(
    key: PrivateKey, number: int, sequence: int, recipient: bytes, chain_id: str
) -> bytes:
    """The signed send of one sender's sequence: the same bytes every time (signatures are
    deterministic), so sending it again after a fault can never make a second tx."""
    from aichain.modules.bank.cli import msg_send
    from aichain.node.loadchain import FEE, GAS

    msg = msg_send(
        account_address(key.address),
        account_address(recipient),
        [Coin("uaic", STEADY_AMOUNT)],
    )
    return build_tx([msg], key, SignerData(number, sequence), chain_id, [Coin("uaic", FEE)], GAS)


class Pacer:
    """Hands out broadcast slots at a steady rate (per second) to any number of threads."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate
        self._next = time.monotonic()
        self._lock = threading.Lock()

    def wait(self, stop: threading.Event) -> bool:
        """Blocks until the caller's slot; False if stop was set meanwhile."""
        with self._lock:
            now = time.monotonic()
            slot = max(self._next, now)
            self._next = slot + self.interval
        return not stop.wait(max(0.0, slot - now))


@dataclass
class SteadySender:
    """One funded account of a steady load and what happened to its stream."""

    key: PrivateKey
    number: int = 0
    first_sequence: int = 0
    """The account's sequence when the load started."""
    first_balance: int = 0
    next_sequence: int = 0
    """The next sequence to broadcast."""
    broadcasts: int = 0
    """broadcast_tx_sync calls (re-sends included)."""
    refusals: Counter[str] = field(default_factory=Counter)
    """CheckTx refusals and RPC errors, by reason."""
    seen_sequence: int = 0
    """The chain's sequence when last read, and the time it last moved (monotonic)."""
    moved_at: float = 0.0

    @property
    def address(self) -> str:
        """The sender's bech32 address."""
        return account_address(self.key.address)


@dataclass
class SenderTally:
    """What the chain holds of one sender's stream, read after the load stopped."""

    address: str
    first_sequence: int
    sequence: int
    """The account's sequence on the chain now."""
    executed: list[int]
    """The sequence of each tx of this stream the blocks hold with result code 0, once per
    block that holds it."""
    refused_in_block: int
    """Txs of this stream the blocks hold with a non-zero code (no effect: the ante refused
    them, e.g. a sequence gossiped out of order after a fault)."""
    balance_change: int

    @property
    def landed(self) -> int:
        """Txs of this sender the chain's sequence counts."""
        return self.sequence - self.first_sequence


def _account(rpc: CometRPC, address: bytes) -> tuple[int, int]:
    """(account number, sequence) of an account on the chain."""
    from aichain.client.broadcast import query_signer

    signer = query_signer(rpc, address)
    return signer.account_number, signer.sequence


def _balance(rpc: CometRPC, address: bytes) -> int:
    """The account's uaic balance."""
    from cosmos.bank.v1beta1 import query_pb2

    req = query_pb2.QueryBalanceRequest(address=account_address(address), denom="uaic")
    result = rpc.abci_query("/cosmos.bank.v1beta1.Query/Balance", req.SerializeToString())
    if result.code != 0:
        raise RPCError(f"balance of {account_address(address)}: {result.log}")
    return int(query_pb2.QueryBalanceResponse.FromString(result.value).balance.amount or 0)


class _Link:
    """One thread's RPC client, moved to the next of rpcs when its node stops answering."""

    def __init__(self, rpcs: list[str], first: int) -> None:
        self.rpcs, self.which = rpcs, first % len(rpcs)
        self.rpc = CometRPC(rpcs[self.which], timeout=10)

    def next(self) -> None:
        """Moves to the next node's RPC."""
        self.which = (self.which + 1) % len(self.rpcs)
        self.rpc = CometRPC(self.rpcs[self.which], timeout=10)


class SteadyLoad:
    """A steady, rate-limited stream of signed bank sends from funded accounts (STEADY_WINDOW
    txs each in flight at most; `threads` threads take the senders in turn) to a node's RPC,
    running in the background until stopped. A thread whose node stops answering moves to
    the next of `rpcs`; a sender whose sequence stalls re-sends from the chain's sequence (the
    same bytes: see steady_send). `tally` then reads, per sender, what the chain committed,
    and `check_exactly_once` says whether every committed tx is there exactly once (by
    sequences, blocks and balances).
    """

    def __init__(
        self,
        rpcs: list[str],
        keys: list[PrivateKey],
        chain_id: str,
        rate: float,
        threads: int = 32,
    ) -> None:
        if not rpcs or not keys or rate <= 0 or threads < 1:
            raise ValueError(
                "a steady load needs an RPC address, a sender, a rate above 0 and a thread"
            )
        self.rpcs = list(rpcs)
        self.threads = threads
        self.chain_id = chain_id
        self.senders = [SteadySender(k) for k in keys]
        self.recipient = steady_recipient(keys)
        self.pacer = Pacer(rate)
        self.start_height = 0
        self.first_recipient_balance = 0
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        """Reads each sender's account and balance, then starts streaming. Raises RPCError
        (or TxError for an account that is not on the chain)."""
        rpc = CometRPC(self.rpcs[0])
        self.start_height = rpc.latest_height() + 1
        for s in self.senders:
            s.number, s.first_sequence = _account(rpc, s.key.address)
            s.next_sequence = s.first_sequence
            s.first_balance = _balance(rpc, s.key.address)
        self.first_recipient_balance = _balance(rpc, self.recipient)
        self._stop.clear()
        count = min(self.threads, len(self.senders))
        self._threads = [
            threading.Thread(target=self._stream, args=(i, count), daemon=True)
            for i in range(count)
        ]
        for t in self._threads:
            t.start()

    def stop(self, timeout: float = 30) -> None:
        """Stops streaming (txs already broadcast may still commit: see wait_settled)."""
        self._stop.set()
        for t in self._threads:
            t.join(timeout)

    def _stream(self, index: int, count: int) -> None:
        """One thread's share of the senders (every count-th from index), in turn."""
        mine = self.senders[index::count]
        link = _Link(self.rpcs, index)
        for s in mine:
            s.seen_sequence, s.moved_at = s.first_sequence, time.monotonic()
        while not self._stop.is_set():
            if not any([self._step(s, link) for s in mine]):
                self._stop.wait(0.1)  # every sender has its window full: let blocks land

    def _step(self, s: SteadySender, link: _Link) -> bool:
        """Broadcasts the sender's next tx if its window allows; False when it did not."""
        try:
            _, sequence = _account(link.rpc, s.key.address)
        except Exception as exc:  # the node is down or restarting: another one
            s.refusals[_reason(f"query: {exc}")] += 1
            link.next()
            self._stop.wait(0.3)
            return False
        now = time.monotonic()
        if sequence != s.seen_sequence:
            s.seen_sequence, s.moved_at = sequence, now
        if s.next_sequence < sequence or (
            s.next_sequence > sequence and now - s.moved_at > STEADY_RESEND_AFTER
        ):
            s.next_sequence, s.moved_at = sequence, now
        if s.next_sequence - sequence >= STEADY_WINDOW or not self.pacer.wait(self._stop):
            return False
        raw = steady_send(s.key, s.number, s.next_sequence, self.recipient, self.chain_id)
        s.broadcasts += 1
        try:
            res = link.rpc.broadcast_tx_sync(raw)
        except RPCError as exc:
            if "already exists in cache" in str(exc):
                s.next_sequence += 1  # a re-send the node already has
            else:
                s.refusals[_reason(str(exc))] += 1
            return True
        if int(res.get("code", 0)) == 0:
            s.next_sequence += 1
        else:
            s.refusals[_reason(res.get("log", ""))] += 1
            s.next_sequence = sequence  # out of order after a fault: from the chain's
        return True

    def wait_settled(self, timeout: float = 60) -> None:
        """After stop: waits until the mempool of every node of `rpcs` that answers is empty
        (what was broadcast is in a block or gone), then for one more block, so that a tally
        reads sequences and blocks that no longer move. Raises RuntimeError if a mempool
        never empties."""
        deadline = time.monotonic() + timeout
        answered = []
        for rpc in self.rpcs:
            client = CometRPC(rpc)
            while True:
                try:
                    pending = int(client.call("num_unconfirmed_txs")["n_txs"])
                except RPCError:
                    break  # a node that is down holds nothing it could commit
                if pending == 0:
                    answered.append(client)
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the mempool of {rpc} never drained ({pending} txs)")
                time.sleep(0.2)
        if answered:
            height = answered[0].latest_height()
            while answered[0].latest_height() <= height and time.monotonic() < deadline:
                time.sleep(0.1)

    def tally(self, rpc: str) -> list[SenderTally]:
        """Per sender, what the chain at rpc holds of its stream: its sequence, each of its
        txs in the blocks with its result (each sequence's tx is one known hash) and its
        balance."""
        client = CometRPC(rpc)
        where = block_txs(client, self.start_height, client.latest_height())
        results: dict[int, list[dict]] = {}
        out = []
        for s in self.senders:
            _, sequence = _account(client, s.key.address)
            executed, refused = [], 0
            for q in range(s.first_sequence, max(sequence, s.next_sequence) + STEADY_WINDOW):
                raw = steady_send(s.key, s.number, q, self.recipient, self.chain_id)
                for height, index in where.get(hashlib.sha256(raw).hexdigest().upper(), []):
                    if height not in results:
                        results[height] = (
                            client.call("block_results", height=str(height))["txs_results"] or []
                        )
                    if int(results[height][index].get("code", 0)) == 0:
                        executed.append(q)
                    else:
                        refused += 1
            out.append(
                SenderTally(
                    s.address,
                    s.first_sequence,
                    sequence,
                    executed,
                    refused,
                    _balance(client, s.key.address) - s.first_balance,
                )
            )
        return out

    def check_exactly_once(self, rpc: str) -> list[SenderTally]:
        """Every tx of this load the chain at rpc committed is there exactly once: each
        sender's sequence moved by one per tx executed, each sequence executed in one block,
        its balance and the recipient's moved by exactly those sends. Returns the tallies.
        Raises RuntimeError naming what differs."""
        from aichain.node.loadchain import FEE  # (loadchain imports this module)

        tallies = self.tally(rpc)
        received = _balance(CometRPC(rpc), self.recipient) - self.first_recipient_balance
        problems = compute_exactly_once_problems(tallies, FEE, received)
        if problems:
            raise RuntimeError("; ".join(problems))
        return tallies


def compute_exactly_once_problems(tallies: list[SenderTally], fee: int, received: int) -> list[str]:
    """What in the tallies (and the recipient's gain, received) breaks exactly-once; empty
    when nothing does."""
    problems = []
    for t in tallies:
        expected = list(range(t.first_sequence, t.sequence))
        if sorted(t.executed) != expected:
            twice = sorted({q for q in t.executed if t.executed.count(q) > 1})
            missing = sorted(set(expected) - set(t.executed))
            beyond = sorted(set(t.executed) - set(expected))
            problems.append(
                f"{t.address}: sequence moved by {t.landed} but its txs executed "
                f"{len(t.executed)} times (twice: {twice[:5]}, not in a block: {missing[:5]}, "
                f"beyond the sequence: {beyond[:5]})"
            )
        if t.balance_change != -len(t.executed) * (STEADY_AMOUNT + fee):
            problems.append(
                f"{t.address}: balance moved by {t.balance_change}uaic, its "
                f"{len(t.executed)} executed sends make {-len(t.executed) * (STEADY_AMOUNT + fee)}"
            )
    sent = sum(len(t.executed) for t in tallies) * STEADY_AMOUNT
    if received != sent:
        problems.append(f"the recipient got {received}uaic from {sent}uaic of executed sends")
    return problems


def block_txs(rpc: CometRPC, first: int, last: int) -> dict[str, list[tuple[int, int]]]:
    """tx hash -> (height, index) of each place in blocks first..last that holds it."""
    found: dict[str, list[tuple[int, int]]] = {}
    for height in range(max(1, first), last + 1):
        for index, tx in enumerate(rpc.block(height)["block"]["data"]["txs"] or []):
            digest = hashlib.sha256(base64.b64decode(tx)).hexdigest().upper()
            found.setdefault(digest, []).append((height, index))
    return found


# --- the chains -----------------------------------------------------------------------------


@contextmanager
def process(args: list[str], log_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A child process we started, stopped (SIGTERM, then SIGKILL) on exit."""
    with log_path.open("ab") as log:
        proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)


def wait_height(rpc: str, height: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    """Waits until the chain at rpc reaches height. Raises RuntimeError if it never does."""
    client = CometRPC(rpc)
    deadline = time.time() + 120
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the node exited; its log: {log}")
        try:
            if client.latest_height() >= height:
                return
        except RPCError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the chain did not reach height {height}; its log: {log}")


def comet_home(root: Path, timeout_commit: str) -> tuple[Path, str]:
    """A bare CometBFT home for a kvstore run (same settings); returns (home, rpc)."""
    subprocess.run([find_cometbft(), "init", "--home", str(root)], check=True, capture_output=True)
    rpc_port, p2p_port = free_port(), free_port()
    configure_cometbft(
        Home(root),
        {
            "rpc.laddr": json.dumps(f"tcp://127.0.0.1:{rpc_port}"),
            "p2p.laddr": json.dumps(f"tcp://127.0.0.1:{p2p_port}"),
            "consensus.timeout_commit": json.dumps(timeout_commit),
            **COMET_SETTINGS,
        },
    )
    return root, f"tcp://127.0.0.1:{rpc_port}"


def kvstore_shards(total: int, workers: int, tag: str) -> list[list[bytes]]:
    """total distinct key=value txs, dealt round-robin to workers."""
    shards: list[list[bytes]] = [[] for _ in range(workers)]
    for i in range(total):
        shards[i % workers].append(f"{tag}{i:08d}=v{i}".encode())
    return shards


def find_abci_cli() -> str:
    """The pinned abci-cli that `make setup` builds into .tools/bin. Raises RuntimeError."""
    path = REPO_ROOT / ".tools/bin/abci-cli"
    if not path.exists():
        raise RuntimeError(
            f"{path} is missing: run `make setup` (it builds the pinned CometBFT's abci-cli)"
        )
    return str(path)


def run_kvstore(
    socket_app: bool, total: int, workers: int, timeout_commit: str, tmp: Path
) -> Result:
    """The kvstore example app, built in or over the ABCI socket."""
    name = "kvstore over the ABCI socket" if socket_app else "kvstore built into CometBFT"
    home, rpc = comet_home(tmp / ("kv-socket" if socket_app else "kv-builtin"), timeout_commit)
    log = home / "node.log"
    if socket_app:
        port = free_port()
        with process(
            [
                find_abci_cli(),
                "kvstore",
                "--address",
                f"tcp://127.0.0.1:{port}",
                "--log_level",
                "error",
            ],
            log,
        ) as app:
            time.sleep(1.0)
            return _run_comet(
                name, home, rpc, f"tcp://127.0.0.1:{port}", total, workers, log, app.pid
            )
    return _run_comet(name, home, rpc, "kvstore", total, workers, log)


def _run_comet(
    name: str,
    home: Path,
    rpc: str,
    proxy: str,
    total: int,
    workers: int,
    log: Path,
    app_pid: int | None = None,
) -> Result:
    args = [find_cometbft(), "start", "--home", str(home), "--proxy_app", proxy]
    with process(args, log) as node:
        wait_height(rpc, 2, node, log)
        processes = {"cometbft": node.pid} if app_pid is None else {
            "app": app_pid, "cometbft": node.pid
        }  # fmt: skip
        shards = kvstore_shards(total, workers, f"k{time.time_ns()}_")
        return drive(name, rpc, shards, processes=processes)


def run_aichain(
    accounts: int, per_account: int, workers: int, timeout_commit: str, tmp: Path
) -> Result:
    """A single aichain node (app + CometBFT) with funded senders, driven with bank sends."""
    from aichain.node.loadchain import aichain_home, bank_send_shards, scrape_phases

    home, rpc, metrics, numbers = aichain_home(tmp / "aichain", accounts, timeout_commit)
    log = home / "node.log"
    aichain = str(Path(sys.executable).parent / "aichain")
    with process([aichain, "start", "--home", str(home), "--log-level", "warning"], log) as node:
        wait_height(rpc, 2, node, log)
        shards = bank_send_shards(accounts, numbers, per_account, workers)
        before = scrape_phases(metrics)
        comet = child_pids(node.pid)
        processes = {"app": node.pid, **({"cometbft": comet[0]} if len(comet) == 1 else {})}
        result = drive("aichain node", rpc, shards, processes=processes)
        after = scrape_phases(metrics)
    result.phases = phase_delta(before, after)
    return result


def phase_delta(
    before: dict[str, tuple[float, int]], after: dict[str, tuple[float, int]]
) -> dict[str, tuple[float, int]]:
    """phase -> (seconds, calls) during a run, from two scrape_phases readings."""
    return {
        phase: (seconds - before.get(phase, (0.0, 0))[0], calls - before.get(phase, (0.0, 0))[1])
        for phase, (seconds, calls) in after.items()
    }


def free_base_port(validators: int) -> int:
    """A localnet base port whose node ports (base + 100*i + 17..90) all bind right now.
    Raises RuntimeError when none does."""
    for base in range(21000, 32000, 1000):
        try:
            for i in range(validators):
                for offset in (17, 56, 57, 61, 80, 90):
                    with socket.socket() as s:
                        s.bind(("127.0.0.1", base + 100 * i + offset))
        except OSError:
            continue
        return base
    raise RuntimeError("no free localnet port range in 21000-32000")


LOCALNET_APP_SETTINGS = {"invariant-check-period": "0"}
"""app.toml settings of a load localnet that differ from `aichain localnet init`'s: invariants
are not checked every block (a single node's default)."""


@contextmanager
def load_localnet(
    validators: int, accounts: int, timeout_commit: str, tmp: Path
) -> Iterator[tuple[Localnet, list[int]]]:
    """A running localnet of `validators` aichain nodes (`aichain localnet`'s layout, gentxs
    and peers) with the load senders funded in genesis and the same CometBFT settings as a
    single node (timeout_commit, mempool, indexer), at height 2; yields it and each sender's
    account number, and stops it."""
    from aichain.node.init import write_genesis
    from aichain.node.loadchain import fund_genesis_senders
    from aichain.node.localnet import (
        init_localnet,
        start_localnet,
        stop_localnet,
        wait_for_height,
    )

    net = init_localnet(
        tmp / "localnet", validators, CHAIN_ID, base_port=free_base_port(validators)
    )
    first = Home(Path(net.nodes[0].home))
    genesis = json.loads(first.genesis.read_text())
    numbers = fund_genesis_senders(genesis, accounts)
    for spec in net.nodes:
        home = Home(Path(spec.home))
        write_genesis(home, genesis)
        configure_cometbft(
            home, {"consensus.timeout_commit": json.dumps(timeout_commit), **COMET_SETTINGS}
        )
        text = home.app_toml.read_text()
        for key, value in LOCALNET_APP_SETTINGS.items():
            text = re.sub(rf"^{key} = .*$", f"{key} = {value}", text, flags=re.M)
        home.app_toml.write_text(text)
    start_localnet(net)
    try:
        wait_for_height(net, 2)
        yield net, numbers
    finally:
        stop_localnet(net)


def run_aichain_localnet(
    validators: int,
    accounts: int,
    per_account: int,
    workers: int,
    timeout_commit: str,
    tmp: Path,
) -> Result:
    """A localnet of `validators` aichain nodes with the load senders funded in genesis (see
    load_localnet); txs go to node0's RPC and its metrics are read."""
    from aichain.node.loadchain import bank_send_shards, scrape_phases
    from aichain.node.procs import read_pid

    with load_localnet(validators, accounts, timeout_commit, tmp) as (net, numbers):
        node0 = net.nodes[0]
        metrics = f"http://127.0.0.1:{node0.rpc_port - 57 + 61}/metrics"
        shards = bank_send_shards(accounts, numbers, per_account, workers)
        before = scrape_phases(metrics)
        processes: dict[str, int] = {}
        for spec in net.nodes:
            pid = read_pid(Home(Path(spec.home)).pid_file)
            if pid is not None:
                comet = child_pids(pid)
                processes[f"app{spec.index}"] = pid
                if len(comet) == 1:
                    processes[f"cometbft{spec.index}"] = comet[0]
        name = f"aichain localnet of {validators} (txs to node0)"
        result = drive(name, node0.rpc, shards, processes=processes)
        after = scrape_phases(metrics)
    result.phases = phase_delta(before, after)
    return result


def run_steady(
    accounts: int,
    rate: float,
    duration: float,
    workers: int,
    timeout_commit: str,
    echo: Callable[[str], None] = print,
    localnet: int = 0,
) -> list[SenderTally]:
    """`--rate`: a steady stream of `rate` signed sends a second from `accounts` senders for
    `duration` seconds through a fresh node (or a localnet of `localnet` validators, the
    stream spread over every node's RPC), then each sender's committed txs and the
    exactly-once check (the stream the fault tests run under). Raises RuntimeError when a
    committed tx is missing or counted twice, or the chain does not start."""
    from aichain.node.loadchain import aichain_home, make_keys

    keys = make_keys(accounts)
    with tempfile.TemporaryDirectory(prefix="aichain-load-") as tmp:
        if localnet:
            with load_localnet(localnet, accounts, timeout_commit, Path(tmp)) as (net, _):
                rpcs = [spec.rpc for spec in net.nodes]
                name = f"aichain localnet of {localnet} (the stream over every node's RPC)"
                return _steady(name, rpcs, keys, rate, duration, workers, echo)
        home, rpc, _, _ = aichain_home(Path(tmp) / "aichain", accounts, timeout_commit)
        log = home / "node.log"
        aichain = str(Path(sys.executable).parent / "aichain")
        with process([aichain, "start", "--home", str(home), "--log-level", "warning"], log) as n:
            wait_height(rpc, 2, n, log)
            return _steady("aichain node", [rpc], keys, rate, duration, workers, echo)


def _steady(
    name: str,
    rpcs: list[str],
    keys: list[PrivateKey],
    rate: float,
    duration: float,
    workers: int,
    echo: Callable[[str], None],
) -> list[SenderTally]:
    load = SteadyLoad(rpcs, keys, CHAIN_ID, rate, threads=workers)
    load.start()
    time.sleep(duration)
    load.stop()
    load.wait_settled()
    tallies = load.check_exactly_once(rpcs[0])
    landed = [t.landed for t in tallies]
    refusals: Counter[str] = sum((s.refusals for s in load.senders), Counter())
    echo(
        f"{name}: steady {rate:g} sends/s for {duration:g}s from {len(keys)} senders: "
        f"{sum(landed):,} committed ({sum(landed) / duration:,.1f} tx/s), "
        f"{sum(s.broadcasts for s in load.senders):,} broadcasts"
    )
    echo(
        f"  committed per sender: min {min(landed)}, max {max(landed)}; each exactly once "
        "(sequences, blocks, balances)"
    )
    if refusals:
        top = ", ".join(f"{n} x {why}" for why, n in refusals.most_common(3))
        echo(f"  refused by CheckTx or RPC: {sum(refusals.values())} ({top})")
    return tallies


def run_load(
    accounts: int,
    per_account: int,
    workers: int,
    timeout_commit: str,
    compare_kvstore: bool,
    rounds: int,
    echo: Callable[[str], None] = print,
    localnet: int = 0,
) -> list[Result]:
    """The whole command: rounds of (kvstore socket, kvstore built in,) aichain, interleaved;
    with localnet = N, aichain runs as a localnet of N validators (no kvstore comparison: the
    kvstore references are single nodes). Raises RuntimeError for that combination."""
    if localnet and compare_kvstore:
        raise RuntimeError(
            "--compare-kvstore compares single nodes; run --localnet without it (or compare "
            "a single node)"
        )
    total = accounts * per_account
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="aichain-load-") as tmp:
        for r in range(1, rounds + 1):
            runs = []
            if compare_kvstore:
                runs += [
                    lambda d: run_kvstore(True, total, workers, timeout_commit, d),
                    lambda d: run_kvstore(False, total, workers, timeout_commit, d),
                ]
            if localnet:
                runs.append(
                    lambda d: run_aichain_localnet(
                        localnet, accounts, per_account, workers, timeout_commit, d
                    )
                )
            else:
                runs.append(
                    lambda d: run_aichain(accounts, per_account, workers, timeout_commit, d)
                )
            for i, run in enumerate(runs):
                folder = Path(tmp) / f"round{r}-{i}"
                folder.mkdir()
                result = run(folder)
                result.name = f"round {r}: {result.name}"
                for line in result.lines():
                    echo(line)
                results.append(result)
    if compare_kvstore:
        mine = [x.tps for x in results if "aichain" in x.name]
        sockets = [x.tps for x in results if "socket" in x.name]
        builtin = [x.tps for x in results if "built into" in x.name]
        echo(f"ratio_to_kvstore_builtin: {sum(mine) / sum(builtin):.2f}")
        echo(f"ratio_to_kvstore_socket: {sum(mine) / sum(sockets):.2f}")
    return results
