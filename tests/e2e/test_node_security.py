"""Security of a real node and its CLI (issue 13), on one home built the README's "own
network" way (keys in the encrypted `file` keyring) and made to look networked (P2P advertises
a public address, while every socket still binds loopback):

- `aichain start` refuses the home once a private key sits in the plaintext `test` keyring,
  saying why and how, and starts once it is moved out;
- no secret is ever written: every flow (init, keys add / recover / export / import, genesis,
  gentx, a debug-level node with CometBFT at debug too, signed txs, a wrong passphrase, a
  localnet init) runs with its stdout, stderr and log files kept, and none of them holds a
  private key, a run of mnemonic words or a passphrase (the new key's mnemonic, shown once by
  `keys add` on purpose, is the one exception, and only on that command's stdout);
- the REST gateway and gRPC server rate-limit a client that bursts (429 with Retry-After,
  RESOURCE_EXHAUSTED) and serve it again after the refill; the metrics count the refusals.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from aichain.client.hd import derive_private_key, generate_mnemonic
from aichain.client.keyring import Keyring
from aichain.client.rpc import CometRPC, RPCError
from aichain.node.home import Home, configure_cometbft

from .conftest import AICHAIN, free_base_port, free_port

pytestmark = pytest.mark.e2e

CHAIN_ID = "aichain-sec"
KEYRING_PASS = "keyring-Pass-7f3a9c2e"
EXPORT_PASS = "export-Pass-b41d08aa"
WRONG_PASS = "wrong-Pass-5e6f7a8b"
PUBLIC_ADDRESS = "203.0.113.5:26656"
"""A documentation address (TEST-NET-3) the node advertises but never binds or dials."""

RATE, BURST = 1, 10
"""The node's [rate-limit]: small, so a test client runs out quickly even on a slow machine
(the requests drain the bucket far faster than one token a second refills it)."""

TRIES = 200
"""Requests sent at most before the limit must have been met."""


@dataclass
class Flow:
    """Everything the flows printed or logged, by where it came from."""

    home: Path
    outputs: dict[str, str] = field(default_factory=dict)
    mnemonics: list[str] = field(default_factory=list)
    refused: subprocess.CompletedProcess[str] | None = None
    refused_opened: list[str] = field(default_factory=list)
    """What the refused start left behind (the app database, a pid file): nothing."""
    ports: dict[str, int] = field(default_factory=dict)
    proc: subprocess.Popen[bytes] | None = None

    def cli(
        self,
        *args: str,
        env: dict[str, str] | None = None,
        stdin: str | None = None,
        check: bool = True,
        home: Path | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Runs the CLI with passphrases from the environment; keeps its stdout and stderr."""
        proc = subprocess.run(
            [AICHAIN, *args, "--home", str(home or self.home)],
            capture_output=True,
            text=True,
            input=stdin,
            timeout=120,
            env={**os.environ, **(env or {})},
        )
        name = f"aichain {' '.join(args)} #{len(self.outputs)}"
        self.outputs[f"{name} stdout"] = proc.stdout
        self.outputs[f"{name} stderr"] = proc.stderr
        if check and proc.returncode != 0:
            raise AssertionError(f"{name} failed ({proc.returncode}): {proc.stderr}")
        return proc


FILE = ("--keyring-backend", "file")
PASS_ENV = {"AICHAIN_KEYRING_PASSPHRASE": KEYRING_PASS}


def _wait_height(rpc: str, height: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"node exited {proc.returncode}: {log.read_text()[-3000:]}")
        try:
            if CometRPC(rpc).latest_height() >= height:
                return
        except RPCError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"node did not reach height {height}: {log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def flow(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flow]:
    """The README's own network, built and started with every output kept."""
    f = Flow(tmp_path_factory.mktemp("sec") / "node")
    f.ports = {k: free_port() for k in ("rpc", "p2p", "grpc", "api", "metrics")}
    f.cli("init", "sec", "--chain-id", CHAIN_ID)
    home = Home(f.home)
    configure_cometbft(
        home,
        {
            "log_level": '"debug"',
            "rpc.laddr": json.dumps(f"tcp://127.0.0.1:{f.ports['rpc']}"),
            "p2p.laddr": json.dumps(f"tcp://127.0.0.1:{f.ports['p2p']}"),
            "p2p.external_address": json.dumps(PUBLIC_ADDRESS),
            "consensus.timeout_commit": '"300ms"',
        },
    )
    text = home.app_toml.read_text()
    for old, new in (
        ('"127.0.0.1:9090"', f'"127.0.0.1:{f.ports["grpc"]}"'),
        ('"tcp://127.0.0.1:1317"', f'"tcp://127.0.0.1:{f.ports["api"]}"'),
        ('"tcp://127.0.0.1:26661"', f'"tcp://127.0.0.1:{f.ports["metrics"]}"'),
        ("debug = false", "debug = true"),
        ("requests-per-second = 200", f"requests-per-second = {RATE}"),
        ("burst = 2000", f"burst = {BURST}"),
    ):
        assert old in text, old
        text = text.replace(old, new)
    home.app_toml.write_text(text)

    alice = json.loads(
        f.cli("keys", "add", "alice", *FILE, "--output", "json", env=PASS_ENV).stdout
    )
    f.mnemonics.append(alice["mnemonic"])
    bob_mnemonic = generate_mnemonic()
    f.mnemonics.append(bob_mnemonic)
    bob = json.loads(
        f.cli(
            "keys",
            "add",
            "bob",
            "--recover",
            *FILE,
            "--output",
            "json",
            env=PASS_ENV,
            stdin=bob_mnemonic + "\n",
        ).stdout
    )
    typo = bob_mnemonic.split()
    typo[3] = "zzzz"  # one word mistyped: the error may name it, never the rest
    bad = f.cli(
        "keys",
        "add",
        "bob2",
        "--recover",
        *FILE,
        env=PASS_ENV,
        stdin=" ".join(typo) + "\n",
        check=False,
    )
    assert bad.returncode == 1 and "zzzz" in bad.stderr
    wrong = f.cli(
        "keys",
        "export",
        "alice",
        *FILE,
        check=False,
        env={"AICHAIN_KEYRING_PASSPHRASE": WRONG_PASS},
    )
    assert wrong.returncode == 1 and "wrong passphrase" in wrong.stderr
    armor = f.cli(
        "keys", "export", "bob", *FILE, env={**PASS_ENV, "AICHAIN_EXPORT_PASSPHRASE": EXPORT_PASS}
    ).stdout
    armor_file = f.home / "bob.armor"
    armor_file.write_text(armor)
    f.cli("keys", "list", *FILE, env=PASS_ENV)
    f.cli("genesis", "add-account", "alice", "1000000000000uaic", *FILE, env=PASS_ENV)
    f.cli("genesis", "add-account", "bob", "1000000000uaic", *FILE, env=PASS_ENV)
    f.cli(
        "genesis", "gentx", "alice", "100000000000uaic", "--chain-id", CHAIN_ID, *FILE, env=PASS_ENV
    )
    f.cli("genesis", "collect-gentxs")

    # bob's key, imported into the plaintext test keyring, makes start refuse this home
    f.cli(
        "keys",
        "import",
        "carol",
        str(armor_file),
        "--keyring-backend",
        "test",
        env={"AICHAIN_EXPORT_PASSPHRASE": EXPORT_PASS},
    )
    armor_file.unlink()
    f.refused = f.cli("start", "--log-level", "debug", check=False)
    f.refused_opened = [
        str(p) for p in (f.home / "data" / "application.db", home.pid_file) if p.exists()
    ]
    f.cli("keys", "delete", "carol", "--keyring-backend", "test", "-y")

    log = f.home / "node.log"
    with log.open("wb") as out:
        f.proc = subprocess.Popen(
            [AICHAIN, "start", "--home", str(f.home), "--log-level", "debug"],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_height(f"tcp://127.0.0.1:{f.ports['rpc']}", 2, f.proc, log)
        node = ("--node", f"tcp://127.0.0.1:{f.ports['rpc']}")
        sent = f.cli(
            "tx",
            "bank",
            "send",
            "alice",
            bob["address"],
            "1000uaic",
            "--fees",
            "5000uaic",
            "--chain-id",
            CHAIN_ID,
            "-y",
            "--output",
            "json",
            *FILE,
            *node,
            env=PASS_ENV,
        )
        assert json.loads(sent.stdout)["code"] == 0, sent.stdout
        bad_tx = f.cli(
            "tx",
            "bank",
            "send",
            "alice",
            bob["address"],
            "1uaic",
            "--fees",
            "5000uaic",
            "--chain-id",
            CHAIN_ID,
            "-y",
            *FILE,
            *node,
            check=False,
            env={"AICHAIN_KEYRING_PASSPHRASE": WRONG_PASS},
        )
        assert bad_tx.returncode == 1 and "wrong passphrase" in bad_tx.stderr
        yield f
    finally:
        if f.proc.poll() is None:
            os.kill(f.proc.pid, signal.SIGTERM)
            try:
                f.proc.wait(30)
            except subprocess.TimeoutExpired:
                f.proc.kill()
                f.proc.wait(10)


def test_start_refuses_a_plaintext_key_on_a_networked_home_and_says_how(flow: Flow) -> None:
    refused = flow.refused
    assert refused is not None and refused.returncode == 1
    message = refused.stderr
    assert "refusing to start" in message
    assert f"P2P advertises {PUBLIC_ADDRESS}" in message
    assert "keyring-test holds 1 private key(s) unencrypted" in message and "carol" in message
    assert "aichain keys export carol" in message and "--allow-test-keyring" in message
    assert flow.refused_opened == []  # refused before opening the database or serving
    assert "listening" not in refused.stdout + refused.stderr
    # the same home, the key moved out, is running (the fixture started it)
    assert flow.proc is not None and flow.proc.poll() is None


def _rest(url: str) -> tuple[int, dict[str, str]]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            response.read()
            return response.status, dict(response.headers)
    except urllib.error.HTTPError as exc:
        body = json.loads(exc.read())
        assert body["message"], body
        return exc.code, dict(exc.headers)


def test_a_bursting_client_is_limited_then_served_again(flow: Flow) -> None:
    url = f"http://127.0.0.1:{flow.ports['api']}/cosmos/bank/v1beta1/params"
    statuses = []
    for _ in range(TRIES):
        status, headers = _rest(url)
        statuses.append(status)
        if status == 429:
            assert int(headers["Retry-After"]) >= 1
            break
    assert statuses[-1] == 429 and set(statuses[:-1]) == {200}, statuses
    assert len(statuses) >= BURST  # the burst was served first

    with grpc.insecure_channel(f"127.0.0.1:{flow.ports['grpc']}") as channel:
        check = health_pb2_grpc.HealthStub(channel).Check
        codes = []
        for _ in range(TRIES):
            try:
                check(health_pb2.HealthCheckRequest(), timeout=5)
                codes.append(grpc.StatusCode.OK)
            except grpc.RpcError as exc:
                codes.append(exc.code())
                assert "rate limit exceeded" in exc.details()
                break
        assert codes[-1] == grpc.StatusCode.RESOURCE_EXHAUSTED, codes
        time.sleep(1.5 / RATE)  # a token comes back every 1/RATE s
        assert check(health_pb2.HealthCheckRequest(), timeout=5).status == 1  # SERVING
    assert _rest(url)[0] == 200

    with urllib.request.urlopen(f"http://127.0.0.1:{flow.ports['metrics']}/metrics") as r:
        metrics = r.read().decode()
    refused = {
        line.split()[0]: float(line.split()[1])
        for line in metrics.splitlines()
        if line.startswith(("aichain_rest_rate_limited_total", "aichain_grpc_rate_limited_total"))
    }
    assert refused["aichain_rest_rate_limited_total"] >= 1
    assert refused["aichain_grpc_rate_limited_total"] >= 1


def _secrets(flow: Flow, extra_homes: list[Path]) -> dict[str, str]:
    """Every secret of the homes, by a name for the report: passphrases, private keys (hex,
    both cases, and base64), CometBFT's validator and node keys, and runs of 4 consecutive
    words of each mnemonic."""
    found = {
        "keyring passphrase": KEYRING_PASS,
        "export passphrase": EXPORT_PASS,
        "wrong passphrase": WRONG_PASS,
    }
    for i, mnemonic in enumerate(flow.mnemonics):
        words = mnemonic.split()
        for j in range(len(words) - 3):
            found[f"mnemonic {i} words {j}-{j + 3}"] = " ".join(words[j : j + 4])
        secret = derive_private_key(mnemonic)
        found[f"mnemonic {i} private key hex"] = secret.hex()
        found[f"mnemonic {i} private key HEX"] = secret.hex().upper()
        found[f"mnemonic {i} private key base64"] = base64.b64encode(secret).decode()
    for home in [flow.home, *extra_homes]:
        for name in ("priv_validator_key.json", "node_key.json"):
            key = json.loads((home / "config" / name).read_text())["priv_key"]["value"]
            found[f"{home.name} {name}"] = key
            found[f"{home.name} {name} hex"] = base64.b64decode(key).hex()
        ring = Keyring(home, "test")
        for record in ring.list_keys():
            secret = ring.private_key(record.name).secret
            found[f"{home.name} test key {record.name}"] = secret.hex()
            found[f"{home.name} test key {record.name} base64"] = base64.b64encode(secret).decode()
    return found


def test_no_secret_is_printed_or_logged_by_any_flow(flow: Flow, tmp_path: Path) -> None:
    # a localnet's init too (its keys are in the test keyring, printed nowhere)
    root = tmp_path / "ln"
    flow.cli(
        "localnet", "init", "--validators", "1", "--base-port", str(free_base_port(1)), home=root
    )
    assert flow.proc is not None
    os.kill(flow.proc.pid, signal.SIGTERM)  # the shutdown logs are included
    assert flow.proc.wait(30) == 0
    logs = {str(p): p.read_text(errors="replace") for p in flow.home.rglob("*.log")}
    logs.update({str(p): p.read_text(errors="replace") for p in root.rglob("*.log")})
    assert any("cometbft.log" in p for p in logs) and any("node.log" in p for p in logs)
    assert any(" DEBUG " in text for text in logs.values())  # the app logged at debug
    comet_debug = [p for p, t in logs.items() if any(ln.startswith("D[") for ln in t.splitlines())]
    assert comet_debug  # CometBFT logged at debug too
    secrets = _secrets(flow, [root / "node0"])
    assert sum(name.startswith("mnemonic") for name in secrets) == 2 * (21 + 3)  # 24 words
    assert {"node0 test key val0", "node0 test key faucet"} <= set(secrets)  # the localnet's
    first_add = next(
        name
        for name in flow.outputs
        if name.startswith("aichain keys add alice") and name.endswith(" stdout")
    )
    leaks = []
    for where, text in {**flow.outputs, **logs}.items():
        for what, secret in secrets.items():
            if where == first_add and what.startswith("mnemonic 0 words"):
                continue  # `keys add` shows the new mnemonic once, on its stdout, on purpose
            if secret in text:
                leaks.append(f"{what} in {where}")
    assert not leaks, leaks
    assert flow.mnemonics[0] in flow.outputs[first_add]  # the exception is real: it was shown
