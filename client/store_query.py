"""Fetch a raw store value with its proof over CometBFT RPC, and check it against the app hash
in the header of the next block (the header that commits to the state after height H)."""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass

from aichain.client.proofs import ProofError, verify_proof_ops
from aichain.client.rpc import CometRPC, RPCError


@dataclass(frozen=True, slots=True)
class ProvenValue:
    """A store query answer and what its proof check found."""

    module: str
    key: bytes
    value: bytes | None
    height: int
    app_hash: bytes
    verified: bool
    reason: str


def fetch_next_app_hash(rpc: CometRPC, height: int, wait_s: float = 10.0) -> bytes:
    """The app hash in the header of block height+1 (the state after height), waiting for it."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            header = rpc.call("commit", height=str(height + 1))["signed_header"]["header"]
            return bytes.fromhex(header["app_hash"])
        except RPCError as exc:
            if time.monotonic() > deadline:
                raise RPCError(
                    f"no header at height {height + 1} to check the proof against: {exc}"
                ) from None
            time.sleep(0.3)


def query_store(rpc: CometRPC, module: str, key: bytes, height: int, prove: bool) -> ProvenValue:
    """The value of MODULE/key at height (0: latest), verified when prove. Raises RPCError."""
    res = rpc.call(
        "abci_query", path=f"/store/{module}/key", data=key.hex(), height=str(height), prove=prove
    )["response"]
    if int(res.get("code", 0)) != 0:
        raise RPCError(res.get("log") or f"store query failed with code {res.get('code')}")
    value = base64.b64decode(res.get("value") or "") or None
    at = int(res.get("height", 0))
    if not prove:
        return ProvenValue(module, key, value, at, b"", False, "no proof requested")
    ops = [
        (op["type"], base64.b64decode(op.get("key") or ""), base64.b64decode(op.get("data") or ""))
        for op in (res.get("proofOps") or {}).get("ops", [])
    ]
    app_hash = fetch_next_app_hash(rpc, at)
    try:
        verify_proof_ops(app_hash, module.encode() + b"/" + key, value, ops)
    except ProofError as exc:
        return ProvenValue(module, key, value, at, app_hash, False, str(exc))
    what = "membership" if value is not None else "non-membership (key absent)"
    return ProvenValue(module, key, value, at, app_hash, True, f"{what} proof verified")
