"""What a module's `simulation.py` declares and uses (the SDK's types/simulation).

A module declares, in `modules/<name>/simulation.py`:

- `weighted_operations() -> Sequence[WeightedOperation]`: its operations, each a name
  (`"<module>/<op>"`), a default weight (a param of the simulation: `SimConfig.weights`
  overrides it) and a function `(rng, env) -> SimTx | NoOp`;
- optionally `randomized_genesis(genesis: GenesisEnv) -> dict`: keys merged into the
  module's section of the random genesis.

An operation reads committed state through `env` (the keepers, at the last committed height),
picks a signer that has not signed in this block yet (`env.pick_account`), and returns the
messages with whether it expects them to be accepted (`valid`). Invalid operations are as
welcome as valid ones: they must be refused with a registered error and leave no trace.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from google.protobuf.message import Message

from aichain.app.crypto import PrivateKey, account_address, valoper_address

if TYPE_CHECKING:
    from aichain.app.baseapp import BaseApp
    from aichain.app.context import Context

SIM_DENOM = "uaic"
"""The staking and fee denom of the simulated chain."""

SIM_EXTRA_DENOM = "usim"
"""A second denom some genesis balances hold (multi-coin sends)."""

BEYOND_ANY_BALANCE = 10**24
"""Added to a committed balance to get an amount no account can hold even after receiving
sends in the same block (the simulation's supply is far below it)."""


@dataclass(frozen=True, slots=True)
class SimAccount:
    """A simulated account: its key, address forms and the consensus key it would use as a
    validator."""

    key: PrivateKey
    address: bytes
    bech32: str
    valoper: str
    cons_pubkey: bytes

    @classmethod
    def derive(cls, seed: int, index: int) -> SimAccount:
        """The index-th account of a seed (the same on every run)."""
        material = hashlib.sha256(
            b"aichain-sim" + seed.to_bytes(8, "big") + index.to_bytes(4, "big")
        )
        key = PrivateKey(material.digest())
        cons = hashlib.sha256(b"cons" + material.digest()).digest()
        return cls(
            key, key.address, account_address(key.address), valoper_address(key.address), cons
        )


@dataclass(frozen=True, slots=True)
class SimTx:
    """One tx an operation wants delivered: msgs signed by signer.

    valid: whether the operation expects acceptance (an invalid one must be refused).
    chain_id / sequence_offset / gas / fee: ante-level variations (a foreign chain id, a stale
    sequence, too little gas, a fee in uaic)."""

    signer: SimAccount
    msgs: tuple[Message, ...]
    valid: bool | None = True
    """True: must be accepted; False: must be refused; None: either (outcome only counted)."""
    fee: int = 0
    gas: int = 2_000_000
    memo: str = ""
    chain_id: str | None = None
    sequence_offset: int = 0


@dataclass(frozen=True, slots=True)
class NoOp:
    """An operation that found nothing to do (e.g. no delegation to undelegate)."""

    reason: str


OperationFn = Callable[[random.Random, "SimEnv"], "SimTx | NoOp"]
"""Builds one operation from the random source and the committed state."""


@dataclass(frozen=True, slots=True)
class WeightedOperation:
    """A named operation and its default weight (relative frequency)."""

    name: str
    weight: int
    op: OperationFn


@dataclass(slots=True)
class SimEnv:
    """What an operation may read: committed state, the accounts and who signed already."""

    app: BaseApp
    ctx: Context
    accounts: tuple[SimAccount, ...]
    authority: SimAccount
    chain_id: str
    height: int
    used: set[bytes] = field(default_factory=set)
    """Signers of this block's txs so far (one tx per signer per block)."""
    locked: set[bytes] = field(default_factory=set)
    """Objects (validator operators, ...) an operation of this block already changes: an
    operation that would depend on one skips it, so each expectation is exact."""

    def keeper(self, module: str) -> Any:
        """The keeper of a module (reads only: operations never write)."""
        return self.app.manager.module(module).keeper  # type: ignore[attr-defined]

    def has_module(self, module: str) -> bool:
        """Whether the app has this module."""
        return any(m.name == module for m in self.app.manager.modules)

    def free_accounts(self) -> list[SimAccount]:
        """Accounts that have not signed in this block (the authority excluded)."""
        return [a for a in self.accounts if a.address not in self.used]

    def pick_account(self, rng: random.Random) -> SimAccount | None:
        """A random account that has not signed in this block, or None."""
        free = self.free_accounts()
        return rng.choice(free) if free else None

    def any_account(self, rng: random.Random) -> SimAccount:
        """Any simulated account (a recipient, a validator to name)."""
        return rng.choice(self.accounts)

    def balance(self, address: bytes, denom: str = SIM_DENOM) -> int:
        """Committed balance of address in denom."""
        return self.keeper("bank").get_balance(self.ctx, address, denom)

    def authority_free(self) -> bool:
        """Whether the authority has not signed in this block yet."""
        return self.authority.address not in self.used


@dataclass(frozen=True, slots=True)
class GenesisEnv:
    """What a module's randomized_genesis may use."""

    rng: random.Random
    accounts: tuple[SimAccount, ...]
    authority: SimAccount
    chain_id: str
    genesis_time_ns: int
    validators: int
    """How many of the first accounts start as validators (genutil gentxs)."""


def random_amount(rng: random.Random, maximum: int) -> int:
    """An amount in [1, maximum] (0 when maximum < 1), sometimes exactly maximum or 1."""
    if maximum < 1:
        return 0
    roll = rng.randrange(10)
    if roll == 0:
        return maximum
    if roll == 1:
        return 1
    return rng.randint(1, maximum)


def random_address(rng: random.Random) -> bytes:
    """A fresh 20-byte address (an account nobody simulated holds the key of)."""
    return rng.randbytes(20)


def random_fee(rng: random.Random, balance: int) -> int:
    """A fee the balance can pay: 0 half the time, else up to 5,000 or 1% of it."""
    if rng.randrange(2) == 0:
        return 0
    return rng.randint(0, min(5_000, balance // 100))


def params_update(
    rng: random.Random, env: SimEnv, make_msg: Callable[[str], Message], valid: bool
) -> SimTx | NoOp:
    """A MsgUpdateParams: from the authority (valid as given), or one time in four the same
    message from another account naming itself as the authority (refused)."""
    if rng.randrange(4) == 0:
        signer = env.pick_account(rng)
        if signer is None:
            return NoOp("every account signed in this block")
        return SimTx(signer, (make_msg(signer.bech32),), valid=False)
    if not env.authority_free():
        return NoOp("the authority already signed in this block")
    return SimTx(env.authority, (make_msg(env.authority.bech32),), valid=valid)


def sequence_of(
    ops: Sequence[WeightedOperation], weights: dict[str, int]
) -> list[WeightedOperation]:
    """ops with weights overridden by name, zero weights dropped, sorted by name."""
    out = []
    for op in sorted(ops, key=lambda o: o.name):
        weight = weights.get(op.name, op.weight)
        if weight > 0:
            out.append(WeightedOperation(op.name, weight, op.op))
    return out
