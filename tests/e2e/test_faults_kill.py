"""Faults on a real node: the validator's app process (`aichain start`) is killed with SIGKILL
20 times while `aichain bench load`'s steady mode (node/loadtest.py: SteadyLoad) streams
signed sends to it; a second node follows.

Half the kills land at a random moment of a block interval; the other half land as CometBFT
stores a new block, the moment it hands the block to the app (FinalizeBlock, then Commit):
the test polls CometBFT's block store height (/status, answered without the app) and kills
the app as soon as it moves, so the app is killed while it executes or commits that block.
CometBFT's handshake on restart then finds the app one block behind its store and replays
the block ("ABCI Replay Blocks appHeight=H storeHeight=H+1"); the test asserts that at least
half of those kills did land there (all 10 in every run here).

Every restart rejoins: the app's reported app hash equals the next block header's, and the
follower, which executes every block itself and never crashes, keeps up (it would halt on
any app hash the validator got wrong). At the end every committed tx's effect is present
exactly once: per sender, each sequence's tx executed in exactly one block, the account's
sequence and balance moved by exactly those txs, and the recipient's balance too.
"""

from __future__ import annotations

import base64
import json
import os
import random
import re
import signal
import time
from pathlib import Path

import pytest

from aichain.client.rpc import CometRPC, RPCError
from aichain.node.home import Home, configure_cometbft
from aichain.node.loadtest import SteadyLoad, fund_steady_senders

from .conftest import CHAIN_ID, Node, make_node

pytestmark = pytest.mark.e2e

KILLS = int(os.environ.get("AICHAIN_FAULT_KILLS", "20"))
"""SIGKILL-and-restart rounds (the issue asks for at least 20)."""

SENDERS = 4
"""Accounts the steady load streams from."""

RATE = 20.0
"""Broadcasts per second of the steady load (all senders together)."""


def _cometbft_pid(node: Node) -> int | None:
    path = Home(node.home).cometbft_pid_file
    try:
        return int(path.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None


def _wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def _kill_app(node: Node) -> None:
    """SIGKILLs the node's app process (the one we started) and waits for its CometBFT child,
    which stops on its own once the app's socket is gone (killed after 3 s otherwise: a node
    losing both processes at once is a fault it must survive too)."""
    assert node.proc is not None
    cometbft = _cometbft_pid(node)
    os.kill(node.proc.pid, signal.SIGKILL)
    node.proc.wait(10)
    if cometbft is not None and not _wait_gone(cometbft, 3):
        os.kill(cometbft, signal.SIGKILL)  # the child of the process we started
        _wait_gone(cometbft, 10)


def _kill_as_a_block_is_stored(node: Node, timeout: float = 30) -> None:
    """Kills the app as soon as CometBFT's block store holds a new block: CometBFT stores a
    block before it sends it to the app, so the app is then executing or committing it."""
    rpc = CometRPC(node.rpc, timeout=5)
    stored = rpc.latest_height()
    deadline = time.monotonic() + timeout
    while rpc.latest_height() == stored:
        assert time.monotonic() < deadline, f"no block after {stored}:\n{node.tail()}"
    _kill_app(node)


def app_hash_matches_next_header(node: Node) -> int:
    """The restarted app's last height and app hash (Info) against the header of the next
    block (which carries the app hash CometBFT's handshake and replay agreed on); returns the
    height."""
    info = node.client.call("abci_info")["response"]
    height = int(info["last_block_height"])
    app_hash = base64.b64decode(info["last_block_app_hash"]).hex().upper()
    node.wait_height(height + 1, timeout=60)
    header = node.client.block(height + 1)["block"]["header"]
    assert header["app_hash"] == app_hash, f"app hash at {height}: {app_hash} != {header}"
    return height


def _replayed_handshakes(log: str) -> int:
    """Restarts in a CometBFT log whose handshake found the app behind the block store
    (killed between CometBFT storing a block and the app committing it)."""
    found = re.findall(
        r"ABCI Replay Blocks\s+module=consensus appHeight=(\d+) storeHeight=(\d+)", log
    )
    return sum(int(app) < int(store) for app, store in found)


def test_sigkill_the_app_twenty_times_under_load(tmp_path: Path) -> None:
    rng = random.Random(13)
    validator = make_node(tmp_path, "validator")
    keys = fund_steady_senders([Home(validator.home).genesis], SENDERS)
    validator.start(wait_height=2)
    follower = make_node(tmp_path, "follower", genesis_from=validator)
    peer = f"{validator.node_id()}@127.0.0.1:{validator.p2p_port}"
    configure_cometbft(Home(follower.home), {"p2p.persistent_peers": json.dumps(peer)})
    # the restarted validator dials the follower itself (no wait for the follower's backoff)
    back = f"{follower.node_id()}@127.0.0.1:{follower.p2p_port}"
    configure_cometbft(Home(validator.home), {"p2p.persistent_peers": json.dumps(back)})
    load = SteadyLoad([validator.rpc], keys, CHAIN_ID, RATE)
    comet_log = Home(validator.home).log_dir / "cometbft.log"
    mid_block = {"as stored": 0, "random": 0}
    try:
        follower.start(wait_height=validator.client.latest_height(), timeout=90)
        _a_load_refuses_senders_it_cannot_use(validator)
        load.start()
        for i in range(KILLS):
            how = "as stored" if i % 2 == 0 else "random"
            seen = len(comet_log.read_bytes())
            if how == "as stored":
                _kill_as_a_block_is_stored(validator)
            else:
                validator.wait_height(validator.client.latest_height() + 1)
                time.sleep(rng.uniform(0.0, 0.4))  # anywhere in the next block interval
                _kill_app(validator)
            validator.start(wait_height=1, timeout=90)
            app_hash_matches_next_header(validator)
            restart = comet_log.read_bytes()[seen:].decode(errors="replace")
            mid_block[how] += _replayed_handshakes(restart)
        load.stop()
        load.wait_settled()
        final = validator.client.latest_height() + 2
        validator.wait_height(final, timeout=60)
        # the follower executed every block itself: it would have halted on a wrong app hash
        follower.wait_height(final, timeout=120)
        assert (
            validator.client.block(final)["block"]["header"]["app_hash"]
            == follower.client.block(final)["block"]["header"]["app_hash"]
        )
        tallies = load.check_exactly_once(validator.rpc)
        landed = sum(t.landed for t in tallies)
        assert all(t.landed > 0 for t in tallies), [(t.address, t.landed) for t in tallies]
        kills_as_stored = (KILLS + 1) // 2
        print(
            f"{KILLS} kills; mid-block (the restart replayed the block the app was executing): "
            f"{mid_block['as stored']} of {kills_as_stored} killed as a block was stored, "
            f"{mid_block['random']} of {KILLS - kills_as_stored} at random; {landed} txs "
            f"committed exactly once ({sum(s.broadcasts for s in load.senders)} broadcasts); "
            f"heights 1..{final}"
        )
        assert mid_block["as stored"] * 2 >= kills_as_stored, mid_block
    finally:
        load.stop()
        follower.stop()
        validator.stop()


def _a_load_refuses_senders_it_cannot_use(node: Node) -> None:
    """A steady load will not start with an account the chain does not hold or a node it
    cannot reach (bad input), and sends nothing."""
    from aichain.client.broadcast import TxError
    from aichain.node.loadchain import make_keys

    unfunded = make_keys(SENDERS + 1)[-1:]
    with pytest.raises(TxError, match="not found on chain .*fund it first"):
        SteadyLoad([node.rpc], unfunded, CHAIN_ID, RATE).start()
    with pytest.raises(RPCError, match="cannot reach the node"):
        SteadyLoad(["tcp://127.0.0.1:1"], unfunded, CHAIN_ID, RATE).start()
    assert int(node.client.call("num_unconfirmed_txs")["n_txs"]) == 0
