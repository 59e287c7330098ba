"""Builds and signs cosmos.tx.v1beta1 transactions (SIGN_MODE_DIRECT, secp256k1).

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

from aichain.app.coins import Coin
from aichain.app.crypto import PrivateKey


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


def build_tx(
    msgs: Sequence[Message],
    key: PrivateKey,
    signer: SignerData,
    chain_id: str,
    fee: Sequence[Coin],
    gas_limit: int,
    memo: str = "",
    timeout_height: int = 0,
) -> bytes:
    """Signed TxRaw bytes with one signer."""
    body = tx_pb2.TxBody(messages=[pack(m) for m in msgs], memo=memo, timeout_height=timeout_height)
    pubkey = any_pb2.Any(
        type_url="/cosmos.crypto.secp256k1.PubKey",
        value=secp_pb2.PubKey(key=key.pubkey).SerializeToString(),
    )
    auth_info = tx_pb2.AuthInfo(
        signer_infos=[
            tx_pb2.SignerInfo(
                public_key=pubkey,
                mode_info=tx_pb2.ModeInfo(
                    single=tx_pb2.ModeInfo.Single(mode=signing_pb2.SIGN_MODE_DIRECT)
                ),
                sequence=signer.sequence,
            )
        ],
        fee=tx_pb2.Fee(amount=coins_proto(fee), gas_limit=gas_limit),
    )
    body_bytes = body.SerializeToString()
    auth_bytes = auth_info.SerializeToString()
    doc = tx_pb2.SignDoc(
        body_bytes=body_bytes,
        auth_info_bytes=auth_bytes,
        chain_id=chain_id,
        account_number=signer.account_number,
    )
    signature = key.sign(doc.SerializeToString())
    raw = tx_pb2.TxRaw(body_bytes=body_bytes, auth_info_bytes=auth_bytes, signatures=[signature])
    return raw.SerializeToString()
