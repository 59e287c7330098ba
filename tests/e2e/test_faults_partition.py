"""Faults on a real 4-validator localnet, under `aichain bench load`'s steady mode
(node/loadtest.py: SteadyLoad, senders funded in genesis as the load command funds them).

A network partition: one validator is cut off from the other three while one steady load
streams sends to the majority's nodes and another to the cut-off validator. The minority (1/4
of the power) halts and includes nothing new (its height and every sender's account on it
stay as they were), the majority (3/4, above 2/3) goes on making blocks with the load's txs,
and once the network heals the cut-off validator catches up to one chain: the same app hash
at every height, and every tx committed while it was cut off (or sent to it) is in its state
exactly once.

Validators killed and restarted one at a time under a steady load spread over every node's
RPC: the other three (3/4 of the power) keep making blocks, each comes back to the same
chain, and every committed tx's effect is present exactly once.

The partition is a TCP proxy in the test: the other validators reach the victim only through
it (the victim dials nobody, peer exchange is off), so cutting the proxy's connections and
refusing new ones isolates the victim without touching the host's network.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from aichain.app.crypto import PrivateKey
from aichain.client.broadcast import query_signer
from aichain.client.rpc import CometRPC
from aichain.node.home import Home, configure_cometbft
from aichain.node.loadtest import SteadyLoad, fund_steady_senders
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

SENDERS = 6
"""Load senders funded in genesis: 2 stream to the majority and 1 to the cut-off validator
during the partition, 3 stream through the rolling restarts."""


class PartitionProxy:
    """Forwards TCP connections from a loopback port to target_port until cut."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.open = threading.Event()
        self.open.set()
        self.pairs: list[tuple[socket.socket, socket.socket]] = []
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.open.is_set():
                client.close()
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.pairs.append((client, upstream))
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()

    def _pump(self, a: socket.socket, b: socket.socket) -> None:
        sel = selectors.DefaultSelector()
        sel.register(a, selectors.EVENT_READ, b)
        sel.register(b, selectors.EVENT_READ, a)
        try:
            while True:
                for key, _ in sel.select(timeout=1):
                    data = key.fileobj.recv(65536)  # type: ignore[union-attr]
                    if not data:
                        return
                    key.data.sendall(data)
        except OSError:
            return
        finally:
            sel.close()
            a.close()
            b.close()

    def cut(self) -> None:
        """Drops every forwarded connection and refuses new ones."""
        self.open.clear()
        with self.lock:
            pairs, self.pairs = self.pairs, []
        for a, b in pairs:
            for s in (a, b):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()

    def heal(self) -> None:
        """Forwards new connections again."""
        self.open.set()

    def close(self) -> None:
        self.stopped.set()
        self.cut()
        self.listener.close()


@pytest.fixture(scope="module")
def partitioned(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Localnet, PartitionProxy, list[PrivateKey]]]:
    """A 4-validator localnet whose node3 the others reach only through a proxy, with the
    load senders funded in genesis (shared by this module's tests: a localnet takes a while
    to start)."""
    root = tmp_path_factory.mktemp("partition") / "net"
    init_localnet(root, 4, base_port=free_base_port(4))
    net = load_localnet(root)
    keys = fund_steady_senders([Home(Path(spec.home)).genesis for spec in net.nodes], SENDERS)
    victim = net.nodes[3]
    proxy = PartitionProxy(victim.p2p_port)
    for spec in net.nodes:
        peers = []
        if spec is not victim:
            for other in net.nodes:
                if other is not spec:
                    port = proxy.port if other is victim else other.p2p_port
                    peers.append(f"{other.node_id}@127.0.0.1:{port}")
        configure_cometbft(
            Home(Path(spec.home)),
            {"p2p.persistent_peers": json.dumps(",".join(peers)), "p2p.pex": "false"},
        )
    start_localnet(net)
    try:
        wait_for_height(net, 3, timeout=180)
        yield net, proxy, keys
    finally:
        stop_localnet(net)
        proxy.close()


def _height(spec) -> int:
    return CometRPC(spec.rpc).latest_height()


def _peers(spec) -> int:
    return int(CometRPC(spec.rpc).net_info()["n_peers"])


def _wait_peers(spec, n: int, timeout: float) -> int:
    """Polls the node's peer count until it is n (the net reaches its first heights with 3 of
    4 validators, before every peer link is up) or timeout passes; returns the last count."""
    deadline = time.monotonic() + timeout
    while (count := _peers(spec)) != n and time.monotonic() < deadline:
        time.sleep(0.5)
    return count


def _app_hash(spec, height: int) -> str:
    return CometRPC(spec.rpc).block(height)["block"]["header"]["app_hash"]


def _sequences(spec, keys: list[PrivateKey]) -> list[int]:
    """Each sender's account sequence in the node's state."""
    rpc = CometRPC(spec.rpc)
    return [query_signer(rpc, k.address).sequence for k in keys]


def test_minority_halts_majority_continues_and_the_healed_net_converges(partitioned) -> None:
    net, proxy, keys = partitioned
    victim, majority = net.nodes[3], Localnet(net.root, net.chain_id, net.nodes[:3], net.faucet)
    assert _wait_peers(victim, 3, timeout=60) == 3
    to_majority = SteadyLoad([spec.rpc for spec in majority.nodes], keys[:2], net.chain_id, 8)
    to_victim = SteadyLoad([victim.rpc], keys[2:3], net.chain_id, 2)
    try:
        to_majority.start()
        to_victim.start()
        wait_for_height(net, _height(net.nodes[0]) + 3, timeout=60)  # the load lands first
        cut_at = _height(net.nodes[0])
        proxy.cut()
        time.sleep(1.0)  # the block in flight at the cut may still land on the victim
        assert _wait_peers(victim, 0, timeout=15) == 0, (
            "the victim still has a peer: the proxy is not the only path"
        )
        stalled, held = _height(victim), _sequences(victim, keys[:3])
        majority_before = _sequences(net.nodes[0], keys[:2])
        wait_for_height(majority, cut_at + 6, timeout=90)
        assert _height(victim) == stalled, "a validator with 1/4 of the power made progress alone"
        assert _sequences(victim, keys[:3]) == held, "the cut-off validator included new txs"
        majority_during = _sequences(net.nodes[0], keys[:2])
        assert all(b > a for a, b in zip(majority_before, majority_during, strict=True)), (
            f"the majority committed none of the load while the victim was cut off: "
            f"{majority_before} -> {majority_during}"
        )
        proxy.heal()
        target = _height(net.nodes[0])
        wait_for_height(net, target, timeout=120)
        wait_for_height(net, target + 3, timeout=60)  # and the load goes on, healed
    finally:
        to_majority.stop()
        to_victim.stop()
    to_majority.wait_settled()
    to_victim.wait_settled()
    final = _height(net.nodes[0]) + 2
    wait_for_height(net, final, timeout=120)
    for height in range(max(2, cut_at - 1), final + 1):
        hashes = {_app_hash(spec, height) for spec in net.nodes}
        assert len(hashes) == 1, f"app hashes differ at height {height}: {hashes}"
    # nothing committed while the victim was cut off is missing from its state, none twice
    landed = [
        sum(t.landed for t in load.check_exactly_once(victim.rpc))
        for load in (to_majority, to_victim)
    ]
    print(
        f"cut at {cut_at}; the victim stayed at {stalled} while the majority committed "
        f"{sum(majority_during) - sum(majority_before)} txs; healed and agreed up to {final}; "
        f"{landed[0]} txs sent to the majority and {landed[1]} to the victim committed "
        "exactly once"
    )


def test_validators_killed_one_at_a_time_under_load_lose_nothing(partitioned) -> None:
    from aichain.node.localnet import start_node

    net, proxy, keys = partitioned
    proxy.heal()
    load = SteadyLoad([spec.rpc for spec in net.nodes], keys[3:], net.chain_id, 12)
    load.start()
    try:
        for victim in net.nodes:
            other = next(spec for spec in net.nodes if spec is not victim)
            _kill(victim)  # its senders move on to the next node's RPC
            alive = Localnet(
                net.root, net.chain_id, tuple(s for s in net.nodes if s is not victim), net.faucet
            )
            wait_for_height(alive, _height(other) + 3, timeout=60)  # 3/4 of the power: blocks
            start_node(victim)
            wait_for_height(net, _height(other) + 1, timeout=120)
    finally:
        load.stop()
    load.wait_settled()
    final = _height(net.nodes[0]) + 2
    wait_for_height(net, final, timeout=120)
    assert len({_app_hash(spec, final) for spec in net.nodes}) == 1
    tallies = load.check_exactly_once(net.nodes[0].rpc)
    assert all(t.landed > 0 for t in tallies), [(t.address, t.landed) for t in tallies]
    print(
        f"4 validators killed in turn; {sum(t.landed for t in tallies)} txs committed exactly "
        f"once; heights 1..{final}"
    )


def _kill(spec) -> None:
    """SIGKILLs a localnet node's app (its pid file) and waits for its CometBFT to go."""
    home = Home(Path(spec.home))
    pid = int((Path(spec.home) / "aichain.pid").read_text())
    cometbft = int(home.cometbft_pid_file.read_text())
    os.kill(pid, signal.SIGKILL)
    for process in (pid, cometbft):
        deadline = time.monotonic() + 10
        while _alive(process) and time.monotonic() < deadline:
            time.sleep(0.1)
        if _alive(process):
            os.kill(process, signal.SIGKILL)  # the CometBFT child of the app we killed


def _alive(pid: int) -> bool:
    try:
        if os.waitpid(pid, os.WNOHANG)[0] == pid:  # our child (start_node): reap it
            return False
    except ChildProcessError:
        pass  # not our child (the app's CometBFT)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
