"""The light-client check of a CometBFT header (client/light.py) and the ed25519 verifier under
it (client/ed25519.py).

- ed25519: RFC 8032 section 7.1 vectors, tampering, malformed lengths, non-canonical S and
  invalid points, and agreement with pycryptodome's signer on random messages.
- encodings: the hand-written protobuf bytes against the generated protobuf modules, and the
  simple Merkle tree against its definition.
- a real CometBFT (the `cometbft` binary with its built-in kvstore app, no aichain): the
  /commit and /validators answers recorded in this run verify, at several heights.
- synthetic multi-validator commits signed in the test (pycryptodome) for every way the check
  must refuse: tampered header, tampered validator set, bad signature, too little power,
  untrusted set, duplicate or unknown signers, malformed data.
"""

from __future__ import annotations

import base64
import copy
import dataclasses
import hashlib
import json
import os
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from Crypto.PublicKey import ECC
from Crypto.Signature import eddsa

from aichain.client import ed25519, light
from aichain.client.light import LightClientError

# --- ed25519 ---------------------------------------------------------------------------------

RFC8032_VECTORS = [
    # (name, public key, message, signature): RFC 8032 section 7.1, TEST 1-3
    (
        "TEST 1",
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39"
        "701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    ),
    (
        "TEST 2",
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f36"
        "13d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    ),
    (
        "TEST 3",
        "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
        "af82",
        "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f7"
        "60984dc6594a7c15e9716ed28dc027beceea1ec40a",
    ),
]


def _rfc8032_vectors() -> list[tuple[str, bytes, bytes, bytes]]:
    """TEST 1-3 above, plus TEST 1024 (1023-byte message) from the RFC 8032 table that the
    pinned pycryptodome ships in its self-test, when it is there."""
    out = [
        (n, bytes.fromhex(k), bytes.fromhex(m), bytes.fromhex(s)) for n, k, m, s in RFC8032_VECTORS
    ]
    try:
        from Crypto.SelfTest.Signature.test_eddsa import rfc8032_tv_str
    except ImportError:
        return out
    for _, pk, msg, hashmod, ctx, sig in rfc8032_tv_str:
        is_ed25519 = len(bytes.fromhex(pk)) == 32  # the table holds Ed448 vectors too
        if is_ed25519 and hashmod is None and not ctx and len(bytes.fromhex(msg)) == 1023:
            out.append(("TEST 1024", bytes.fromhex(pk), bytes.fromhex(msg), bytes.fromhex(sig)))
    return out


VECTORS = _rfc8032_vectors()


@pytest.mark.parametrize(("name", "pk", "msg", "sig"), VECTORS, ids=[v[0] for v in VECTORS])
def test_rfc8032_vectors_verify(name: str, pk: bytes, msg: bytes, sig: bytes) -> None:
    assert ed25519.verify(pk, msg, sig), name


def test_rfc8032_long_vector_present() -> None:
    # the 1023-byte vector is read from pycryptodome's copy of the RFC table; say so if gone
    names = [v[0] for v in VECTORS]
    if "TEST 1024" not in names:
        pytest.skip("pycryptodome's RFC 8032 table not installed; TEST 1024 not run")
    assert len(names) == 4


@pytest.mark.parametrize(("name", "pk", "msg", "sig"), VECTORS, ids=[v[0] for v in VECTORS])
def test_tampered_message_signature_key_fail(name: str, pk: bytes, msg: bytes, sig: bytes) -> None:
    assert not ed25519.verify(pk, msg + b"\x00", sig)
    if msg:
        assert not ed25519.verify(pk, bytes([msg[0] ^ 1]) + msg[1:], sig)
    for i in (0, 31, 32, 63):  # in R and in S
        bad = bytearray(sig)
        bad[i] ^= 0x01
        assert not ed25519.verify(pk, msg, bytes(bad))
    other = VECTORS[(VECTORS.index((name, pk, msg, sig)) + 1) % len(VECTORS)][1]
    assert not ed25519.verify(other, msg, sig)


def test_malformed_lengths_raise() -> None:
    _, pk, msg, sig = VECTORS[0]
    for bad_pk in (b"", pk[:31], pk + b"\x00"):
        with pytest.raises(ValueError, match="public key is 32 bytes"):
            ed25519.verify(bad_pk, msg, sig)
    for bad_sig in (b"", sig[:63], sig + b"\x00"):
        with pytest.raises(ValueError, match="signature is 64 bytes"):
            ed25519.verify(pk, msg, bad_sig)


def test_non_canonical_s_rejected() -> None:
    # S + L is the same scalar mod L: a lax verifier accepts it, RFC 8032 and Go do not
    _, pk, msg, sig = VECTORS[1]
    s = int.from_bytes(sig[32:], "little")
    malleated = sig[:32] + (s + ed25519.L).to_bytes(32, "little")
    assert ed25519.verify(pk, msg, sig)
    assert not ed25519.verify(pk, msg, malleated)
    assert not ed25519.verify(pk, msg, sig[:32] + b"\xff" * 32)


def test_invalid_points_rejected() -> None:
    _, pk, msg, sig = VECTORS[0]
    # y = p + 1 is a non-canonical encoding of y = 1 (the identity's y)
    non_canonical = (ed25519.P + 1).to_bytes(32, "little")
    assert ed25519.compute_point_decoding(non_canonical) is None
    assert not ed25519.verify(non_canonical, msg, sig)
    # a y with no x on the curve
    y = 2
    while ed25519.compute_point_decoding(y.to_bytes(32, "little")) is not None:
        y += 1
    off_curve = y.to_bytes(32, "little")
    assert not ed25519.verify(off_curve, msg, sig)
    # x = 0 with the sign bit set (y = 1) is not a valid encoding
    assert ed25519.compute_point_decoding((1 | 1 << 255).to_bytes(32, "little")) is None
    # an off-curve R in an otherwise well-formed signature
    assert not ed25519.verify(pk, msg, off_curve + sig[32:])


def test_base_point_encoding() -> None:
    assert ed25519.compute_point_encoding(ed25519.B) == bytes.fromhex("58" + "66" * 31)
    assert ed25519.compute_point_decoding(bytes.fromhex("58" + "66" * 31)) is not None


def test_agrees_with_pycryptodome_signer() -> None:
    for i in range(8):
        key = ECC.generate(curve="Ed25519")
        pk = key.public_key().export_key(format="raw")
        msg = hashlib.sha256(str(i).encode()).digest() * i
        sig = eddsa.new(key, "rfc8032").sign(msg)
        assert ed25519.verify(pk, msg, sig)
        assert not ed25519.verify(pk, msg + b"!", sig)


# --- encodings -------------------------------------------------------------------------------


def _sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def test_merkle_root_shapes() -> None:
    leaf = [_sha(b"\x00" + bytes([i])) for i in range(5)]

    def inner(a: bytes, b: bytes) -> bytes:
        return _sha(b"\x01" + a + b)

    items = [bytes([i]) for i in range(5)]
    assert light.compute_merkle_root([]) == _sha(b"")
    assert light.compute_merkle_root(items[:1]) == leaf[0]
    assert light.compute_merkle_root(items[:2]) == inner(leaf[0], leaf[1])
    assert light.compute_merkle_root(items[:3]) == inner(inner(leaf[0], leaf[1]), leaf[2])
    four = inner(inner(leaf[0], leaf[1]), inner(leaf[2], leaf[3]))
    assert light.compute_merkle_root(items[:4]) == four
    assert light.compute_merkle_root(items) == inner(four, leaf[4])


def test_encodings_match_generated_protobuf() -> None:
    from google.protobuf import timestamp_pb2, wrappers_pb2
    from tendermint.crypto import keys_pb2
    from tendermint.types import types_pb2, validator_pb2
    from tendermint.version import types_pb2 as version_pb2

    h = light.Header(
        version_block=11,
        version_app=3,
        chain_id="chain-Ω",
        height=300,
        time=light.Timestamp(1_700_000_000, 123_456_789),
        last_block_id=light.BlockID(b"\x11" * 32, 2, b"\x22" * 32),
        last_commit_hash=b"\x01" * 32,
        data_hash=b"",
        validators_hash=b"\x03" * 32,
        next_validators_hash=b"\x04" * 32,
        consensus_hash=b"\x05" * 32,
        app_hash=b"\x06" * 32,
        last_results_hash=b"\x07" * 32,
        evidence_hash=b"\x08" * 32,
        proposer_address=b"\x09" * 20,
    )
    leaves = light.compute_header_leaves(h)
    assert leaves[0] == version_pb2.Consensus(block=11, app=3).SerializeToString()
    assert leaves[1] == wrappers_pb2.StringValue(value="chain-Ω").SerializeToString()
    assert leaves[2] == wrappers_pb2.Int64Value(value=300).SerializeToString()
    ts = timestamp_pb2.Timestamp(seconds=1_700_000_000, nanos=123_456_789)
    assert leaves[3] == ts.SerializeToString()
    bid = types_pb2.BlockID(
        hash=b"\x11" * 32, part_set_header=types_pb2.PartSetHeader(total=2, hash=b"\x22" * 32)
    )
    assert leaves[4] == bid.SerializeToString()
    assert leaves[5] == wrappers_pb2.BytesValue(value=b"\x01" * 32).SerializeToString()
    assert leaves[6] == b""  # an empty hash is cdcEncode's nil
    assert leaves[13] == wrappers_pb2.BytesValue(value=b"\x09" * 20).SerializeToString()
    # an empty BlockID (height 1) still writes its non-nullable part set header
    first = dataclasses.replace(h, last_block_id=light.BlockID(b"", 0, b""))
    assert light.compute_header_leaves(first)[4] == b"\x12\x00"

    pk = b"\x42" * 32
    sv = validator_pb2.SimpleValidator(pub_key=keys_pb2.PublicKey(ed25519=pk), voting_power=7)
    assert light.compute_validator_bytes(light.Validator(b"", pk, 7)) == sv.SerializeToString()


def test_vote_sign_bytes_layout() -> None:
    bid = light.BlockID(b"\xaa" * 32, 1, b"\xbb" * 32)
    got = light.compute_vote_sign_bytes("c", 5, 0, bid, light.Timestamp(2, 3))
    block_id = b"\x0a\x20" + b"\xaa" * 32 + b"\x12\x24\x08\x01\x12\x20" + b"\xbb" * 32
    body = (
        b"\x08\x02"  # type PRECOMMIT
        + b"\x11"
        + (5).to_bytes(8, "little")  # height, sfixed64; round 0 left out
        + b"\x22"
        + bytes([len(block_id)])
        + block_id
        + b"\x2a\x04\x08\x02\x10\x03"  # timestamp
        + b"\x32\x01c"  # chain id
    )
    assert got == bytes([len(body)]) + body
    with_round = light.compute_vote_sign_bytes("c", 5, 1, bid, light.Timestamp(2, 3))
    assert b"\x19" + (1).to_bytes(8, "little") in with_round


def test_timestamps() -> None:
    assert light.compute_timestamp("1970-01-01T00:00:01Z") == light.Timestamp(1, 0)
    assert light.compute_timestamp("2026-11-22T02:15:01.458062441Z").nanos == 458_062_441
    assert light.compute_timestamp("2026-11-22T02:15:01.45Z").nanos == 450_000_000
    assert light.compute_timestamp("1970-01-01T01:00:00+01:00") == light.Timestamp(0, 0)
    for bad in ("yesterday", "2026-11-22 02:15:01Z", "2026-11-22T02:15:01.1234567890Z"):
        with pytest.raises(LightClientError, match="not RFC 3339"):
            light.compute_timestamp(bad)


# --- a real CometBFT -------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rpc_get(port: int, path: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/{path}", timeout=10) as resp:
        return json.loads(resp.read())["result"]


@pytest.fixture(scope="module")
def kvstore_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A bare CometBFT with its built-in kvstore app (one validator); yields its RPC port."""
    from aichain.node.home import CometBFTNotFoundError, find_cometbft

    try:
        binary = find_cometbft()
    except CometBFTNotFoundError as exc:
        pytest.skip(str(exc))
    home = tmp_path_factory.mktemp("cometbft-kvstore")
    subprocess.run([binary, "init", "--home", str(home)], check=True, capture_output=True)
    config = home / "config" / "config.toml"
    text = config.read_text()
    config.write_text(text.replace('timeout_commit = "1s"', 'timeout_commit = "100ms"'))
    rpc = _free_port()
    log = (home / "node.log").open("wb")
    proc = subprocess.Popen(
        [
            binary,
            "start",
            "--home",
            str(home),
            "--proxy_app",
            "kvstore",
            "--rpc.laddr",
            f"tcp://127.0.0.1:{rpc}",
            "--p2p.laddr",
            f"tcp://127.0.0.1:{_free_port()}",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if int(_rpc_get(rpc, "status")["sync_info"]["latest_block_height"]) >= 2:
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"cometbft did not start: {(home / 'node.log').read_text()}")
            time.sleep(0.1)
        yield rpc
    finally:
        os.kill(proc.pid, 15)
        proc.wait(10)
        log.close()


def _record(port: int, height: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The /commit signed header and the /validators list at height, from the node now."""
    signed_header = _rpc_get(port, f"commit?height={height}")["signed_header"]
    validators = _rpc_get(port, f"validators?height={height}&page=1&per_page=100")["validators"]
    return signed_header, validators


@pytest.mark.e2e
def test_real_cometbft_headers_verify(kvstore_node: int) -> None:
    # a tx gives one block non-empty data and app hashes
    res = _rpc_get(kvstore_node, 'broadcast_tx_commit?tx="light=client"')
    tx_height = int(res["height"])
    deadline = time.monotonic() + 30
    while int(_rpc_get(kvstore_node, "status")["sync_info"]["latest_block_height"]) < tx_height + 1:
        assert time.monotonic() < deadline, "no block after the tx"
        time.sleep(0.1)
    heights = sorted({1, 2, tx_height, tx_height + 1})
    for height in heights:
        signed_header, validators = _record(kvstore_node, height)
        check = light.verify_signed_header(signed_header, validators, height=height)
        block = _rpc_get(kvstore_node, f"block?height={height}")
        assert check.header_hash.hex().upper() == block["block_id"]["hash"]
        assert check.signatures_verified == 1 and check.power_verified == check.power_total
        assert check.validators_hash.hex().upper() == signed_header["header"]["validators_hash"]
    # the recorded data tampered: every change is caught
    signed_header, validators = _record(kvstore_node, tx_height)
    bad = copy.deepcopy(signed_header)
    bad["header"]["app_hash"] = "AB" + bad["header"]["app_hash"][2:]
    with pytest.raises(LightClientError, match="header hash mismatch"):
        light.verify_signed_header(bad, validators)
    bad_vals = copy.deepcopy(validators)
    bad_vals[0]["voting_power"] = str(int(bad_vals[0]["voting_power"]) + 1)
    with pytest.raises(LightClientError, match="validators_hash mismatch"):
        light.verify_signed_header(signed_header, bad_vals)
    bad = copy.deepcopy(signed_header)
    sig = bytearray(base64.b64decode(bad["commit"]["signatures"][0]["signature"]))
    sig[5] ^= 0x80
    bad["commit"]["signatures"][0]["signature"] = base64.b64encode(sig).decode()
    name = validators[0]["address"]
    with pytest.raises(LightClientError, match=f"bad signature from validator {name}"):
        light.verify_signed_header(bad, validators)


# --- synthetic commits signed here -----------------------------------------------------------

CHAIN_ID = "light-test"
HEIGHT = 7
PARTS_HASH = "CC" * 32


def _build(powers: list[int], round_: int = 0) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A signed header at HEIGHT by validators with these powers, all signing."""
    keys = [ECC.generate(curve="Ed25519") for _ in powers]
    validators = []
    for key, power in zip(keys, powers, strict=True):
        pk = key.public_key().export_key(format="raw")
        validators.append(
            {
                "address": hashlib.sha256(pk).digest()[:20].hex().upper(),
                "pub_key": {"type": light.ED25519_KEY_TYPE, "value": base64.b64encode(pk).decode()},
                "voting_power": str(power),
                "proposer_priority": "0",
            }
        )
    vals_hash = light.compute_validator_set_hash(light.compute_validators(validators))
    header = {
        "version": {"block": "11", "app": "0"},
        "chain_id": CHAIN_ID,
        "height": str(HEIGHT),
        "time": "2026-01-02T03:04:05.123456789Z",
        "last_block_id": {"hash": "AA" * 32, "parts": {"total": 1, "hash": "BB" * 32}},
        "last_commit_hash": "01" * 32,
        "data_hash": hashlib.sha256(b"").hexdigest().upper(),
        "validators_hash": vals_hash.hex().upper(),
        "next_validators_hash": vals_hash.hex().upper(),
        "consensus_hash": "02" * 32,
        "app_hash": "03" * 32,
        "last_results_hash": "04" * 32,
        "evidence_hash": hashlib.sha256(b"").hexdigest().upper(),
        "proposer_address": validators[0]["address"],
    }
    header_hash = light.compute_header_hash(light.compute_header(header))
    block_id = light.BlockID(header_hash, 1, bytes.fromhex(PARTS_HASH))
    signatures = []
    for i, (key, val) in enumerate(zip(keys, validators, strict=True)):
        ts = f"2026-01-02T03:04:06.{i:09d}Z"
        msg = light.compute_vote_sign_bytes(
            CHAIN_ID, HEIGHT, round_, block_id, light.compute_timestamp(ts)
        )
        signatures.append(
            {
                "block_id_flag": light.BLOCK_ID_FLAG_COMMIT,
                "validator_address": val["address"],
                "timestamp": ts,
                "signature": base64.b64encode(eddsa.new(key, "rfc8032").sign(msg)).decode(),
            }
        )
    commit = {
        "height": str(HEIGHT),
        "round": round_,
        "block_id": {"hash": header_hash.hex().upper(), "parts": {"total": 1, "hash": PARTS_HASH}},
        "signatures": signatures,
    }
    return {"header": header, "commit": commit}, validators


@pytest.fixture(scope="module")
def four() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Four validators with powers 10, 20, 30, 40, all signing, in round 1."""
    return _build([10, 20, 30, 40], round_=1)


def _absent(signed_header: dict[str, Any], *indexes: int) -> dict[str, Any]:
    out = copy.deepcopy(signed_header)
    for i in indexes:
        out["commit"]["signatures"][i] = {
            "block_id_flag": light.BLOCK_ID_FLAG_ABSENT,
            "validator_address": "",
            "timestamp": "0001-01-01T00:00:00Z",
            "signature": None,
        }
    return out


def test_synthetic_commit_verifies(four) -> None:
    signed_header, validators = four
    check = light.verify_signed_header(signed_header, validators, height=HEIGHT)
    assert (check.signatures_verified, check.signatures_total) == (4, 4)
    assert (check.power_verified, check.power_total) == (100, 100)
    assert not check.validators_trusted
    assert check.app_hash == b"\x03" * 32
    trusted = light.verify_signed_header(signed_header, validators, check.validators_hash)
    assert trusted.validators_trusted


def test_changed_app_hash_breaks_header_hash(four) -> None:
    signed_header, validators = four
    bad = copy.deepcopy(signed_header)
    bad["header"]["app_hash"] = "33" * 32
    with pytest.raises(LightClientError, match="header hash mismatch"):
        light.verify_signed_header(bad, validators)


def test_changed_validator_power_breaks_validators_hash(four) -> None:
    signed_header, validators = four
    bad = copy.deepcopy(validators)
    bad[2]["voting_power"] = "31"
    with pytest.raises(LightClientError, match="validators_hash mismatch"):
        light.verify_signed_header(signed_header, bad)
    with pytest.raises(LightClientError, match="validators_hash mismatch"):
        light.verify_signed_header(signed_header, list(reversed(validators)))


def test_flipped_signature_byte_names_the_validator(four) -> None:
    signed_header, validators = four
    bad = copy.deepcopy(signed_header)
    sig = bytearray(base64.b64decode(bad["commit"]["signatures"][2]["signature"]))
    sig[40] ^= 0x01
    bad["commit"]["signatures"][2]["signature"] = base64.b64encode(sig).decode()
    name = validators[2]["address"]
    with pytest.raises(LightClientError, match=f"bad signature from validator {name}"):
        light.verify_signed_header(bad, validators)


def test_signature_over_other_timestamp_or_round_fails(four) -> None:
    signed_header, validators = four
    bad = copy.deepcopy(signed_header)
    bad["commit"]["signatures"][1]["timestamp"] = "2026-01-02T03:04:06.5Z"
    with pytest.raises(LightClientError, match=f"validator {validators[1]['address']}"):
        light.verify_signed_header(bad, validators)
    bad = copy.deepcopy(signed_header)
    bad["commit"]["round"] = 0
    with pytest.raises(LightClientError, match="bad signature"):
        light.verify_signed_header(bad, validators)


def test_two_thirds_or_less_is_refused(four) -> None:
    signed_header, validators = four
    # 40 + 30 = 70 > 66.7: enough; 40 + 20 + 10 = 70 too; 30 + 20 + 10 = 60: not
    assert light.verify_signed_header(_absent(signed_header, 0, 1), validators).power_verified == 70
    with pytest.raises(LightClientError, match="60 of 100 .*more than 2/3"):
        light.verify_signed_header(_absent(signed_header, 3), validators)
    with pytest.raises(LightClientError, match="0 of 100"):
        light.verify_signed_header(_absent(signed_header, 0, 1, 2, 3), validators)
    # exactly 2/3 is not more than 2/3
    three, vals3 = _build([1, 1, 1])
    with pytest.raises(LightClientError, match="2 of 3"):
        light.verify_signed_header(_absent(three, 2), vals3)
    nil = copy.deepcopy(signed_header)
    nil["commit"]["signatures"][0]["block_id_flag"] = light.BLOCK_ID_FLAG_NIL
    assert light.verify_signed_header(nil, validators).signatures_verified == 3


def test_wrong_trusted_validators_hash_is_refused(four) -> None:
    signed_header, validators = four
    with pytest.raises(LightClientError, match="untrusted validator set"):
        light.verify_signed_header(signed_header, validators, b"\x00" * 32)
    # a node serving another set that signs its own header is still refused with the anchor
    other, other_vals = _build([10, 20, 30, 40])
    anchor = light.verify_signed_header(signed_header, validators).validators_hash
    assert light.verify_signed_header(other, other_vals).power_verified == 100
    with pytest.raises(LightClientError, match="untrusted validator set"):
        light.verify_signed_header(other, other_vals, anchor)


def test_duplicate_unknown_and_missing_signers_are_refused(four) -> None:
    signed_header, validators = four
    dup = copy.deepcopy(signed_header)
    dup["commit"]["signatures"][1] = dup["commit"]["signatures"][3]
    with pytest.raises(LightClientError, match="signed the commit twice"):
        light.verify_signed_header(dup, validators)
    unknown = copy.deepcopy(signed_header)
    unknown["commit"]["signatures"][0]["validator_address"] = "EE" * 20
    with pytest.raises(LightClientError, match="not in the validator set"):
        light.verify_signed_header(unknown, validators)
    short = copy.deepcopy(signed_header)
    short["commit"]["signatures"].pop()
    with pytest.raises(LightClientError, match="3 entries for 4 validators"):
        light.verify_signed_header(short, validators)
    flag = copy.deepcopy(signed_header)
    flag["commit"]["signatures"][0]["block_id_flag"] = 9
    with pytest.raises(LightClientError, match="unknown block_id_flag 9"):
        light.verify_signed_header(flag, validators)
    cut = copy.deepcopy(signed_header)
    sig = base64.b64decode(cut["commit"]["signatures"][0]["signature"])
    cut["commit"]["signatures"][0]["signature"] = base64.b64encode(sig[:63]).decode()
    with pytest.raises(LightClientError, match="63 bytes, not 64"):
        light.verify_signed_header(cut, validators)


def test_heights_must_agree(four) -> None:
    signed_header, validators = four
    with pytest.raises(LightClientError, match=f"asked for the header at 8, got one at {HEIGHT}"):
        light.verify_signed_header(signed_header, validators, height=8)
    bad = copy.deepcopy(signed_header)
    bad["commit"]["height"] = str(HEIGHT + 1)
    with pytest.raises(LightClientError, match="commit is for height 8"):
        light.verify_signed_header(bad, validators)


def test_malformed_validators_are_refused(four) -> None:
    signed_header, validators = four
    secp = copy.deepcopy(validators)
    secp[0]["pub_key"]["type"] = "tendermint/PubKeySecp256k1"
    with pytest.raises(LightClientError, match="only tendermint/PubKeyEd25519"):
        light.verify_signed_header(signed_header, secp)
    moved = copy.deepcopy(validators)
    moved[1]["address"] = moved[0]["address"]
    with pytest.raises(LightClientError, match="is not the address of its key"):
        light.verify_signed_header(signed_header, moved)
    short_key = copy.deepcopy(validators)
    short_key[0]["pub_key"]["value"] = base64.b64encode(b"\x01" * 31).decode()
    with pytest.raises(LightClientError, match="31 bytes, not 32"):
        light.verify_signed_header(signed_header, short_key)
    zero = copy.deepcopy(validators)
    zero[0]["voting_power"] = "0"
    with pytest.raises(LightClientError, match="voting power 0"):
        light.verify_signed_header(signed_header, zero)
    missing = copy.deepcopy(validators)
    del missing[0]["pub_key"]
    with pytest.raises(LightClientError, match="lacks field 'pub_key'"):
        light.verify_signed_header(signed_header, missing)


def test_malformed_signed_header_is_refused(four) -> None:
    signed_header, validators = four
    with pytest.raises(LightClientError, match="lacks 'commit'"):
        light.verify_signed_header({"header": signed_header["header"]}, validators)
    no_app = copy.deepcopy(signed_header)
    del no_app["header"]["app_hash"]
    with pytest.raises(LightClientError, match="lacks field 'app_hash'"):
        light.verify_signed_header(no_app, validators)
    not_hex = copy.deepcopy(signed_header)
    not_hex["header"]["app_hash"] = "zz"
    with pytest.raises(LightClientError, match="app_hash 'zz' is not hex"):
        light.verify_signed_header(not_hex, validators)
    bad_time = copy.deepcopy(signed_header)
    bad_time["header"]["time"] = "noon"
    with pytest.raises(LightClientError, match="not RFC 3339"):
        light.verify_signed_header(bad_time, validators)


class _PagedRPC:
    """A stand-in for CometRPC serving a validator set of n in pages."""

    def __init__(self, n: int, total: int | None = None) -> None:
        self.items = [{"address": f"{i:040X}"} for i in range(n)]
        self.total = n if total is None else total
        self.calls: list[dict[str, Any]] = []

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        assert method == "validators"
        self.calls.append(params)
        page, per_page = int(params["page"]), int(params["per_page"])
        batch = self.items[(page - 1) * per_page : page * per_page]
        return {"validators": batch, "count": str(len(batch)), "total": str(self.total)}


def test_fetch_validators_pages_in_order() -> None:
    rpc = _PagedRPC(250)
    got = light.fetch_validators(rpc, 9)  # type: ignore[arg-type]
    assert got == rpc.items
    assert [c["page"] for c in rpc.calls] == ["1", "2", "3"]
    assert {c["per_page"] for c in rpc.calls} == {"100"}
    assert {c["height"] for c in rpc.calls} == {"9"}
    from aichain.client.rpc import RPCError

    with pytest.raises(RPCError, match="gave 150 validators of 300"):
        light.fetch_validators(_PagedRPC(150, total=300), 9)  # type: ignore[arg-type]
