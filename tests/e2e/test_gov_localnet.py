"""End to end on a real 4-validator localnet (gentx genesis, equal stakes), driven by the CLI:
a parameter change passes and is in force at once; a vetoed proposal burns its deposit; a
proposal without quorum is rejected; a proposal whose second message fails applies neither;
a delegator's own vote overrides its validator's for its stake; a model activated on the model
track pays its voters (in proportion to their power) and refuses a validator that did not
vote. Every proposal is submitted first and voted on, then one voting period (set short in
genesis) is waited out."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from aichain.app.authority import default_authority
from aichain.node.localnet import (
    SELF_DELEGATION,
    Localnet,
    NodeSpec,
    init_localnet,
    load_localnet,
    start_localnet,
    stop_localnet,
    wait_for_height,
)

from .conftest import free_base_port, run_cli

pytestmark = pytest.mark.e2e

CHAIN_ID = "aichain-gov"
VOTING_S = 25
DEPOSIT = 1_000_000
GOV_PARAMS = {
    "voting_period": f"{VOTING_S}s",
    "expedited_voting_period": "10s",
    "min_deposit": [{"denom": "uaic", "amount": str(DEPOSIT)}],
    "expedited_min_deposit": [{"denom": "uaic", "amount": "5000000"}],
}
TX = ("--fees", "20000uaic", "--gas", "400000", "-y", "--keyring-backend", "test",
      "--chain-id", CHAIN_ID)  # fmt: skip
MODEL_REWARD = 2_000
"""The participation reward of a model proposal (genesis), shared by val1 and val2."""
DELEGATION = SELF_DELEGATION // 2
"""What the faucet delegates to node3's validator (its vote then weighs a third of node3's)."""


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Localnet]:
    root = tmp_path_factory.mktemp("gov")
    init_localnet(root, 4, chain_id=CHAIN_ID, base_port=free_base_port(4),
                  params={"gov": GOV_PARAMS, "modelreg": {"owner_activation": False},
                          "gov.model_track": {"participation_reward": [
                              {"denom": "uaic", "amount": str(MODEL_REWARD)}]}})  # fmt: skip
    net = load_localnet(root)
    start_localnet(net)
    try:
        wait_for_height(net, 2, timeout=90)
        yield net
    finally:
        stop_localnet(net)


def cli(spec: NodeSpec, *args: str) -> dict:
    """An aichain command against the node, with its home; returns its JSON output."""
    out = run_cli(*args, "--home", spec.home, "--node", spec.rpc, "--output", "json")
    return json.loads(out.stdout)


def wait_status(spec: NodeSpec, proposal_id: int, status: str, timeout: float) -> dict:
    """Polls the proposal until it has status; returns it."""
    deadline = time.monotonic() + timeout
    while True:
        proposal = cli(spec, "query", "gov", "proposal", str(proposal_id))["proposal"]
        if proposal["status"] == status or time.monotonic() > deadline:
            return proposal
        time.sleep(0.5)


def valoper(net: Localnet, index: int) -> str:
    """The operator address of node index's validator."""
    validators = cli(net.nodes[0], "query", "staking", "validators")["validators"]
    moniker = net.nodes[index].moniker
    return next(v["operator_address"] for v in validators if v["description"]["moniker"] == moniker)


def submit(spec: NodeSpec, key: str, path: Path, messages: list[dict], title: str) -> int:
    """Submits a proposal with the minimum deposit; returns its id."""
    path.write_text(json.dumps({"messages": messages, "title": title, "summary": title,
                                "metadata": "", "deposit": f"{DEPOSIT}uaic"}))  # fmt: skip
    result = cli(spec, "tx", "gov", "submit-proposal", key, str(path), *TX)
    assert result["code"] == 0, result
    proposals = cli(spec, "query", "gov", "proposals")["proposals"]
    return max(int(p["id"]) for p in proposals)


def vote(spec: NodeSpec, key: str, proposal_id: int, option: str) -> None:
    """One vote, checked to land."""
    result = cli(spec, "tx", "gov", "vote", key, str(proposal_id), option, *TX)
    assert result["code"] == 0, result


def balance(spec: NodeSpec, address: str) -> int:
    out = cli(spec, "query", "bank", "balances", address, "--denom", "uaic")
    return int(out["balance"]["amount"])


def test_proposals_pass_veto_fail_quorum_fail_execution_and_delegators_override(
    net: Localnet, tmp_path: Path
) -> None:
    n0, n1, n2, n3 = net.nodes
    staking = cli(n0, "query", "staking", "params")["params"]
    assert staking["max_entries"] == 7
    fewer = {**staking, "max_entries": 5}
    change = {"@type": "/cosmos.staking.v1beta1.MsgUpdateParams",
              "authority": default_authority(), "params": fewer}  # fmt: skip
    bad_bank = {"@type": "/cosmos.bank.v1beta1.MsgUpdateParams", "authority": default_authority(),
                "params": {"send_enabled": [{"denom": "uaic", "enabled": False}],
                           "default_send_enabled": True}}  # fmt: skip
    remark = {**change, "params": {**staking, "max_entries": 6}}
    # a delegator of node3's validator, to override its vote
    delegated = cli(n0, "tx", "staking", "delegate", "faucet", valoper(net, 3),
                    f"{DELEGATION}uaic", *TX)  # fmt: skip
    assert delegated["code"] == 0, delegated
    faucet = json.loads(run_cli("keys", "show", "faucet", "--home", n0.home, "--keyring-backend",
                                "test", "--output", "json").stdout)["address"]  # fmt: skip

    # the model track: faucet registers a base model; only governance may activate it
    registered = cli(n0, "tx", "modelreg", "register-base", "faucet", "tiny", "--weights-hash",
                     "ab" * 32, "--architecture", "gpt2", "--parameters", "1000", "--license",
                     "MIT", *TX)  # fmt: skip
    assert registered["code"] == 0, registered
    funded = cli(n0, "tx", "gov", "fund-participation-pool", "faucet", "10000uaic", *TX)
    assert funded["code"] == 0, funded
    model_id = max(int(m["id"]) for m in cli(n0, "query", "modelreg", "models")["models"])
    activate = {"@type": "/aichain.modelreg.v1.MsgActivateModel",
                "authority": default_authority(), "model_id": str(model_id)}  # fmt: skip
    track = tmp_path / "model.json"
    track.write_text(json.dumps({"messages": [activate], "title": "Activate tiny",
                                 "summary": "model vote", "metadata": "",
                                 "deposit": f"{DEPOSIT}uaic", "track": "model"}))  # fmt: skip
    assert cli(n0, "tx", "gov", "submit-proposal", "faucet", str(track), *TX)["code"] == 0
    model_vote = max(int(p["id"]) for p in cli(n0, "query", "gov", "proposals")["proposals"])

    val0 = n0.operator
    start = balance(n0, val0)
    passes = submit(n0, "val0", tmp_path / "p1.json", [change], "Fewer unbonding entries")
    vetoed = submit(n0, "val0", tmp_path / "p2.json", [remark], "Vetoed")
    no_quorum = submit(n0, "val0", tmp_path / "p3.json", [remark], "Nobody cares")
    fails = submit(n0, "val0", tmp_path / "p4.json", [remark, bad_bank], "Half good")
    overridden = submit(n0, "val0", tmp_path / "p5.json", [remark], "Delegator overrides")

    for spec, key in ((n0, "val0"), (n1, "val1")):
        vote(spec, key, passes, "yes")
        vote(spec, key, vetoed, "no_with_veto")
        vote(spec, key, fails, "yes")
    vote(n2, "val2", fails, "yes")
    vote(n1, "val1", model_vote, "yes")
    vote(n2, "val2", model_vote, "yes")
    vote(n3, "val3", no_quorum, "yes")  # 1/4 of the stake: below the 1/3 quorum
    vote(n3, "val3", overridden, "yes")
    vote(n0, "faucet", overridden, "no")

    timeout = VOTING_S + 40
    done = wait_status(n0, passes, "PROPOSAL_STATUS_PASSED", timeout)
    assert done["status"] == "PROPOSAL_STATUS_PASSED", done
    assert cli(n0, "query", "staking", "params")["params"]["max_entries"] == 5
    assert cli(n0, "query", "gov", "deposits", str(passes)).get("deposits", []) == []

    veto = wait_status(n0, vetoed, "PROPOSAL_STATUS_REJECTED", timeout)
    assert veto["status"] == "PROPOSAL_STATUS_REJECTED", veto

    quorum = wait_status(n0, no_quorum, "PROPOSAL_STATUS_REJECTED", timeout)
    assert quorum["status"] == "PROPOSAL_STATUS_REJECTED", quorum

    failed = wait_status(n0, fails, "PROPOSAL_STATUS_FAILED", timeout)
    assert failed["status"] == "PROPOSAL_STATUS_FAILED", failed
    assert "send_enabled" in failed.get("failed_reason", json.dumps(failed))
    assert cli(n0, "query", "staking", "params")["params"]["max_entries"] == 5  # not 6

    override = wait_status(n0, overridden, "PROPOSAL_STATUS_REJECTED", timeout)
    tally = override["final_tally_result"]
    assert int(tally["no_count"]) == DELEGATION, (faucet, tally)
    assert int(tally["yes_count"]) == SELF_DELEGATION  # node3's own stake, not the delegator's
    # val0 paid 5 deposits and 8 fees; 4 deposits came back, the vetoed one was burned
    assert balance(n0, val0) == start - DEPOSIT - 8 * 20_000
    bad = run_cli("tx", "gov", "vote", "val0", str(passes), "yes", *TX, "--home", n0.home,
                  "--node", n0.rpc, check=False)  # fmt: skip
    assert bad.returncode != 0 and "gov/3" in bad.stderr + bad.stdout

    activated = wait_status(n0, model_vote, "PROPOSAL_STATUS_PASSED", timeout)
    assert activated["status"] == "PROPOSAL_STATUS_PASSED", activated
    model = cli(n0, "query", "modelreg", "model", str(model_id))
    assert model["status"] == "MODEL_STATUS_ACTIVE", model
    # val1 and val2 voted with equal power: each earns half the reward, claimed with a tx
    for spec, key in ((n1, "val1"), (n2, "val2")):
        before = balance(spec, spec.operator)
        claimed = cli(spec, "tx", "gov", "claim-reward", key, str(model_vote), *TX)
        assert claimed["code"] == 0, claimed
        assert balance(spec, spec.operator) == before - 20_000 + MODEL_REWARD // 2
    # val3 did not vote on it: its claim is refused with the gov module's registered error
    refused = run_cli("tx", "gov", "claim-reward", "val3", str(model_vote), *TX, "--home",
                      n3.home, "--node", n3.rpc, check=False)  # fmt: skip
    assert refused.returncode != 0 and "gov/103" in refused.stderr + refused.stdout
