"""`make run`'s network set-up (node/demo.py `prepare`): a demo root is created, loaded, or
re-created with FRESH=1; a directory holding something else, or a network of another size, is
refused with the fix; a walkthrough that began and never finished is seen as interrupted. Real
homes made by `init_localnet` (CometBFT keys, gentxs, genesis); no node is started."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aichain.node.demo import DemoError, prepare, record_done, record_started

from .conftest import free_base_port

pytestmark = pytest.mark.e2e


def _genesis_time(root: Path) -> str:
    genesis = json.loads((root / "node0" / "config" / "genesis.json").read_text())
    return str(genesis["genesis_time"])


def test_prepare_creates_loads_and_recreates_a_demo_network(tmp_path: Path) -> None:
    root = tmp_path / "demo"
    port = free_base_port(1)
    said: list[str] = []
    made = prepare(root, 1, base_port=port, standard_ports=False, progress=said.append)
    assert len(made.net.nodes) == 1 and any("creating a 1-validator" in s for s in said)
    genesis = json.loads((root / "node0" / "config" / "genesis.json").read_text())
    assert genesis["app_state"]["datanet"]["params"]["rejection_burn_bps"] == 10_000
    assert genesis["app_state"]["gov"]["params"]["voting_period"] == "20s"
    first = _genesis_time(root)

    said.clear()
    loaded = prepare(root, 1, base_port=port, standard_ports=False, progress=said.append)
    assert loaded.net.chain_id == made.net.chain_id and said == []  # loaded, not re-created
    assert _genesis_time(root) == first

    with pytest.raises(DemoError, match="holds a 1-validator network; run with VALIDATORS=1"):
        prepare(root, 4, base_port=port, standard_ports=False)

    # a walkthrough that began and did not finish is interrupted; one that finished is not
    assert not loaded.interrupted
    record_started(loaded)
    assert loaded.interrupted
    record_done(loaded, {"model_id": 1})
    assert not loaded.interrupted and not loaded.started_file.exists()

    (root / "marker").write_text("made by this test")
    fresh = prepare(root, 1, fresh=True, base_port=port, standard_ports=False)
    assert not (root / "marker").exists() and not fresh.done_file.exists()
    assert len(fresh.net.nodes) == 1


def test_prepare_refuses_a_directory_that_is_not_a_demo_network(tmp_path: Path) -> None:
    root = tmp_path / "someone-elses"
    root.mkdir()
    (root / "keep.txt").write_text("not a demo network")
    port = free_base_port(1)
    with pytest.raises(DemoError, match="not a demo network"):
        prepare(root, 1, base_port=port, standard_ports=False)
    with pytest.raises(DemoError, match="FRESH=1 removes only those"):
        prepare(root, 1, fresh=True, base_port=port, standard_ports=False)
    assert (root / "keep.txt").read_text() == "not a demo network"
