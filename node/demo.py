"""`make run`: a local network, a worker and the walkthrough, and everything stopped on Ctrl-C.

The network is a localnet (`node/localnet.py`) of one validator by default, its first node on
the usual ports (CometBFT RPC 26657, gRPC 9090, REST 1317) so clients find it where they
expect. The first run creates it in the demo root with genesis params that make the
walkthrough's windows short (a voting period of seconds, a challenge window of blocks) and
plays the walkthrough (`client/walkthrough.py`); a later run resumes the same chain without
repeating it. Only processes started here are stopped, by the pids they were started with.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aichain.node.home import Home
from aichain.node.localnet import (
    Localnet,
    LocalnetError,
    init_localnet,
    load_localnet,
    manifest_path,
    start_localnet,
    stop_localnet,
    wait_for_height,
)
from aichain.node.procs import is_alive

CHAIN_ID = "aichain-local"
BASE_PORT = 26600
"""Node i listens on BASE_PORT + 100 i + 57 (RPC) etc.: node0's CometBFT RPC is 26657."""
GRPC_PORT = 9090
REST_PORT = 1317

DEMO_PARAMS: dict[str, dict[str, Any]] = {
    "gov": {
        "voting_period": "20s",
        "expedited_voting_period": "10s",
        "min_deposit": [{"denom": "uaic", "amount": "10000000"}],
        "expedited_min_deposit": [{"denom": "uaic", "amount": "50000000"}],
    },
    "datanet": {"rejection_burn_bps": 10_000},
    "attribution": {
        "challenge_window_blocks": 8,
        "assignment_window_blocks": 30,
        "commit_window_blocks": 8,
        "reveal_window_blocks": 8,
        "committee_size": 1,
        "min_timeout_blocks": 5,
        "max_timeout_blocks": 300,
    },
}
"""Genesis params of the demo chain: short windows, so the walkthrough takes minutes; a
rejected record's whole bond is burned (the chain's default burns half)."""

DONE_FILE = "walkthrough.json"
"""In the demo root once the walkthrough has played (what it made, for the next run)."""
STARTED_FILE = "walkthrough.started"
"""In the demo root from the walkthrough's first step until it has played: a run that finds it
without DONE_FILE knows the last walkthrough was interrupted half way."""


class DemoError(RuntimeError):
    """The demo network could not be created or started: the message says why and what to do."""


@dataclass
class Demo:
    """A demo root: the localnet in it and the processes this run started."""

    root: Path
    net: Localnet
    started_pids: list[int] = field(default_factory=list)
    explorer: subprocess.Popen[bytes] | None = None

    @property
    def home(self) -> Path:
        """node0's home: the keyring and content store the walkthrough uses."""
        return Path(self.net.nodes[0].home)

    @property
    def done_file(self) -> Path:
        return self.root / DONE_FILE

    @property
    def started_file(self) -> Path:
        return self.root / STARTED_FILE

    @property
    def interrupted(self) -> bool:
        """Whether a walkthrough began on this network and never finished."""
        return self.started_file.exists() and not self.done_file.exists()


def _set_app_address(home: Home, section: str, address: str) -> None:
    """Points app.toml [section] address at address (a localnet node's gRPC or REST)."""
    lines = home.app_toml.read_text().splitlines()
    current = ""
    for index, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            current = stripped[1:-1]
        elif current == section and stripped.startswith("address ="):
            lines[index] = f'address = "{address}"'
    home.app_toml.write_text("\n".join(lines) + "\n")


def prepare(
    root: Path,
    validators: int = 1,
    fresh: bool = False,
    base_port: int = BASE_PORT,
    standard_ports: bool = True,
    progress: Callable[[str], None] = print,
) -> Demo:
    """The demo network in root: created (or re-created with fresh) or loaded.

    Raises DemoError when root holds something else, or a network of another size."""
    root = root.expanduser()
    if fresh and root.exists():
        if not manifest_path(root).exists() and any(root.iterdir()):
            raise DemoError(f"{root} is not a demo network's directory; FRESH=1 removes only those")
        net = load_localnet(root) if manifest_path(root).exists() else None
        if net is not None:
            stop_localnet(net)
        shutil.rmtree(root)
    if manifest_path(root).exists():
        net = load_localnet(root)
        if len(net.nodes) != validators:
            raise DemoError(
                f"{root} holds a {len(net.nodes)}-validator network; run with "
                f"VALIDATORS={len(net.nodes)}, or FRESH=1 to start over with {validators}"
            )
        return Demo(root, net)
    if root.exists() and any(root.iterdir()):
        raise DemoError(
            f"{root} already holds files that are not a demo network (an older `make run` "
            "chain?): move it away, or set AICHAIN_HOME to another directory"
        )
    progress(f"==> creating a {validators}-validator local network ({CHAIN_ID}) in {root}")
    try:
        net = init_localnet(root, validators, chain_id=CHAIN_ID, base_port=base_port,
                            progress=lambda s: progress(f"    {s}"),
                            params=DEMO_PARAMS)  # fmt: skip
    except LocalnetError as exc:
        raise DemoError(str(exc)) from None
    if standard_ports:
        first = Home(Path(net.nodes[0].home))
        _set_app_address(first, "grpc", f"127.0.0.1:{GRPC_PORT}")
        _set_app_address(first, "api", f"tcp://127.0.0.1:{REST_PORT}")
    return Demo(root, net)


def app_address(home: Path, section: str) -> str:
    """app.toml [section] address of a node home (host:port, scheme dropped)."""
    current = ""
    for line in Home(home).app_toml.read_text().splitlines():
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            current = stripped[1:-1]
        elif current == section and stripped.startswith("address ="):
            value = stripped.split("=", 1)[1].strip().strip('"')
            return value.split("://", 1)[-1]
    raise DemoError(f"{home}/config/app.toml has no [{section}] address")


def start(demo: Demo, progress: Callable[[str], None] = print, timeout: float = 120) -> None:
    """Starts every node of the network that is not running and waits for blocks."""
    progress(f"==> starting {len(demo.net.nodes)} node(s)")
    demo.started_pids += [pid for pid in start_localnet(demo.net) if pid]
    try:
        wait_for_height(demo.net, 2, timeout=timeout)
    except LocalnetError as exc:
        raise DemoError(f"{exc} (logs: {demo.home}/node.log)") from None


def start_explorer(demo: Demo, port: int, timeout: float = 60) -> str:
    """Starts `aichain explorer` for node0 on loopback and waits until it answers; returns its
    URL. Raises DemoError (naming its log) when it exits or does not answer in time."""
    import urllib.error
    import urllib.request

    exe = str(Path(sys.executable).parent / "aichain")
    spec = demo.net.nodes[0]
    log_path = demo.root / "explorer.log"
    with log_path.open("ab") as log:
        demo.explorer = subprocess.Popen(
            [exe, "explorer", "--home", spec.home, "--listen", f"tcp://127.0.0.1:{port}"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while True:
        if demo.explorer.poll() is not None:
            code = demo.explorer.returncode
            raise DemoError(f"the explorer exited with {code} (log: {log_path})")
        try:
            with urllib.request.urlopen(url + "/", timeout=5) as reply:
                if reply.status == 200:
                    return url
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            raise DemoError(
                f"the explorer did not answer at {url} in {timeout:.0f}s (log: {log_path})"
            )
        time.sleep(0.5)


def stop(demo: Demo, workers: list[Path], progress: Callable[[str], None] = print) -> None:
    """Stops what this run started: the explorer, the workers, the nodes."""
    if demo.explorer is not None and demo.explorer.poll() is None:
        demo.explorer.terminate()
        try:
            demo.explorer.wait(timeout=10)
        except subprocess.TimeoutExpired:
            demo.explorer.kill()
    exe = str(Path(sys.executable).parent / "aichain")
    for worker_home in workers:
        subprocess.run([exe, "worker", "stop", "--worker-home", str(worker_home)],
                       capture_output=True, timeout=90)  # fmt: skip
    stopped = stop_localnet(demo.net)
    if stopped:
        progress(f"==> stopped {', '.join(stopped)}")


def wait_for_interrupt(demo: Demo) -> None:
    """Blocks until Ctrl-C or SIGTERM (or every node has exited)."""
    stop_now = False

    def handler(signum: int, frame: Any) -> None:
        nonlocal stop_now
        stop_now = True

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)  # also when started in the background (SIG_IGN)
    try:
        while not stop_now:
            pids = [p for p in demo.started_pids if is_alive(p)]
            if demo.started_pids and not pids:
                print("==> the nodes exited; see node.log in each node's home", flush=True)
                return
            time.sleep(0.5)
    except KeyboardInterrupt:
        return


def record_started(demo: Demo) -> None:
    demo.started_file.write_text("the walkthrough began on this network\n")


def record_done(demo: Demo, summary: dict[str, Any]) -> None:
    demo.done_file.write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")
    demo.started_file.unlink(missing_ok=True)


def read_done(demo: Demo) -> dict[str, Any] | None:
    if not demo.done_file.exists():
        return None
    data: dict[str, Any] = json.loads(demo.done_file.read_text())
    return data


def banner(demo: Demo, extra: dict[str, str]) -> str:
    """Where everything listens, one line each."""
    spec = demo.net.nodes[0]
    rows = {
        "CometBFT RPC": spec.rpc.replace("tcp://", "http://"),
        "gRPC": app_address(demo.home, "grpc"),
        "REST": "http://" + app_address(demo.home, "api"),
        "App metrics": "http://" + app_address(demo.home, "telemetry") + "/metrics",
        **extra,
        "Home (keys)": f"{demo.home}   (export AICHAIN_HOME={demo.home})",
    }
    width = max(len(k) for k in rows)
    lines = ["", "aichain is running:"]
    lines += [f"  {name:<{width}} : {value}" for name, value in rows.items()]
    if len(demo.net.nodes) > 1:
        lines.append(f"  {'Validators':<{width}} : {len(demo.net.nodes)} (aichain localnet status "
                     f"--home {demo.root})")  # fmt: skip
    lines.append("Press Ctrl-C to stop everything this started.")
    return "\n".join(lines)


def environ_for(demo: Demo) -> dict[str, str]:
    return {**os.environ, "AICHAIN_HOME": str(demo.home)}
