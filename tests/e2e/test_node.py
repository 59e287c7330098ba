"""End to end: a real CometBFT node and the app, driven through the CLI."""

from __future__ import annotations

import json
import signal
import time

import pytest

from aichain.app.crypto import PrivateKey, account_address

from .conftest import Node, make_node

pytestmark = pytest.mark.e2e


def _new_address() -> str:
    return account_address(PrivateKey.generate().address)


def _balance(node: Node, address: str, height: int = 0) -> int:
    out = node.cli(
        "query", "bank", "balances", address, "--denom", "uaic", "--output", "json",
        "--height", str(height),
    )  # fmt: skip
    return int(json.loads(out.stdout)["balance"]["amount"])


def _supply(node: Node) -> int:
    out = node.cli("query", "bank", "total", "--denom", "uaic", "--output", "json")
    return int(json.loads(out.stdout)["amount"]["amount"])


def _send(node: Node, *args: str, check: bool = True):
    """`tx bank send faucet TO AMOUNT [options]`, or with `--` in args: options, --, TO AMOUNT."""
    opts = ("--chain-id", node.chain_id, "-y", "--output", "json", "--keyring-backend", "test")
    if "--" in args:
        i = args.index("--")
        return node.cli(
            "tx", "bank", "send", *opts, *args[:i], "--", "faucet", *args[i + 1 :], check=check
        )
    return node.cli("tx", "bank", "send", "faucet", *args, *opts, check=check)


def test_send_through_cli_then_query(node: Node) -> None:
    to = _new_address()
    supply = _supply(node)
    out = _send(node, to, "1234uaic", "--fees", "5000uaic")
    result = json.loads(out.stdout)
    assert result["code"] == 0, result
    assert int(result["height"]) > 0
    assert _balance(node, to) == 1234
    height = int(result["height"])
    assert _balance(node, to, height) == 1234
    assert _balance(node, to, height - 1) == 0  # the state before the send's block
    future = node.cli("query", "bank", "balances", to, "--height", "99999999", check=False)
    assert future.returncode != 0 and "not committed yet" in future.stderr
    for at, amount, what in ((height, "1234", "membership"), (height - 1, "0", "non-membership")):
        proven = json.loads(
            node.cli(
                "query", "bank", "balances", to, "--denom", "uaic", "--prove",
                "--height", str(at), "--output", "json",
            ).stdout
        )  # fmt: skip
        assert proven["balance"] == {"denom": "uaic", "amount": amount}
        assert proven["verified"] and proven["proof"].startswith(what)
        assert proven["header"]["verified"] and proven["height"] == at
    text = node.cli("query", "bank", "balances", to, "--denom", "uaic", "--prove").stdout
    assert "balance: 1234uaic" in text and "proof: VERIFIED" in text
    no_denom = node.cli("query", "bank", "balances", to, "--prove", check=False)
    assert no_denom.returncode != 0 and "--prove needs --denom" in no_denom.stderr
    assert _supply(node) == supply  # fees move to the fee collector; nothing is minted or lost
    tx = json.loads(node.cli("query", "tx", result["txhash"], "--output", "json").stdout)
    assert tx["code"] == 0 and tx["height"] == result["height"]
    assert any(e["type"] == "transfer" for e in tx["events"])
    account = json.loads(node.cli("query", "auth", "account", to, "--output", "json").stdout)
    assert account["address"] == to
    status = json.loads(node.cli("status", "--output", "json").stdout)
    assert status["chain_id"] == node.chain_id and status["latest_block_height"] >= 2


def test_send_with_gas_auto(node: Node) -> None:
    to = _new_address()
    result = json.loads(_send(node, to, "10uaic", "--fees", "5000uaic", "--gas", "auto").stdout)
    assert result["code"] == 0
    assert 0 < int(result["gas_used"]) <= int(result["gas_wanted"]) < 200_000


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("{to}", "10000000000000000000uaic", "--fees", "5000uaic"), "insufficient funds"),
        (("{to}", "1000uaic", "--fees", "1uaic"), "insufficient fees"),
        (
            ("{to}", "1000uaic", "--fees", "5000uaic", "--chain-id", "other-chain"),
            "signature verification failed",
        ),
        (("aic1notanaddress", "1000uaic", "--fees", "5000uaic"), "bech32"),
        (("{cosmos}", "1000uaic", "--fees", "5000uaic"), "expected 'aic'"),
        (("{to}", "0uaic", "--fees", "5000uaic"), "positive"),
        (("--fees", "5000uaic", "--", "{to}", "-5uaic"), "invalid coin"),
        (("{to}", "10uaic,10uaic", "--fees", "5000uaic"), "duplicate denomination"),
        (("{to}", "1000uaic", "--fees", "5000uaic", "--gas", "1000"), "out of gas"),
    ],
)
def test_send_rejects_bad_input_and_changes_nothing(node: Node, args, message) -> None:
    faucet = account_address(node.faucet.address)
    before = _balance(node, faucet)
    supply = _supply(node)
    to = _new_address()
    from aichain.app.crypto import bech32_encode

    cosmos = bech32_encode("cosmos", PrivateKey.generate().address)
    argv = [a.replace("{to}", to).replace("{cosmos}", cosmos) for a in args]
    if "--chain-id" in argv:
        i = argv.index("--chain-id")
        chain = argv[i + 1]
        del argv[i : i + 2]
        out = node.cli(
            "tx",
            "bank",
            "send",
            "faucet",
            *argv,
            "--chain-id",
            chain,
            "-y",
            "--keyring-backend",
            "test",
            check=False,
        )
    else:
        out = _send(node, *argv, check=False)
    assert out.returncode != 0
    assert message in (out.stderr + out.stdout).lower()
    assert _supply(node) == supply
    assert _balance(node, faucet) == before  # refused at CheckTx: not even a fee is taken
    assert _balance(node, to) == 0


def test_restart_keeps_state_and_app_hash(fresh_root) -> None:
    node = make_node(fresh_root)
    node.start(wait_height=2)
    try:
        to = _new_address()
        assert json.loads(_send(node, to, "777uaic", "--fees", "5000uaic").stdout)["code"] == 0
        node.stop()
        status = node.client  # noqa: F841 (the node is down: nothing answers)
        height = _last_app_state(node)
        node.start(wait_height=height[0] + 2)
        block = node.client.block(height[0] + 1)
        assert block["block"]["header"]["app_hash"] == height[1]
        assert _balance(node, to) == 777
    finally:
        node.stop()


def _last_app_state(node: Node) -> tuple[int, str]:
    """(height, app hash) the stopped app persisted, read from its RocksDB."""
    from aichain.app.store.rocks import RocksStore
    from aichain.app.store.root import RootStore

    db = RocksStore(node.home / "data" / "application.db")
    try:
        root = RootStore(db)
        return root.last_height, root.last_app_hash.hex().upper()
    finally:
        db.close()


def test_sigkill_between_blocks_recovers_by_handshake_replay(fresh_root) -> None:
    node = make_node(fresh_root)
    node.start(wait_height=2)
    try:
        to = _new_address()
        for amount in ("1uaic", "2uaic", "3uaic"):
            assert json.loads(_send(node, to, amount, "--fees", "5000uaic").stdout)["code"] == 0
        node.stop(sig=signal.SIGKILL)
        node.proc = None
        # CometBFT notices the lost app connection and stops by itself (it dies with its parent)
        height, app_hash = _last_app_state(node)
        node.start(wait_height=height + 3)
        assert node.client.block(height + 1)["block"]["header"]["app_hash"] == app_hash
        assert _balance(node, to) == 6
    finally:
        node.stop()


def test_two_nodes_fed_the_same_blocks_agree_on_app_hashes(fresh_root) -> None:
    first = make_node(fresh_root, "validator")
    first.start(wait_height=2)
    second = make_node(fresh_root, "follower", genesis_from=first)
    try:
        for amount in ("5uaic", "6uaic"):
            assert (
                json.loads(_send(first, _new_address(), amount, "--fees", "5000uaic").stdout)[
                    "code"
                ]
                == 0
            )
        from aichain.node.home import Home, configure_cometbft

        peer = f"{first.node_id()}@127.0.0.1:{first.p2p_port}"
        configure_cometbft(Home(second.home), {"p2p.persistent_peers": json.dumps(peer)})
        target = first.client.latest_height()
        second.start(wait_height=target, timeout=90)
        for h in range(2, target + 1):
            a = first.client.block(h)["block"]["header"]["app_hash"]
            b = second.client.block(h)["block"]["header"]["app_hash"]
            assert a == b, f"app hash differs at height {h}"
        assert (
            first.client.status()["node_info"]["network"]
            == second.client.status()["node_info"]["network"]
        )
    finally:
        second.stop()
        first.stop()


def test_abci_only_app_serves_an_external_cometbft_and_only_it(fresh_root) -> None:
    """The app's default ABCI socket is owner-only; a second process that reaches it cannot
    drive consensus while CometBFT is connected; a restarted CometBFT reconnects cleanly."""
    import asyncio
    import os
    import stat
    import subprocess

    import tendermint.abci.types_pb2 as abci_pb

    from aichain.abci.client import ABCIClient
    from aichain.abci.errors import ABCIError
    from aichain.node.home import Home, find_cometbft

    from .conftest import AICHAIN

    node = make_node(fresh_root)
    socket_path = Home(node.home).abci_socket
    assert node.abci == f"unix://{socket_path}"
    app_log = (node.home / "app.log").open("wb")
    app = subprocess.Popen(
        [AICHAIN, "start", "--abci-only", "--home", str(node.home)],
        stdout=app_log,
        stderr=subprocess.STDOUT,
    )
    cmt_log = (node.home / "cmt.log").open("ab")

    def start_cometbft() -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [find_cometbft(), "start", "--home", str(node.home), "--proxy_app", node.abci],
            stdout=cmt_log,
            stderr=subprocess.STDOUT,
        )

    cmt = None
    try:
        deadline = time.monotonic() + 30
        while not socket_path.exists():  # the app binds its socket
            assert app.poll() is None and time.monotonic() < deadline
            time.sleep(0.1)
        assert stat.S_IMODE(os.stat(socket_path).st_mode) == 0o600
        assert stat.S_IMODE(os.stat(socket_path.parent).st_mode) == 0o700
        cmt = start_cometbft()
        height = node.wait_height(3, timeout=60)
        to = _new_address()
        assert json.loads(_send(node, to, "42uaic", "--fees", "5000uaic").stdout)["code"] == 0
        assert _balance(node, to) == 42

        async def intrude() -> str:
            """CometBFT's four connections are open: a fifth is closed unanswered."""
            client = await ABCIClient.connect(node.abci)
            try:
                await client.send(abci_pb.Request(finalize_block=abci_pb.RequestFinalizeBlock()))
                answer = await client.recv()
                return f"answered {answer.WhichOneof('value')}"
            except (ABCIError, ConnectionError):
                return "refused"
            finally:
                await client.close()

        assert asyncio.run(intrude()) == "refused"
        node.wait_height(height + 3, timeout=60)  # the node keeps producing blocks
        assert "refused ABCI" in (node.home / "app.log").read_text()

        cmt.send_signal(signal.SIGTERM)  # CometBFT restarts; its new connections are accepted
        assert cmt.wait(30) == 0
        cmt = start_cometbft()
        before = node.wait_height(1, timeout=60)
        node.wait_height(before + 2, timeout=60)
        to2 = _new_address()
        assert json.loads(_send(node, to2, "7uaic", "--fees", "5000uaic").stdout)["code"] == 0
        assert _balance(node, to2) == 7
        assert app.poll() is None
    finally:
        for proc in (cmt, app):
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                proc.wait(30)
        app_log.close()
        cmt_log.close()
    assert not socket_path.exists()  # removed on a clean exit
