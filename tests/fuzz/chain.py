"""A chain for fuzzing: one validator, funded accounts, a delegation and an unbonding entry,
and a way to ask what a block would do to state without committing it.

`effect(txs)` runs FinalizeBlock at the next height and returns its app hash without
committing, so the same height can be tried again with other txs: a tx that changes nothing
gives the app hash of an empty block; a tx refused after the ante chain charged it gives the
app hash of a reference tx that only pays the same fee and sequence. `judge(tx)` applies
those rules (the oracles of both tx fuzzers, Hypothesis's and atheris's), and
`seed_ai_state` adds what the AI modules' seed messages need.
"""

from __future__ import annotations

from collections.abc import Sequence

from cosmos.bank.v1beta1 import tx_pb2 as bank_tx
from cosmos.base.v1beta1 import coin_pb2
from google.protobuf import timestamp_pb2
from google.protobuf.message import Message
from tendermint.abci import types_pb2 as abci

from aichain.app.coins import Coin
from aichain.app.crypto import PrivateKey, account_address, valoper_address
from aichain.app.errors import registered_errors
from aichain.client.txbuilder import SignerData, build_tx
from aichain.modules.staking.cli import msg_delegate, msg_undelegate
from tests.helpers import CHAIN_ID, DENOM, make_key
from tests.integration.staking_chain import BLOCK_SECONDS, StakingChain, validator_keys

AIC = 10**6
ALICE, BOB = make_key(1), make_key(2)
(OPERATOR, CONS_KEY) = validator_keys(1)[0]
FUNDS = 10**6 * AIC


def start() -> StakingChain:
    """Genesis: one validator, ALICE the params authority, a delegation and an unbonding."""
    chain = StakingChain.start(
        [(OPERATOR, CONS_KEY, 100 * AIC)],
        [(ALICE, FUNDS), (BOB, FUNDS)],
        {"staking": {"params": {"unbonding_time": "3600s", "bond_denom": DENOM}}},
        authority=account_address(ALICE.address),
    )
    me, val = account_address(ALICE.address), valoper_address(OPERATOR.address)
    chain.run([chain.tx(ALICE, [msg_delegate(me, val, Coin(DENOM, 50 * AIC))])])
    chain.run([chain.tx(ALICE, [msg_undelegate(me, val, Coin(DENOM, 5 * AIC))])])
    return chain


def sign(
    chain: StakingChain,
    key: PrivateKey,
    msgs: Sequence[Message],
    fee: int = 0,
    gas: int = 10_000_000,
    memo: str = "",
    chain_id: str = CHAIN_ID,
    sequence: int | None = None,
) -> bytes:
    """Tx bytes signed with key's committed account number and sequence."""
    account = chain.account(key.address)
    seq = account.sequence if sequence is None else sequence
    fees = [Coin(DENOM, fee)] if fee else []
    signer = SignerData(account.account_number, seq)
    return build_tx(list(msgs), key, signer, chain_id, fees, gas, memo=memo)


def effect(chain: StakingChain, txs: Sequence[bytes]) -> abci.ResponseFinalizeBlock:
    """FinalizeBlock of txs at the next height, not committed (the next call may try the
    same height again)."""
    return chain.app.finalize_block(
        abci.RequestFinalizeBlock(
            txs=list(txs),
            height=chain.height + 1,
            time=timestamp_pb2.Timestamp(seconds=chain.time_s + BLOCK_SECONDS),
            decided_last_commit=abci.CommitInfo(votes=chain.votes()),
        )
    )


def reference_failure(chain: StakingChain, key: PrivateKey, fee: int, gas: int) -> bytes:
    """A tx that passes the ante chain (fee and sequence charged) and whose message is then
    refused: the state effect of any such refusal."""
    me = account_address(key.address)
    too_much = coin_pb2.Coin(denom=DENOM, amount=str(10**30))
    msg = bank_tx.MsgSend(from_address=me, to_address=me, amount=[too_much])
    return sign(chain, key, [msg], fee=fee, gas=gas)


def judge(
    chain: StakingChain,
    tx: bytes,
    signer: PrivateKey | None = None,
    fee: int = 0,
    gas: int = 10_000_000,
) -> abci.ExecTxResult:
    """Runs tx through CheckTx and FinalizeBlock (not committed) and checks the refusal rules
    and the state effect; returns the FinalizeBlock result."""
    check = chain.app.check_tx(abci.RequestCheckTx(tx=tx))
    assert_refusal_registered(check.code, check.codespace, check.log)
    resp = effect(chain, [tx])
    (result,) = resp.tx_results
    assert_refusal_registered(result.code, result.codespace, result.log)
    if result.code == 0:
        return result
    if not result.events:  # refused before or by the ante chain: no trace at all
        assert resp.app_hash == effect(chain, []).app_hash, result.log
    else:  # charged by the ante chain, then refused: only the fee and sequence moved
        assert signer is not None, f"an unsigned tx passed the ante chain: {result.log}"
        reference = reference_failure(chain, signer, fee, gas)
        ref = effect(chain, [reference])
        assert ref.tx_results[0].code != 0 and ref.tx_results[0].events
        assert resp.app_hash == ref.app_hash, result.log
    return result


def assert_refusal_registered(code: int, codespace: str, log: str) -> None:
    """A refusal carries a registered (codespace, code), never the internal error."""
    if code == 0:
        return
    assert (codespace, code) in registered_errors(), f"unregistered {codespace}/{code}: {log}"
    assert log != "internal error", log


WORKER_HOT = make_key(3)
"""BOB's worker's hot key."""


def seed_ai_state(chain: StakingChain) -> None:
    """What the AI modules' seed messages need, made by BOB: datanet 1 (owned by ALICE,
    public, owner-curated) with BOB's record 1 pending review; base model 1, active, priced,
    served by BOB's worker; governance proposal 1 in its voting period."""
    from cosmos.gov.v1 import tx_pb2 as gov_tx

    from aichain.datanet.v1 import datanet_pb2 as dpb
    from aichain.datanet.v1 import tx_pb2 as dtx
    from aichain.modelreg.v1 import tx_pb2 as mtx

    alice, bob = account_address(ALICE.address), account_address(BOB.address)
    steps = [
        (ALICE, dtx.MsgCreateDatanet(
            creator=alice, name="fuzz", description="d", license="CC0",
            modality=dpb.MODALITY_TEXT, curation_mode=dpb.CURATION_MODE_OWNER,
            access_policy=dpb.ACCESS_POLICY_PUBLIC, bond_per_record="1000",
            max_record_size=1000)),
        (BOB, dtx.MsgContribute(contributor=bob, datanet_id=1, content_hash="ab" * 32, size=10,
                                media_type="text/plain")),
        (BOB, mtx.MsgRegisterBaseModel(owner=bob, name="tiny", weights_hash="cd" * 32,
                                       architecture="gpt2", parameter_count=1000,
                                       license="MIT")),
        (BOB, mtx.MsgActivateModel(authority=bob, model_id=1)),
        (BOB, mtx.MsgSetPrice(owner=bob, model_id=1, price_per_request="1000")),
        (BOB, mtx.MsgRegisterWorker(operator=bob, hot_pubkey=WORKER_HOT.pubkey, models=[1],
                                    endpoint="https://w", bond=str(AIC))),
        (BOB, gov_tx.MsgSubmitProposal(
            initial_deposit=[coin_pb2.Coin(denom=DENOM, amount=str(10 * AIC))], proposer=bob,
            metadata="ipfs://fuzz", title="fuzz", summary="a text proposal")),
    ]  # fmt: skip
    for key, msg in steps:
        (result,) = chain.run([sign(chain, key, [msg])])
        assert result.code == 0, (type(msg).__name__, result.log)
