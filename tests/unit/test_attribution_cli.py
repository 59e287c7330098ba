"""The attribution CLI without a node: --generate-only builds each message from the arguments
(FROM a bare address); results given as InferenceResult JSON are signed with the hot key
(a hex secret here) so the chain's signature check passes; a commit-vote's commitment is the
one reveal-vote opens; bad arguments are refused before anything is built."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

from click.testing import CliRunner

from aichain.app.crypto import PrivateKey, parse_account_address
from aichain.attribution.v1 import attribution_pb2 as pb
from aichain.cli.main import cli
from aichain.modules.attribution.signing import commitment, verify_result, vote_bytes
from tests.unit.datanet_fakes import bech

FROM = bech(1)
HOT = PrivateKey(hashlib.sha256(b"cli-hot").digest())


def generated(*args: str, home: Path) -> dict:
    res = CliRunner().invoke(cli, ["tx", *args, "--generate-only", "--home", str(home)],
                             catch_exceptions=False)  # fmt: skip
    assert res.exit_code == 0, res.output
    [msg] = json.loads(res.stdout)["body"]["messages"]
    return msg


def test_request_challenge_claim_prepaid(tmp_path: Path) -> None:
    msg = generated("attribution", "request", FROM, "2", "--input", "hi", "--max-fee", "5",
                    home=tmp_path)  # fmt: skip
    assert msg["@type"] == "/aichain.attribution.v1.MsgRequestInference"
    assert (msg["model_id"], msg["max_fee"], base64.b64decode(msg["input_inline"])) == (
        "2", "5", b"hi")  # fmt: skip
    msg = generated("attribution", "challenge", FROM, "7", "--bond", "1000000", home=tmp_path)
    assert (msg["inference_id"], msg["bond"]) == ("7", "1000000")
    assert generated("attribution", "claim", FROM, home=tmp_path)["claimant"] == FROM
    msg = generated("attribution", "fund-prepaid", FROM, "2", "300", home=tmp_path)
    assert (msg["@type"], msg["amount"]) == ("/aichain.attribution.v1.MsgFundPrepaid", "300")


def test_submit_batch_signs_each_result_with_the_hot_key(tmp_path: Path) -> None:
    results = [{"chain_id": "c", "request_id": str(i), "worker": FROM, "model_id": "2",
                "attributions": [{"datanet_id": "1", "version": "1", "record_id": "1",
                                  "weight_ppm": 1_000_000}]} for i in (1, 2)]  # fmt: skip
    path = tmp_path / "results.json"
    path.write_text(json.dumps(results))
    msg = generated("attribution", "submit-batch", FROM, str(path), "--hot-key",
                    HOT.secret.hex(), home=tmp_path)  # fmt: skip
    assert len(msg["results"]) == 2
    for i, bundle in enumerate(msg["results"], start=1):
        body = base64.b64decode(bundle["body"])
        assert pb.InferenceResult.FromString(body).request_id == i
        assert verify_result(HOT.pubkey, body, base64.b64decode(bundle["signature"]))


def test_commit_vote_commits_to_what_reveal_vote_reveals(tmp_path: Path) -> None:
    vote = {
        "attributions": [{"datanet_id": 1, "version": 1, "record_id": 3, "weight_ppm": 1_000_000}],
        "output_hash": "",
        "evidence_hash": "",
    }
    path = tmp_path / "vote.json"
    path.write_text(json.dumps(vote))
    salt = "ab" * 16
    commit = generated("attribution", "commit-vote", FROM, "4", str(path), "--salt", salt,
                       home=tmp_path)  # fmt: skip
    reveal = generated("attribution", "reveal-vote", FROM, "4", str(path), "--salt", salt,
                       home=tmp_path)  # fmt: skip
    entries = [pb.AttributionEntry(datanet_id=1, version=1, record_id=3, weight_ppm=1_000_000)]
    expected = commitment(4, parse_account_address(FROM), vote_bytes(entries, "", ""),
                          bytes.fromhex(salt))  # fmt: skip
    assert base64.b64decode(commit["commitment"]) == expected
    assert base64.b64decode(reveal["salt"]) == bytes.fromhex(salt)


def test_bad_arguments_are_refused(tmp_path: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(cli, ["tx", "attribution", "reveal-vote", FROM, "1",
                              str(tmp_path / "missing.json"), "--salt", "00",
                              "--generate-only", "--home", str(tmp_path)])  # fmt: skip
    assert res.exit_code == 2 and "does not exist" in res.output
    vote = tmp_path / "v.json"
    vote.write_text('{"attributions": []}')
    res = runner.invoke(
        cli,
        [
            "tx",
            "attribution",
            "commit-vote",
            FROM,
            "1",
            str(vote),
            "--salt",
            "00",
            "--generate-only",
            "--home",
            str(tmp_path),
        ],
    )
    assert res.exit_code == 2 and "16..64 bytes" in res.output
    res = runner.invoke(cli, ["tx", "attribution", "request", FROM, "0", "--max-fee", "1",
                              "--generate-only", "--home", str(tmp_path)])  # fmt: skip
    assert res.exit_code == 2
