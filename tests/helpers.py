"""Shared test helpers: keys, genesis and an in-process chain driven by ABCI requests."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from google.protobuf import timestamp_pb2
from google.protobuf.message import Message
from tendermint.abci import types_pb2 as abci

from aichain.app.app import memory_app
from aichain.app.baseapp import AppConfig, BaseApp
from aichain.app.coins import Coin
from aichain.app.crypto import PrivateKey, account_address
from aichain.client.txbuilder import SignerData, build_tx
from aichain.modules.bank.cli import msg_send

CHAIN_ID = "aichain-test"
DENOM = "uaic"


def make_key(seed: int) -> PrivateKey:
    """A deterministic test key."""
    return PrivateKey((seed + 1).to_bytes(32, "big"))


def genesis_state(balances: Sequence[tuple[str, int]]) -> dict:
    """app_state with the given uaic balances."""
    return {
        "bank": {
            "balances": [
                {"address": a, "coins": [{"denom": DENOM, "amount": str(n)}]}
                for a, n in sorted(balances)
            ]
        },
    }


@dataclass
class Chain:
    """An app driven in-process: InitChain, then blocks of FinalizeBlock + Commit."""

    app: BaseApp
    height: int = 0
    sequences: dict[bytes, int] = field(default_factory=dict)
    numbers: dict[bytes, int] = field(default_factory=dict)

    @classmethod
    def start(
        cls,
        balances: Sequence[tuple[PrivateKey, int]],
        config: AppConfig | None = None,
        app: BaseApp | None = None,
    ) -> Chain:
        """A chain whose genesis funds the given keys (account numbers in order), over app
        (default: a fresh in-memory app)."""
        app = app or memory_app(config)
        state = genesis_state([(account_address(k.address), n) for k, n in balances])
        app.init_chain(
            abci.RequestInitChain(
                chain_id=CHAIN_ID, app_state_bytes=json.dumps(state).encode(), initial_height=1
            )
        )
        chain = cls(app)
        chain.block([])
        for key, _ in balances:
            acct = chain.account(key.address)
            chain.numbers[key.address] = acct.account_number
        return chain

    def account(self, address: bytes):
        """The committed account at address."""
        auth = self.app.manager.module("auth").keeper  # type: ignore[attr-defined]
        return auth.get_account(self.app.query_context(), address)

    def balance(self, address: bytes, denom: str = DENOM) -> int:
        """Committed balance."""
        bank = self.app.manager.module("bank").keeper  # type: ignore[attr-defined]
        return bank.get_balance(self.app.query_context(), address, denom)

    def send_tx(
        self,
        key: PrivateKey,
        to: bytes,
        amount: int,
        fee: int = 500,
        gas: int = 200_000,
        sequence: int | None = None,
        chain_id: str = CHAIN_ID,
        **kw,
    ) -> bytes:
        """Signed MsgSend bytes; the sequence is tracked unless given."""
        seq = self.sequences.get(key.address, 0) if sequence is None else sequence
        if sequence is None:
            self.sequences[key.address] = seq + 1
        msg = msg_send(account_address(key.address), account_address(to), [Coin(DENOM, amount)])
        return build_tx(
            [msg],
            key,
            SignerData(self.numbers.get(key.address, 0), seq),
            chain_id,
            [Coin(DENOM, fee)] if fee else [],
            gas,
            **kw,
        )

    def tx(
        self, key: PrivateKey, msgs: Sequence[Message], fee: int = 5_000, gas: int = 400_000
    ) -> bytes:
        """Signed tx bytes carrying msgs; the sequence is tracked."""
        seq = self.sequences.get(key.address, 0)
        self.sequences[key.address] = seq + 1
        signer = SignerData(self.numbers.get(key.address, 0), seq)
        return build_tx(list(msgs), key, signer, CHAIN_ID, [Coin(DENOM, fee)], gas)

    def block(self, txs: Sequence[bytes]) -> abci.ResponseFinalizeBlock:
        """FinalizeBlock + Commit of one block at the next height."""
        self.height += 1
        resp = self.app.finalize_block(
            abci.RequestFinalizeBlock(
                txs=list(txs),
                height=self.height,
                time=timestamp_pb2.Timestamp(seconds=1_700_000_000 + self.height),
            )
        )
        self.app.commit(abci.RequestCommit())
        return resp

    def check(self, tx: bytes) -> abci.ResponseCheckTx:
        """CheckTx."""
        return self.app.check_tx(abci.RequestCheckTx(tx=tx))

    def invariants(self) -> list[str]:
        """Broken invariants over committed state (empty when all hold)."""
        return self.app.manager.check_invariants(self.app.query_context())
