"""A multi-validator network on one machine: N node homes on loopback, one genesis.

Layout of a localnet root:

    localnet.json          the network: chain id, nodes, their ports and node ids
    nodeI/                 a node home (config, data, keyring-test with key valI)
    nodeI/aichain.pid      pid of its `aichain start` while it runs (written by the node)
    nodeI/node.log         that process's output (CometBFT's own log is nodeI/logs/)

Node I listens on base+100*I+{17 rest, 56 p2p, 57 rpc, 61 app metrics, 90 grpc} (80: the
explorer, off unless app.toml's [explorer] enable = true), and serves
ABCI to its CometBFT on the unix socket run/abci.sock in its home. Genesis validators come from
gentxs when the staking module is present (`aichain genesis gentx` + `collect-gentxs`, as simd
does); otherwise every node's CometBFT key is written into genesis.json's validator list.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from aichain.client.rpc import CometRPC, RPCError
from aichain.config.app_config import AppToml
from aichain.node.home import Home, configure_cometbft, find_cometbft
from aichain.node.init import init_home, write_genesis
from aichain.node.procs import is_alive, read_pid

DEFAULT_BASE_PORT = 30000
"""Ports of node I start at DEFAULT_BASE_PORT + 100*I (clear of a `make run` chain's)."""

VALIDATOR_COINS = 10**13
"""uaic each validator's operator key gets in genesis."""

SELF_DELEGATION = 10**12
"""uaic each validator bonds at genesis (power = SELF_DELEGATION / 10^6)."""

FAUCET_COINS = 10**15
"""uaic of the localnet's faucet account."""

TIMEOUTS = {
    "consensus.timeout_propose": '"1500ms"',
    "consensus.timeout_propose_delta": '"200ms"',
    "consensus.timeout_prevote": '"500ms"',
    "consensus.timeout_prevote_delta": '"200ms"',
    "consensus.timeout_precommit": '"500ms"',
    "consensus.timeout_precommit_delta": '"200ms"',
    "consensus.timeout_commit": '"800ms"',
}
"""Consensus timeouts that give ~1 s blocks with 4 nodes on 2 cores."""


class LocalnetError(RuntimeError):
    """The localnet cannot be created, started or inspected as asked."""


@dataclass(frozen=True, slots=True)
class NodeSpec:
    """One node of the localnet."""

    index: int
    moniker: str
    home: str
    node_id: str
    p2p_port: int
    rpc_port: int
    abci: str
    grpc_port: int
    operator: str

    @property
    def rpc(self) -> str:
        """CometBFT RPC address."""
        return f"tcp://127.0.0.1:{self.rpc_port}"


@dataclass(frozen=True, slots=True)
class Localnet:
    """A localnet root and its nodes."""

    root: Path
    chain_id: str
    nodes: tuple[NodeSpec, ...]
    faucet: str

    def node(self, name: str) -> NodeSpec:
        """A node by moniker ("node0") or index ("0"). Raises LocalnetError."""
        for spec in self.nodes:
            if name in (spec.moniker, str(spec.index)):
                return spec
        names = ", ".join(n.moniker for n in self.nodes)
        raise LocalnetError(f"no node {name!r} in this localnet (nodes: {names})")


def manifest_path(root: Path) -> Path:
    """The localnet.json of a root."""
    return root / "localnet.json"


def load_localnet(root: Path) -> Localnet:
    """Reads localnet.json. Raises LocalnetError if root is not a localnet."""
    path = manifest_path(root)
    if not path.is_file():
        raise LocalnetError(f"{root} is not a localnet; create one with `aichain localnet init`")
    data = json.loads(path.read_text())
    nodes = tuple(NodeSpec(**_upgrade_node_entry(n)) for n in data["nodes"])
    return Localnet(root, data["chain_id"], nodes, data["faucet"])


def _upgrade_node_entry(entry: dict[str, object]) -> dict[str, object]:
    """A localnet.json node entry in today's form (entries written before the unix socket
    default carry abci_port instead of the abci address)."""
    if "abci_port" in entry:
        entry = dict(entry)
        entry["abci"] = f"tcp://127.0.0.1:{entry.pop('abci_port')}"
    return entry


def _cli(*args: str, input: str | None = None) -> str:
    """Runs the aichain CLI of this installation; returns stdout. Raises LocalnetError."""
    exe = str(Path(sys.executable).parent / "aichain")
    proc = subprocess.run([exe, *args], capture_output=True, text=True, input=input)
    if proc.returncode != 0:
        raise LocalnetError(f"aichain {' '.join(args)}: {proc.stderr.strip()}")
    return proc.stdout


def _node_id(home: Path) -> str:
    """The CometBFT node id of a home."""
    out = subprocess.run(
        [find_cometbft(), "show-node-id", "--home", str(home)],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


def has_staking() -> bool:
    """Whether the app has the staking module (genesis validators then come from gentxs)."""
    from aichain.app.app import memory_app

    return "staking" in {m.name for m in memory_app().manager.modules}


def init_localnet(
    root: Path,
    validators: int,
    chain_id: str = "aichain-localnet",
    base_port: int = DEFAULT_BASE_PORT,
    overwrite: bool = False,
    progress: Callable[[str], None] = lambda _: None,
    params: dict[str, dict[str, Any]] | None = None,
) -> Localnet:
    """Creates N node homes with a shared genesis and full-mesh peers. Raises LocalnetError.

    params overrides module params in genesis, e.g. {"staking": {"unbonding_time": "10s"}};
    a dotted name reaches a nested section's params ("gov.model_track": app_state.gov.model_track).
    """
    if validators < 1:
        raise LocalnetError("a localnet needs at least one validator (--validators N, N >= 1)")
    if manifest_path(root).exists() and not overwrite:
        raise LocalnetError(f"{root} already holds a localnet; use --overwrite to replace it")
    if any(is_running(Path(n.home)) for n in _maybe_nodes(root)):
        raise LocalnetError(f"the localnet in {root} is running; stop it first")
    root.mkdir(parents=True, exist_ok=True)
    specs = []
    for i in range(validators):
        port = base_port + 100 * i
        home = root / f"node{i}"
        if home.exists():
            import shutil

            shutil.rmtree(home)
        app = AppToml(
            minimum_gas_prices="0.025uaic",
            grpc_address=f"127.0.0.1:{port + 90}",
            api_address=f"tcp://127.0.0.1:{port + 17}",
            telemetry_address=f"tcp://127.0.0.1:{port + 61}",
            invariant_check_period=1,
        )
        progress(f"node{i}: init")
        init_home(home, f"node{i}", chain_id, overwrite=True, app=app)
        with Home(home).app_toml.open("a") as toml:  # `aichain explorer --home nodeI` port
            toml.write(f'\n[explorer]\nenable = false\naddress = "tcp://127.0.0.1:{port + 80}"\n')
        configure_cometbft(
            Home(home),
            {
                "rpc.laddr": json.dumps(f"tcp://127.0.0.1:{port + 57}"),
                "p2p.laddr": json.dumps(f"tcp://127.0.0.1:{port + 56}"),
                **TIMEOUTS,
            },
        )
        out = _cli(
            "keys",
            "add",
            f"val{i}",
            "--keyring-backend",
            "test",
            "--home",
            str(home),
            "--output",
            "json",
        )
        operator = json.loads(out)["address"]
        specs.append(
            NodeSpec(
                i,
                f"node{i}",
                str(home),
                _node_id(home),
                port + 56,
                port + 57,
                Home(home).abci_address(),
                port + 90,
                operator,
            )
        )
    first = Home(Path(specs[0].home))
    faucet_out = _cli(
        "keys",
        "add",
        "faucet",
        "--keyring-backend",
        "test",
        "--home",
        str(first.root),
        "--output",
        "json",
    )
    faucet = json.loads(faucet_out)["address"]
    _write_genesis(specs, chain_id, faucet, progress, params or {})
    peers = [f"{s.node_id}@127.0.0.1:{s.p2p_port}" for s in specs]
    for spec, peer in zip(specs, peers, strict=True):
        others = ",".join(p for p in peers if p != peer)
        configure_cometbft(Home(Path(spec.home)), {"p2p.persistent_peers": json.dumps(others)})
    net = Localnet(root, chain_id, tuple(specs), faucet)
    manifest_path(root).write_text(
        json.dumps(
            {"chain_id": chain_id, "faucet": faucet, "nodes": [asdict(s) for s in specs]},
            indent=2,
        )
        + "\n"
    )
    return net


def _maybe_nodes(root: Path) -> tuple[NodeSpec, ...]:
    """The nodes of an existing localnet at root, or none."""
    try:
        return load_localnet(root).nodes
    except (LocalnetError, KeyError, ValueError):
        return ()


def _write_genesis(
    specs: list[NodeSpec],
    chain_id: str,
    faucet: str,
    progress: Callable[[str], None],
    params: dict[str, dict[str, Any]],
) -> None:
    """Funds operators and the faucet, sets params, adds validators, copies the genesis."""
    first = Home(Path(specs[0].home))
    for spec in specs:
        _cli(
            "genesis",
            "add-account",
            spec.operator,
            f"{VALIDATOR_COINS}uaic",
            "--home",
            str(first.root),
        )
    _cli("genesis", "add-account", faucet, f"{FAUCET_COINS}uaic", "--home", str(first.root))
    if params:
        genesis = json.loads(first.genesis.read_text())
        for module, values in sorted(params.items()):
            section = genesis["app_state"]
            for part in module.split("."):
                section = section.setdefault(part, {})
            section.setdefault("params", {}).update(values)
        write_genesis(first, genesis)
    if has_staking():
        progress("gentxs")
        gentx_dir = first.root / "config" / "gentx"
        for spec in specs:
            home = Home(Path(spec.home))
            home.genesis.write_text(first.genesis.read_text())
            _cli(
                "genesis",
                "gentx",
                f"val{spec.index}",
                f"{SELF_DELEGATION}uaic",
                "--chain-id",
                chain_id,
                "--moniker",
                spec.moniker,
                "--home",
                str(home.root),
                "--keyring-backend",
                "test",
                "--output-document",
                str(gentx_dir / f"gentx-{spec.moniker}.json"),
            )
        _cli("genesis", "collect-gentxs", "--gentx-dir", str(gentx_dir), "--home", str(first.root))
    else:
        genesis = json.loads(first.genesis.read_text())
        genesis["validators"] = []
        for spec in specs:
            key = json.loads((Path(spec.home) / "config" / "priv_validator_key.json").read_text())
            genesis["validators"].append(
                {
                    "address": key["address"],
                    "pub_key": key["pub_key"],
                    "power": str(SELF_DELEGATION // 10**6),
                    "name": spec.moniker,
                }
            )
        write_genesis(first, genesis)
    for spec in specs[1:]:
        Home(Path(spec.home)).genesis.write_text(first.genesis.read_text())


def is_running(home: Path) -> bool:
    """Whether the node home has a live `aichain start` (by its pid file)."""
    pid = read_pid(Home(home).pid_file)
    return pid is not None and is_alive(pid)


def _read_pid(home: Path) -> int | None:
    """The pid in HOME/aichain.pid, if any."""
    return read_pid(Home(home).pid_file)


def start_node(spec: NodeSpec) -> int:
    """Starts `aichain start` for one node in the background; returns its pid."""
    home = Path(spec.home)
    if is_running(home):
        return _read_pid(home) or 0
    exe = str(Path(sys.executable).parent / "aichain")
    with (home / "node.log").open("ab") as log:
        proc = subprocess.Popen(
            [exe, "start", "--home", str(home)],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    return proc.pid


def start_localnet(net: Localnet) -> list[int]:
    """Starts every node that is not running; returns their pids."""
    return [start_node(spec) for spec in net.nodes]


def wait_for_height(
    net: Localnet,
    height: int,
    timeout: float = 120.0,
    progress: Callable[[dict[str, int]], None] = lambda _: None,
) -> None:
    """Waits until every node reports at least height. Raises LocalnetError on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        heights = {s.moniker: _height(s) for s in net.nodes}
        progress(heights)
        if all(h >= height for h in heights.values()):
            return
        if time.monotonic() > deadline:
            raise LocalnetError(
                f"nodes did not reach height {height} in {timeout:.0f}s: {heights}; "
                "see `aichain localnet logs NODE`"
            )
        time.sleep(0.5)


def _height(spec: NodeSpec) -> int:
    """Latest height of a node, -1 when it does not answer."""
    try:
        return CometRPC(spec.rpc, timeout=2).latest_height()
    except RPCError:
        return -1


def stop_node(spec: NodeSpec, timeout: float = 30.0) -> bool:
    """SIGTERMs the node's `aichain start` by its pid file; True if one was stopped."""
    home = Path(spec.home)
    pid = _read_pid(home)
    if pid is None or not is_running(home):
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not is_running(home):
            return True
        time.sleep(0.2)
    os.kill(pid, signal.SIGKILL)
    return True


def stop_localnet(net: Localnet) -> list[str]:
    """Stops every running node (only the processes the pid files name)."""
    return [spec.moniker for spec in net.nodes if stop_node(spec)]


def node_status(spec: NodeSpec) -> dict[str, Any]:
    """Height, app hash, peers and voting power of one node (or that it is down)."""
    rpc = CometRPC(spec.rpc, timeout=2)
    running = is_running(Path(spec.home))
    try:
        st = rpc.status()
        peers = int(rpc.net_info()["n_peers"])
    except RPCError:
        return {
            "node": spec.moniker,
            "running": running,
            "height": None,
            "app_hash": None,
            "peers": None,
            "voting_power": None,
        }
    sync = st["sync_info"]
    return {
        "node": spec.moniker,
        "running": running,
        "height": int(sync["latest_block_height"]),
        "app_hash": sync["latest_app_hash"],
        "peers": peers,
        "voting_power": int(st["validator_info"]["voting_power"]),
        "catching_up": sync["catching_up"],
    }
