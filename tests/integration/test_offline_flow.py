"""The offline flow through the CLI, its txs run through ABCI: --generate-only, `tx sign
--offline` (direct and amino-json), `tx encode|decode`, and a 2-of-3 multisig made with
`keys add --multisig`, signed by members with `tx sign --multisig` and joined by
`tx multisign`. Bad inputs exit non-zero with a message and change nothing."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from aichain.app.crypto import account_address, parse_account_address
from aichain.cli.main import cli
from aichain.client.keyring import Keyring
from tests.helpers import CHAIN_ID, Chain

MNEMONIC = "abandon " * 11 + "about"


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def ok(result: Result) -> str:
    assert result.exit_code == 0, (result.output, result.stderr, result.exception)
    return result.stdout


def failed(result: Result, message: str) -> None:
    assert result.exit_code != 0, result.output
    assert message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, Chain]:
    """A test keyring with alice, bob, carol, dave (indexes 0-3 of one mnemonic); a chain
    funding alice."""
    keyring = Keyring(tmp_path, "test")
    for index, name in enumerate(("alice", "bob", "carol", "dave")):
        keyring.recover_key(name, MNEMONIC, index=index)
    chain = Chain.start([(keyring.private_key("alice"), 10**9)])
    return tmp_path, chain


def _write(path: Path, text: str) -> str:
    path.write_text(text)
    return str(path)


def _land(chain: Chain, signed_file: str) -> None:
    raw = base64.b64decode(ok(run("tx", "encode", signed_file)).strip())
    result = chain.block([raw]).tx_results[0]
    assert result.code == 0, result.log


def _address(home: Path, name: str) -> str:
    return ok(run("keys", "show", name, "-a", "--home", str(home))).strip()


@pytest.mark.parametrize("mode", ["direct", "amino-json"])
def test_generate_sign_offline_encode_lands(setup: tuple[Path, Chain], mode: str) -> None:
    home, chain = setup
    bob = _address(home, "bob")
    unsigned = ok(run("tx", "bank", "send", "alice", bob, "1000uaic", "--fees", "5000uaic",
                      "--generate-only", "--home", str(home)))  # fmt: skip
    number = chain.account(parse_account_address(_address(home, "alice"))).account_number
    signed = ok(run("tx", "sign", _write(home / "unsigned.json", unsigned), "--from", "alice",
                    "--offline", "--account-number", str(number), "--sequence", "0",
                    "--chain-id", CHAIN_ID, "--sign-mode", mode, "--home", str(home)))  # fmt: skip
    tx = json.loads(signed)
    [info] = tx["auth_info"]["signer_infos"]
    expected = "SIGN_MODE_DIRECT" if mode == "direct" else "SIGN_MODE_LEGACY_AMINO_JSON"
    assert info["mode_info"]["single"]["mode"] == expected and len(tx["signatures"]) == 1
    signed_file = _write(home / "signed.json", signed)
    encoded = ok(run("tx", "encode", signed_file)).strip()
    assert json.loads(ok(run("tx", "decode", encoded))) == tx
    _land(chain, signed_file)
    assert chain.balance(parse_account_address(bob)) == 1000


def test_offline_sign_needs_its_numbers_and_rejects_bad_files(setup: tuple[Path, Chain]) -> None:
    home, _ = setup
    unsigned = ok(run("tx", "bank", "send", "alice", _address(home, "bob"), "1uaic",
                      "--generate-only", "--home", str(home)))  # fmt: skip
    file = _write(home / "u.json", unsigned)
    failed(run("tx", "sign", file, "--from", "alice", "--offline", "--chain-id", CHAIN_ID,
               "--home", str(home)), "--offline needs --account-number and --sequence")  # fmt: skip
    failed(run("tx", "sign", file, "--from", "alice", "--offline", "--account-number", "1",
               "--sequence", "0", "--home", str(home)), "--offline needs --chain-id")  # fmt: skip
    bad = _write(home / "bad.json", '{"body": 5}')
    failed(run("tx", "sign", bad, "--from", "alice", "--offline", "--home", str(home)),
           "is not a cosmos.tx.v1beta1.Tx in JSON")  # fmt: skip
    failed(run("tx", "decode", "not base64!"), "not base64 of a cosmos.tx.v1beta1.TxRaw")
    failed(run("tx", "broadcast", file, "--node", "tcp://127.0.0.1:1"), "is not signed")


def test_two_of_three_multisig_through_sign_and_multisign(setup: tuple[Path, Chain]) -> None:
    home, chain = setup
    h = ("--home", str(home))
    team = json.loads(ok(run("keys", "add", "team", "--multisig", "alice,bob,carol",
                             "--multisig-threshold", "2", "--output", "json", *h)))  # fmt: skip
    assert team["type"] == "multi"
    pubkey = json.loads(team["pubkey"])
    assert pubkey["@type"] == "/cosmos.crypto.multisig.LegacyAminoPubKey"
    assert pubkey["threshold"] == 2 and len(pubkey["public_keys"]) == 3
    failed(run("keys", "export", "team", *h), "is a multi key with no private key here")
    # fund the multisig account from alice
    fund = ok(run("tx", "bank", "send", "alice", team["address"], "1000000uaic", "--fees",
                  "5000uaic", "--generate-only", *h))  # fmt: skip
    alice_number = chain.account(parse_account_address(_address(home, "alice"))).account_number
    signed_fund = ok(run("tx", "sign", _write(home / "f.json", fund), "--from", "alice",
                         "--offline", "--account-number", str(alice_number), "--sequence", "0",
                         "--chain-id", CHAIN_ID, *h))  # fmt: skip
    _land(chain, _write(home / "fs.json", signed_fund))
    account = chain.account(parse_account_address(team["address"]))
    offline = ("--offline", "--account-number", str(account.account_number), "--sequence", "0",
               "--chain-id", CHAIN_ID, *h)  # fmt: skip

    dave = _address(home, "dave")
    send = ok(run("tx", "bank", "send", "team", dave, "77uaic", "--fees", "5000uaic",
                  "--generate-only", *h))  # fmt: skip
    unsigned = _write(home / "m.json", send)
    sigs = {}
    for member in ("alice", "carol", "dave"):
        out = ok(run("tx", "sign", unsigned, "--from", member, "--multisig", "team", *offline))
        sigs[member] = _write(home / f"{member}.sig.json", out)
    [descriptor] = json.loads(Path(sigs["alice"]).read_text())["signatures"]
    assert descriptor["data"]["single"]["mode"] == "SIGN_MODE_LEGACY_AMINO_JSON"

    before = chain.balance(parse_account_address(team["address"]))
    failed(run("tx", "multisign", unsigned, "team", sigs["alice"], *offline),
           "too few signatures: 1 of the 2")  # fmt: skip
    failed(run("tx", "multisign", unsigned, "team", sigs["alice"], sigs["alice"], *offline),
           "signed twice")  # fmt: skip
    failed(run("tx", "multisign", unsigned, "team", sigs["alice"], sigs["dave"], *offline),
           "is not a member of this multisig")  # fmt: skip
    stale = list(offline)
    stale[stale.index("--sequence") + 1] = "5"
    failed(run("tx", "multisign", unsigned, "team", sigs["alice"], sigs["carol"], *stale),
           "does not verify for this tx")  # fmt: skip
    failed(run("tx", "sign", unsigned, "--from", "alice", "--multisig", "team",
               "--sign-mode", "direct", *offline),
           "a multisig member signs in amino-json")  # fmt: skip

    signed = ok(run("tx", "multisign", unsigned, "team", sigs["carol"], sigs["alice"], *offline))
    tx = json.loads(signed)
    multi = tx["auth_info"]["signer_infos"][0]["mode_info"]["multi"]
    assert len(multi["mode_infos"]) == 2 and multi["bitarray"]["extra_bits_stored"] == 3
    assert chain.balance(parse_account_address(team["address"])) == before
    _land(chain, _write(home / "ms.json", signed))
    assert chain.balance(parse_account_address(dave)) == 77
    assert chain.account(parse_account_address(team["address"])).sequence == 1
    assert account_address(parse_account_address(team["address"])) == team["address"]
