"""Real single-validator nodes for end-to-end tests: `aichain start` (app + CometBFT child)
in a temporary home on free loopback ports, stopped by pid. Never touches ~/.aichain."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from aichain.app.crypto import PrivateKey, account_address
from aichain.client.rpc import CometRPC, RPCError
from aichain.node.home import Home, configure_cometbft, find_cometbft

REPO = Path(__file__).resolve().parents[2]
AICHAIN = str(Path(sys.executable).parent / "aichain")
CHAIN_ID = "aichain-e2e"
FAUCET_COINS = 10**15
MIN_GAS_PRICE = "0.025uaic"


def _cometbft_available() -> bool:
    try:
        find_cometbft()
        return True
    except RuntimeError:
        return False


if not _cometbft_available():
    if os.environ.get("CI"):
        raise RuntimeError("CometBFT is required for end-to-end tests in CI (make setup)")
    pytest.skip("CometBFT not built (run make setup)", allow_module_level=True)


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_base_port(nodes: int) -> int:
    """A localnet base port (below the ephemeral range) whose node ports all bind right now."""
    import random

    rng = random.Random()
    for _ in range(200):
        base = rng.randrange(200, 320) * 100
        ports = [base + 100 * i + off for i in range(nodes) for off in (17, 56, 57, 61, 90)]
        try:
            for port in ports:
                with socket.socket() as s:
                    s.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base
    raise RuntimeError("no free localnet port range in 20000-32000")


def run_cli(
    *args: str, input: str | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Runs the aichain CLI; raises with its stderr when check and it fails."""
    proc = subprocess.run(
        [AICHAIN, *args], capture_output=True, text=True, input=input, timeout=120
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"aichain {' '.join(args)} failed ({proc.returncode}): {proc.stderr}")
    return proc


@dataclass
class Node:
    """One node home plus the `aichain start` process running it."""

    home: Path
    rpc: str
    grpc: str
    abci: str
    p2p_port: int
    chain_id: str = CHAIN_ID
    faucet: PrivateKey | None = None
    proc: subprocess.Popen[bytes] | None = None
    log_path: Path = field(default=Path())
    rest: str = ""
    """The REST gateway's base URL, http://127.0.0.1:PORT."""
    metrics: str = ""
    """The app's metrics URL."""

    @property
    def client(self) -> CometRPC:
        """A CometBFT RPC client for this node."""
        return CometRPC(self.rpc)

    def node_id(self) -> str:
        """CometBFT node id (from its node key)."""
        out = subprocess.run(
            [find_cometbft(), "show-node-id", "--home", str(self.home)],
            capture_output=True,
            text=True,
            check=True,
        )
        return out.stdout.strip()

    def start(self, wait_height: int = 1, timeout: float = 60.0) -> None:
        """Starts `aichain start` and waits for the node to reach wait_height."""
        self.log_path = self.home / "node.log"
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [AICHAIN, "start", "--home", str(self.home)], stdout=log, stderr=subprocess.STDOUT
            )
        self.wait_height(wait_height, timeout)

    def wait_height(self, height: int, timeout: float = 60.0) -> int:
        """Waits until the node's latest height is at least height; returns it."""
        deadline = time.monotonic() + timeout
        last_err = ""
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise AssertionError(f"node exited ({self.proc.returncode}):\n{self.tail()}")
            try:
                current = self.client.latest_height()
                if current >= height:
                    return current
            except RPCError as exc:
                last_err = str(exc)
            time.sleep(0.1)
        raise AssertionError(f"node did not reach height {height}: {last_err}\n{self.tail()}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> int | None:
        """Stops the process we started (by pid); returns its exit status."""
        if self.proc is None or self.proc.poll() is not None:
            return None if self.proc is None else self.proc.returncode
        os.kill(self.proc.pid, sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait(10)

    def tail(self, n: int = 40) -> str:
        """The last lines of the node's logs."""
        parts = []
        for path in (self.log_path, self.home / "logs" / "cometbft.log"):
            if path.is_file():
                parts.append(
                    f"--- {path}\n" + "\n".join(path.read_text(errors="replace").splitlines()[-n:])
                )
        return "\n".join(parts)

    def cli(
        self, *args: str, check: bool = True, input: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Runs an aichain CLI command against this node and home."""
        common = ("--node", self.rpc, "--home", str(self.home))
        if "--" in args:  # options must come before the end-of-options marker
            i = args.index("--")
            args = (*args[:i], *common, *args[i:])
            return run_cli(*args, check=check, input=input)
        return run_cli(*args, *common, check=check, input=input)


def make_node(root: Path, name: str = "node0", genesis_from: Node | None = None) -> Node:
    """A fresh home with free ports; a faucet key funded in genesis (or another node's genesis)."""
    home = root / name
    ports = {k: free_port() for k in ("rpc", "p2p", "grpc", "api", "metrics")}
    run_cli("init", name, "--chain-id", CHAIN_ID, "--home", str(home))
    h = Home(home)
    configure_cometbft(
        h,
        {
            "rpc.laddr": json.dumps(f"tcp://127.0.0.1:{ports['rpc']}"),
            "p2p.laddr": json.dumps(f"tcp://127.0.0.1:{ports['p2p']}"),
            "consensus.timeout_commit": '"200ms"',
            "consensus.timeout_propose": '"1s"',
        },
    )
    app_toml = h.app_toml.read_text()
    app_toml = app_toml.replace(
        'address = "127.0.0.1:9090"', f'address = "127.0.0.1:{ports["grpc"]}"'
    )
    app_toml = app_toml.replace(
        'address = "tcp://127.0.0.1:1317"', f'address = "tcp://127.0.0.1:{ports["api"]}"'
    )
    app_toml = app_toml.replace(
        'address = "tcp://127.0.0.1:26661"', f'address = "tcp://127.0.0.1:{ports["metrics"]}"'
    )
    app_toml = app_toml.replace("invariant-check-period = 0", "invariant-check-period = 1")
    h.app_toml.write_text(app_toml)
    node = Node(
        home,
        f"tcp://127.0.0.1:{ports['rpc']}",
        f"127.0.0.1:{ports['grpc']}",
        h.abci_address(),
        ports["p2p"],
        rest=f"http://127.0.0.1:{ports['api']}",
        metrics=f"http://127.0.0.1:{ports['metrics']}/metrics",
    )
    if genesis_from is not None:
        h.genesis.write_text(Home(genesis_from.home).genesis.read_text())
        node.faucet = genesis_from.faucet
        return node
    out = run_cli(
        "keys",
        "add",
        "faucet",
        "--keyring-backend",
        "test",
        "--home",
        str(home),
        "--output",
        "json",
    )
    from aichain.client.hd import derive_private_key

    node.faucet = PrivateKey(derive_private_key(json.loads(out.stdout)["mnemonic"]))
    run_cli(
        "genesis",
        "add-account",
        account_address(node.faucet.address),
        f"{FAUCET_COINS}uaic",
        "--home",
        str(home),
    )
    return node


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    """A running single-validator node shared by a test module."""
    n = make_node(tmp_path_factory.mktemp("e2e"))
    n.start(wait_height=2)
    try:
        yield n
    finally:
        n.stop()


@pytest.fixture
def fresh_root(tmp_path: Path) -> Path:
    """A temporary directory for tests that build their own nodes."""
    return tmp_path
