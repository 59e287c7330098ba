"""End to end on the shared single node: a datanet created, three contributors add records
through the CLI with their bytes in the node's content store, the owner accepts some and
rejects one (half its bond burned), publishes v1, a record's membership in v1 is proven from
the CLI down to the light-client-checked app hash, the bytes are fetched back over the node's
BlobService, the worker trains on datanet:1@1 read from the chain and the content store, and
the base model and the adapter pinned to v1 are registered and the adapter activated."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aichain.app.crypto import account_address

from .conftest import Node, run_cli

pytestmark = pytest.mark.e2e

OPTS = ("-y", "--keyring-backend", "test", "--output", "json")
FEES = ("--gas", "400000", "--fees", "10000uaic")
BOND = 1000


def js(proc) -> dict:
    return json.loads(proc.stdout)


def balance(node: Node, address: str) -> int:
    out = node.cli("query", "bank", "balances", address, "--denom", "uaic", "--output", "json")
    return int(js(out)["balance"]["amount"])


def test_datanet_lifecycle_to_a_proven_record(node: Node, tmp_path: Path) -> None:
    names = ("alice", "bob", "carol")
    addresses = {}
    for name in names:
        out = run_cli("keys", "add", name, "--keyring-backend", "test", "--output", "json",
                      "--home", str(node.home))  # fmt: skip
        addresses[name] = js(out)["address"]
        node.cli("tx", "bank", "send", "faucet", addresses[name], "10000000uaic", *FEES, *OPTS)
    owner = account_address(node.faucet.address)  # type: ignore[union-attr]
    node.cli("tx", "datanet", "create", "faucet", "facts", "--license", "CC-BY-4.0",
             "--bond", str(BOND), "--max-record-size", "4096", *FEES, *OPTS)  # fmt: skip
    shown = js(node.cli("query", "datanet", "show", "1", "--output", "json"))
    assert shown["owner"] == owner and shown["name"] == "facts"

    texts = {
        "alice": "the season of java is parsec-teva.",
        "bob": "the colour of mars is rust-red.",
        "carol": "the tide of lune is slow-moon.",
    }
    for name in names:
        file = tmp_path / f"{name}.txt"
        file.write_text(texts[name])
        node.cli("tx", "datanet", "contribute", name, "1", str(file), *FEES, *OPTS)
    spam = tmp_path / "spam.txt"
    spam.write_text("buy now!!!")
    node.cli("tx", "datanet", "contribute", "bob", "1", str(spam), *FEES, *OPTS)
    missing = node.cli("tx", "datanet", "contribute", "bob", "1", str(tmp_path / "nope.txt"),
                       *FEES, *OPTS, check=False)  # fmt: skip
    assert missing.returncode != 0 and "does not exist" in missing.stderr
    dup = node.cli("tx", "datanet", "contribute", "carol", "1", str(tmp_path / "alice.txt"),
                   *FEES, *OPTS, check=False)  # fmt: skip
    assert dup.returncode != 0 and "datanet/11" in dup.stderr  # duplicate hash refused

    bob_before = balance(node, addresses["bob"])
    for record in ("1", "2", "3"):
        node.cli("tx", "datanet", "review", "faucet", "1", record, "accept", *FEES, *OPTS)
    node.cli("tx", "datanet", "review", "faucet", "1", "4", "reject", "--reason", "spam",
             *FEES, *OPTS)  # fmt: skip
    # bob got back record 2's bond in full and half of the rejected one's
    assert balance(node, addresses["bob"]) == bob_before + BOND + BOND // 2
    not_curator = node.cli("tx", "datanet", "review", "alice", "1", "2", "accept", *FEES, *OPTS,
                           check=False)  # fmt: skip
    assert not_curator.returncode != 0 and "datanet/12" in not_curator.stderr

    node.cli("tx", "datanet", "publish-version", "faucet", "1", "--append", "1,2,3",
             "--changelog", "first facts", *FEES, *OPTS)  # fmt: skip
    listing = js(node.cli("query", "datanet", "version-records", "1", "1", "--output", "json"))
    assert [e["record_id"] for e in listing["entries"]] == ["1", "2", "3"]
    history = js(node.cli("query", "datanet", "history", "1", "--output", "json"))
    assert [e["action"] for e in history["entries"]][-2:] == ["reject", "publish"]

    proof = node.cli("query", "datanet", "record-proof", "1", "1", "2", "--output", "json")
    proven = js(proof)
    assert proven["verified"] is True
    assert proven["contributor"] == addresses["bob"]
    assert proven["header"]["signatures_verified"] >= 1
    assert "audit path of record 2 verified" in proven["proof"]

    fetched = tmp_path / "fetched.txt"
    run_cli("blob", "get", proven["content_hash"], "--out", str(fetched), "--grpc", node.grpc)
    assert fetched.read_text() == texts["bob"]
    absent = run_cli("blob", "get", "0" * 64, "--out", str(fetched), "--grpc", node.grpc,
                     check=False)  # fmt: skip
    assert absent.returncode != 0

    pytest.importorskip("torch")
    trained = node.cli("worker", "train", "datanet:1@1", "--out", str(tmp_path / "adapter"),
                       "--max-steps", "2", "--batch-size", "2", "--rank", "2", "--no-features",
                       "--quiet", "--device", "cpu", "--prove", "--blob-grpc", node.grpc,
                       "--output", "json")  # fmt: skip
    assert js(trained)["steps"] == 2
    adapter = tmp_path / "adapter"
    manifest = json.loads((adapter / "training_manifest.json").read_text())
    assert manifest["datanet"]["ref"] == f"1@1@{proven['root']}"

    # the base model and the adapter pinned to v1, files in the content store
    def put(path: Path) -> str:
        return js(run_cli("blob", "put", str(path), "--home", str(node.home), "-o", "json"))["hash"]

    weights = put(adapter / "adapter_model.safetensors")
    assert weights == manifest["adapter_sha256"]
    node.cli("tx", "modelreg", "register-base", "faucet", "tiny", "--weights-hash",
             manifest["base_model"]["sha256"], "--architecture", "tiny-gpt", "--parameters",
             "1000", "--license", "MIT", *FEES, *OPTS)  # fmt: skip
    node.cli("tx", "modelreg", "register-adapter", "alice", "facts-lora", "--base", "1",
             "--weights-hash", weights, "--manifest-hash", put(adapter / "training_manifest.json"),
             "--config-hash", put(adapter / "adapter_config.json"), "--datanet", "1@1",
             *FEES, *OPTS)  # fmt: skip
    wrong = node.cli("tx", "modelreg", "register-adapter", "alice", "x", "--base", "1",
                     "--weights-hash", "ee" * 32, "--manifest-hash", "ee" * 32, "--config-hash",
                     "ee" * 32, "--datanet", "1@1@" + "00" * 32, *FEES, *OPTS,
                     check=False)  # fmt: skip
    assert wrong.returncode != 0 and "modelreg/7" in wrong.stderr  # root mismatch refused
    node.cli("tx", "modelreg", "activate", "alice", "2", *FEES, *OPTS)
    model = js(node.cli("query", "modelreg", "model", "2", "--output", "json"))
    assert model["status"] == "MODEL_STATUS_ACTIVE"
    assert model["provenance"] == [
        {"datanet_id": "1", "version": "1", "version_root": proven["root"]}
    ]
    lineage = js(node.cli("query", "modelreg", "lineage", "2", "--output", "json"))
    assert [m["id"] for m in lineage["models"]] == ["2", "1"]
