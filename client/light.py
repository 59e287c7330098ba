"""A stateless light-client check of one CometBFT block header (CometBFT v0.38 encodings).

Given the `/commit` answer for height H (signed header: header + commit) and the validator set
of height H (`/validators`, all pages), it checks, cheapest first:

1. the header's hash (a simple Merkle tree over its 14 fields, each encoded as CometBFT's
   `Header.Hash` does) equals the block ID hash the commit signs;
2. the validator set's hash (simple Merkle tree over `SimpleValidator{pub_key, voting_power}`
   in the order the node returns them, which is the set's order) equals the header's
   `validators_hash`, and, when the caller has a trusted anchor, equals that too;
3. every `BLOCK_ID_FLAG_COMMIT` signature verifies (ed25519, `client/ed25519.py`) over the
   precommit's canonical sign bytes, with the key of the validator whose address it names;
   and the voting power that signed is more than 2/3 of the set's total.

What this proves without a trusted anchor: more than 2/3 of the validator set the header names
signed this header. With one (`--trust-validators-hash`, e.g. from genesis or an earlier check),
it proves that the set the user trusts signed it. Nothing here checks time (trusting period),
evidence or the path from an older trusted header (skipping verification): that needs state.

The protobuf messages are written by hand with the small writer below rather than generated:
the hashed and signed bytes must be exactly CometBFT's gogoproto output (fields in number
order, proto3 defaults left out, non-nullable sub-messages always written even when empty),
and spelling that out keeps those rules visible and testable; it also spares gen/ a new proto
(`tendermint/types/canonical.proto`) and a `make setup` for one message.
"""

from __future__ import annotations

import base64
import calendar
import hashlib
import re
import struct
import time
from dataclasses import dataclass
from typing import Any

from aichain.abci.framing import encode_varint
from aichain.client import ed25519
from aichain.client.rpc import CometRPC, RPCError


class LightClientError(Exception):
    """The header, its commit or its validator set does not check out (the message says how)."""


BLOCK_ID_FLAG_ABSENT = 1
"""CommitSig flag: the validator did not vote."""

BLOCK_ID_FLAG_COMMIT = 2
"""CommitSig flag: the validator precommitted this block."""

BLOCK_ID_FLAG_NIL = 3
"""CommitSig flag: the validator precommitted nil."""

PRECOMMIT_TYPE = 2
"""tendermint.types.SignedMsgType PRECOMMIT."""

ED25519_KEY_TYPE = "tendermint/PubKeyEd25519"
"""The JSON type name of an ed25519 validator key in CometBFT RPC answers."""

VALIDATORS_PER_PAGE = 100
"""The largest page CometBFT's /validators serves."""


# --- protobuf writer (proto3, gogoproto field order) ---------------------------------------


def _uvarint(n: int) -> bytes:
    """n (negative: as 64-bit two's complement, like int64) as a base-128 varint."""
    return encode_varint(n + (1 << 64) if n < 0 else n)


def _varint_field(number: int, value: int) -> bytes:
    """A varint field; the proto3 default 0 is left out."""
    return _uvarint(number << 3) + _uvarint(value) if value else b""


def _sfixed64_field(number: int, value: int) -> bytes:
    """An sfixed64 field; the proto3 default 0 is left out."""
    return _uvarint(number << 3 | 1) + struct.pack("<q", value) if value else b""


def _bytes_field(number: int, value: bytes) -> bytes:
    """A bytes/string field; empty is left out."""
    return _uvarint(number << 3 | 2) + _uvarint(len(value)) + value if value else b""


def _message_field(number: int, encoded: bytes) -> bytes:
    """A sub-message field, written even when empty (gogoproto non-nullable or set pointer)."""
    return _uvarint(number << 3 | 2) + _uvarint(len(encoded)) + encoded


# --- parsed records -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Timestamp:
    """A google.protobuf.Timestamp: seconds since the Unix epoch and nanoseconds."""

    seconds: int
    nanos: int


@dataclass(frozen=True, slots=True)
class BlockID:
    """A block ID: the header hash and the part set header (total, hash)."""

    hash: bytes
    parts_total: int
    parts_hash: bytes


@dataclass(frozen=True, slots=True)
class Header:
    """The 14 fields of a CometBFT block header, in hashing order."""

    version_block: int
    version_app: int
    chain_id: str
    height: int
    time: Timestamp
    last_block_id: BlockID
    last_commit_hash: bytes
    data_hash: bytes
    validators_hash: bytes
    next_validators_hash: bytes
    consensus_hash: bytes
    app_hash: bytes
    last_results_hash: bytes
    evidence_hash: bytes
    proposer_address: bytes


@dataclass(frozen=True, slots=True)
class CommitSig:
    """One validator's entry in a commit."""

    block_id_flag: int
    validator_address: bytes
    timestamp: Timestamp
    signature: bytes


@dataclass(frozen=True, slots=True)
class Commit:
    """The +2/3 precommits for a block."""

    height: int
    round: int
    block_id: BlockID
    signatures: tuple[CommitSig, ...]


@dataclass(frozen=True, slots=True)
class Validator:
    """A validator as hashed into the set: its ed25519 key and voting power."""

    address: bytes
    pub_key: bytes
    voting_power: int


@dataclass(frozen=True, slots=True)
class LightCheck:
    """What the light-client check of one header established."""

    height: int
    chain_id: str
    header_hash: bytes
    app_hash: bytes
    validators_hash: bytes
    validators_trusted: bool
    signatures_verified: int
    signatures_total: int
    power_verified: int
    power_total: int


# --- JSON parsing ---------------------------------------------------------------------------

_TIME_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$"
)


def compute_timestamp(text: str) -> Timestamp:
    """An RFC 3339 time with up to nanosecond precision (as CometBFT writes it) as a Timestamp."""
    m = _TIME_RE.match(text)
    if m is None:
        raise LightClientError(f"time {text!r} is not RFC 3339 (like 2024-01-02T03:04:05.6Z)")
    year, month, day, hour, minute, second = (int(g) for g in m.groups()[:6])
    seconds = calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0))
    zone = m.group(8)
    if zone != "Z":
        offset = int(zone[1:3]) * 3600 + int(zone[4:6]) * 60
        seconds -= offset if zone[0] == "+" else -offset
    return Timestamp(seconds, int((m.group(7) or "").ljust(9, "0")))


def _hex(value: Any, what: str) -> bytes:
    """A hex string from RPC JSON as bytes."""
    try:
        return bytes.fromhex(value or "")
    except (TypeError, ValueError):
        raise LightClientError(f"{what} {value!r} is not hex") from None


def _int(value: Any, what: str) -> int:
    """An integer (JSON number or decimal string) from RPC JSON."""
    try:
        return int(value)
    except (TypeError, ValueError):
        raise LightClientError(f"{what} {value!r} is not an integer") from None


def _block_id(data: dict[str, Any], what: str) -> BlockID:
    """A BlockID from RPC JSON ({hash, parts: {total, hash}})."""
    parts = data.get("parts") or {}
    return BlockID(
        _hex(data.get("hash"), f"{what} hash"),
        _int(parts.get("total", 0), f"{what} parts total"),
        _hex(parts.get("hash"), f"{what} parts hash"),
    )


def compute_header(data: dict[str, Any]) -> Header:
    """A Header from the `header` object of a /commit answer. Raises LightClientError."""
    try:
        return Header(
            version_block=_int(data["version"].get("block", 0), "version.block"),
            version_app=_int(data["version"].get("app", 0), "version.app"),
            chain_id=str(data["chain_id"]),
            height=_int(data["height"], "height"),
            time=compute_timestamp(data["time"]),
            last_block_id=_block_id(data["last_block_id"], "last_block_id"),
            last_commit_hash=_hex(data["last_commit_hash"], "last_commit_hash"),
            data_hash=_hex(data["data_hash"], "data_hash"),
            validators_hash=_hex(data["validators_hash"], "validators_hash"),
            next_validators_hash=_hex(data["next_validators_hash"], "next_validators_hash"),
            consensus_hash=_hex(data["consensus_hash"], "consensus_hash"),
            app_hash=_hex(data["app_hash"], "app_hash"),
            last_results_hash=_hex(data["last_results_hash"], "last_results_hash"),
            evidence_hash=_hex(data["evidence_hash"], "evidence_hash"),
            proposer_address=_hex(data["proposer_address"], "proposer_address"),
        )
    except (KeyError, AttributeError) as exc:
        raise LightClientError(f"the header from the node lacks field {exc}") from None


def compute_commit(data: dict[str, Any]) -> Commit:
    """A Commit from the `commit` object of a /commit answer. Raises LightClientError."""
    try:
        sigs = []
        for i, s in enumerate(data["signatures"]):
            flag = _int(s["block_id_flag"], f"signature {i} block_id_flag")
            sigs.append(
                CommitSig(
                    block_id_flag=flag,
                    validator_address=_hex(s.get("validator_address"), f"signature {i} address"),
                    timestamp=compute_timestamp(s["timestamp"])
                    if flag == BLOCK_ID_FLAG_COMMIT
                    else Timestamp(0, 0),
                    signature=base64.b64decode(s.get("signature") or ""),
                )
            )
        return Commit(
            height=_int(data["height"], "commit height"),
            round=_int(data["round"], "commit round"),
            block_id=_block_id(data["block_id"], "commit block_id"),
            signatures=tuple(sigs),
        )
    except (KeyError, AttributeError, TypeError) as exc:
        raise LightClientError(f"the commit from the node lacks field {exc}") from None
    except ValueError as exc:  # base64
        raise LightClientError(f"a commit signature is not base64: {exc}") from None


def compute_validators(items: list[dict[str, Any]]) -> list[Validator]:
    """Validators from /validators answers (in order). Raises LightClientError."""
    out = []
    for i, v in enumerate(items):
        try:
            key = v["pub_key"]
            address = _hex(v["address"], f"validator {i} address")
            if key.get("type") != ED25519_KEY_TYPE:
                raise LightClientError(
                    f"validator {address.hex().upper()} has a {key.get('type')!r} key; only "
                    f"{ED25519_KEY_TYPE} keys are supported by this light client"
                )
            pub_key = base64.b64decode(key["value"], validate=True)
            power = _int(v["voting_power"], f"validator {i} voting_power")
        except (KeyError, AttributeError, TypeError) as exc:
            raise LightClientError(f"validator {i} from the node lacks field {exc}") from None
        except ValueError as exc:
            raise LightClientError(f"validator {i} key is not base64: {exc}") from None
        if len(pub_key) != ed25519.PUBLIC_KEY_SIZE:
            raise LightClientError(f"validator {i} key is {len(pub_key)} bytes, not 32")
        if hashlib.sha256(pub_key).digest()[:20] != address:
            raise LightClientError(
                f"validator {i} address {address.hex().upper()} is not the address of its key"
            )
        if power <= 0:
            raise LightClientError(f"validator {address.hex().upper()} has voting power {power}")
        out.append(Validator(address, pub_key, power))
    return out


# --- hashing and sign bytes -----------------------------------------------------------------


def compute_merkle_root(items: list[bytes]) -> bytes:
    """CometBFT's simple Merkle root (RFC 6962 style): leaves sha256(0x00 || item), inner nodes
    sha256(0x01 || left || right), split at the largest power of two below n; sha256("") if
    there are no items."""
    n = len(items)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + items[0]).digest()
    k = 1 << ((n - 1).bit_length() - 1)
    left, right = compute_merkle_root(items[:k]), compute_merkle_root(items[k:])
    return hashlib.sha256(b"\x01" + left + right).digest()


def _timestamp_bytes(t: Timestamp) -> bytes:
    """google.protobuf.Timestamp{seconds = 1, nanos = 2}."""
    return _varint_field(1, t.seconds) + _varint_field(2, t.nanos)


def _block_id_bytes(b: BlockID) -> bytes:
    """tendermint.types.BlockID{hash = 1, part_set_header = 2 (non-nullable)}; the canonical
    CanonicalBlockID has the same field layout."""
    parts = _varint_field(1, b.parts_total) + _bytes_field(2, b.parts_hash)
    return _bytes_field(1, b.hash) + _message_field(2, parts)


def compute_header_leaves(h: Header) -> list[bytes]:
    """The 14 Merkle leaves of Header.Hash: Version and Timestamp and BlockID as their proto
    bytes; the rest wrapped like cdcEncode (StringValue, Int64Value, BytesValue: field 1)."""
    return [
        _varint_field(1, h.version_block) + _varint_field(2, h.version_app),
        _bytes_field(1, h.chain_id.encode()),
        _varint_field(1, h.height),
        _timestamp_bytes(h.time),
        _block_id_bytes(h.last_block_id),
        _bytes_field(1, h.last_commit_hash),
        _bytes_field(1, h.data_hash),
        _bytes_field(1, h.validators_hash),
        _bytes_field(1, h.next_validators_hash),
        _bytes_field(1, h.consensus_hash),
        _bytes_field(1, h.app_hash),
        _bytes_field(1, h.last_results_hash),
        _bytes_field(1, h.evidence_hash),
        _bytes_field(1, h.proposer_address),
    ]


def compute_header_hash(h: Header) -> bytes:
    """The block hash of a header (CometBFT Header.Hash)."""
    return compute_merkle_root(compute_header_leaves(h))


def compute_validator_bytes(v: Validator) -> bytes:
    """SimpleValidator{pub_key = 1: PublicKey{ed25519 = 1}, voting_power = 2}."""
    return _message_field(1, _bytes_field(1, v.pub_key)) + _varint_field(2, v.voting_power)


def compute_validator_set_hash(validators: list[Validator]) -> bytes:
    """The validator set hash (CometBFT ValidatorSet.Hash) of validators in set order."""
    return compute_merkle_root([compute_validator_bytes(v) for v in validators])


def compute_vote_sign_bytes(
    chain_id: str, height: int, round_: int, block_id: BlockID, timestamp: Timestamp
) -> bytes:
    """The bytes a precommit for block_id signs (CometBFT VoteSignBytes): a length-delimited
    CanonicalVote{type = 1, height = 2 and round = 3 as sfixed64, block_id = 4, timestamp = 5,
    chain_id = 6}."""
    vote = (
        _varint_field(1, PRECOMMIT_TYPE)
        + _sfixed64_field(2, height)
        + _sfixed64_field(3, round_)
        + _message_field(4, _block_id_bytes(block_id))
        + _message_field(5, _timestamp_bytes(timestamp))
        + _bytes_field(6, chain_id.encode())
    )
    return _uvarint(len(vote)) + vote


# --- the check ------------------------------------------------------------------------------


def verify_signed_header(
    signed_header: dict[str, Any],
    validators: list[dict[str, Any]],
    trusted_validators_hash: bytes | None = None,
    height: int | None = None,
) -> LightCheck:
    """Checks a /commit `signed_header` against the validator set of its height (the module
    doc lists the steps); height, when given, is the height asked for. Raises
    LightClientError naming the first thing that does not check out."""
    try:
        header = compute_header(signed_header["header"])
        commit = compute_commit(signed_header["commit"])
    except (KeyError, TypeError) as exc:
        raise LightClientError(f"the signed header from the node lacks {exc}") from None
    if height is not None and header.height != height:
        raise LightClientError(f"asked for the header at {height}, got one at {header.height}")
    if commit.height != header.height:
        raise LightClientError(
            f"the commit is for height {commit.height}, the header for {header.height}"
        )
    header_hash = compute_header_hash(header)
    if header_hash != commit.block_id.hash:
        raise LightClientError(
            f"header hash mismatch: the header hashes to {header_hash.hex().upper()} but the "
            f"commit signs block {commit.block_id.hash.hex().upper()}"
        )
    vals = compute_validators(validators)
    vals_hash = compute_validator_set_hash(vals)
    if vals_hash != header.validators_hash:
        raise LightClientError(
            f"validators_hash mismatch: the node's validator set hashes to "
            f"{vals_hash.hex().upper()}, the header names {header.validators_hash.hex().upper()}"
        )
    if trusted_validators_hash is not None and vals_hash != trusted_validators_hash:
        raise LightClientError(
            f"untrusted validator set: the header's validators_hash is "
            f"{vals_hash.hex().upper()}, not the trusted {trusted_validators_hash.hex().upper()} "
            "(--trust-validators-hash); the validators changed since that anchor, or the node "
            "serves another chain"
        )
    signed, power = _verify_commit_signatures(header.chain_id, commit, vals)
    total = sum(v.voting_power for v in vals)
    if 3 * power <= 2 * total:
        raise LightClientError(
            f"not enough voting power signed block {header.height}: {power} of {total} "
            f"({signed} signatures); more than 2/3 is needed"
        )
    return LightCheck(
        height=header.height,
        chain_id=header.chain_id,
        header_hash=header_hash,
        app_hash=header.app_hash,
        validators_hash=vals_hash,
        validators_trusted=trusted_validators_hash is not None,
        signatures_verified=signed,
        signatures_total=len(vals),
        power_verified=power,
        power_total=total,
    )


def _verify_commit_signatures(
    chain_id: str, commit: Commit, vals: list[Validator]
) -> tuple[int, int]:
    """(signatures verified, their voting power) over the commit's COMMIT entries; raises
    LightClientError on a bad, duplicate or unknown signer."""
    if len(commit.signatures) != len(vals):
        raise LightClientError(
            f"the commit has {len(commit.signatures)} entries for {len(vals)} validators"
        )
    by_address = {v.address: v for v in vals}
    seen: set[bytes] = set()
    signed = power = 0
    for i, sig in enumerate(commit.signatures):
        if sig.block_id_flag in (BLOCK_ID_FLAG_ABSENT, BLOCK_ID_FLAG_NIL):
            continue
        if sig.block_id_flag != BLOCK_ID_FLAG_COMMIT:
            raise LightClientError(
                f"commit entry {i} has unknown block_id_flag {sig.block_id_flag}"
            )
        name = sig.validator_address.hex().upper()
        val = by_address.get(sig.validator_address)
        if val is None:
            raise LightClientError(
                f"commit entry {i} is signed by {name}, not in the validator set"
            )
        if sig.validator_address in seen:
            raise LightClientError(f"validator {name} signed the commit twice")
        seen.add(sig.validator_address)
        if len(sig.signature) != ed25519.SIGNATURE_SIZE:
            raise LightClientError(
                f"validator {name}'s signature is {len(sig.signature)} bytes, not 64"
            )
        msg = compute_vote_sign_bytes(
            chain_id, commit.height, commit.round, commit.block_id, sig.timestamp
        )
        if not ed25519.verify(val.pub_key, msg, sig.signature):
            raise LightClientError(
                f"bad signature from validator {name} (commit entry {i}) on block "
                f"{commit.block_id.hash.hex().upper()}"
            )
        signed += 1
        power += val.voting_power
    return signed, power


# --- fetching over RPC ----------------------------------------------------------------------


def fetch_signed_header(rpc: CometRPC, height: int, wait_s: float = 10.0) -> dict[str, Any]:
    """The /commit signed header at height, waiting up to wait_s for the block. Raises
    RPCError."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            return rpc.call("commit", height=str(height))["signed_header"]
        except RPCError as exc:
            if time.monotonic() > deadline:
                raise RPCError(f"no header at height {height} to check against: {exc}") from None
            time.sleep(0.3)


def fetch_validators(rpc: CometRPC, height: int) -> list[dict[str, Any]]:
    """The whole validator set at height from /validators, page by page, in set order. Raises
    RPCError."""
    items: list[dict[str, Any]] = []
    page = 1
    while True:
        res = rpc.call(
            "validators", height=str(height), page=str(page), per_page=str(VALIDATORS_PER_PAGE)
        )
        batch = res.get("validators") or []
        items.extend(batch)
        total = int(res.get("total", len(items)))
        if len(items) >= total or not batch:
            break
        page += 1
    if len(items) != total:
        raise RPCError(f"/validators at {height} gave {len(items)} validators of {total}")
    return items


def fetch_verified_header(
    rpc: CometRPC, height: int, trusted_validators_hash: bytes | None = None
) -> LightCheck:
    """The header at height, checked by verify_signed_header against the node's validator set.
    Raises RPCError (node) or LightClientError (check failed, message names the block)."""
    signed_header = fetch_signed_header(rpc, height)
    validators = fetch_validators(rpc, height)
    try:
        return verify_signed_header(signed_header, validators, trusted_validators_hash, height)
    except LightClientError as exc:
        raise LightClientError(f"header of block {height} not verified: {exc}") from None
