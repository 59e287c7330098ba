"""`aichain worker start|status|stop` (the worker daemon, docs/worker.md) and the
`--register` step of `aichain worker train`.

Thin click layer: the daemon is gpu_worker/daemon; registration is
gpu_worker/daemon/register.py. The ML stack loads only when the daemon starts.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import click

from aichain.cli.common import (
    emit,
    fail,
    home_option,
    keyring_backend_option,
    node_option,
    output_option,
    resolve_node,
)

PID_FILE = "worker.pid"
"""The daemon's pid file in the worker home (gpu_worker/daemon/worker.py's name)."""
STATUS_FILE = "status.json"
"""The daemon's status file in the worker home."""
LOG_FILE = "worker.log"
"""Where a detached daemon's output goes, in the worker home."""


def endpoint_limit_options(func):  # type: ignore[no-untyped-def]
    """--rate-limit and --burst of a worker's HTTP endpoint (`worker serve`, `worker start`):
    the defaults are serving/http.py's WORKER_RATE and WORKER_BURST."""
    func = click.option(
        "--burst",
        type=click.IntRange(1),
        default=1000,
        show_default=True,
        help="Requests one client address may send at once before --rate-limit applies.",
    )(func)
    return click.option(
        "--rate-limit",
        type=click.IntRange(0),
        default=100,
        show_default=True,
        help="Requests a second one client address may sustain (0: no limit); 429 beyond.",
    )(func)


DETACH_WAIT_S = 900.0
"""How long `start --detach` waits for the daemon to serve (the first use of the pre-trained
tiny base builds it, which takes minutes on a slow CPU)."""


def worker_home_option(func: Any) -> Any:
    """--worker-home DIR (default HOME/worker)."""
    return click.option(
        "--worker-home",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="The worker's own folder: journal, fetched adapters, pid, status, log "
        "[default: HOME/worker].",
    )(func)


def _worker_home(home: Path, worker_home: Path | None) -> Path:
    return worker_home or home / "worker"


def resolve_grpc(grpc: str | None, home: Path) -> str:
    """--grpc if given, else the gRPC address in HOME/config/app.toml, else 127.0.0.1:9090."""
    if grpc:
        return grpc
    path = home / "config" / "app.toml"
    if path.is_file():
        import tomllib

        try:
            address = tomllib.loads(path.read_text()).get("grpc", {}).get("address")
        except tomllib.TOMLDecodeError:
            address = None
        if isinstance(address, str) and address:
            return address.replace("0.0.0.0", "127.0.0.1")
    return "127.0.0.1:9090"


def read_pid(worker_home: Path) -> int | None:
    """The pid in the pid file if that process is alive, else None."""
    path = worker_home / PID_FILE
    try:
        pid = int(path.read_text().strip())
    except (OSError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return pid
    try:  # a killed daemon nobody reaped yet is a zombie: not running
        if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
            return None
    except (OSError, IndexError):
        pass
    return pid


def _private_key(home: Path, backend: str, name: str, what: str) -> Any:
    from aichain.cli.keys import open_keyring
    from aichain.client.keyring import KeyringError

    try:
        return open_keyring(home, backend).private_key(name)
    except KeyringError as exc:
        fail(f"{what} {name!r}: {exc}")


def _parse_adapter_dirs(values: tuple[str, ...]) -> dict[int, Path]:
    out: dict[int, Path] = {}
    for value in values:
        model, sep, path = value.partition("=")
        if not sep or not model.isdigit():
            raise click.BadParameter(f"{value!r}: write MODEL_ID=DIR", param_hint="--adapter")
        out[int(model)] = Path(path)
    return out


@click.command("start")
@click.option("--operator", required=True, help="Keyring key of the operator (bond, payouts).")
@click.option("--worker-key", required=True, help="Keyring key of the hot key signing results.")
@click.option(
    "--model",
    "models",
    type=click.IntRange(1),
    multiple=True,
    required=True,
    help="Registered adapter to serve (repeat).",
)
@click.option(
    "--adapter",
    "adapters",
    multiple=True,
    help="MODEL_ID=DIR: serve a local copy instead of fetching (checked against the registry).",
)
@click.option("--grpc", default=None, help="Content store (a node's gRPC HOST:PORT).")
@click.option("--base-model", default="tiny", show_default=True)
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto")
@click.option("--port", type=click.IntRange(0, 65535), default=0, help="HTTP port (0: any).")
@click.option("--bond", default="1000000", show_default=True, help="Bond in uaic if registering.")
@click.option("--gas-prices", default="0.025uaic", show_default=True)
@click.option("--engine", default="blend-v1", show_default=True, help="Attribution engine.")
@click.option("--poll-s", type=click.FloatRange(0.1), default=2.0, show_default=True)
@click.option("--max-input-bytes", type=click.IntRange(1), default=1 << 20, show_default=True)
@endpoint_limit_options
@click.option("--detach", is_flag=True, help="Run in the background; return once it serves.")
@worker_home_option
@node_option
@keyring_backend_option
@home_option
@output_option
def start_cmd(
    operator: str,
    worker_key: str,
    models: tuple[int, ...],
    adapters: tuple[str, ...],
    grpc: str | None,
    base_model: str,
    device: str,
    port: int,
    bond: str,
    gas_prices: str,
    engine: str,
    poll_s: float,
    max_input_bytes: int,
    rate_limit: int,
    burst: int,
    detach: bool,
    worker_home: Path | None,
    node: str | None,
    keyring_backend: str,
    home: Path,
    output: str,
) -> None:
    """Run the worker daemon: serve registered adapters, answer requests, sit on committees."""
    wh = _worker_home(home, worker_home)
    running = read_pid(wh)
    if running is not None:
        fail(f"a worker is already running from {wh} (pid {running}); `aichain worker stop`")
    adapter_dirs = _parse_adapter_dirs(adapters)
    operator_key = _private_key(home, keyring_backend, operator, "--operator")
    hot_key = _private_key(home, keyring_backend, worker_key, "--worker-key")
    if operator_key.pubkey == hot_key.pubkey:
        fail("--worker-key must differ from --operator (the hot key only signs results)")
    if detach:
        _detach(wh, output)
        return
    from aichain.client.blobs import GrpcBlobStore
    from aichain.gpu_worker.daemon.worker import DaemonConfig, WorkerDaemon, install_signal_handlers

    wh.mkdir(parents=True, exist_ok=True)
    _configure_logging(wh)
    config = DaemonConfig(
        home=wh,
        node=resolve_node(node, home),
        blob_grpc=resolve_grpc(grpc, home),
        operator=operator_key,
        hot=hot_key,
        models=models,
        adapter_dirs=adapter_dirs,
        base_model=base_model,
        device=device,
        port=port,
        bond=bond,
        gas_price=gas_prices,
        engine=engine,
        max_input_bytes=max_input_bytes,
        poll_s=poll_s,
        rate_limit=(rate_limit, burst),
    )
    daemon = WorkerDaemon(config, GrpcBlobStore(config.blob_grpc))
    install_signal_handlers(daemon)
    pid_path = wh / PID_FILE
    pid_path.write_text(f"{os.getpid()}\n")
    try:
        daemon.start()
        daemon.write_status()
        print(f"worker serving at {daemon.runtime.server.http.url}/v1", flush=True)
        daemon.run()
    except Exception as exc:  # noqa: BLE001 - one clear line, the log has the rest
        logging.getLogger("aichain.worker").exception("worker failed")
        fail(str(exc))
    finally:
        if read_pid(wh) == os.getpid():
            pid_path.unlink(missing_ok=True)


def _configure_logging(worker_home: Path) -> None:
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    for handler in (logging.StreamHandler(sys.stderr), logging.FileHandler(worker_home / LOG_FILE)):
        handler.setFormatter(fmt)
        root.addHandler(handler)
    from aichain.gpu_worker.serving.warnings_log import install_warning_log

    install_warning_log()


def _detach(worker_home: Path, output: str) -> None:
    """Re-runs this command without --detach in a new session; waits until it serves."""
    worker_home.mkdir(parents=True, exist_ok=True)
    status = worker_home / STATUS_FILE
    status.unlink(missing_ok=True)
    args = [a for a in sys.argv[1:] if a != "--detach"]
    exe = Path(sys.executable).parent / "aichain"
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "aichain.cli.main"]
    with (worker_home / "detached.out").open("ab") as out:
        proc = subprocess.Popen(
            [*command, *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            stdin=subprocess.DEVNULL,
        )
    deadline = time.monotonic() + DETACH_WAIT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = (worker_home / "detached.out").read_text(errors="replace")[-2000:]
            fail(f"the worker exited ({proc.returncode}):\n{tail}")
        if status.is_file():
            data = json.loads(status.read_text())
            emit({"pid": proc.pid, "url": data.get("url", ""), "home": str(worker_home)}, output)
            return
        time.sleep(0.2)
    fail(
        f"the worker (pid {proc.pid}) did not start serving within {DETACH_WAIT_S:.0f}s; it is "
        f"still running: see {worker_home / LOG_FILE}, or `aichain worker stop`"
    )


@click.command("status")
@worker_home_option
@node_option
@home_option
@output_option
def status_cmd(worker_home: Path | None, node: str | None, home: Path, output: str) -> None:
    """Show the running worker: adapters and tiers, queue, throughput, results, earnings."""
    wh = _worker_home(home, worker_home)
    path = wh / STATUS_FILE
    if not path.is_file():
        fail(f"no worker status in {wh}: start one with `aichain worker start`")
    data = json.loads(path.read_text())
    data["running"] = read_pid(wh) is not None
    emit(data, output, _format_status)


def _format_status(data: dict[str, Any]) -> str:
    state = f"running (pid {data.get('pid')})" if data.get("running") else "not running"
    lines = [
        f"worker {data.get('operator', '')} {state}",
        f"  endpoint:   {data.get('url', '')}/v1   chain height {data.get('height', 0)}"
        f"{'' if data.get('chain_reachable', True) else '  (chain unreachable)'}",
    ]
    for model, info in sorted(data.get("adapters", {}).items()):
        lines.append(f"  model {model}: {info['tier']}  {info['weights_hash'][:16]}…")
    for model, reason in sorted(data.get("refused_adapters", {}).items()):
        lines.append(f"  model {model}: REFUSED ({reason})")
    results = data.get("results", {})
    lines.append(
        f"  queue depth {data.get('queue_depth', 0)}, "
        f"throughput {data.get('throughput_per_min', 0):.1f}/min, "
        f"pending results {data.get('pending_results', 0)}"
    )
    lines.append("  results: " + ", ".join(f"{k} {v}" for k, v in sorted(results.items())))
    earnings = data.get("earnings") or {}
    if earnings:
        lines.append(
            f"  earnings (uaic): claimable {earnings.get('claimable', 0)}, pending "
            f"{earnings.get('pending', 0)}, claimed {earnings.get('claimed', 0)}"
        )
    return "\n".join(lines)


@click.command("stop")
@click.option("--timeout", type=click.FloatRange(1), default=60.0, show_default=True)
@worker_home_option
@node_option
@home_option
@output_option
def stop_cmd(
    timeout: float, worker_home: Path | None, node: str | None, home: Path, output: str
) -> None:
    """Stop the worker started from this home (by its pid file) and wait for it to exit."""
    wh = _worker_home(home, worker_home)
    pid = read_pid(wh)
    if pid is None:
        fail(f"no worker running from {wh}")
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if read_pid(wh) is None:
            emit({"stopped": pid}, output)
            return
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            emit({"stopped": pid}, output)
            return
        time.sleep(0.1)
    fail(f"worker {pid} did not stop within {timeout:.0f}s")


def register_after_training(
    result: Any,
    *,
    owner: str,
    name: str | None,
    price: str,
    datanet_spec: str,
    node: str | None,
    home: Path,
    keyring_backend: str,
    grpc: str | None,
    base_model: str,
    gas_prices: str,
) -> dict[str, Any]:
    """`worker train --register`: publish the adapter and register it (returns the ids)."""
    from aichain.client.blobs import BlobError, GrpcBlobStore
    from aichain.gpu_worker.chain_client import ChainClient, ChainError, TxSender
    from aichain.gpu_worker.daemon.adapter_store import AdapterFetchError
    from aichain.gpu_worker.daemon.register import describe_base, register_adapter

    key = _private_key(home, keyring_backend, owner, "--owner")
    chain = ChainClient(resolve_node(node, home))
    try:
        registered = register_adapter(
            chain,
            TxSender(chain, key, gas_prices),
            GrpcBlobStore(resolve_grpc(grpc, home)),
            result.adapter_dir,
            name=name or result.adapter_dir.name,
            price=price,
            base=describe_base(base_model),
        )
    except (ChainError, BlobError, AdapterFetchError) as exc:
        fail(f"training succeeded ({result.adapter_dir}) but registration failed: {exc}")
    return registered


def check_training_access(
    datanet_spec: str, owner: str, node: str | None, home: Path, keyring_backend: str
) -> None:
    """Refuses (before any work) a restricted datanet the owner has no access to."""
    from aichain.app.crypto import account_address
    from aichain.gpu_worker.chain_client import ChainClient, ChainError
    from aichain.gpu_worker.chain_datanet import parse_datanet_spec

    parsed = parse_datanet_spec(datanet_spec)
    if parsed is None:
        fail("--register needs DATANET as datanet:ID@VERSION (a version on chain)")
    key = _private_key(home, keyring_backend, owner, "--owner")
    address = account_address(key.address)
    try:
        allowed, how = ChainClient(resolve_node(node, home)).access(parsed[0], address)
    except ChainError as exc:
        fail(f"cannot check access to datanet {parsed[0]}: {exc}")
    if not allowed:
        fail(
            f"datanet {parsed[0]} is restricted and {address} has no access to it: ask its "
            f"owner for a grant or pay access (`aichain tx datanet pay-access`) before training"
        )
