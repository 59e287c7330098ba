"""Fetch a raw store value with its proof over CometBFT RPC, and check it against the app hash
in the header of the next block (the header that commits to the state after height H). That
header is itself light-client checked (`client/light.py`): its hash, its validator set's hash
(optionally against a trusted one) and more than 2/3 of that set's signatures."""

from __future__ import annotations

import base64
from dataclasses import dataclass

from aichain.client.light import LightCheck, fetch_verified_header
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
    header: LightCheck | None = None


def query_store(
    rpc: CometRPC,
    module: str,
    key: bytes,
    height: int,
    prove: bool,
    trusted_validators_hash: bytes | None = None,
) -> ProvenValue:
    """The value of MODULE/key at height (0: latest), verified when prove against the
    light-client-checked header H+1 (its validator set must hash to trusted_validators_hash
    when given). Raises RPCError (node) or LightClientError (header H+1 does not check out)."""
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
    header = fetch_verified_header(rpc, at + 1, trusted_validators_hash)
    try:
        verify_proof_ops(header.app_hash, module.encode() + b"/" + key, value, ops)
    except ProofError as exc:
        return ProvenValue(module, key, value, at, header.app_hash, False, str(exc), header)
    what = "membership" if value is not None else "non-membership (key absent)"
    return ProvenValue(
        module, key, value, at, header.app_hash, True, f"{what} proof verified", header
    )
