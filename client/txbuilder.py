"""Builds and signs cosmos.tx.v1beta1 transactions (secp256k1 keys; SIGN_MODE_DIRECT or
SIGN_MODE_LEGACY_AMINO_JSON; a multisig's member signatures and their assembly).

Only what every tx shares lives here (packing, coins, signing). Each module's message builders
(msg_send, msg_delegate, ...) live in its `modules/<name>/cli.py`; the old names still import
from here, found in the module CLIs by name (see __getattr__).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cosmos.base.v1beta1 import coin_pb2
from cosmos.crypto.secp256k1 import keys_pb2 as secp_pb2
from cosmos.tx.signing.v1beta1 import signing_pb2
from cosmos.tx.v1beta1 import tx_pb2
from google.protobuf import any_pb2
from google.protobuf.message import Message

from aichain.app.amino import amino_sign_bytes
from aichain.app.coins import Coin
from aichain.app.crypto import PrivateKey
from aichain.app.multisig import BitArray, MultisigKey, encode_multi_signature

SIGN_MODE_DIRECT = signing_pb2.SIGN_MODE_DIRECT
"""Sign the SignDoc (body and auth info bytes): the default."""

SIGN_MODE_AMINO_JSON = signing_pb2.SIGN_MODE_LEGACY_AMINO_JSON
"""Sign the SDK's StdSignDoc JSON (what Ledger and amino wallets sign)."""

SIGN_MODE_NAMES = {"direct": SIGN_MODE_DIRECT, "amino-json": SIGN_MODE_AMINO_JSON}
"""--sign-mode values, as the Cosmos SDK's CLI names them."""


@dataclass(frozen=True, slots=True)
class SignerData:
    """What a signer needs from the chain: account number and sequence."""

    account_number: int
    sequence: int


def pack(msg: Message) -> any_pb2.Any:
    """A message as an Any with its Cosmos type URL ('/' + full name)."""
    return any_pb2.Any(type_url="/" + msg.DESCRIPTOR.full_name, value=msg.SerializeToString())


def coins_proto(coins: Sequence[Coin]) -> list[coin_pb2.Coin]:
    """Coins as cosmos.base.v1beta1.Coin messages."""
    return [coin_pb2.Coin(denom=c.denom, amount=str(c.amount)) for c in coins]


def secp256k1_any(pubkey: bytes) -> any_pb2.Any:
    """A compressed secp256k1 public key as the Any a signer info carries."""
    return any_pb2.Any(
        type_url="/cosmos.crypto.secp256k1.PubKey",
        value=secp_pb2.PubKey(key=pubkey).SerializeToString(),
    )


def single_mode(mode: int) -> tx_pb2.ModeInfo:
    """Mode info of one signature in mode."""
    return tx_pb2.ModeInfo(single=tx_pb2.ModeInfo.Single(mode=mode))


def compute_sign_bytes(tx: tx_pb2.Tx, mode: int, chain_id: str, signer: SignerData) -> bytes:
    """What a signer of tx signs in mode (tx's signer infos must already be final for
    SIGN_MODE_DIRECT, whose sign doc covers them)."""
    if mode == SIGN_MODE_AMINO_JSON:
        return amino_sign_bytes(
            chain_id=chain_id,
            account_number=signer.account_number,
            sequence=signer.sequence,
            timeout_height=tx.body.timeout_height,
            memo=tx.body.memo,
            fee_amount=list(tx.auth_info.fee.amount),
            gas=tx.auth_info.fee.gas_limit,
            msgs=list(tx.body.messages),
            payer=tx.auth_info.fee.payer,
            granter=tx.auth_info.fee.granter,
            unordered=tx.body.unordered,
            timeout_timestamp=(
                (tx.body.timeout_timestamp.seconds, tx.body.timeout_timestamp.nanos)
                if tx.body.HasField("timeout_timestamp")
                else None
            ),
        )
    if mode != SIGN_MODE_DIRECT:
        raise ValueError(f"sign mode {mode} is not supported; use direct or amino-json")
    return tx_pb2.SignDoc(
        body_bytes=tx.body.SerializeToString(),
        auth_info_bytes=tx.auth_info.SerializeToString(),
        chain_id=chain_id,
        account_number=signer.account_number,
    ).SerializeToString()


def sign_tx(
    tx: tx_pb2.Tx,
    key: PrivateKey,
    signer: SignerData,
    chain_id: str,
    mode: int = SIGN_MODE_DIRECT,
    overwrite: bool = False,
) -> tx_pb2.Tx:
    """A copy of tx with key's signer info and signature added (replacing its own earlier
    signature; every other signature dropped when overwrite)."""
    out = tx_pb2.Tx()
    out.CopyFrom(tx)
    pubkey = secp256k1_any(key.pubkey)
    kept = [
        (info, sig)
        for info, sig in zip(out.auth_info.signer_infos, out.signatures, strict=False)
        if not overwrite and info.public_key != pubkey
    ]
    del out.auth_info.signer_infos[:]
    del out.signatures[:]
    for info, sig in kept:
        out.auth_info.signer_infos.append(info)
        out.signatures.append(sig)
    info = tx_pb2.SignerInfo(
        public_key=pubkey, mode_info=single_mode(mode), sequence=signer.sequence
    )
    out.auth_info.signer_infos.append(info)
    out.signatures.append(b"")
    signature = key.sign(compute_sign_bytes(out, mode, chain_id, signer))
    out.signatures[-1] = signature
    return out


def multisig_member_signature(
    tx: tx_pb2.Tx, key: PrivateKey, signer: SignerData, chain_id: str
) -> signing_pb2.SignatureDescriptor:
    """A member's partial signature of a multisig account's tx (SIGN_MODE_LEGACY_AMINO_JSON,
    as the SDK's `tx sign --multisig`; signer is the multisig account's number and sequence)."""
    signature = key.sign(compute_sign_bytes(tx, SIGN_MODE_AMINO_JSON, chain_id, signer))
    return signing_pb2.SignatureDescriptor(
        public_key=secp256k1_any(key.pubkey),
        data=signing_pb2.SignatureDescriptor.Data(
            single=signing_pb2.SignatureDescriptor.Data.Single(
                mode=SIGN_MODE_AMINO_JSON, signature=signature
            )
        ),
        sequence=signer.sequence,
    )


def assemble_multisig(
    tx: tx_pb2.Tx, key: MultisigKey, sequence: int, members: dict[int, tuple[int, bytes]]
) -> tx_pb2.Tx:
    """A copy of tx signed by a multisig: members maps member index -> (mode, signature).
    The signer info carries the multisig key, the bit array and the members' modes."""
    out = tx_pb2.Tx()
    out.CopyFrom(tx)
    bits = BitArray(tuple(i in members for i in range(len(key.pubkeys))))
    order = sorted(members)
    info = tx_pb2.SignerInfo(
        public_key=key.to_any(),
        mode_info=tx_pb2.ModeInfo(
            multi=tx_pb2.ModeInfo.Multi(
                bitarray=bits.to_proto(), mode_infos=[single_mode(members[i][0]) for i in order]
            )
        ),
        sequence=sequence,
    )
    del out.auth_info.signer_infos[:]
    del out.signatures[:]
    out.auth_info.signer_infos.append(info)
    out.signatures.append(encode_multi_signature([members[i][1] for i in order]))
    return out


def tx_raw(tx: tx_pb2.Tx) -> bytes:
    """A Tx as the TxRaw bytes a node accepts."""
    return tx_pb2.TxRaw(
        body_bytes=tx.body.SerializeToString(),
        auth_info_bytes=tx.auth_info.SerializeToString(),
        signatures=list(tx.signatures),
    ).SerializeToString()


def build_tx(
    msgs: Sequence[Message],
    key: PrivateKey,
    signer: SignerData,
    chain_id: str,
    fee: Sequence[Coin],
    gas_limit: int,
    memo: str = "",
    timeout_height: int = 0,
    sign_mode: int = SIGN_MODE_DIRECT,
) -> bytes:
    """Signed TxRaw bytes with one signer, in sign_mode (direct or amino JSON)."""
    body = tx_pb2.TxBody(messages=[pack(m) for m in msgs], memo=memo, timeout_height=timeout_height)
    auth_info = tx_pb2.AuthInfo(
        signer_infos=[
            tx_pb2.SignerInfo(
                public_key=secp256k1_any(key.pubkey),
                mode_info=single_mode(sign_mode),
                sequence=signer.sequence,
            )
        ],
        fee=tx_pb2.Fee(amount=coins_proto(fee), gas_limit=gas_limit),
    )
    body_bytes = body.SerializeToString()
    auth_bytes = auth_info.SerializeToString()
    if sign_mode == SIGN_MODE_DIRECT:
        doc = tx_pb2.SignDoc(
            body_bytes=body_bytes,
            auth_info_bytes=auth_bytes,
            chain_id=chain_id,
            account_number=signer.account_number,
        ).SerializeToString()
    else:
        doc = compute_sign_bytes(
            tx_pb2.Tx(body=body, auth_info=auth_info), sign_mode, chain_id, signer
        )
    signature = key.sign(doc)
    raw = tx_pb2.TxRaw(body_bytes=body_bytes, auth_info_bytes=auth_bytes, signatures=[signature])
    return raw.SerializeToString()
