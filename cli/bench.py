"""`aichain bench load`: committed tx/s through a real node under load (node/loadtest.py)."""

from __future__ import annotations

import click


@click.group()
def bench() -> None:
    """Measure a real node."""


@bench.command("load")
@click.option(
    "--accounts",
    type=click.IntRange(1, 100_000),
    default=2000,
    show_default=True,
    help="Funded senders (distinct, so sequences never wait on each other).",
)
@click.option("--txs-per-account", type=click.IntRange(1, 1000), default=5, show_default=True)
@click.option(
    "--workers",
    type=click.IntRange(1, 256),
    default=32,
    show_default=True,
    help="Concurrent broadcast_tx_sync callers.",
)
@click.option(
    "--timeout-commit",
    default="1s",
    show_default=True,
    help="CometBFT's consensus.timeout_commit, the same for every compared chain.",
)
@click.option(
    "--compare-kvstore",
    is_flag=True,
    help="First run CometBFT's kvstore app over the ABCI socket and built in, with "
    "the same settings and generator, and print the ratios.",
)
@click.option(
    "--rounds",
    type=click.IntRange(1, 10),
    default=1,
    show_default=True,
    help="Interleaved rounds of every compared chain.",
)
@click.option(
    "--localnet",
    type=click.IntRange(2, 8),
    default=None,
    help="Run aichain as a localnet of N validators (`aichain localnet`'s layout) instead of "
    "a single node; txs go to node0. Not with --compare-kvstore (its references are single "
    "nodes).",
)
@click.option(
    "--rate",
    type=click.FloatRange(0, min_open=True),
    default=None,
    help="Steady mode: this many signed sends a second for --duration seconds (each sender "
    "a few in flight, re-sent after a fault), then what each sender got committed and a "
    "check that every committed tx is there exactly once. The stream the fault tests run "
    "under. Not with --txs-per-account, --compare-kvstore or --rounds.",
)
@click.option(
    "--duration",
    type=click.FloatRange(0, min_open=True),
    default=None,
    help="Seconds of the steady stream (with --rate; default 30).",
)
@click.pass_context
def load(
    ctx: click.Context,
    accounts: int,
    txs_per_account: int,
    workers: int,
    timeout_commit: str,
    compare_kvstore: bool,
    rounds: int,
    localnet: int | None,
    rate: float | None,
    duration: float | None,
) -> None:
    """Drive pre-signed bank sends through a fresh single-validator node and report committed
    tx/s, latency percentiles, CheckTx refusals and the app's time per ABCI phase; with
    --rate, a steady stream for --duration seconds and an exactly-once check instead."""
    from aichain.node.loadtest import run_load, run_steady

    if rate is not None:
        given = {
            "--txs-per-account": "txs_per_account",
            "--compare-kvstore": "compare_kvstore",
            "--rounds": "rounds",
        }
        clash = [
            flag
            for flag, name in given.items()
            if ctx.get_parameter_source(name) is not click.core.ParameterSource.DEFAULT
        ]
        if clash:
            raise click.UsageError(
                f"--rate runs a steady stream for --duration seconds; {', '.join(clash)} "
                "belong to the pre-signed run (drop them, or drop --rate)"
            )
        try:
            run_steady(
                accounts,
                rate,
                30.0 if duration is None else duration,
                workers,
                timeout_commit,
                echo=lambda line: click.echo(line),
                localnet=localnet or 0,
            )
        except (RuntimeError, OSError) as exc:
            raise click.ClickException(str(exc)) from None
        return
    if duration is not None:
        raise click.UsageError("--duration is the length of a steady stream: give --rate too")
    try:
        run_load(
            accounts,
            txs_per_account,
            workers,
            timeout_commit,
            compare_kvstore,
            rounds,
            echo=lambda line: click.echo(line),
            localnet=localnet or 0,
        )
    except (RuntimeError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
