"""The datanet, modelreg and blob CLIs without a node: --generate-only builds each message
from the arguments (FROM a bare address), contribute FILE stores the bytes in the home content
store, and a file argument that does not exist is refused."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from click.testing import CliRunner

from aichain.cli.main import cli
from tests.unit.datanet_fakes import bech

FROM = bech(1)


def invoke(*args: str, home: Path):
    return CliRunner().invoke(cli, [*args, "--home", str(home)], catch_exceptions=False)


def generated(*args: str, home: Path) -> dict:
    res = invoke("tx", *args, "--generate-only", home=home)
    assert res.exit_code == 0, res.output
    [msg] = json.loads(res.stdout)["body"]["messages"]
    return msg


def test_create_and_publish_messages(tmp_path: Path) -> None:
    msg = generated("datanet", "create", FROM, "poems", "--license", "MIT", "--curation",
                    "curators", "--curator", bech(2), "--access", "restricted", "--bond", "10",
                    home=tmp_path)  # fmt: skip
    assert msg["@type"] == "/aichain.datanet.v1.MsgCreateDatanet"
    assert (msg["curation_mode"], msg["access_policy"], msg["curators"]) == (
        "CURATION_MODE_CURATORS", "ACCESS_POLICY_RESTRICTED", [bech(2)])  # fmt: skip
    msg = generated("datanet", "publish-version", FROM, "1", "--append", "3,1,2", "--remove", "4",
                    home=tmp_path)  # fmt: skip
    assert (msg["append"], msg["remove"]) == (["3", "1", "2"], ["4"])


def test_contribute_stores_the_bytes_and_sends_their_hash(tmp_path: Path) -> None:
    file = tmp_path / "r.txt"
    file.write_bytes(b"a record")
    msg = generated("datanet", "contribute", FROM, "1", str(file), home=tmp_path)
    digest = hashlib.sha256(b"a record").hexdigest()
    assert (msg["content_hash"], msg["size"]) == (digest, "8")
    got = invoke("blob", "get", digest, "--out", str(tmp_path / "out"), home=tmp_path)
    assert got.exit_code == 0 and (tmp_path / "out").read_bytes() == b"a record"


def test_contribute_rejects_a_missing_file(tmp_path: Path) -> None:
    res = invoke("tx", "datanet", "contribute", FROM, "1", str(tmp_path / "nope"),
                 "--generate-only", home=tmp_path)  # fmt: skip
    assert res.exit_code != 0 and "does not exist" in res.output


def test_blob_put_rejects_a_missing_file_and_get_a_bad_hash(tmp_path: Path) -> None:
    res = invoke("blob", "put", str(tmp_path / "nope"), home=tmp_path)
    assert res.exit_code == 2 and "does not exist" in res.output
    res = invoke("blob", "get", "xyz", "--out", str(tmp_path / "o"), home=tmp_path)
    assert res.exit_code == 1 and "not a blob hash" in res.output
    file = tmp_path / "f"
    file.write_bytes(b"x")
    res = invoke("blob", "put", str(file), "--output", "json", home=tmp_path)
    assert json.loads(res.stdout)["hash"] == hashlib.sha256(b"x").hexdigest()


def test_modelreg_messages(tmp_path: Path) -> None:
    msg = generated("modelreg", "register-adapter", FROM, "poet", "--base", "1", "--weights-hash",
                    "aa" * 32, "--manifest-hash", "bb" * 32, "--config-hash", "cc" * 32,
                    "--datanet", "1@1@" + "dd" * 32, home=tmp_path)  # fmt: skip
    assert msg["@type"] == "/aichain.modelreg.v1.MsgRegisterAdapter"
    assert msg["provenance"] == [{"datanet_id": "1", "version": "1", "version_root": "dd" * 32}]
    pubkey = "02" + "11" * 32
    msg = generated("modelreg", "register-worker", FROM, "--hot-key", pubkey, "--model", "2",
                    "--endpoint", "https://w", "--bond", "5", home=tmp_path)  # fmt: skip
    assert msg["operator"] == FROM and msg["models"] == ["2"]
