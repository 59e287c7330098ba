"""Sign bytes of inference results and prepaid receipts, shared by the chain and the worker.

A worker's hot key signs a result; a requester's account key signs a prepaid receipt. Both
are 64-byte compact secp256k1 signatures (r || s, low S) over sha256 of the sign bytes, the
way the repository signs transactions (`app/crypto.py`):

    result:  sha256(b"aichain/attribution/v1/result"  || InferenceResult bytes)
    receipt: sha256(b"aichain/attribution/v1/receipt" || PrepaidReceipt bytes)

The bytes signed are exactly the bytes carried (`ResultBundle.body`, `ResultBundle.receipt`),
so the signature covers what the chain parses whatever the serializer. The domain prefixes
keep a result signature from ever passing as a receipt signature (or a transaction's) and
back. Clients (the worker daemon) import `sign_result`, `sign_receipt` and `make_bundle`.
"""

from __future__ import annotations

import hashlib

from aichain.app.crypto import PrivateKey, verify_signature

RESULT_DOMAIN = b"aichain/attribution/v1/result"
"""Prefix of the bytes a worker's hot key signs for a result."""

RECEIPT_DOMAIN = b"aichain/attribution/v1/receipt"
"""Prefix of the bytes a requester's account key signs for a prepaid receipt."""

SIGNATURE_LENGTH = 64
"""Compact secp256k1 signature: r || s, 32 bytes each, s in the low half."""


def result_sign_bytes(body: bytes) -> bytes:
    """The bytes whose sha256 a hot key signs for a serialized InferenceResult."""
    return RESULT_DOMAIN + bytes(body)


def receipt_sign_bytes(receipt: bytes) -> bytes:
    """The bytes whose sha256 a requester signs for a serialized PrepaidReceipt."""
    return RECEIPT_DOMAIN + bytes(receipt)


def result_digest(body: bytes) -> bytes:
    """sha256 of a result's sign bytes (what the signature is over)."""
    return hashlib.sha256(result_sign_bytes(body)).digest()


def receipt_digest(receipt: bytes) -> bytes:
    """sha256 of a receipt's sign bytes (what the signature is over)."""
    return hashlib.sha256(receipt_sign_bytes(receipt)).digest()


def _key(secret: bytes | PrivateKey) -> PrivateKey:
    return secret if isinstance(secret, PrivateKey) else PrivateKey(bytes(secret))


def sign_result(hot_key: bytes | PrivateKey, body: bytes) -> bytes:
    """The 64-byte signature of a hot key (secret bytes or PrivateKey) over a result body."""
    return _key(hot_key).sign(result_sign_bytes(body))


def sign_receipt(account_key: bytes | PrivateKey, receipt: bytes) -> bytes:
    """The 64-byte signature of a requester's account key over a receipt."""
    return _key(account_key).sign(receipt_sign_bytes(receipt))


def verify_result(hot_pubkey: bytes, body: bytes, signature: bytes) -> bool:
    """Whether `signature` is the hot key's (33-byte compressed) signature over `body`."""
    return verify_signature(bytes(hot_pubkey), result_sign_bytes(body), bytes(signature))


def verify_receipt(pubkey: bytes, receipt: bytes, signature: bytes) -> bool:
    """Whether `signature` is the account key's signature over `receipt`."""
    return verify_signature(bytes(pubkey), receipt_sign_bytes(receipt), bytes(signature))


def make_bundle(
    hot_key: bytes | PrivateKey,
    result: object,
    *,
    receipt: object | None = None,
    requester_key: bytes | PrivateKey | None = None,
    receipt_signature: bytes | None = None,
) -> object:
    """A signed `ResultBundle` for an `InferenceResult` message (client helper).

    For a prepaid result pass the `PrepaidReceipt` and either the requester's key (to sign
    it here) or the requester's `receipt_signature`."""
    from aichain.attribution.v1 import attribution_pb2

    body = result.SerializeToString() if hasattr(result, "SerializeToString") else bytes(result)  # type: ignore[arg-type]
    bundle = attribution_pb2.ResultBundle(body=body, signature=sign_result(hot_key, body))
    if receipt is not None:
        raw = (
            receipt.SerializeToString()  # type: ignore[union-attr]
            if hasattr(receipt, "SerializeToString")
            else bytes(receipt)  # type: ignore[call-overload]
        )
        bundle.receipt = raw
        if receipt_signature is not None:
            bundle.receipt_signature = bytes(receipt_signature)
        elif requester_key is not None:
            bundle.receipt_signature = sign_receipt(requester_key, raw)
    return bundle


def commitment(dispute_id: int, member: bytes, vote: bytes, salt: bytes) -> bytes:
    """A committee member's commitment: sha256(dispute_id (8 bytes BE) || member address
    bytes || vote || salt), where `vote` is `vote_bytes` of what the member's re-run found."""
    return hashlib.sha256(
        int(dispute_id).to_bytes(8, "big") + bytes(member) + bytes(vote) + bytes(salt)
    ).digest()


def vote_bytes(attributions: object, output_hash: str, evidence_hash: str) -> bytes:
    """The canonical bytes of a vote: each entry (datanet id, version, record id as 8 bytes
    BE, weight as 4 bytes BE) in the order given, then the output and evidence hashes
    length-prefixed (2 bytes BE) in UTF-8."""
    entries = list(attributions)  # type: ignore[call-overload]
    parts = [len(entries).to_bytes(4, "big")]
    for entry in entries:
        parts.append(
            int(entry.datanet_id).to_bytes(8, "big")
            + int(entry.version).to_bytes(8, "big")
            + int(entry.record_id).to_bytes(8, "big")
            + int(entry.weight_ppm).to_bytes(4, "big")
        )
    for text in (output_hash, evidence_hash):
        raw = text.encode()
        parts.append(len(raw).to_bytes(2, "big") + raw)
    return b"".join(parts)
