"""The worker daemon on a real 4-validator localnet (issue 17's second network).

The adapter is trained on datanet:1@1 and registered through node0; worker A
(`aichain worker start`) follows node1, worker B (in this process) follows node2, both use
node0's content store; requests are sent through node3. Every request is answered once, by
its assigned worker, and settled; the four validators agree on the app hash of every block
that carried the results. The single-node file (test_worker_daemon.py) covers restarts,
committees, prepaid use and bad input; this one shows nothing there depends on one node.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("torch")

from aichain.client.blobs import GrpcBlobStore  # noqa: E402
from aichain.client.keyring import Keyring  # noqa: E402
from aichain.client.rpc import CometRPC  # noqa: E402
from aichain.node.localnet import (  # noqa: E402
    Localnet,
    NodeSpec,
    init_localnet,
    load_localnet,
    start_localnet,
    stop_localnet,
    wait_for_height,
)

from . import test_worker_daemon as single  # noqa: E402
from .conftest import Node, free_base_port  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.ml]

CHAIN_ID = "aichain-workers"


def _node(net: Localnet, spec: NodeSpec, store_from: NodeSpec) -> Node:
    """A conftest Node view of a localnet node (its RPC; the content store of store_from)."""
    node = Node(
        Path(store_from.home),
        spec.rpc,
        f"127.0.0.1:{store_from.grpc_port}",
        spec.abci,
        0,
        chain_id=net.chain_id,
    )
    node.faucet = Keyring(Path(net.nodes[0].home), "test").private_key("faucet")
    return node


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Localnet]:
    root = tmp_path_factory.mktemp("workers-localnet")
    init_localnet(
        root,
        4,
        chain_id=CHAIN_ID,
        base_port=free_base_port(4),
        params={"attribution": single.PARAMS},
    )
    net = load_localnet(root)
    start_localnet(net)
    try:
        wait_for_height(net, 2, timeout=90)
        yield net
    finally:
        stop_localnet(net)


def test_two_workers_on_different_validators_answer_and_settle(
    net: Localnet, tmp_path: Path
) -> None:
    n0, n1, n2, n3 = net.nodes
    world = single.World(_node(net, n0, n0), tmp_path)
    single._setup_chain(world)
    trained = world.node.cli(
        "worker",
        "train",
        "datanet:1@1",
        "--register",
        "--owner",
        "faucet",
        "--price",
        str(single.PRICE),
        "--out",
        str(tmp_path / "adapter"),
        "--max-steps",
        "4",
        "--batch-size",
        "4",
        "--rank",
        "4",
        "--quiet",
        "--device",
        "cpu",
        "--base-model",
        single.BASE,
        "--blob-grpc",
        world.node.grpc,
        "--output",
        "json",
    )
    world.model_id = int(json.loads(trained.stdout)["model_id"])

    home_a = tmp_path / "worker-a"
    via_n1 = _node(net, n1, n0)  # node0's home (keys, content store), node1's RPC
    via_n1.cli(
        "worker",
        "start",
        "--detach",
        "--operator",
        "op-a",
        "--worker-key",
        "hot-a",
        "--model",
        str(world.model_id),
        "--grpc",
        world.node.grpc,
        "--device",
        "cpu",
        "--base-model",
        single.BASE,
        "--poll-s",
        "0.5",
        "--worker-home",
        str(home_a),
    )
    from aichain.gpu_worker.daemon.worker import DaemonConfig, WorkerDaemon

    daemon = WorkerDaemon(
        DaemonConfig(
            home=tmp_path / "worker-b",
            node=n2.rpc,
            blob_grpc=world.node.grpc,
            operator=world.key("op-b"),
            hot=world.key("hot-b"),
            models=(world.model_id,),
            device="cpu",
            base_model=single.BASE,
            poll_s=0.5,
        ),
        GrpcBlobStore(world.node.grpc),
    )
    daemon.start()
    thread = threading.Thread(target=daemon.run, daemon=True)
    thread.start()
    try:
        from aichain.gpu_worker.chain_client import ChainClient

        world.chain = ChainClient(n3.rpc)  # requests go through node3
        prompts = [
            "the season of java is",
            "the colour of mars is",
            "the tide of lune is",
            "the season of kiln is",
            "the colour of opal is",
            "the tide of reef is",
        ]
        requests = single._request_many(world, prompts)
        assert {w for _, w in requests} <= {world.address("op-a"), world.address("op-b")}
        single.wait_for(
            "results settled",
            lambda: all(single._status(world, r) == 3 for r, _ in requests),
            timeout=240,
        )
        heights = set()
        for request_id, assigned in requests:
            inference = world.chain.inference(request_id)
            assert inference.worker == assigned
            assert sum(e.weight_ppm for e in inference.result.attributions) == 10**6
            heights.add(inference.result_height)
        mine = sorted(r for r, w in requests if w == world.address("op-a"))
        assert sorted(r for r, *_ in world.journal(home_a).get("done", [])) == mine
        for height in sorted(heights):
            hashes = {
                CometRPC(spec.rpc).block(height + 1)["block"]["header"]["app_hash"]
                for spec in net.nodes
            }
            assert len(hashes) == 1, f"app hashes differ after height {height}: {hashes}"
    finally:
        daemon.stop()
        thread.join(timeout=30)
        via_n1.cli("worker", "stop", "--worker-home", str(home_a), check=False)
