"""Builds and signs cosmos.tx.v1beta1 transactions (SIGN_MODE_DIRECT, secp256k1)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cosmos.bank.v1beta1 import bank_pb2
from cosmos.bank.v1beta1 import tx_pb2 as bank_tx_pb2
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


def msg_send(sender: str, recipient: str, coins: Sequence[Coin]) -> bank_tx_pb2.MsgSend:
    """A bank MsgSend."""
    return bank_tx_pb2.MsgSend(from_address=sender, to_address=recipient, amount=coins_proto(coins))


def msg_multi_send(
    sender: str, total: Sequence[Coin], outputs: Sequence[tuple[str, Sequence[Coin]]]
) -> bank_tx_pb2.MsgMultiSend:
    """A bank MsgMultiSend with one input."""
    return bank_tx_pb2.MsgMultiSend(
        inputs=[bank_pb2.Input(address=sender, coins=coins_proto(total))],
        outputs=[bank_pb2.Output(address=a, coins=coins_proto(c)) for a, c in outputs],
    )


def msg_create_validator(
    operator: bytes,
    consensus_pubkey: bytes,
    moniker: str,
    amount: int,
    denom: str = "uaic",
    commission_rate: str = "0.10",
    commission_max_rate: str = "0.20",
    commission_max_change_rate: str = "0.01",
    min_self_delegation: int = 1,
    details: str = "",
) -> Message:
    """A staking MsgCreateValidator (rates as decimal text, e.g. '0.10'; ed25519 key bytes)."""
    from cosmos.staking.v1beta1 import staking_pb2
    from cosmos.staking.v1beta1 import tx_pb2 as staking_tx

    from aichain.app.crypto import account_address, valoper_address
    from aichain.app.dec import dec_wire, parse_dec_text
    from aichain.modules.staking.types import pubkey_any

    return staking_tx.MsgCreateValidator(
        description=staking_pb2.Description(moniker=moniker, details=details),
        commission=staking_pb2.CommissionRates(
            rate=dec_wire(parse_dec_text(commission_rate)),
            max_rate=dec_wire(parse_dec_text(commission_max_rate)),
            max_change_rate=dec_wire(parse_dec_text(commission_max_change_rate)),
        ),
        min_self_delegation=str(min_self_delegation),
        delegator_address=account_address(operator),
        validator_address=valoper_address(operator),
        pubkey=pubkey_any(consensus_pubkey),
        value=coin_pb2.Coin(denom=denom, amount=str(amount)),
    )


def msg_edit_validator(
    operator: bytes,
    moniker: str = "[do-not-modify]",
    commission_rate: str = "",
    min_self_delegation: int = 0,
    details: str = "[do-not-modify]",
) -> Message:
    """A staking MsgEditValidator (empty rate / 0 minimum: unchanged)."""
    from cosmos.staking.v1beta1 import staking_pb2
    from cosmos.staking.v1beta1 import tx_pb2 as staking_tx

    from aichain.app.crypto import valoper_address
    from aichain.app.dec import dec_wire, parse_dec_text

    keep = "[do-not-modify]"
    return staking_tx.MsgEditValidator(
        description=staking_pb2.Description(
            moniker=moniker, identity=keep, website=keep, security_contact=keep, details=details
        ),
        validator_address=valoper_address(operator),
        commission_rate=dec_wire(parse_dec_text(commission_rate)) if commission_rate else "",
        min_self_delegation=str(min_self_delegation) if min_self_delegation else "",
    )


def msg_delegate(delegator: str, validator: str, coin: Coin) -> Message:
    """A staking MsgDelegate (validator as aicvaloper1...)."""
    from cosmos.staking.v1beta1 import tx_pb2 as staking_tx

    return staking_tx.MsgDelegate(
        delegator_address=delegator, validator_address=validator, amount=coins_proto([coin])[0]
    )


def msg_undelegate(delegator: str, validator: str, coin: Coin) -> Message:
    """A staking MsgUndelegate."""
    from cosmos.staking.v1beta1 import tx_pb2 as staking_tx

    return staking_tx.MsgUndelegate(
        delegator_address=delegator, validator_address=validator, amount=coins_proto([coin])[0]
    )


def msg_redelegate(delegator: str, src: str, dst: str, coin: Coin) -> Message:
    """A staking MsgBeginRedelegate."""
    from cosmos.staking.v1beta1 import tx_pb2 as staking_tx

    return staking_tx.MsgBeginRedelegate(
        delegator_address=delegator,
        validator_src_address=src,
        validator_dst_address=dst,
        amount=coins_proto([coin])[0],
    )


def msg_cancel_unbonding(delegator: str, validator: str, coin: Coin, height: int) -> Message:
    """A staking MsgCancelUnbondingDelegation of the entry created at height."""
    from cosmos.staking.v1beta1 import tx_pb2 as staking_tx

    return staking_tx.MsgCancelUnbondingDelegation(
        delegator_address=delegator,
        validator_address=validator,
        amount=coins_proto([coin])[0],
        creation_height=height,
    )


def msg_withdraw_rewards(delegator: str, validator: str) -> Message:
    """A distribution MsgWithdrawDelegatorReward."""
    from cosmos.distribution.v1beta1 import tx_pb2 as distr_tx

    return distr_tx.MsgWithdrawDelegatorReward(
        delegator_address=delegator, validator_address=validator
    )


def msg_withdraw_commission(validator: str) -> Message:
    """A distribution MsgWithdrawValidatorCommission."""
    from cosmos.distribution.v1beta1 import tx_pb2 as distr_tx

    return distr_tx.MsgWithdrawValidatorCommission(validator_address=validator)


def msg_set_withdraw_address(delegator: str, withdraw: str) -> Message:
    """A distribution MsgSetWithdrawAddress."""
    from cosmos.distribution.v1beta1 import tx_pb2 as distr_tx

    return distr_tx.MsgSetWithdrawAddress(delegator_address=delegator, withdraw_address=withdraw)


def msg_unjail(validator: str) -> Message:
    """A slashing MsgUnjail."""
    from cosmos.slashing.v1beta1 import tx_pb2 as slashing_tx

    return slashing_tx.MsgUnjail(validator_addr=validator)


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
