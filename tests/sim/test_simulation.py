"""The randomized simulation in a short configuration (seconds): every module's operations,
invariants every block, determinism per height, export/import, and the failure report.

Long runs: `aichain sim --blocks 2000 --seed S --twice`."""

from __future__ import annotations

import types
import warnings
from typing import Any

import pytest
from click.testing import CliRunner

from aichain.app.app import new_app
from aichain.app.baseapp import AppConfig
from aichain.app.context import Context
from aichain.app.module import BaseModule
from aichain.app.simulation.runner import (
    SimConfig,
    Simulation,
    SimulationError,
    find_simulations,
    run_simulation,
)
from aichain.app.simulation.types import NoOp, SimEnv, SimTx, WeightedOperation
from aichain.app.store.memory import MemStore
from aichain.cli.main import cli

RARE = ("auth", "bank", "datanet", "distribution", "mint", "modelreg", "slashing", "staking")
"""Modules whose param changes are rare by default: the short run makes them common."""

AUTHORITY_RARE = (
    "gov/update-params",
    "gov/update-model-params",
    "gov/fund-from-community-pool",
    "upgrade/software-upgrade",
    "upgrade/cancel-upgrade",
    "distribution/community-pool-spend",
)
"""Other authority messages, rare by default too."""

SHORT = SimConfig(
    seed=11,
    blocks=120,
    export_at=75,
    weights={**{f"{m}/update-params": 8 for m in RARE}, **{op: 8 for op in AUTHORITY_RARE}},
)
"""The CI configuration: under a second (about half a millisecond per operation), room for
every module's operations."""


@pytest.fixture(scope="module")
def report():
    return run_simulation(SHORT)


def test_short_run_meets_every_expectation_and_invariant(report) -> None:
    assert report.blocks == SHORT.blocks
    assert len(report.app_hashes) == SHORT.blocks
    modules_with_invariants = 4  # bank (2), distribution, staking (2): at least this many
    assert report.invariants_checked >= SHORT.blocks * modules_with_invariants
    assert sum(report.accepted.values()) > 100
    assert sum(report.rejected.values()) > 20
    # strict: an expectation missed outside a slashing block would have raised
    assert len(report.unexpected) == report.excused
    # every rejection carried a registered (codespace, code), none internal
    assert ("sdk", 1) not in report.reasons


def test_every_message_of_a_simulated_module_is_delivered(report) -> None:
    app = new_app(MemStore())
    simulated = {name for name, sim in find_simulations(app) if hasattr(sim, "weighted_operations")}
    registered = {url for url, route in app.router.msgs.items() if route.module in simulated}
    assert registered - set(report.messages) == set(), "messages no operation sends"
    never_accepted = registered - set(report.accepted_messages)
    assert len(never_accepted) <= 4, never_accepted  # rare ones (param changes) may miss


def test_export_at_a_height_imports_to_the_same_app_hash(report) -> None:
    assert report.exported is not None
    height, app_hash = report.exported
    assert height == SHORT.export_at
    assert app_hash == report.app_hashes[height - 1]


def test_same_seed_gives_the_same_app_hash_at_every_height() -> None:
    config = SimConfig(seed=3, blocks=20)
    first = run_simulation(config).app_hashes
    assert run_simulation(config).app_hashes == first
    other = run_simulation(SimConfig(seed=4, blocks=20)).app_hashes
    assert other != first


def test_modules_with_messages_declare_their_operations() -> None:
    """A module with messages and no simulation.py is reported (a warning, not a failure:
    modules being built add theirs; docs/modules.md, Simulation)."""
    app = new_app(MemStore())
    with_msgs = {route.module for route in app.router.msgs.values()}
    declared = {name for name, sim in find_simulations(app) if hasattr(sim, "weighted_operations")}
    assert {"auth", "bank", "distribution", "mint", "slashing", "staking"} <= declared
    missing = sorted(with_msgs - declared)
    if missing:
        warnings.warn(
            f"modules {missing} have messages but no modules/<name>/simulation.py with "
            "weighted_operations(): the simulation does not exercise them",
            stacklevel=1,
        )


def test_weights_are_params_and_an_unknown_name_is_refused() -> None:
    only_sends = {op.name: 0 for op in Simulation(SimConfig()).operations}
    only_sends["bank/send"] = 1
    report = run_simulation(SimConfig(seed=2, blocks=6, weights=only_sends))
    assert set(report.tried) == {"bank/send"}
    with pytest.raises(ValueError, match="unknown operations in weights: \\['bank/sned'\\]"):
        Simulation(SimConfig(weights={"bank/sned": 1}))


# --- a module added by declaration alone joins the simulation ----------------------------------


class Counter(BaseModule):
    """A stateless module with an invariant that breaks at a chosen height, and a
    simulation given as its `simulation` attribute (a module outside aichain.modules)."""

    name = "tally"

    def __init__(self, break_at: int) -> None:
        self.break_at = break_at
        self.simulation = types.ModuleType("tally_simulation")
        self.simulation.weighted_operations = lambda: [  # type: ignore[attr-defined]
            WeightedOperation("tally/noop", 50, self.noop)
        ]
        self.calls = 0

    def noop(self, rng: Any, env: SimEnv) -> SimTx | NoOp:
        self.calls += 1
        return NoOp("nothing to count")

    def register(self, router: Any) -> None:
        """No routes."""

    def default_genesis(self) -> dict:
        return {}

    def init_genesis(self, ctx: Context, data: dict) -> None:
        """Nothing."""

    def export_genesis(self, ctx: Context) -> dict:
        return {}

    def invariants(self):
        def check(ctx: Context) -> str | None:
            return "tally went negative" if ctx.height >= self.break_at else None

        return (("never-negative", check),)


def _factory(module: Counter):
    def make(authority: str):
        return new_app(
            MemStore(), AppConfig(), authority, extra_modules=[("tally", lambda *_: module)]
        )

    return make


def test_an_extra_modules_operations_are_found_and_run() -> None:
    module = Counter(break_at=10**9)
    sim = Simulation(SimConfig(seed=5, blocks=8, weights={"tally/noop": 500}), _factory(module))
    assert "tally/noop" in {op.name for op in sim.operations}
    report = sim.run()
    assert module.calls > 0
    assert report.noops[("tally/noop", "nothing to count")] == module.calls


def test_a_broken_invariant_names_the_seed_and_block_that_reproduce_it() -> None:
    module = Counter(break_at=7)
    with pytest.raises(SimulationError) as caught:
        Simulation(SimConfig(seed=9, blocks=20), _factory(module)).run()
    text = str(caught.value)
    assert caught.value.height == 7
    assert "block 7 (seed 9)" in text and "tally/never-negative: tally went negative" in text
    assert "reproduce: aichain sim --seed 9 --blocks 7" in text


# --- the CLI -------------------------------------------------------------------------------------


def test_cli_runs_and_prints_the_summary() -> None:
    result = CliRunner().invoke(cli, ["sim", "--blocks", "8", "--seed", "2", "--twice"])
    assert result.exit_code == 0, result.output
    assert "operations tried" in result.output
    assert "final app hash:" in result.output
    assert "export at height 4 and import" in result.output
    assert "determinism: 8 heights" in result.output


def test_cli_refuses_a_bad_weight() -> None:
    result = CliRunner().invoke(cli, ["sim", "--blocks", "2", "--weight", "bank/send"])
    assert result.exit_code == 2
    assert "MODULE/OPERATION=WEIGHT" in result.output
    result = CliRunner().invoke(cli, ["sim", "--blocks", "2", "--weight", "nope/x=1"])
    assert result.exit_code == 2 and "unknown operations" in result.output


def test_the_app_hash_does_not_depend_on_the_hash_seed() -> None:
    """Two processes with different PYTHONHASHSEED (set and dict iteration orders of str keys
    differ) reach the same app hash: no consensus path depends on an unordered iteration."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    aichain = str(Path(sys.executable).parent / "aichain")
    finals = set()
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        out = subprocess.run(
            [aichain, "sim", "--blocks", "40", "--seed", "5", "--no-export"],
            capture_output=True, text=True, env=env, timeout=300, check=True,
        ).stdout  # fmt: skip
        finals.add(next(line for line in out.splitlines() if line.startswith("final app hash")))
    assert len(finals) == 1, finals
