"""The explorer in a real headless browser (Debian's chromium driven by Playwright) over a real
one-validator localnet whose node serves it (app.toml [explorer] enable = true). The chain gets
a transfer, a delegation, a datanet with an accepted and a rejected record and a published
version, a base model and a proposal voted yes (through the CLI), then an adapter trained on
the version, a bonded worker serving it, and one inference requested, answered with a signed
result that attributes it to a record, and settled (signed here with the client code, as the
worker does); every page is opened, its figures are checked against what the CLI (or REST) reports
for the same objects, a live update is seen to arrive without a reload, bad input is refused,
and a screenshot of each page is written to build/explorer-screenshots/
(or $AICHAIN_EXPLORER_SCREENSHOTS)."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from aichain.app.authority import default_authority
from aichain.node.home import Home, configure_cometbft
from aichain.node.localnet import (
    Localnet,
    NodeSpec,
    init_localnet,
    load_localnet,
    start_localnet,
    stop_localnet,
    wait_for_height,
)

from .conftest import AICHAIN, REPO, free_base_port, free_port, run_cli

pytestmark = pytest.mark.e2e

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
if importlib.util.find_spec("playwright") is None or not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError("the explorer test needs chromium and playwright (make test installs)")
    pytest.skip("chromium/playwright not installed (scripts/install_explorer.sh --browser)",
                allow_module_level=True)  # fmt: skip

from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402

CHAIN_ID = "aichain-explorer"
DEPOSIT = 1_000_000
GOV_PARAMS = {
    "voting_period": "600s",
    "expedited_voting_period": "60s",
    "min_deposit": [{"denom": "uaic", "amount": str(DEPOSIT)}],
}
ATTRIBUTION_PARAMS = {
    "assignment_window_blocks": "20",
    "min_timeout_blocks": "1",
    "challenge_window_blocks": "6",
    "commit_window_blocks": "2",
    "reveal_window_blocks": "2",
}
"""Short windows: a result settles six blocks after it lands, a dispute resolves in five."""
PRICE = 1_000_000
WORKER_BOND = 5_000_000
TX = ("--fees", "20000uaic", "--gas", "400000", "-y", "--keyring-backend", "test")
FAST = {
    "consensus.timeout_propose": '"1s"',
    "consensus.timeout_commit": '"150ms"',
    "consensus.timeout_prevote": '"300ms"',
    "consensus.timeout_precommit": '"300ms"',
}
"""One validator alone: short timeouts give a block every ~0.25 s."""
SENT = 20_000_000
DELEGATED = 3_000_000
BOND = 1000
SHOTS = Path(os.environ.get("AICHAIN_EXPLORER_SCREENSHOTS") or REPO / "build/explorer-screenshots")


@dataclass
class Chain:
    """The running localnet, what was put on it, and where its explorer is."""

    net: Localnet
    spec: NodeSpec
    url: str
    rest: str
    faucet: str
    alice: str
    bob: str
    transfer_hash: str


def cli(spec: NodeSpec, *args: str) -> dict[str, Any]:
    """An aichain command against the node, with its home; its JSON output."""
    out = run_cli(*args, "--home", spec.home, "--node", spec.rpc, "--output", "json")
    return json.loads(out.stdout)


def tx(spec: NodeSpec, *args: str) -> dict[str, Any]:
    """A transaction, checked to land."""
    result = cli(spec, "tx", *args, *TX)
    assert result.get("code", 0) == 0, result
    return result


def serve_explorer(spec: NodeSpec) -> str:
    """Turns the node's [explorer] on, at a free loopback port; its URL."""
    app_toml = Home(Path(spec.home)).app_toml
    text = app_toml.read_text().split("\n[explorer]")[0]
    port = free_port()
    app_toml.write_text(text + f'\n[explorer]\nenable = true\naddress = "tcp://127.0.0.1:{port}"\n')
    return f"http://127.0.0.1:{port}"


def parallel(spec: NodeSpec, *commands: tuple[str, ...]) -> list[dict[str, Any]]:
    """CLI commands at once (txs of different signers: their sequences do not interact), each
    checked to succeed (and a tx to land); their JSON outputs, in order."""
    procs = [
        subprocess.Popen(
            [
                AICHAIN,
                *args,
                *(TX if args[0] == "tx" else ()),
                "--home",
                spec.home,
                *(("--node", spec.rpc) if args[0] != "keys" else ()),
                "--output",
                "json",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for args in commands
    ]
    out = []
    for args, proc in zip(commands, procs, strict=True):
        stdout, stderr = proc.communicate(timeout=120)
        assert proc.returncode == 0, f"aichain {' '.join(args)}: {stderr}"
        result = json.loads(stdout)
        assert args[0] != "tx" or result.get("code", 0) == 0, result
        out.append(result)
    return out


USER = b"\x11" * 32
"""The private key of the account that requests inferences (signed here, not in a keyring)."""


def seed(net: Localnet, tmp: Path) -> tuple[str, str, str]:
    """Everything the CLI puts on the chain (module docstring), in rounds of txs by different
    signers; (alice, bob, the transfer's hash)."""
    from aichain.app.crypto import PrivateKey, account_address

    spec = net.nodes[0]
    user = account_address(PrivateKey(USER).address)
    keys = ("keys", "add", "--keyring-backend", "test")
    alice, bob = (k["address"] for k in parallel(spec, (*keys, "alice"), (*keys, "bob")))
    validators, staking = parallel(spec, ("query", "staking", "validators"),
                                   ("query", "staking", "params"))  # fmt: skip
    valoper = validators["validators"][0]["operator_address"]
    proposal = {
        "messages": [{"@type": "/cosmos.staking.v1beta1.MsgUpdateParams",
                      "authority": default_authority(),
                      "params": {**staking["params"], "max_entries": 6}}],
        "title": "Fewer unbonding entries", "summary": "max_entries 7 -> 6", "metadata": "",
        "deposit": f"{DEPOSIT}uaic",
    }  # fmt: skip
    (tmp / "proposal.json").write_text(json.dumps(proposal))
    for name, text in (("alice", "the colour of mars is rust-red."), ("bob", "buy now!!!")):
        (tmp / f"{name}.txt").write_text(text)
    sent = parallel(spec, ("tx", "bank", "send", "faucet", alice, f"{SENT}uaic"),
                    ("tx", "bank", "send", "val0", bob, f"{SENT}uaic"))[0]  # fmt: skip
    parallel(spec, ("tx", "staking", "delegate", "faucet", valoper, f"{DELEGATED}uaic"),
             ("tx", "gov", "submit-proposal", "val0", str(tmp / "proposal.json")))  # fmt: skip
    parallel(spec, ("tx", "datanet", "create", "faucet", "facts", "--license", "CC-BY-4.0",
                    "--bond", str(BOND), "--max-record-size", "4096",
                    "--description", "small true sentences"),
             ("tx", "gov", "vote", "val0", "1", "yes"))  # fmt: skip
    # alice's record before bob's, so they are records 1 and 2 (in one block their order is not
    # fixed)
    parallel(spec, ("tx", "datanet", "contribute", "alice", "1", str(tmp / "alice.txt")),
             ("tx", "modelreg", "register-base", "faucet", "tiny", "--weights-hash", "ab" * 32,
              "--architecture", "tiny-gpt", "--parameters", "1000",
              "--license", "MIT"))  # fmt: skip
    parallel(spec, ("tx", "datanet", "contribute", "bob", "1", str(tmp / "bob.txt")))
    parallel(spec, ("tx", "datanet", "review", "faucet", "1", "1", "accept"),
             ("tx", "bank", "send", "val0", user, "100000000uaic"))  # fmt: skip
    parallel(spec, ("tx", "datanet", "review", "faucet", "1", "2", "reject", "--reason", "spam"))
    parallel(spec, ("tx", "datanet", "publish-version", "faucet", "1", "--append", "1",
                    "--changelog", "first facts"))  # fmt: skip
    # the adapter trained on datanet 1 v1 and two workers serving it
    parallel(spec, ("tx", "modelreg", "activate", "faucet", "1"),
             ("tx", "modelreg", "register-adapter", "alice", "facts-lora", "--base", "1",
              "--weights-hash", sha("adapter"), "--manifest-hash", sha("manifest"),
              "--config-hash", sha("config"), "--datanet", "1@1"))  # fmt: skip
    parallel(spec, ("tx", "modelreg", "activate", "alice", "2"))
    parallel(spec, ("tx", "modelreg", "set-price", "alice", "2", "--per-request", str(PRICE)),
             *(("tx", "modelreg", "register-worker", key, "--hot-key", hot.pubkey.hex(),
                "--model", "2", "--endpoint", "http://127.0.0.1:1", "--bond", str(WORKER_BOND))
               for key, hot in hot_keys().items()))  # fmt: skip
    return alice, bob, sent["txhash"]


def hot_keys() -> dict[str, Any]:
    """Worker key name -> its hot key (held here, as a worker daemon holds it)."""
    from aichain.app.crypto import PrivateKey

    return {"bob": PrivateKey(b"\x22" * 32), "faucet": PrivateKey(b"\x33" * 32)}


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def seed_inference(spec: NodeSpec, rest: str, bob: str, faucet: str) -> None:
    """Two answered inferences of alice's adapter, one settled and one challenged (signed here
    with the client code, as a user and the worker daemon do): a user's two requests, each
    answered by its assigned worker (bob's or the faucet's) with a result signed by its hot key
    naming record 1 (alice's); a challenge of the second, whose committee (the other worker)
    never votes, so the dispute resolves void; every window waited out."""
    from aichain.app.coins import Coin
    from aichain.app.crypto import PrivateKey, account_address
    from aichain.attribution.v1 import attribution_pb2 as apb
    from aichain.attribution.v1 import tx_pb2 as atx
    from aichain.client.broadcast import sign_and_broadcast
    from aichain.client.rpc import CometRPC
    from aichain.modules.attribution.signing import make_bundle

    user = PrivateKey(USER)
    hots = {bob: hot_keys()["bob"], faucet: hot_keys()["faucet"]}
    rpc = CometRPC(spec.rpc)
    requester = account_address(user.address)

    def send(msg, gas: int = 400_000) -> int:  # type: ignore[no-untyped-def]
        res = sign_and_broadcast(rpc, user, [msg], chain_id=CHAIN_ID,
                                 fees=(Coin("uaic", 50_000),), gas=gas)  # fmt: skip
        assert res.code == 0, res.log
        return res.height

    def answer(request_id: int) -> None:
        """The assigned worker's signed result, naming record 1."""
        operator = next(
            op for op in hots
            if any(r["id"] == str(request_id) for r in
                   get(f"{rest}/aichain/attribution/v1/workers/{op}/pending")[1]["requests"])
        )  # fmt: skip
        result = apb.InferenceResult(
            chain_id=CHAIN_ID, request_id=request_id, worker=operator, model_id=2,
            adapter_weights_hash=sha("adapter"), base_weights_hash="ab" * 32,
            output_hash=sha(f"answer {request_id}"), prompt_tokens=5, completion_tokens=3,
            method="lora-influence-v1", evidence_hash=sha("evidence"),
            attributions=[apb.AttributionEntry(datanet_id=1, version=1, record_id=1,
                                               weight_ppm=1_000_000)],
        )  # fmt: skip
        bundle = make_bundle(hots[operator], result)
        send(atx.MsgSubmitInference(submitter=requester, results=[bundle]), 2_000_000)

    for prompt in (b"what colour is mars?", b"and its moons?"):
        send(atx.MsgRequestInference(requester=requester, model_id=2, input_inline=prompt,
                                     max_fee=str(PRICE)))  # fmt: skip
    answer(1)
    answer(2)
    send(atx.MsgChallenge(challenger=requester, inference_id=2, bond="1000000",
                          reason="record 1 did not shape this answer"))  # fmt: skip
    deadline = time.monotonic() + 40
    while True:
        statuses = [get(f"{rest}/aichain/attribution/v1/inferences/{i}")[1]["inference"]
                    ["request"]["status"] for i in (1, 2)]  # fmt: skip
        if not {"REQUEST_STATUS_ANSWERED", "REQUEST_STATUS_DISPUTED"} & set(statuses):
            break
        assert time.monotonic() < deadline, f"inferences still open: {statuses}"
        time.sleep(0.3)


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chain]:
    root = tmp_path_factory.mktemp("explorer")
    init_localnet(root, 1, chain_id=CHAIN_ID, base_port=free_base_port(1),
                  params={"gov": GOV_PARAMS, "attribution": ATTRIBUTION_PARAMS})  # fmt: skip
    net = load_localnet(root)
    spec = net.nodes[0]
    configure_cometbft(Home(Path(spec.home)), FAST)
    url = serve_explorer(spec)
    start_localnet(net)
    try:
        wait_for_height(net, 2, timeout=90)
        alice, bob, sent = seed(net, root)
        rest = f"http://127.0.0.1:{spec.rpc_port - 57 + 17}"  # localnet: base+100*I+17
        seed_inference(spec, rest, bob, net.faucet)
        yield Chain(net, spec, url, rest, net.faucet, alice, bob, sent)
    finally:
        stop_localnet(net)


@pytest.fixture(scope="module")
def browser_page(chain: Chain, request: pytest.FixtureRequest) -> Iterator[tuple[Page, list[str]]]:
    """One headless chromium tab for the module, and the page errors it logs."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    capture = request.config.pluginmanager.getplugin("capturemanager")
    if capture is not None:  # shown even when output is captured
        with capture.global_and_fixture_disabled():
            print(f"\nexplorer screenshots: {SHOTS}")
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                    args=["--no-sandbox", "--disable-gpu"])  # fmt: skip
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(15_000)
        page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        yield page, errors
        browser.close()


def open_page(page: Page, chain: Chain, route: str, kind: str) -> None:
    """Navigates to #/route and waits until that page has rendered."""
    page.goto(f"{chain.url}/#/{route}")
    expect(page.locator("body")).to_have_attribute("data-page", kind)
    expect(page.locator("main h1, main .stats").first).to_be_visible()


def shot(page: Page, name: str) -> None:
    """Writes the page's screenshot (full height)."""
    page.wait_for_timeout(300)  # let charts finish drawing
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def by_id(page: Page, name: str):  # type: ignore[no-untyped-def]
    return page.locator(f"[data-testid='{name}']")


def uaic(amount: int) -> str:
    return f"{amount:,} uaic"


def test_home_shows_blocks_transactions_and_validators(chain: Chain, browser_page) -> None:
    page, errors = browser_page
    open_page(page, chain, "", "home")
    expect(by_id(page, "chain-id")).to_have_text(CHAIN_ID)
    validators = cli(chain.spec, "query", "staking", "validators")["validators"]
    expect(by_id(page, "validator-count")).to_have_text(str(len(validators)))
    expect(by_id(page, "txs")).to_contain_text("MsgSend")
    expect(by_id(page, "txs")).to_contain_text("MsgChallenge")
    expect(by_id(page, "validators")).to_contain_text(validators[0]["operator_address"])
    assert page.locator("[data-testid='blocks'] tbody tr").count() >= 10
    assert page.evaluate("typeof window.Chart") == "function", "Chart.js not served (make setup)"
    shot(page, "01-home")
    assert errors == []


def test_live_update_arrives_without_a_reload(chain: Chain, browser_page) -> None:
    page, errors = browser_page
    open_page(page, chain, "", "home")
    expect(page.locator("#live-dot")).not_to_have_class("dot off")
    page.evaluate("window.__sameDocument = true")
    before = page.evaluate("window.explorerState.blocksSeen")
    sent = tx(chain.spec, "bank", "send", "faucet", chain.bob, "777uaic")
    # the new tx appears in the latest-transactions table, pushed by the websocket
    expect(by_id(page, "txs")).to_contain_text(sent["txhash"][:8], timeout=15_000)
    assert page.evaluate("window.__sameDocument") is True  # no reload happened
    assert page.evaluate("window.explorerState.blocksSeen") > before
    height = int(by_id(page, "height").inner_text().replace(",", ""))
    assert height >= int(sent["height"])
    shot(page, "02-home-live")
    assert errors == []


def test_transaction_and_block_pages_decode_messages_events_and_fees(
    chain: Chain, browser_page
) -> None:
    page, errors = browser_page
    shown = cli(chain.spec, "query", "tx", chain.transfer_hash)
    fee_events = [a["value"] for e in shown["events"] if e["type"] == "tx"
                  for a in e["attributes"] if a["key"] == "fee"]  # fmt: skip
    assert fee_events == ["20000uaic"]
    open_page(page, chain, f"tx/{chain.transfer_hash}", "tx")
    expect(by_id(page, "msg-type")).to_have_text("/cosmos.bank.v1beta1.MsgSend")
    expect(by_id(page, "tx-fee")).to_have_text(uaic(20000))
    expect(page.locator("main")).to_contain_text(chain.alice)  # the decoded message
    expect(page.locator("main")).to_contain_text("coin_received")  # its events
    shot(page, "03-tx")
    results = cli(chain.spec, "query", "block-results", str(shown["height"]))
    open_page(page, chain, f"block/{shown['height']}", "block")
    expect(by_id(page, "block-num-txs")).to_have_text(str(len(results["txs_results"])))
    expect(page.locator("[data-testid='block-txs'] tbody tr")).to_have_count(
        len(results["txs_results"])
    )
    expect(by_id(page, "block-txs")).to_contain_text("MsgSend")
    shot(page, "04-block")
    assert errors == []


def test_account_page_matches_the_cli(chain: Chain, browser_page) -> None:
    page, errors = browser_page
    bal = cli(chain.spec, "query", "bank", "balances", chain.alice, "--denom", "uaic")
    open_page(page, chain, f"account/{chain.alice}", "account")
    expect(by_id(page, "balance")).to_have_text(uaic(int(bal["balance"]["amount"])))
    expect(by_id(page, "account-txs")).to_contain_text("MsgContribute")
    shot(page, "05-account")
    delegations = cli(chain.spec, "query", "staking", "delegations", chain.faucet)
    delegated = sum(int(d["balance"]["amount"]) for d in delegations["delegation_responses"])
    assert delegated == DELEGATED
    page.fill("#q", chain.faucet)  # the search box finds an account by its address
    page.press("#q", "Enter")
    expect(page.locator("body")).to_have_attribute("data-page", "account")
    expect(page.locator("main h1")).to_contain_text(chain.faucet)
    expect(by_id(page, "delegated")).to_have_text(uaic(delegated))
    expect(by_id(page, "delegations")).to_contain_text("aicvaloper1")
    shot(page, "06-account-delegator")
    assert errors == []


def test_datanet_pages_match_the_cli(chain: Chain, browser_page) -> None:
    page, errors = browser_page
    datanet = cli(chain.spec, "query", "datanet", "show", "1")
    versions = cli(chain.spec, "query", "datanet", "versions", "1")["versions"]
    history = cli(chain.spec, "query", "datanet", "history", "1")["entries"]
    open_page(page, chain, "datanets", "datanets")
    expect(by_id(page, "datanets")).to_contain_text("facts")
    shot(page, "07-datanets")
    open_page(page, chain, "datanet/1", "datanet")
    expect(by_id(page, "record-count")).to_have_text(str(int(datanet["record_count"])))
    expect(by_id(page, "version-count")).to_have_text(str(len(versions)))
    expect(by_id(page, "history-count")).to_have_text(str(len(history)))
    rows = page.locator("[data-testid='records'] tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("accepted")
    expect(rows.nth(1)).to_contain_text("rejected")
    expect(rows.nth(1)).to_contain_text("spam")
    expect(by_id(page, "history")).to_contain_text("publish")
    expect(by_id(page, "versions")).to_contain_text("first facts")
    expect(page.locator("[data-testid='records-chart'] canvas")).to_have_count(1)
    shot(page, "08-datanet")
    assert errors == []


def test_model_pages_show_status_lineage_and_usage(chain: Chain, browser_page) -> None:
    page, errors = browser_page
    model = cli(chain.spec, "query", "modelreg", "model", "1")
    open_page(page, chain, "models", "models")
    expect(by_id(page, "models")).to_contain_text(model["name"])
    shot(page, "09-models")
    open_page(page, chain, "model/1", "model")
    status = model["status"].removeprefix("MODEL_STATUS_").lower()
    expect(by_id(page, "model-status")).to_have_text(status)
    expect(by_id(page, "lineage")).to_contain_text("1: tiny")
    # governance's decisions on the model: none on this chain, as the CLI says
    assert not model.get("min_price") and not model.get("max_price")
    assert int(model.get("successor_id") or 0) == 0
    expect(page.locator("main")).to_contain_text("none (the chain's params only)")
    usage = cli(chain.spec, "query", "modelreg", "usage", "1")
    expect(by_id(page, "model-inferences")).to_have_text(str(int(usage.get("inferences", 0))))
    shot(page, "10-model")
    assert errors == []


def test_governance_pages_show_the_cli_tally(chain: Chain, browser_page) -> None:
    page, errors = browser_page
    tally = cli(chain.spec, "query", "gov", "tally", "1")["tally"]
    yes = int(tally["yes_count"])
    assert yes > 0
    open_page(page, chain, "proposals", "proposals")
    expect(by_id(page, "proposals")).to_contain_text("Fewer unbonding entries")
    expect(by_id(page, "proposals")).to_contain_text(f"{yes:,}")
    shot(page, "11-proposals")
    open_page(page, chain, "proposal/1", "proposal")
    expect(by_id(page, "tally-yes")).to_have_text(f"{yes:,}")
    expect(by_id(page, "tally-no")).to_have_text(f"{int(tally['no_count']):,}")
    expect(by_id(page, "votes")).to_contain_text("yes")
    expect(page.locator("[data-testid='tally-chart'] canvas")).to_have_count(1)
    shot(page, "12-proposal")
    assert errors == []


def test_inference_pages_show_attribution_and_payouts(chain: Chain, browser_page) -> None:
    page, errors = browser_page
    status, body = get(f"{chain.rest}/aichain/attribution/v1/inferences/1")
    assert status == 200, body
    payouts = body["inference"]["payouts"]
    data = [p for p in payouts if p["role"] == "data"]
    assert [(p["datanet_id"], p["record_id"]) for p in data] == [("1", "1")]
    open_page(page, chain, "inferences", "inferences")
    rows = page.locator("[data-testid='inferences'] tbody tr")
    expect(rows).to_have_count(2)
    expect(by_id(page, "inferences")).to_contain_text("dispute 1")  # the challenged one
    shot(page, "13-inferences")
    open_page(page, chain, "inference/1", "inference")
    expect(by_id(page, "inference-fee")).to_have_text(uaic(PRICE))
    expect(by_id(page, "inference-paid")).to_have_text(uaic(sum(int(p["amount"]) for p in payouts)))
    expect(by_id(page, "inference-records")).to_have_text("1")
    row = page.locator("[data-testid='attribution'] tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("datanet 1 v1 #1")
    expect(row.locator("a[title]")).to_have_attribute("title", chain.alice)  # the contributor
    expect(row).to_contain_text(uaic(int(data[0]["amount"])))
    expect(page.locator("[data-testid='payouts'] tbody tr")).to_have_count(len(payouts))
    expect(page.locator("[data-testid='attribution-chart'] canvas")).to_have_count(1)
    expect(page.locator("[data-testid='payout-chart'] canvas")).to_have_count(1)
    shot(page, "14-inference")
    assert errors == []


def test_earnings_model_usage_and_workers_match_the_cli(chain: Chain, browser_page) -> None:
    page, errors = browser_page
    earned = cli(chain.spec, "query", "datanet", "earnings", "1", chain.alice)
    assert int(earned["total"]) > 0
    open_page(page, chain, "earnings", "earnings")
    row = page.locator("[data-testid='earnings'] tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator("a[title]")).to_have_attribute("title", chain.alice)
    expect(row).to_contain_text(uaic(int(earned["total"])))
    expect(page.locator("[data-testid='earnings-chart'] canvas")).to_have_count(1)
    shot(page, "15-earnings")
    usage = cli(chain.spec, "query", "modelreg", "usage", "2")
    open_page(page, chain, "model/2", "model")
    expect(by_id(page, "model-inferences")).to_have_text(str(int(usage.get("inferences", 0))))
    expect(by_id(page, "model-revenue")).to_have_text(uaic(int(usage.get("revenue", 0))))
    expect(by_id(page, "lineage")).to_contain_text("datanet 1 v1")  # the adapter's data
    expect(by_id(page, "model-inferences-table")).to_contain_text("1,000,000 uaic")
    shot(page, "16-model-adapter")
    worker = cli(chain.spec, "query", "modelreg", "worker", chain.bob)
    _, dispute = get(f"{chain.rest}/aichain/attribution/v1/disputes/1")
    dispute = dispute["dispute"]
    open_page(page, chain, "workers", "workers")
    expect(page.locator("[data-testid='workers'] tbody tr")).to_have_count(2)
    expect(by_id(page, "workers")).to_contain_text(uaic(int(worker["bond"])))
    row = page.locator("[data-testid='disputes'] tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(dispute["status"].removeprefix("DISPUTE_STATUS_").lower())
    expect(row).to_contain_text(uaic(int(dispute["bond"])))
    expect(row).to_contain_text("record 1 did not shape this answer")
    shot(page, "17-workers")
    _, answered = get(f"{chain.rest}/aichain/attribution/v1/inferences?worker={chain.bob}")
    open_page(page, chain, f"worker/{chain.bob}", "worker")
    expect(by_id(page, "worker-bond")).to_have_text(uaic(int(worker["bond"])))
    expect(by_id(page, "worker-status")).to_have_text(
        worker["status"].removeprefix("WORKER_STATUS_").lower()
    )
    expect(page.locator("[data-testid='worker-inferences'] tbody tr")).to_have_count(
        len(answered["inferences"])
    )
    shot(page, "18-worker")
    assert errors == []
    open_page(page, chain, "inference/99", "inference")
    expect(page.locator("main")).to_contain_text("no such inference")
    errors.clear()  # the browser logs the 404 of that fetch itself


def get(url: str) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def test_bad_input_is_refused_with_a_message(chain: Chain, browser_page) -> None:
    page, errors = browser_page
    status, body = get(f"{chain.url}/api/accounts/not-an-address")
    assert status == 400 and "bech32 address" in body["message"]
    status, body = get(f"{chain.url}/api/blocks/12a")
    assert status == 400 and "non-negative integer" in body["message"]
    status, body = get(f"{chain.url}/api/datanets/999")
    assert status == 404 and body["message"]
    open_page(page, chain, "datanet/999", "datanet")
    expect(by_id(page, "error")).to_be_visible()
    errors.clear()  # the browser logs the 404 of that fetch itself
    bad = run_cli("explorer", "--home", chain.spec.home, "--listen", "tcp://0.0.0.0:26680",
                  check=False)  # fmt: skip
    assert bad.returncode != 0 and "loopback only" in bad.stderr


def test_aichain_explorer_command_serves_the_same_chain(chain: Chain) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [AICHAIN, "explorer", "--home", chain.spec.home, "--listen", f"tcp://127.0.0.1:{port}"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                status, body = get(f"http://127.0.0.1:{port}/api/overview")
                break
            except OSError:
                assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
                assert time.monotonic() < deadline, "aichain explorer did not start"
                time.sleep(0.2)
        assert status == 200 and body["status"]["chain_id"] == CHAIN_ID
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/vendor/chart.umd.js") as resp:
            assert resp.status == 200 and b"Chart" in resp.read(4096)
    finally:
        os.kill(proc.pid, signal.SIGINT)
        proc.wait(15)
