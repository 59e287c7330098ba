"""Decoding and stateless checks of cosmos.tx.v1beta1.Tx transactions."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from cosmos.base.v1beta1 import coin_pb2
from cosmos.crypto.secp256k1 import keys_pb2 as secp_pb2
from cosmos.tx.signing.v1beta1 import signing_pb2
from cosmos.tx.v1beta1 import tx_pb2
from google.protobuf.message import DecodeError
from google.protobuf.unknown_fields import UnknownFieldSet

from aichain.app.amino import amino_sign_bytes
from aichain.app.coins import Coin, coins_from_proto
from aichain.app.errors import (
    InvalidGasLimitError,
    InvalidPubKeyError,
    InvalidRequestError,
    TxDecodeError,
    UnauthorizedError,
    UnknownExtensionOptionsError,
)
from aichain.app.multisig import (
    MULTISIG_PUBKEY_URL,
    BitArray,
    MultisigKey,
    check_multisig_shape,
    decode_bit_array,
    decode_multi_signature,
    decode_multisig_key,
)
from aichain.app.router import MsgRoute, Router

SECP256K1_PUBKEY_URL = "/cosmos.crypto.secp256k1.PubKey"
"""The only account key type this chain verifies."""

MAX_GAS_LIMIT = 2**63 - 1
"""Largest gas limit a tx may ask for."""

SIGN_MODE_DIRECT = signing_pb2.SIGN_MODE_DIRECT
"""A signature over the SignDoc bytes (body and auth info as sent)."""

SIGN_MODE_LEGACY_AMINO_JSON = signing_pb2.SIGN_MODE_LEGACY_AMINO_JSON
"""A signature over the SDK's StdSignDoc as sorted JSON (aichain.app.amino)."""

SIGN_MODES = (SIGN_MODE_DIRECT, SIGN_MODE_LEGACY_AMINO_JSON)
"""The sign modes this chain verifies."""


@dataclass(frozen=True, slots=True)
class SignerInfo:
    """One signer's declared key, sequence and sign mode.

    A multisig signer has `multisig` (its key), `bits` (which members signed) and
    `member_modes` (each member signature's mode, in order); `pubkey` is then None.
    """

    pubkey: bytes | None
    sequence: int
    mode: int = SIGN_MODE_DIRECT
    multisig: MultisigKey | None = None
    bits: BitArray | None = None
    member_modes: tuple[int, ...] = ()

    @property
    def key_count(self) -> int:
        """Keys this signer counts for against the signature limit (members of a multisig)."""
        return len(self.multisig.pubkeys) if self.multisig is not None else 1


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
    fee_amount: tuple[coin_pb2.Coin, ...] = ()
    """The fee coins exactly as sent, which an amino-JSON sign doc carries (set only when a
    signer uses amino JSON)."""
    member_signatures: tuple[tuple[bytes, ...], ...] = ()
    """Per signer: a multisig's member signatures (in member order); empty when no signer is
    a multisig."""
    unordered: bool = False
    timeout_timestamp: tuple[int, int] | None = None
    """The body's timeout timestamp (seconds, nanos) if set, which amino-JSON docs cover (read
    only when a signer uses amino JSON)."""


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
    if len(UnknownFieldSet(tx)) or tx.SerializeToString() != raw:
        # the signatures sit outside the signed bytes: without this, anyone relaying a tx
        # could add a field or repeat one and so change its hash (found by tests/fuzz)
        raise TxDecodeError(
            "tx bytes are not the canonical encoding of a cosmos.tx.v1beta1.TxRaw (unknown, "
            "repeated or out-of-order fields); re-encode the tx"
        )
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
    multisig = amino = False
    for info in infos:  # one pass: most txs have one direct-mode single signer
        if info.multisig is not None:
            multisig = True
        if info.mode != SIGN_MODE_DIRECT or info.member_modes:
            amino = amino or _uses_amino_json(info)
    members: tuple[tuple[bytes, ...], ...] = ()
    if multisig:
        members = tuple(
            _decode_member_signatures(info, sig, simulate)
            for info, sig in zip(infos, signatures, strict=True)
        )
    if amino:
        _check_amino_json_signable(body, [m for _, m in msgs])
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
        fee_amount=tuple(auth.fee.amount) if amino else (),
        member_signatures=members,
        unordered=body.unordered,
        timeout_timestamp=(
            (body.timeout_timestamp.seconds, body.timeout_timestamp.nanos)
            if amino and body.HasField("timeout_timestamp")
            else None
        ),
    )


def _decode_signer_info(info: tx_pb2.SignerInfo, simulate: bool = False) -> SignerInfo:
    """Checks a signer info: a secp256k1 signer in a supported sign mode, or a multisig
    (LegacyAminoPubKey) with a mode per member signature. In a simulation, missing mode info
    is taken as SIGN_MODE_DIRECT."""
    if info.mode_info.HasField("multi"):
        return _decode_multisig_info(info, simulate)
    unstated = not info.HasField("mode_info") or (
        info.mode_info.HasField("single") and info.mode_info.single.mode == 0
    )
    mode = SIGN_MODE_DIRECT
    if not (simulate and unstated):
        if not info.mode_info.HasField("single"):
            raise UnauthorizedError("signer info has no mode info: give single or multi")
        mode = _check_mode(info.mode_info.single.mode)
    pubkey = None
    if info.HasField("public_key"):
        if info.public_key.type_url == MULTISIG_PUBKEY_URL:
            raise InvalidPubKeyError(
                "a multisig public key needs multi mode info (a bit array and member modes)"
            )
        if info.public_key.type_url != SECP256K1_PUBKEY_URL:
            raise InvalidPubKeyError(
                f"unsupported key type {info.public_key.type_url}; use {SECP256K1_PUBKEY_URL} "
                f"or {MULTISIG_PUBKEY_URL}"
            )
        try:
            pubkey = secp_pb2.PubKey.FromString(info.public_key.value).key
        except DecodeError:
            raise InvalidPubKeyError("public key does not decode") from None
    return SignerInfo(pubkey, info.sequence, mode)


def _decode_multisig_info(info: tx_pb2.SignerInfo, simulate: bool) -> SignerInfo:
    """A multisig signer info: the multisig key must be given (aichain keeps no multisig key
    on the account), members may not be multisigs themselves."""
    if not info.HasField("public_key") or info.public_key.type_url != MULTISIG_PUBKEY_URL:
        raise InvalidPubKeyError(
            f"multi mode info needs the multisig public key ({MULTISIG_PUBKEY_URL}) in the "
            "signer info"
        )
    key = decode_multisig_key(info.public_key)
    multi = info.mode_info.multi
    bits = decode_bit_array(multi.bitarray)
    modes = []
    for member in multi.mode_infos:
        if not member.HasField("single"):
            raise UnauthorizedError("nested multisig signatures are not supported")
        modes.append(_check_mode(member.single.mode))
    if not simulate and bits.count != len(key.pubkeys):
        raise UnauthorizedError(
            f"multisig bit array size is incorrect: {bits.count} bits for "
            f"{len(key.pubkeys)} member keys"
        )
    return SignerInfo(None, info.sequence, SIGN_MODE_DIRECT, key, bits, tuple(modes))


def _check_mode(mode: int) -> int:
    """mode if this chain verifies it. Raises UnauthorizedError."""
    if mode not in SIGN_MODES:
        name = signing_pb2.SignMode.Name(mode) if mode in signing_pb2.SignMode.values() else mode
        raise UnauthorizedError(
            f"sign mode {name} is not supported; sign with SIGN_MODE_DIRECT or "
            "SIGN_MODE_LEGACY_AMINO_JSON"
        )
    return mode


def _decode_member_signatures(info: SignerInfo, raw: bytes, simulate: bool) -> tuple[bytes, ...]:
    """A multisig signer's member signatures, their count checked against its bit array and
    threshold (a simulation may leave them out). Empty for a single signer."""
    if info.multisig is None or (simulate and not raw):
        return ()
    assert info.bits is not None  # set with multisig by _decode_multisig_info
    signatures = decode_multi_signature(raw)
    check_multisig_shape(info.multisig, info.bits, signatures)
    if len(info.member_modes) != len(signatures):
        raise UnauthorizedError(
            f"multisig has {len(signatures)} signatures but {len(info.member_modes)} member "
            "mode infos"
        )
    return signatures


def _uses_amino_json(info: SignerInfo) -> bool:
    """Whether any signature of this signer is in SIGN_MODE_LEGACY_AMINO_JSON."""
    return info.mode == SIGN_MODE_LEGACY_AMINO_JSON or SIGN_MODE_LEGACY_AMINO_JSON in (
        info.member_modes
    )


def _check_amino_json_signable(body: tx_pb2.TxBody, msgs: list[Any]) -> None:
    """Raises UnauthorizedError if the tx cannot be signed in amino JSON, as the SDK's handler
    refuses it: extension options or unknown fields in the body (the StdSignDoc would not
    cover them)."""
    if body.non_critical_extension_options:
        raise UnauthorizedError(
            "SIGN_MODE_LEGACY_AMINO_JSON does not support protobuf extension options"
        )
    for message in (body, *msgs):
        if _has_unknown_fields(message):
            raise UnauthorizedError(
                f"{message.DESCRIPTOR.full_name} has fields unknown to this chain, which an "
                "amino-JSON signature does not cover; remove them"
            )


def _has_unknown_fields(message: Any) -> bool:
    """Whether a message or any message inside it carries unknown fields."""
    from google.protobuf import unknown_fields

    if len(unknown_fields.UnknownFieldSet(message)):
        return True
    for field, value in message.ListFields():
        if field.type != field.TYPE_MESSAGE:
            continue
        if field.message_type.GetOptions().map_entry:
            continue
        items = value if field.is_repeated else [value]
        if any(_has_unknown_fields(item) for item in items):
            return True
    return False


def signer_sign_bytes(
    tx: DecodedTx, mode: int, chain_id: str, account_number: int, sequence: int
) -> bytes:
    """What a signer of tx signs in mode: the SignDoc (direct) or the StdSignDoc JSON."""
    if mode == SIGN_MODE_LEGACY_AMINO_JSON:
        return amino_sign_bytes(
            chain_id=chain_id,
            account_number=account_number,
            sequence=sequence,
            timeout_height=tx.timeout_height,
            memo=tx.memo,
            fee_amount=tx.fee_amount,
            gas=tx.gas_limit,
            msgs=[msg for _, msg in tx.msgs],
            unordered=tx.unordered,
            timeout_timestamp=tx.timeout_timestamp,
        )
    return sign_doc_bytes(tx.body_bytes, tx.auth_info_bytes, chain_id, account_number)


def sign_doc_bytes(body_bytes: bytes, auth_info_bytes: bytes, chain_id: str, number: int) -> bytes:
    """The SIGN_MODE_DIRECT sign bytes: a serialized cosmos.tx.v1beta1.SignDoc."""
    return tx_pb2.SignDoc(
        body_bytes=body_bytes,
        auth_info_bytes=auth_info_bytes,
        chain_id=chain_id,
        account_number=number,
    ).SerializeToString()
