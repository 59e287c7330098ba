"""Decoding and stateless checks of cosmos.tx.v1beta1.Tx transactions."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from cosmos.crypto.secp256k1 import keys_pb2 as secp_pb2
from cosmos.tx.signing.v1beta1 import signing_pb2
from cosmos.tx.v1beta1 import tx_pb2
from google.protobuf.message import DecodeError

from aichain.app.coins import Coin, coins_from_proto
from aichain.app.errors import (
    InvalidGasLimitError,
    InvalidPubKeyError,
    InvalidRequestError,
    TxDecodeError,
    UnauthorizedError,
    UnknownExtensionOptionsError,
)
from aichain.app.router import MsgRoute, Router

SECP256K1_PUBKEY_URL = "/cosmos.crypto.secp256k1.PubKey"
"""The only account key type this chain verifies."""

MAX_GAS_LIMIT = 2**63 - 1
"""Largest gas limit a tx may ask for."""

SIGN_MODE_DIRECT = signing_pb2.SIGN_MODE_DIRECT
"""The sign mode this chain verifies: a signature over the SignDoc bytes."""


@dataclass(frozen=True, slots=True)
class SignerInfo:
    """One signer's declared key and sequence."""

    pubkey: bytes | None
    sequence: int


@dataclass(frozen=True, slots=True)
class DecodedTx:
    """A decoded tx with its messages resolved to routes; built once per tx bytes."""

    raw: bytes
    hash: bytes
    body_bytes: bytes
    auth_info_bytes: bytes
    msgs: tuple[tuple[MsgRoute, Any], ...]
    signers: tuple[bytes, ...]
    signer_infos: tuple[SignerInfo, ...]
    signatures: tuple[bytes, ...]
    fee: tuple[Coin, ...]
    gas_limit: int
    payer: bytes
    memo: str
    timeout_height: int


def tx_hash(raw: bytes) -> bytes:
    """The tx hash CometBFT reports: sha256 of the tx bytes."""
    return hashlib.sha256(raw).digest()


def decode_tx(raw: bytes, router: Router, simulate: bool = False) -> DecodedTx:
    """Decodes tx bytes and runs every stateless check (each message's validate_basic too).

    simulate: decode a tx sent for gas estimation as the Cosmos SDK accepts it — gas limit 0
    (the simulation meter is unlimited), empty or missing signatures, a signer info without
    mode info (taken as SIGN_MODE_DIRECT), no public key. Such a tx is never executed for
    real: CheckTx and FinalizeBlock decode with simulate=False.

    Raises TxDecodeError, UnknownRequestError, InvalidRequestError, UnauthorizedError,
    InvalidPubKeyError, InvalidGasLimitError, InvalidCoinsError, UnknownExtensionOptionsError.
    """
    try:
        tx = tx_pb2.TxRaw.FromString(raw)
        body = tx_pb2.TxBody.FromString(tx.body_bytes)
        auth = tx_pb2.AuthInfo.FromString(tx.auth_info_bytes)
    except DecodeError as exc:
        raise TxDecodeError(f"bytes are not a cosmos.tx.v1beta1.Tx: {exc}") from None
    if not tx.body_bytes:
        raise TxDecodeError("tx has no body")
    if body.extension_options:
        raise UnknownExtensionOptionsError("extension options are not supported by this chain")
    if not body.messages:
        raise InvalidRequestError("tx has no messages: add at least one")
    msgs = []
    signers: list[bytes] = []
    for packed in body.messages:
        route = router.msg_route(packed.type_url)
        try:
            msg = route.proto.FromString(packed.value)
        except DecodeError as exc:
            raise TxDecodeError(f"message {packed.type_url} does not decode: {exc}") from None
        route.validate_basic(msg)
        for signer in route.signers(msg):
            if signer not in signers:
                signers.append(signer)
        msgs.append((route, msg))
    infos = tuple(_decode_signer_info(info, simulate) for info in auth.signer_infos)
    signatures = tuple(tx.signatures)
    if simulate and len(signatures) < len(infos):
        signatures += (b"",) * (len(infos) - len(signatures))
    if len(signatures) != len(infos):
        raise UnauthorizedError(
            f"wrong number of signatures; expected {len(infos)}, got {len(signatures)}"
        )
    if len(infos) != len(signers):
        raise UnauthorizedError(
            f"wrong number of signers; expected {len(signers)}, got {len(infos)}"
        )
    fee = coins_from_proto(auth.fee.amount)
    gas_limit = auth.fee.gas_limit
    if (gas_limit == 0 and not simulate) or gas_limit > MAX_GAS_LIMIT:
        raise InvalidGasLimitError(f"gas limit must be in [1, 2^63), got {gas_limit}")
    payer = signers[0]
    if auth.fee.payer:
        raise InvalidRequestError("fee payer other than the first signer is not supported")
    if auth.fee.granter:
        raise InvalidRequestError("fee grants are not supported")
    return DecodedTx(
        raw=raw,
        hash=tx_hash(raw),
        body_bytes=tx.body_bytes,
        auth_info_bytes=tx.auth_info_bytes,
        msgs=tuple(msgs),
        signers=tuple(signers),
        signer_infos=infos,
        signatures=signatures,
        fee=fee,
        gas_limit=gas_limit,
        payer=payer,
        memo=body.memo,
        timeout_height=body.timeout_height,
    )


def _decode_signer_info(info: tx_pb2.SignerInfo, simulate: bool = False) -> SignerInfo:
    """Checks a signer info is a single secp256k1 SIGN_MODE_DIRECT signer (in a simulation,
    missing mode info is taken as that)."""
    unstated = not info.HasField("mode_info") or (
        info.mode_info.HasField("single") and info.mode_info.single.mode == 0
    )
    if not (simulate and unstated):
        if not info.mode_info.HasField("single"):
            raise UnauthorizedError("only single-signer mode info is supported (no multisig)")
        if info.mode_info.single.mode != SIGN_MODE_DIRECT:
            raise UnauthorizedError(
                f"sign mode {signing_pb2.SignMode.Name(info.mode_info.single.mode)} is not "
                "supported; sign with SIGN_MODE_DIRECT"
            )
    pubkey = None
    if info.HasField("public_key"):
        if info.public_key.type_url != SECP256K1_PUBKEY_URL:
            raise InvalidPubKeyError(
                f"unsupported key type {info.public_key.type_url}; use {SECP256K1_PUBKEY_URL}"
            )
        try:
            pubkey = secp_pb2.PubKey.FromString(info.public_key.value).key
        except DecodeError:
            raise InvalidPubKeyError("public key does not decode") from None
    return SignerInfo(pubkey, info.sequence)


def sign_doc_bytes(body_bytes: bytes, auth_info_bytes: bytes, chain_id: str, number: int) -> bytes:
    """The SIGN_MODE_DIRECT sign bytes: a serialized cosmos.tx.v1beta1.SignDoc."""
    return tx_pb2.SignDoc(
        body_bytes=body_bytes,
        auth_info_bytes=auth_info_bytes,
        chain_id=chain_id,
        account_number=number,
    ).SerializeToString()
