"""`aichain sim`: the randomized simulation of the whole app, in-process (no node needed).

A thin layer over aichain.app.simulation.runner: parse the parameters, show a progress bar,
print the summary; a failure prints the seed and block that reproduce it and exits 1.
"""

from __future__ import annotations

import sys
import time

import click


def _parse_weight(text: str) -> tuple[str, int]:
    """'bank/send=0' -> ('bank/send', 0). Raises click.BadParameter."""
    name, sep, value = text.partition("=")
    if not sep or not name or not value.isdigit():
        raise click.BadParameter(f"{text!r}: write MODULE/OPERATION=WEIGHT, e.g. bank/send=0")
    return name, int(value)


@click.command("sim")
@click.option("--blocks", type=click.IntRange(1), default=500, show_default=True)
@click.option("--seed", type=click.IntRange(0, 2**63 - 1), default=1, show_default=True)
@click.option("--accounts", type=click.IntRange(2), default=20, show_default=True)
@click.option(
    "--validators",
    type=click.IntRange(1),
    default=4,
    show_default=True,
    help="Genesis validators (the first accounts).",
)
@click.option(
    "--max-txs",
    type=click.IntRange(0),
    default=12,
    show_default=True,
    help="Most operations per block.",
)
@click.option(
    "--weight",
    "weights",
    multiple=True,
    metavar="OP=N",
    help="Override an operation's weight (repeatable; 0 disables it).",
)
@click.option(
    "--export-at",
    type=click.IntRange(0),
    default=0,
    help="Export genesis after this height and check a fresh import matches "
    "(default: half way; 0 with --no-export).",
)
@click.option("--no-export", is_flag=True, help="Skip the export/import check.")
@click.option(
    "--twice",
    is_flag=True,
    help="Run again with the same seed and check every height's app hash matches.",
)
@click.option(
    "--lenient",
    is_flag=True,
    help="Count operations whose expectation is not met instead of stopping.",
)
@click.option("--list-ops", is_flag=True, help="List the operations and their weights, then exit.")
def sim(
    blocks: int, seed: int, accounts: int, validators: int, max_txs: int,
    weights: tuple[str, ...], export_at: int, no_export: bool, twice: bool, lenient: bool,
    list_ops: bool,
) -> None:  # fmt: skip
    """Simulate the chain: random genesis, random valid and invalid operations of every
    module, invariants checked every block.

    \b
    Example:
      aichain sim --blocks 500 --seed 7
      aichain sim --blocks 2000 --seed 3 --accounts 50 --weight bank/send=0 --twice
    """
    from aichain.app.simulation.runner import SimConfig, Simulation, SimulationError

    parsed = dict(_parse_weight(w) for w in weights)
    config = SimConfig(
        seed=seed,
        blocks=blocks,
        accounts=accounts,
        validators=validators,
        max_txs_per_block=max_txs,
        weights=parsed,
        export_at=0 if no_export else (export_at or max(1, blocks // 2)),
        strict=not lenient,
    )
    try:
        run = Simulation(config)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--weight") from None
    if list_ops:
        for op in run.operations:
            click.echo(f"{op.name:40} {op.weight}")
        return
    started = time.monotonic()
    try:
        report = _run(run, blocks, f"seed {seed}")
        if twice:
            again = _run(Simulation(config), blocks, f"seed {seed} again")
            pairs = zip(report.app_hashes, again.app_hashes, strict=True)
            for height, (a, b) in enumerate(pairs, 1):
                if a != b:
                    raise SimulationError(
                        config, height, f"not deterministic: app hash {a.hex().upper()} then "
                        f"{b.hex().upper()}",
                    )  # fmt: skip
    except SimulationError as exc:
        click.echo(f"\nFAILED: {exc}", err=True)
        sys.exit(1)
    click.echo(report.summary())
    if twice:
        click.echo(f"determinism: {blocks} heights, same app hash at each on a second run")
    click.echo(f"{time.monotonic() - started:.1f}s")


def _run(run, blocks: int, label: str):  # type: ignore[no-untyped-def]
    """Runs with a progress bar (tqdm when installed, else a line every 10%)."""
    try:
        from tqdm import tqdm
    except ImportError:  # the chain's install does not need tqdm
        step = max(1, blocks // 10)
        return run.run(lambda h: h % step == 0 and click.echo(f"{label}: block {h}/{blocks}"))
    with tqdm(total=blocks, desc=label, unit="block", file=sys.stderr) as bar:
        return run.run(lambda _h: bar.update(1))
