"""Small fakes and a bare context for staking and slashing keeper unit tests: a real
in-memory store, a dict bank and fixed module addresses."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from aichain.app.coins import Coin
from aichain.app.context import Context
from aichain.app.errors import InsufficientFundsError
from aichain.app.gas import INFINITE_GAS, GasMeter
from aichain.app.store.memory import MemStore
from aichain.app.store_keys import StoreKey
from aichain.modules.slashing.keeper import Keeper as SlashingKeeper
from aichain.modules.staking.keeper import Keeper as StakingKeeper
from aichain.modules.staking.types import Commission, Validator

CHAIN_ID = "aichain-test"
DENOM = "uaic"
AIC = 10**6


def addr(n: int) -> bytes:
    """A 20-byte test address."""
    return hashlib.sha256(b"addr%d" % n).digest()[:20]


def pubkey(n: int) -> bytes:
    """A 32-byte test consensus key."""
    return hashlib.sha256(b"pubkey%d" % n).digest()


def context(height: int = 1, time_ns: int = 10**18, is_check: bool = False) -> Context:
    """A context over a fresh in-memory store."""
    return Context(MemStore(), height, time_ns, CHAIN_ID, GasMeter(INFINITE_GAS), is_check)


class FakeAccounts:
    """Module addresses: a hash of the name."""

    def get_module_address(self, name: str) -> bytes:
        """The address of a module account."""
        return hashlib.sha256(name.encode()).digest()[:20]


class FakeBank:
    """Balances in a dict (not in the store: bank's own tests cover bank)."""

    def __init__(self, accounts: FakeAccounts) -> None:
        self.accounts = accounts
        self.balances: dict[tuple[bytes, str], int] = {}

    def get_balance(self, ctx: Context, address: bytes, denom: str) -> int:
        """The balance of denom at address."""
        return self.balances.get((address, denom), 0)

    def _move(self, sender: bytes, recipient: bytes | None, coins: Sequence[Coin]) -> None:
        for coin in coins:
            have = self.balances.get((sender, coin.denom), 0)
            if have < coin.amount:
                raise InsufficientFundsError(f"{have} < {coin.amount}")
            self.balances[(sender, coin.denom)] = have - coin.amount
            if recipient is not None:
                key = (recipient, coin.denom)
                self.balances[key] = self.balances.get(key, 0) + coin.amount

    def send_coins_from_account_to_module(
        self, ctx: Context, sender: bytes, module: str, coins: Sequence[Coin]
    ) -> None:
        """Moves coins into a module account."""
        self._move(sender, self.accounts.get_module_address(module), coins)

    def send_coins_from_module_to_account(
        self, ctx: Context, module: str, recipient: bytes, coins: Sequence[Coin]
    ) -> None:
        """Pays coins out of a module account."""
        self._move(self.accounts.get_module_address(module), recipient, coins)

    def send_coins_from_module_to_module(
        self, ctx: Context, sender_module: str, recipient_module: str, coins: Sequence[Coin]
    ) -> None:
        """Moves coins between module accounts."""
        self._move(
            self.accounts.get_module_address(sender_module),
            self.accounts.get_module_address(recipient_module),
            coins,
        )

    def burn_coins(self, ctx: Context, module: str, coins: Sequence[Coin]) -> None:
        """Destroys coins held by a module account."""
        self._move(self.accounts.get_module_address(module), None, coins)


def staking_keeper() -> tuple[StakingKeeper, FakeBank]:
    """A staking keeper over StoreKey("staking") and a fake bank."""
    accounts = FakeAccounts()
    bank = FakeBank(accounts)
    return StakingKeeper(StoreKey("staking"), bank, accounts), bank


def slashing_keeper() -> tuple[SlashingKeeper, StakingKeeper, FakeBank]:
    """A slashing keeper over StoreKey("slashing") and a real staking keeper."""
    staking, bank = staking_keeper()
    return SlashingKeeper(StoreKey("slashing"), staking), staking, bank


def new_validator(n: int, **changes: object) -> Validator:
    """A fresh validator (no tokens, unbonded) operated by addr(n) with pubkey(n)."""
    validator = Validator(addr(n), pubkey(n), Commission(10**17, 2 * 10**17, 10**16, 0))
    return validator.replace(**changes) if changes else validator
