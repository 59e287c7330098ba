"""An in-process chain with genesis validators from gentxs, whose blocks carry the last
commit's votes (so rewards, downtime and evidence can be driven from tests)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from google.protobuf import timestamp_pb2
from google.protobuf.message import Message
from tendermint.abci import types_pb2 as abci

from aichain.app.app import memory_app, new_app
from aichain.app.baseapp import AppConfig, BaseApp
from aichain.app.coins import Coin
from aichain.app.crypto import PrivateKey, account_address, consensus_address
from aichain.app.store.memory import MemStore
from aichain.client.txbuilder import SignerData, build_tx
from aichain.modules.genutil.gentx import build_gentx, gentx_json

from ..helpers import CHAIN_ID, DENOM, make_key

BLOCK_SECONDS = 5
"""Seconds between blocks."""

GENESIS_SECONDS = 1_700_000_000
"""Header time of height 0."""


def cons_pubkey(seed: int) -> bytes:
    """A deterministic 32-byte ed25519-shaped consensus key (never used to sign)."""
    return hashlib.sha256(b"cons" + seed.to_bytes(4, "big")).digest()


@dataclass
class StakingChain:
    """App + validator set bookkeeping; blocks carry votes of the current set."""

    app: BaseApp
    valset: dict[bytes, tuple[bytes, int]] = field(default_factory=dict)
    height: int = 0
    sequences: dict[bytes, int] = field(default_factory=dict)
    numbers: dict[bytes, int] = field(default_factory=dict)
    absent: set[bytes] = field(default_factory=set)
    last_updates: list = field(default_factory=list)
    time_s: int = GENESIS_SECONDS

    @classmethod
    def start(
        cls,
        validators: Sequence[tuple[PrivateKey, bytes, int]],
        balances: Sequence[tuple[PrivateKey, int]],
        app_state: dict | None = None,
        config: AppConfig | None = None,
        authority: str | None = None,
    ) -> StakingChain:
        """Genesis: balances, then one gentx per (key, consensus pubkey, self-bond); no
        inflation unless app_state sets mint params. authority: who may change params
        (default: the governance module account, which no test key signs for)."""
        config = config or AppConfig(invariant_check_period=1)
        app = memory_app(config) if authority is None else new_app(MemStore(), config, authority)
        funded = {k.address: (k, n) for k, n in balances}
        for key, _, bond in validators:
            funded.setdefault(key.address, (key, bond * 2))
        state = {
            "bank": {
                "balances": [
                    {"address": account_address(a), "coins": [{"denom": DENOM, "amount": str(n)}]}
                    for a, (_, n) in sorted(funded.items())
                ]
            },
            "mint": {"params": {"inflation_rate": "0"}},
            "genutil": {
                "gen_txs": [
                    gentx_json(build_gentx(k, pk, f"val{i}", bond, CHAIN_ID))
                    for i, (k, pk, bond) in enumerate(validators)
                ]
            },
        }
        for name, section in (app_state or {}).items():
            state.setdefault(name, {}).update(section)
        resp = app.init_chain(
            abci.RequestInitChain(
                chain_id=CHAIN_ID,
                app_state_bytes=json.dumps(state).encode(),
                initial_height=1,
                time=timestamp_pb2.Timestamp(seconds=GENESIS_SECONDS),
            )
        )
        chain = cls(app)
        chain._apply(resp.validators)
        chain.block([])
        for key, _ in funded.values():
            chain.numbers[key.address] = chain.account(key.address).account_number
            chain.sequences[key.address] = chain.account(key.address).sequence
        return chain

    def _apply(self, updates: Sequence[abci.ValidatorUpdate]) -> None:
        """Applies validator updates to the tracked set."""
        for u in updates:
            cons = consensus_address(u.pub_key.ed25519)
            if u.power == 0:
                self.valset.pop(cons, None)
            else:
                self.valset[cons] = (u.pub_key.ed25519, u.power)

    def account(self, address: bytes):
        """The committed account at address."""
        auth = self.app.manager.module("auth").keeper  # type: ignore[attr-defined]
        return auth.get_account(self.app.query_context(), address)

    def balance(self, address: bytes, denom: str = DENOM) -> int:
        """Committed balance."""
        bank = self.app.manager.module("bank").keeper  # type: ignore[attr-defined]
        return bank.get_balance(self.app.query_context(), address, denom)

    def tx(
        self, key: PrivateKey, msgs: Sequence[Message], fee: int = 0, gas: int = 1_000_000
    ) -> bytes:
        """Signed tx bytes; the sequence is tracked."""
        if key.address not in self.numbers:
            self.numbers[key.address] = self.account(key.address).account_number
        seq = self.sequences.get(key.address, 0)
        self.sequences[key.address] = seq + 1
        fees = [Coin(DENOM, fee)] if fee else []
        return build_tx(msgs, key, SignerData(self.numbers[key.address], seq), CHAIN_ID, fees, gas)

    def votes(self) -> list[abci.VoteInfo]:
        """Votes of the current set; validators in `absent` did not sign."""
        return [
            abci.VoteInfo(
                validator=abci.Validator(address=cons, power=power),
                block_id_flag=1 if cons in self.absent else 2,
            )
            for cons, (_, power) in sorted(self.valset.items())
        ]

    def block(
        self,
        txs: Sequence[bytes],
        misbehavior: Sequence[abci.Misbehavior] = (),
        seconds: int = BLOCK_SECONDS,
    ) -> abci.ResponseFinalizeBlock:
        """FinalizeBlock + Commit at the next height, `seconds` after the last."""
        self.height += 1
        resp = self.app.finalize_block(
            abci.RequestFinalizeBlock(
                txs=list(txs),
                height=self.height,
                time=timestamp_pb2.Timestamp(seconds=self.time_s + seconds),
                decided_last_commit=abci.CommitInfo(votes=self.votes()),
                misbehavior=list(misbehavior),
            )
        )
        self.time_s += seconds
        self.app.commit(abci.RequestCommit())
        self.last_updates = list(resp.validator_updates)
        self._apply(resp.validator_updates)
        return resp

    def run(self, txs: Sequence[bytes]) -> list[abci.ExecTxResult]:
        """One block with txs; returns their results."""
        return list(self.block(txs).tx_results)

    def query(self, path: str, request: Message, response_type: type[Message]) -> Message:
        """A gRPC query over ABCI; raises AssertionError with the log on failure."""
        resp = self.app.query(abci.RequestQuery(path=path, data=request.SerializeToString()))
        assert resp.code == 0, resp.log
        return response_type.FromString(resp.value)

    def invariants(self) -> list[str]:
        """Broken invariants over committed state."""
        return self.app.manager.check_invariants(self.app.query_context())


def validator_keys(n: int, offset: int = 100) -> list[tuple[PrivateKey, bytes]]:
    """n (operator key, consensus pubkey) pairs."""
    return [(make_key(offset + i), cons_pubkey(offset + i)) for i in range(n)]
