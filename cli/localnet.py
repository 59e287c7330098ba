"""`aichain localnet ...`: a multi-validator network on this machine."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from aichain.cli.common import default_home, emit, fail, output_option


def _root_option(func):  # type: ignore[no-untyped-def]
    """--home DIR: the localnet root (default $AICHAIN_HOME/localnet)."""
    return click.option(
        "--home",
        "root",
        type=click.Path(file_okay=False, path_type=Path),
        default=lambda: default_home() / "localnet",
        show_default="$AICHAIN_HOME/localnet",
        help="Directory holding the localnet's node homes.",
    )(func)


@click.group()
def localnet() -> None:
    """Run a multi-validator network on this machine (loopback only).

    \b
    Example:
      aichain localnet init --validators 4
      aichain localnet start
      aichain localnet status
      aichain localnet logs node2
      aichain localnet stop
    """


@localnet.command("init")
@click.option("--validators", "-n", type=int, default=4, show_default=True)
@click.option("--chain-id", default="aichain-localnet", show_default=True)
@click.option(
    "--base-port",
    type=int,
    default=30000,
    show_default=True,
    help="Node I listens on BASE+100*I+{17 rest, 56 p2p, 57 rpc, 90 grpc}; ABCI on a socket "
    "in its home.",
)
@click.option("--overwrite", is_flag=True, help="Replace an existing localnet in --home.")
@click.option(
    "--param",
    "params",
    multiple=True,
    metavar="MODULE.NAME=VALUE",
    help="Override a genesis param, e.g. staking.unbonding_time=30s (repeatable).",
)
@_root_option
def init_cmd(
    validators: int,
    chain_id: str,
    base_port: int,
    overwrite: bool,
    params: tuple[str, ...],
    root: Path,
) -> None:
    """Create N node homes with a shared genesis, funded keys and gentxs."""
    from aichain.node.localnet import LocalnetError, init_localnet

    overrides: dict[str, dict[str, object]] = {}
    for item in params:
        name, sep, value = item.partition("=")
        module, dot, param = name.partition(".")
        if not sep or not dot or not module or not param:
            fail(f"--param {item!r}: write MODULE.NAME=VALUE, e.g. staking.unbonding_time=30s")
        overrides.setdefault(module, {})[param] = int(value) if value.isdigit() else value
    try:
        net = init_localnet(
            root,
            validators,
            chain_id,
            base_port,
            overwrite,
            progress=lambda m: click.echo(f"  {m}", err=True),
            params=overrides,
        )
    except (LocalnetError, OSError) as exc:
        fail(str(exc))
    click.echo(f"localnet {chain_id} with {len(net.nodes)} validators in {root}")
    for spec in net.nodes:
        click.echo(
            f"  {spec.moniker}: rpc {spec.rpc}  grpc 127.0.0.1:{spec.grpc_port}  "
            f"operator {spec.operator}"
        )
    click.echo(f"  faucet: {net.faucet} (key 'faucet' in {net.nodes[0].home})")


@localnet.command("start")
@click.option(
    "--wait-height",
    type=int,
    default=2,
    show_default=True,
    help="Wait until every node has this many blocks (0: do not wait).",
)
@click.option("--timeout", type=float, default=180, show_default=True)
@_root_option
def start_cmd(wait_height: int, timeout: float, root: Path) -> None:
    """Start every node (app + CometBFT each, own RocksDB) in the background."""
    from aichain.node.localnet import LocalnetError, load_localnet, start_localnet, wait_for_height

    try:
        net = load_localnet(root)
        pids = start_localnet(net)
        click.echo(f"started {len(pids)} nodes (pids {', '.join(map(str, pids))})", err=True)
        if wait_height:
            started = time.monotonic()

            def show(heights: dict[str, int]) -> None:
                cells = "  ".join(f"{n} {'-' if h < 0 else h}" for n, h in heights.items())
                sys.stderr.write(
                    f"\r  waiting for height {wait_height}: {cells}  "
                    f"[{time.monotonic() - started:4.0f}s]"
                )
                sys.stderr.flush()

            wait_for_height(net, wait_height, timeout, show)
            sys.stderr.write("\n")
    except LocalnetError as exc:
        fail(str(exc))
    click.echo("localnet is producing blocks; `aichain localnet status` shows the nodes")


@localnet.command("status")
@output_option
@_root_option
def status_cmd(output: str, root: Path) -> None:
    """Height, app hash, peers and voting power of every node."""
    from aichain.node.localnet import LocalnetError, load_localnet, node_status

    try:
        net = load_localnet(root)
    except LocalnetError as exc:
        fail(str(exc))
    rows = [node_status(spec) for spec in net.nodes]

    def text(data: list[dict]) -> str:
        lines = [f"{'node':8s} {'running':8s} {'height':>7s} {'peers':>5s} {'power':>8s}  app hash"]
        for r in data:
            lines.append(
                f"{r['node']:8s} {str(r['running']):8s} {str(r['height'] or '-'):>7s} "
                f"{str(r['peers'] if r['peers'] is not None else '-'):>5s} "
                f"{str(r['voting_power'] if r['voting_power'] is not None else '-'):>8s}  "
                f"{r['app_hash'] or '-'}"
            )
        return "\n".join(lines)

    emit(rows, output, text)


@localnet.command("stop")
@_root_option
def stop_cmd(root: Path) -> None:
    """Stop the nodes this localnet started (by their pid files)."""
    from aichain.node.localnet import LocalnetError, load_localnet, stop_localnet

    try:
        stopped = stop_localnet(load_localnet(root))
    except LocalnetError as exc:
        fail(str(exc))
    click.echo(f"stopped: {', '.join(stopped) if stopped else 'nothing was running'}")


@localnet.command("logs")
@click.argument("node")
@click.option("--lines", "-n", type=int, default=50, show_default=True)
@click.option("--cometbft", is_flag=True, help="Show CometBFT's log instead of the app's.")
@_root_option
def logs_cmd(node: str, lines: int, cometbft: bool, root: Path) -> None:
    """The last lines of NODE's log (node0 or 0)."""
    from aichain.node.localnet import LocalnetError, load_localnet

    try:
        spec = load_localnet(root).node(node)
    except LocalnetError as exc:
        fail(str(exc))
    path = Path(spec.home) / ("logs/cometbft.log" if cometbft else "node.log")
    if not path.is_file():
        fail(f"{path} does not exist yet (has the node been started?)")
    for line in path.read_text(errors="replace").splitlines()[-lines:]:
        click.echo(line)
