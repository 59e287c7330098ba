"""`aichain explorer`: the block explorer web page over a running node, on loopback."""

from __future__ import annotations

from pathlib import Path

import click

from aichain.cli.common import home_option


@click.command("explorer")
@click.option("--node", "rpc", default=None,
              help="CometBFT RPC of the node [default: the home's rpc.laddr].")  # fmt: skip
@click.option("--rest", default=None,
              help="REST gateway of the node [default: the home's api.address].")  # fmt: skip
@click.option("--listen", default=None,
              help="Where to serve the page, tcp://127.0.0.1:PORT [default: app.toml "
                   "[explorer] address, else tcp://127.0.0.1:26680].")  # fmt: skip
@click.option("--rate-limit", type=click.IntRange(0), default=None,
              help="Requests a second one client address may sustain, 0 for no limit "
                   "[default: app.toml [explorer] requests-per-second, else 20].")  # fmt: skip
@click.option("--burst", type=click.IntRange(1), default=None,
              help="Requests one client address may send at once "
                   "[default: app.toml [explorer] burst, else 200].")  # fmt: skip
@home_option
def explorer(
    rpc: str | None,
    rest: str | None,
    listen: str | None,
    rate_limit: int | None,
    burst: int | None,
    home: Path,
) -> None:
    """Serve the block explorer for a running node until Ctrl-C.

    Blocks, transactions, accounts, datanets, models, inferences with their attribution,
    contributors' earnings, workers and disputes, governance; pages refresh as blocks arrive.
    """
    import signal
    import threading
    import tomllib

    from aichain.config.app_config import read_app_toml
    from aichain.node.explorer.settings import read_settings, start_explorer
    from aichain.node.home import Home

    h = Home(Path(home))
    try:
        settings = read_settings(h.app_toml)
        if rpc is None:
            rpc = "tcp://127.0.0.1:26657"
            if h.config_toml.is_file():
                doc = tomllib.loads(h.config_toml.read_text())
                rpc = str(doc.get("rpc", {}).get("laddr", rpc))
        if rest is None:
            rest = read_app_toml(h.app_toml).api_address if h.app_toml.is_file() else (
                "tcp://127.0.0.1:1317")  # fmt: skip
        from dataclasses import replace

        if rate_limit is not None:
            settings = replace(settings, requests_per_second=rate_limit)
        if burst is not None:
            settings = replace(settings, burst=burst)
        server = start_explorer(rest, rpc, listen or settings.address, settings.rate_limit())
    except (ValueError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"explorer: http://{server.host}:{server.port}/  (node {rpc}, REST {rest})")
    click.echo("Ctrl-C stops it.")
    stop = threading.Event()
    # explicit handlers: a process started in the background inherits SIGINT ignored
    signal.signal(signal.SIGINT, lambda signum, frame: stop.set())
    signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    try:
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()
