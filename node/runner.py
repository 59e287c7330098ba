"""`aichain start`: the app's ABCI and gRPC servers plus a supervised CometBFT child.

Start order: open RocksDB, start gRPC, bind the ABCI socket, then start CometBFT (which
connects to it and replays any blocks the app missed). If this process dies without stopping
CometBFT (SIGKILL), CometBFT stops itself when its ABCI connection breaks. Stop order on
Ctrl-C / SIGTERM, or when either side fails: CometBFT first (SIGTERM, then SIGKILL after a
grace period), then the ABCI server, gRPC, and RocksDB. Exit status 0 on a requested stop, 1 on
a failure.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import os
import signal
import tomllib
from pathlib import Path
from typing import Any

from aichain.abci.address import parse_address
from aichain.abci.errors import FatalAppError
from aichain.abci.server import ABCIServer
from aichain.app.app import open_app
from aichain.client.rpc import ThreadLocalRPC
from aichain.config.app_config import read_app_toml
from aichain.node.gc_tuning import tune_gc
from aichain.node.home import Home, find_cometbft
from aichain.node.procs import read_pid, wait_for_exit

log = logging.getLogger("aichain.node")

SNAPSHOT_WAIT_S = 60.0
"""How long shutdown waits for a state-sync snapshot being taken before closing the database
(an unfinished snapshot leaves only a pending marker; the next one deletes its chunks)."""

LEFTOVER_WAIT_S = 30.0
"""Seconds to wait for the CometBFT of a killed earlier run to stop by itself (it does when
its ABCI connection breaks) before refusing to start."""

CHILD_STOP_GRACE_S = 10.0
"""Seconds CometBFT gets to stop after SIGTERM before it is killed."""


def rpc_address(home: Home) -> str:
    """CometBFT's RPC listen address from config.toml, e.g. tcp://127.0.0.1:26657."""
    doc = tomllib.loads(home.config_toml.read_text())
    return str(doc.get("rpc", {}).get("laddr", "tcp://127.0.0.1:26657"))


def resolve_abci_address(home: Home, configured: str) -> str:
    """The ABCI address to serve: the home's unix socket unless configured otherwise.

    Prepares the home's socket directory (mode 0700) and warns when TCP is not loopback.
    Raises ValueError for an address that cannot be served."""
    address = home.abci_address(configured)
    parsed = parse_address(address)
    if parsed.scheme == "unix":
        if address == f"unix://{home.abci_socket}":
            home.abci_socket.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.chmod(home.abci_socket.parent, 0o700)
    elif not _is_loopback(parsed.host):
        log.warning(
            "ABCI listens on %s, which is not loopback: anyone who reaches that port can drive "
            "the app (docs/security.md); prefer the default unix socket",
            address,
        )
    else:
        log.info("ABCI listens on TCP %s: any local process can connect to it", address)
    return address


def _is_loopback(host: str) -> bool:
    """Whether host is a loopback address or localhost."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def add_rate_limit_metrics(registry: Any, *limiters: Any) -> None:
    """aichain_grpc_rate_limited_total and aichain_rest_rate_limited_total: requests refused
    by each server's per-client rate limit (node/ratelimit.py)."""
    from aichain.node.metrics import Gauge

    for limiter, name in zip(limiters, ("grpc", "rest"), strict=True):
        registry.add(
            Gauge(
                f"{name}_rate_limited_total",
                f"Requests the {limiter.server} refused by its per-client rate limit.",
                lambda limiter=limiter: float(limiter.refused),
            )
        )


def run_node(home: Home, abci_only: bool = False, abci_address: str = "") -> int:
    """Runs the node until stopped; returns the exit status.

    abci_address overrides app.toml's abci.address (empty: the home's unix socket)."""
    app_toml = read_app_toml(home.app_toml)
    abci_addr = resolve_abci_address(home, abci_address or app_toml.abci_address)
    try:
        app = open_app(home.data_dir, app_toml.to_app_config())
    except Exception as exc:  # a read-only, full or missing disk: say where (tests/e2e faults)
        raise OSError(f"cannot open the app database in {home.data_dir}: {exc}") from exc
    rpc_addr = rpc_address(home)
    from aichain.node.ratelimit import ClientLimiter

    grpc_limiter = ClientLimiter(app_toml.rate_limit(), "gRPC server")
    rest_limiter = ClientLimiter(app_toml.rate_limit(), "REST gateway")
    grpc_server = None
    if app_toml.grpc_enable:
        from aichain.node.grpc_server import start_grpc_server

        grpc_server = start_grpc_server(
            app, app_toml.grpc_address, ThreadLocalRPC(rpc_addr), limiter=grpc_limiter
        )
        from aichain.node.blob_service import add_blob_service

        add_blob_service(grpc_server, home.root / "blobs")  # the content store, by hash
    rest_server = None
    if app_toml.api_enable and grpc_server is None:
        log.warning("the REST gateway needs gRPC (grpc.enable = true); it stays off")
    elif app_toml.api_enable and grpc_server is not None:
        from aichain.node.grpc_server import node_services
        from aichain.node.rest import start_rest_server

        rest_server = start_rest_server(
            list(app.router.queries),
            node_services(),
            app_toml.api_address,
            grpc_server.port,
            app_toml.api_enabled_unsafe_cors,
            rest_limiter,
        )
    rest = "off" if rest_server is None else f"http://{rest_server.host}:{rest_server.port}"
    from aichain.node.explorer.settings import start_for_node

    explorer_server = start_for_node(home.app_toml, rest, rpc_addr)  # app.toml [explorer]
    served_app, metrics_server = app, None
    if app_toml.telemetry_enable:
        from aichain.node.metrics import AppMetrics, InstrumentedApp, Registry, metrics_app
        from aichain.node.rest import HttpThread, parse_listen

        registry = Registry()
        served_app = InstrumentedApp(app, AppMetrics(registry, app))
        add_rate_limit_metrics(registry, grpc_limiter, rest_limiter)
        host, port = parse_listen(app_toml.telemetry_address)
        metrics_server = HttpThread(lambda: metrics_app(registry), host, port, "metrics").start()
    metrics = (
        "off"
        if metrics_server is None
        else f"http://{metrics_server.host}:{metrics_server.port}/metrics"
    )
    home.pid_file.write_text(f"{os.getpid()}\n")
    tune_gc()
    try:
        return asyncio.run(
            _serve(
                home,
                served_app,
                abci_addr,
                app_toml.grpc_address,
                rpc_addr,
                abci_only,
                grpc_server is not None,
                rest,
                metrics,
            )
        )
    finally:
        if explorer_server is not None:
            explorer_server.stop()
        if metrics_server is not None:
            metrics_server.stop()
        if rest_server is not None:
            rest_server.stop()
        if grpc_server is not None:
            grpc_server.stop(grace=1).wait()
        if not app.snapshots.wait(timeout=SNAPSHOT_WAIT_S):
            log.warning("closing the database with a snapshot still running (it is discarded)")
        try:
            app.root.backend.close()  # type: ignore[attr-defined]
        except Exception as exc:  # after a failed write (disk full) RocksDB refuses to close
            log.error("closing the app database: %s (the last committed block is intact)", exc)
        with contextlib.suppress(FileNotFoundError):
            home.pid_file.unlink()


async def _serve(
    home: Home,
    app: object,
    abci_addr: str,
    grpc_addr: str,
    rpc_addr: str,
    abci_only: bool,
    grpc_on: bool,
    rest: str = "off",
    metrics: str = "off",
) -> int:
    """The asyncio part: ABCI server, CometBFT child, signals."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    failure: list[str] = []

    def on_fatal(exc: FatalAppError) -> None:
        failure.append(f"application error: {exc}")
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    server = ABCIServer(app, abci_addr, on_fatal=on_fatal)  # type: ignore[arg-type]
    await server.start()
    child = None
    if not abci_only:
        leftover = read_pid(home.cometbft_pid_file)
        if leftover is not None and not await asyncio.to_thread(
            wait_for_exit, leftover, LEFTOVER_WAIT_S
        ):
            await server.stop()
            log.error(
                "CometBFT of an earlier run (pid %d) still holds %s; stop it first",
                leftover,
                home.root,
            )
            return 1
        home.log_dir.mkdir(parents=True, exist_ok=True)
        log_path = home.log_dir / "cometbft.log"
        with log_path.open("ab") as log_file:
            child = await asyncio.create_subprocess_exec(
                find_cometbft(),
                "start",
                "--home",
                str(home.root),
                "--proxy_app",
                server.bound_address,
                stdout=log_file,
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,
            )
        home.cometbft_pid_file.write_text(f"{child.pid}\n")
    _print_banner(
        home,
        rpc_addr,
        grpc_addr if grpc_on else "off",
        rest,
        metrics,
        server.bound_address,
        None if child is None else home.log_dir / "cometbft.log",
    )
    waiters = [asyncio.ensure_future(stop.wait())]
    if child is not None:
        waiters.append(asyncio.ensure_future(child.wait()))
    await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    if child is not None and child.returncode is not None and not stop.is_set():
        failure.append(
            f"CometBFT exited with status {child.returncode}; see {home.log_dir / 'cometbft.log'}"
        )
    for waiter in waiters:
        waiter.cancel()
    if child is not None and child.returncode is None:
        await _stop_child(child)
    await server.stop()
    if child is not None:
        with contextlib.suppress(FileNotFoundError):
            home.cometbft_pid_file.unlink()
    if failure:
        log.error("node stopped: %s", "; ".join(failure))
        return 1
    log.info("node stopped")
    return 0


async def _stop_child(child: asyncio.subprocess.Process) -> None:
    """SIGTERM the CometBFT child we started; SIGKILL it after the grace period."""
    child.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(child.wait(), CHILD_STOP_GRACE_S)
    except TimeoutError:
        log.warning("CometBFT did not stop in %.0fs; killing pid %d", CHILD_STOP_GRACE_S, child.pid)
        child.kill()
        await child.wait()


def _print_banner(
    home: Home, rpc: str, grpc: str, rest: str, metrics: str, abci: str, cmt_log: Path | None
) -> None:
    """Where everything listens."""
    lines = [
        f"aichain node running (home {home.root})",
        f"  CometBFT RPC : {rpc.replace('tcp://', 'http://')}",
        f"  gRPC         : {grpc}",
        f"  REST         : {rest}",
        f"  App metrics  : {metrics}",
        f"  ABCI         : {abci}",
    ]
    if cmt_log is not None:
        lines.append(f"  CometBFT log : {cmt_log}")
    lines.append("Press Ctrl-C to stop.")
    print("\n".join(lines), flush=True)
