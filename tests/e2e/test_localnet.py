"""End to end on a real 4-validator localnet: determinism across processes, a validator
killed and brought back."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from aichain.client.rpc import CometRPC
from aichain.node.localnet import (
    Localnet,
    init_localnet,
    is_running,
    load_localnet,
    start_localnet,
    start_node,
    stop_localnet,
    wait_for_height,
)

from .conftest import free_base_port

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Localnet]:
    root = tmp_path_factory.mktemp("localnet")
    init_localnet(root, 4, base_port=free_base_port(4))
    net = load_localnet(root)
    start_localnet(net)
    try:
        wait_for_height(net, 3, timeout=180)
        yield net
    finally:
        stop_localnet(net)


def _app_hash(spec, height: int) -> str:
    return CometRPC(spec.rpc).block(height)["block"]["header"]["app_hash"]


def test_all_nodes_agree_on_every_app_hash(net: Localnet) -> None:
    wait_for_height(net, 6, timeout=120)
    for height in range(2, 7):
        hashes = {_app_hash(spec, height) for spec in net.nodes}
        assert len(hashes) == 1, f"app hashes differ at height {height}: {hashes}"
    validators = CometRPC(net.nodes[0].rpc).validators()["validators"]
    assert len(validators) == 4


def test_killed_validator_catches_up_to_the_same_app_hash(net: Localnet) -> None:
    victim = net.nodes[3]
    pid = int((Path(victim.home) / "aichain.pid").read_text())
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while is_running(Path(victim.home)) and time.monotonic() < deadline:
        time.sleep(0.2)
    alive = Localnet(net.root, net.chain_id, net.nodes[:3], net.faucet)
    height = CometRPC(net.nodes[0].rpc).latest_height()
    wait_for_height(alive, height + 3, timeout=60)  # three of four keep making blocks
    # its CometBFT stops when the app's connection breaks; wait for that before restarting
    time.sleep(2)
    start_node(victim)
    target = CometRPC(net.nodes[0].rpc).latest_height()
    wait_for_height(net, target + 1, timeout=120)
    for h in range(target - 2, target + 1):
        assert _app_hash(victim, h) == _app_hash(net.nodes[0], h)
