"""SIGN_MODE_LEGACY_AMINO_JSON and multisig accounts through ABCI: what lands, what the ante
refuses (a registered error, nothing changed) and the gas multisig signatures cost."""

from __future__ import annotations

import pytest
from cosmos.tx.v1beta1 import tx_pb2

from aichain.app.coins import Coin
from aichain.app.crypto import PrivateKey, account_address
from aichain.app.errors import (
    InvalidPubKeyError,
    TooManySignaturesError,
    TxDecodeError,
    UnauthorizedError,
)
from aichain.app.multisig import BitArray, MultisigKey, compute_multisig_key, encode_multi_signature
from aichain.client import txbuilder as tb
from aichain.client.txbuilder import SignerData, build_tx, pack
from aichain.modules.bank.cli import msg_send
from tests.helpers import CHAIN_ID, DENOM, Chain, make_key

ALICE, BOB, CAROL, DAVE = (make_key(i) for i in (51, 52, 53, 54))
AMINO, DIRECT = tb.SIGN_MODE_AMINO_JSON, tb.SIGN_MODE_DIRECT
FEE = [Coin(DENOM, 5_000)]


def _send(sender: bytes, to: bytes, amount: int = 7) -> object:
    return msg_send(account_address(sender), account_address(to), [Coin(DENOM, amount)])


def _code(error: type) -> tuple[str, int]:
    return (error.codespace, error.code)


@pytest.fixture
def chain() -> Chain:
    return Chain.start([(ALICE, 10**9), (BOB, 10**9)])


# --- SIGN_MODE_LEGACY_AMINO_JSON ------------------------------------------------------------


def test_amino_json_send_lands(chain: Chain) -> None:
    signer = SignerData(chain.numbers[ALICE.address], 0)
    raw = build_tx([_send(ALICE.address, BOB.address)], ALICE, signer, CHAIN_ID, FEE, 200_000,
                   memo="ledger <&>", timeout_height=50, sign_mode=AMINO)  # fmt: skip
    assert chain.check(raw).code == 0
    result = chain.block([raw]).tx_results[0]
    assert result.code == 0, result.log
    assert chain.balance(BOB.address) == 10**9 + 7
    assert chain.account(ALICE.address).sequence == 1


def _refused(chain: Chain, raw: bytes, error: type, match: str = "") -> None:
    """CheckTx and FinalizeBlock refuse raw with error; balances and sequences unchanged."""
    before = [(chain.balance(k.address), chain.account(k.address).sequence) for k in (ALICE, BOB)]
    check = chain.check(raw)
    assert (check.codespace, check.code) == _code(error), check.log
    assert match in check.log
    result = chain.block([raw]).tx_results[0]
    assert (result.codespace, result.code) == _code(error), result.log
    after = [(chain.balance(k.address), chain.account(k.address).sequence) for k in (ALICE, BOB)]
    assert after == before


@pytest.mark.parametrize(
    "wrong",
    ["chain id", "account number", "memo", "direct bytes"],
)
def test_amino_json_signature_over_another_document_is_refused(chain: Chain, wrong: str) -> None:
    number = chain.numbers[ALICE.address]
    msg = _send(ALICE.address, BOB.address)
    tx = tx_pb2.Tx(
        body=tx_pb2.TxBody(messages=[pack(msg)], memo="pay"),
        auth_info=tx_pb2.AuthInfo(fee=tx_pb2.Fee(amount=tb.coins_proto(FEE), gas_limit=200_000)),
    )
    signed = tb.sign_tx(tx, ALICE, SignerData(number, 0), CHAIN_ID, AMINO)
    doc_tx, chain_id, signer = tx, CHAIN_ID, SignerData(number, 0)
    if wrong == "chain id":
        chain_id = "other-chain"
    elif wrong == "account number":
        signer = SignerData(number + 1, 0)
    elif wrong == "memo":
        doc_tx = tx_pb2.Tx()
        doc_tx.CopyFrom(tx)
        doc_tx.body.memo = "pay more"
    mode = DIRECT if wrong == "direct bytes" else AMINO
    doc = tb.compute_sign_bytes(
        tb.sign_tx(doc_tx, ALICE, signer, chain_id, mode) if mode == DIRECT else doc_tx,
        mode,
        chain_id,
        signer,
    )
    signed.signatures[0] = ALICE.sign(doc)
    _refused(chain, tb.tx_raw(signed), UnauthorizedError, "signature verification failed")


def test_amino_json_signs_a_message_without_an_amino_name_by_its_type_url(chain: Chain) -> None:
    """As the SDK's x/tx handler: {"type": "/aichain.datanet.v1.MsgCreateDatanet", ...}."""
    from aichain.app.amino import amino_sign_bytes
    from aichain.datanet.v1 import datanet_pb2
    from aichain.datanet.v1 import tx_pb2 as datanet_tx

    signer = SignerData(chain.numbers[ALICE.address], 0)
    msg = datanet_tx.MsgCreateDatanet(
        creator=account_address(ALICE.address), name="d", license="CC-BY-4.0", modality=1,
        curation_mode=1, access_policy=1, bond_per_record="0", quotas=datanet_pb2.Quotas(),
        max_record_size=1000,
    )  # fmt: skip
    doc = amino_sign_bytes(chain_id=CHAIN_ID, account_number=0, sequence=0, timeout_height=0,
                           memo="", fee_amount=[], gas=1, msgs=[msg])  # fmt: skip
    assert b'"type":"/aichain.datanet.v1.MsgCreateDatanet"' in doc
    raw = build_tx([msg], ALICE, signer, CHAIN_ID, FEE, 300_000, sign_mode=AMINO)
    result = chain.block([raw]).tx_results[0]
    assert result.code == 0, result.log


def test_amino_json_refuses_unknown_body_fields(chain: Chain) -> None:
    """The StdSignDoc does not cover them, so the SDK's handler refuses them."""
    signer = SignerData(chain.numbers[ALICE.address], 0)
    raw = build_tx([_send(ALICE.address, BOB.address)], ALICE, signer, CHAIN_ID, FEE, 200_000,
                   sign_mode=AMINO)  # fmt: skip
    parsed = tx_pb2.TxRaw.FromString(raw)
    parsed.body_bytes += b"\xa8\x06\x01"  # field 101, varint 1: unknown to TxBody
    _refused(chain, parsed.SerializeToString(), UnauthorizedError, "fields unknown")


# --- multisig ---------------------------------------------------------------------------


def _fund(chain: Chain, address: bytes) -> None:
    signer = SignerData(chain.numbers[ALICE.address], 0)
    fund = build_tx([_send(ALICE.address, address, 10**6)], ALICE, signer, CHAIN_ID, FEE, 200_000)
    assert chain.block([fund]).tx_results[0].code == 0


@pytest.fixture
def multi(chain: Chain) -> tuple[MultisigKey, SignerData]:
    """A 2-of-3 multisig (ALICE, CAROL, DAVE) funded by ALICE; its signer data."""
    key = compute_multisig_key(2, [ALICE.pubkey, CAROL.pubkey, DAVE.pubkey])
    _fund(chain, key.address)
    account = chain.account(key.address)
    return key, SignerData(account.account_number, account.sequence)


def _multisig_tx(key: MultisigKey, amount: int = 7) -> tx_pb2.Tx:
    return tx_pb2.Tx(
        body=tx_pb2.TxBody(messages=[pack(_send(key.address, BOB.address, amount))]),
        auth_info=tx_pb2.AuthInfo(fee=tx_pb2.Fee(amount=tb.coins_proto(FEE), gas_limit=200_000)),
    )


def _member_sig(tx: tx_pb2.Tx, member: PrivateKey, signer: SignerData) -> bytes:
    return tb.multisig_member_signature(tx, member, signer, CHAIN_ID).data.single.signature


def _signed_by(key: MultisigKey, signer: SignerData, members: list[PrivateKey]) -> bytes:
    tx = _multisig_tx(key)
    sigs = {key.pubkeys.index(m.pubkey): (AMINO, _member_sig(tx, m, signer)) for m in members}
    return tb.tx_raw(tb.assemble_multisig(tx, key, signer.sequence, sigs))


def test_multisig_address_is_sha256_of_the_amino_key() -> None:
    key = compute_multisig_key(2, [ALICE.pubkey, CAROL.pubkey])
    amino = key.amino_bytes()
    assert amino[:4] == bytes.fromhex("22c1f7e2") and amino[4:6] == b"\x08\x02"
    assert amino[6:12] == bytes.fromhex("1226eb5ae987") and amino[12] == 33
    import hashlib

    assert key.address == hashlib.sha256(amino).digest()[:20]
    other_order = compute_multisig_key(2, [CAROL.pubkey, ALICE.pubkey])
    assert other_order.address != key.address


def test_two_of_three_lands_and_pays_gas_per_signature(chain: Chain, multi) -> None:
    key, signer = multi
    two = _signed_by(key, signer, [ALICE, DAVE])
    three = _signed_by(key, signer, [ALICE, CAROL, DAVE])
    sim_two = chain.app.simulate(two).gas_info.gas_used
    sim_three = chain.app.simulate(three).gas_info.gas_used
    params = chain.app.manager.module("auth").keeper.get_params(chain.app.query_context())  # type: ignore[attr-defined]
    size_cost = (len(three) - len(two)) * params.tx_size_cost_per_byte
    assert sim_three - sim_two == params.sig_verify_cost_secp256k1 + size_cost
    assert chain.check(two).code == 0
    result = chain.block([two]).tx_results[0]
    assert result.code == 0, result.log
    assert chain.balance(BOB.address) == 10**9 + 7
    assert chain.account(key.address).sequence == 1


def _multi_refused(chain: Chain, key: MultisigKey, raw: bytes, error: type, match: str) -> None:
    before = (chain.balance(key.address), chain.account(key.address).sequence)
    check = chain.check(raw)
    assert (check.codespace, check.code) == _code(error), check.log
    assert match in check.log, check.log
    result = chain.block([raw]).tx_results[0]
    assert (result.codespace, result.code) == _code(error)
    assert (chain.balance(key.address), chain.account(key.address).sequence) == before


def test_members_may_sign_direct_over_the_final_tx(chain: Chain, multi) -> None:
    """As in the SDK, a member may sign SIGN_MODE_DIRECT: the SignDoc of the final body and
    auth info (bit array and modes agreed beforehand); modes may be mixed."""
    key, signer = multi
    tx = _multisig_tx(key)
    alice, dave = key.pubkeys.index(ALICE.pubkey), key.pubkeys.index(DAVE.pubkey)
    modes = {alice: DIRECT, dave: AMINO}
    placeholder = {i: (mode, b"") for i, mode in modes.items()}
    final = tb.assemble_multisig(tx, key, signer.sequence, placeholder)
    sigs = {}
    for member, index in ((ALICE, alice), (DAVE, dave)):
        doc = tb.compute_sign_bytes(final, modes[index], CHAIN_ID, signer)
        sigs[index] = (modes[index], member.sign(doc))
    raw = tb.tx_raw(tb.assemble_multisig(tx, key, signer.sequence, sigs))
    result = chain.block([raw]).tx_results[0]
    assert result.code == 0, result.log


def test_one_of_three_is_refused(chain: Chain, multi) -> None:
    key, signer = multi
    raw = _signed_by(key, signer, [CAROL])
    _multi_refused(chain, key, raw, UnauthorizedError, "signature count is incorrect")


def _custom(key: MultisigKey, signer: SignerData, bits: tuple[bool, ...], sigs: list[bytes],
            modes: int | None = None) -> bytes:  # fmt: skip
    tx = _multisig_tx(key)
    info = tx_pb2.SignerInfo(
        public_key=key.to_any(),
        mode_info=tx_pb2.ModeInfo(
            multi=tx_pb2.ModeInfo.Multi(
                bitarray=BitArray(bits).to_proto(),
                mode_infos=[tb.single_mode(AMINO)] * (len(sigs) if modes is None else modes),
            )
        ),
        sequence=signer.sequence,
    )
    tx.auth_info.signer_infos.append(info)
    tx.signatures.append(encode_multi_signature(sigs))
    return tb.tx_raw(tx)


def test_a_duplicate_signer_is_refused(chain: Chain, multi) -> None:
    key, signer = multi
    sig = _member_sig(_multisig_tx(key), CAROL, signer)
    carol = key.pubkeys.index(CAROL.pubkey)
    one_bit = tuple(i == carol for i in range(3))
    _multi_refused(chain, key, _custom(key, signer, one_bit, [sig, sig]), UnauthorizedError,
                   "not enough multisig signatures")  # fmt: skip
    other = (carol + 1) % 3  # CAROL's signature offered again as another member's
    two_bits = tuple(i in (carol, other) for i in range(3))
    _multi_refused(chain, key, _custom(key, signer, two_bits, [sig, sig]), UnauthorizedError,
                   "signature verification failed")  # fmt: skip


def test_a_wrong_bit_array_is_refused(chain: Chain, multi) -> None:
    key, signer = multi
    tx = _multisig_tx(key)
    alice, carol, dave = (key.pubkeys.index(k.pubkey) for k in (ALICE, CAROL, DAVE))
    by_index = sorted((ALICE, DAVE), key=lambda k: key.pubkeys.index(k.pubkey))
    sigs = [_member_sig(tx, m, signer) for m in by_index]
    right = tuple(i in (alice, dave) for i in range(3))
    cases = [
        (right[:2], "bit array size is incorrect"),  # two bits for three keys
        (right + (False,), "bit array size is incorrect"),
        (tuple(i in (alice, carol) for i in range(3)), "signature verification failed"),
    ]
    for bits, match in cases:
        _multi_refused(chain, key, _custom(key, signer, bits, sigs), UnauthorizedError, match)
    _multi_refused(chain, key, _custom(key, signer, right, sigs, modes=1), UnauthorizedError,
                   "member mode infos")  # fmt: skip


def test_a_multisig_key_of_another_address_is_refused(chain: Chain, multi) -> None:
    key, signer = multi
    other = compute_multisig_key(2, [ALICE.pubkey, CAROL.pubkey, BOB.pubkey])
    tx = _multisig_tx(key)
    sigs = {
        other.pubkeys.index(m.pubkey): (AMINO, _member_sig(tx, m, signer)) for m in (ALICE, BOB)
    }
    raw = tb.tx_raw(tb.assemble_multisig(tx, other, signer.sequence, sigs))
    _multi_refused(chain, key, raw, InvalidPubKeyError, "does not match signer address")


def test_malformed_multisig_signature_bytes_are_refused(chain: Chain, multi) -> None:
    key, signer = multi
    raw = tx_pb2.TxRaw.FromString(_signed_by(key, signer, [ALICE, DAVE]))
    raw.signatures[0] = b"\xff\xff"
    _multi_refused(chain, key, raw.SerializeToString(), TxDecodeError, "multisig signature")


def test_multisig_members_count_against_the_signature_limit(chain: Chain) -> None:
    members = [make_key(100 + i) for i in range(8)]
    key = compute_multisig_key(1, [m.pubkey for m in members])
    _fund(chain, key.address)
    account = chain.account(key.address)
    raw = _signed_by(key, SignerData(account.account_number, 0), [members[0]])
    _multi_refused(chain, key, raw, TooManySignaturesError, "limit: 7")


def test_simulating_a_multisig_tx_without_signatures_estimates_its_gas(chain: Chain, multi) -> None:
    key, signer = multi
    signed = _signed_by(key, signer, [ALICE, DAVE])
    unsigned = tx_pb2.TxRaw.FromString(signed)
    unsigned.signatures[0] = b""
    estimate = chain.app.simulate(unsigned.SerializeToString()).gas_info.gas_used
    assert estimate >= chain.app.simulate(signed).gas_info.gas_used - 200
