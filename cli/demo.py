"""`aichain demo` (what `make run` runs): a local network, a worker, the walkthrough, the
explorer."""

from __future__ import annotations

from pathlib import Path

import click

from aichain.cli.common import fail, home_option

WORKER_PORT = 26670
"""The worker's OpenAI-compatible endpoint on a standard-port demo (others take any port)."""


@click.command("demo")
@home_option
@click.option("--validators", type=click.IntRange(1, 8), default=1, show_default=True,
              help="Validators of the local network (make run VALIDATORS=4).")  # fmt: skip
@click.option("--fresh", is_flag=True, help="Remove the demo network in --home and start over.")
@click.option("--skip-walkthrough", is_flag=True, help="Start the network without playing it.")
@click.option("--exit-after", is_flag=True,
              help="Stop everything once the walkthrough has played (tests, CI).")  # fmt: skip
@click.option("--base-port", type=click.IntRange(1024, 60000), default=None,
              help="Ports of node i: BASE + 100 i + 57 (RPC) etc. [26600].")  # fmt: skip
@click.option("--explorer-port", type=click.IntRange(0, 65535), default=26680, show_default=True)
def demo(home: Path, validators: int, fresh: bool, skip_walkthrough: bool, exit_after: bool,
         base_port: int | None, explorer_port: int) -> None:  # fmt: skip
    """Run a local aichain network with a worker and play the walkthrough on it.

    \b
    The first run creates the network in --home and plays the walkthrough: accounts, a
    datanet, contributions and curation, version 1, an adapter trained on it and registered,
    inference answered by the worker with the records that shaped each answer and what their
    contributors earned, claims, a fee-split proposal, and a false attribution challenged and
    slashed. Each step prints the command that does it. Later runs resume the same chain;
    --fresh starts over. Ctrl-C stops every process it started.
    """
    from aichain.client.walkthrough import WalkthroughError, play, resume
    from aichain.node.demo import (
        BASE_PORT,
        DemoError,
        banner,
        prepare,
        start,
        start_explorer,
        stop,
        wait_for_interrupt,
    )

    standard = base_port is None
    try:
        demo_net = prepare(home, validators, fresh, base_port or BASE_PORT, standard)
        if demo_net.interrupted and not skip_walkthrough:
            click.echo("==> the last walkthrough on this network was interrupted before it "
                       "finished: starting over on a fresh network")  # fmt: skip
            demo_net = prepare(home, validators, True, base_port or BASE_PORT, standard)
        start(demo_net)
    except DemoError as exc:
        fail(str(exc))
    workers: list[Path] = []
    try:
        explorer: dict[str, str] = {}
        if explorer_port:
            try:
                explorer = {"Explorer": start_explorer(demo_net, explorer_port)}
            except DemoError as exc:
                fail(str(exc))
            click.echo(f"==> explorer at {explorer['Explorer']} (it follows the walkthrough live)")
        try:
            extra = (resume(demo_net, workers) if skip_walkthrough
                     else play(demo_net, workers, WORKER_PORT if standard else 0))  # fmt: skip
        except WalkthroughError as exc:
            fail(f"the walkthrough stopped: {exc}\n(the network is left as it was; "
                 "`make run FRESH=1` starts over)")  # fmt: skip
        click.echo(banner(demo_net, {**explorer, **extra}))
        if not exit_after:
            wait_for_interrupt(demo_net)
    finally:
        stop(demo_net, workers)
