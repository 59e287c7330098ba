"""Fakes for datanet keeper unit tests: a dict bank (with burns) and module addresses."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from aichain.app.coins import Coin
from aichain.app.context import Context
from aichain.app.crypto import PrivateKey, account_address
from aichain.app.errors import InsufficientFundsError
from aichain.app.gas import INFINITE_GAS, GasMeter
from aichain.app.store.memory import MemStore
from aichain.app.store_keys import StoreKey
from aichain.datanet.v1 import datanet_pb2 as pb
from aichain.modules.datanet.keeper import MODULE, Keeper

DENOM = "uaic"


def key(n: int) -> PrivateKey:
    """A deterministic test key."""
    return PrivateKey((1000 + n).to_bytes(32, "big"))


def addr(n: int) -> bytes:
    """The address of test key n."""
    return key(n).address


def bech(n: int) -> str:
    """The bech32 address of test key n."""
    return account_address(addr(n))


class FakeAccounts:
    """Module addresses: a hash of the name."""

    def get_module_address(self, name: str) -> bytes:
        """The address of a module account."""
        return hashlib.sha256(name.encode()).digest()[:20]


class FakeBank:
    """Balances in a dict; burns tracked."""

    def __init__(self, accounts: FakeAccounts) -> None:
        self.accounts = accounts
        self.balances: dict[tuple[bytes, str], int] = {}
        self.burned = 0

    def get_balance(self, ctx: Context, address: bytes, denom: str) -> int:
        """The balance of denom at address."""
        return self.balances.get((address, denom), 0)

    def _move(self, sender: bytes, recipient: bytes | None, coins: Sequence[Coin]) -> None:
        for coin in coins:
            have = self.balances.get((sender, coin.denom), 0)
            if have < coin.amount:
                raise InsufficientFundsError(f"{have} < {coin.amount}")
        for coin in coins:
            self.balances[(sender, coin.denom)] -= coin.amount
            if recipient is not None:
                k = (recipient, coin.denom)
                self.balances[k] = self.balances.get(k, 0) + coin.amount

    def send_coins_from_account_to_module(self, ctx, sender, module, coins) -> None:
        """Escrow."""
        self._move(sender, self.accounts.get_module_address(module), coins)

    def send_coins_from_module_to_account(self, ctx, module, recipient, coins) -> None:
        """Payout."""
        self._move(self.accounts.get_module_address(module), recipient, coins)

    def burn_coins(self, ctx, module, coins) -> None:
        """Burn."""
        self._move(self.accounts.get_module_address(module), None, coins)
        self.burned += sum(c.amount for c in coins)

    def module_balance(self) -> int:
        """The datanet module account's balance."""
        return self.balances.get((self.accounts.get_module_address(MODULE), DENOM), 0)


def context(height: int = 1, time_ns: int = 1_700_000_000 * 10**9) -> Context:
    """A context over a fresh in-memory store."""
    return Context(MemStore(), height, time_ns, "aichain-test", GasMeter(INFINITE_GAS))


def make_keeper(funded: Sequence[int] = range(10), amount: int = 10**12) -> tuple[Keeper, FakeBank]:
    """A keeper over fakes, with test keys funded."""
    bank = FakeBank(FakeAccounts())
    for n in funded:
        bank.balances[(addr(n), DENOM)] = amount
    return Keeper(StoreKey("datanet"), bank, bank.accounts), bank


def new_datanet(**kw) -> pb.Datanet:
    """A datanet owned by key 0 (owner curation, restricted, bond 1000)."""
    fields = dict(
        owner=bech(0),
        name="d",
        license="MIT",
        modality=pb.MODALITY_TEXT,
        curation_mode=pb.CURATION_MODE_OWNER,
        access_policy=pb.ACCESS_POLICY_RESTRICTED,
        access_price="900",
        bond_per_record="1000",
        max_record_size=10_000,
    )
    fields.update(kw)
    return pb.Datanet(**fields)


def new_record(i: int, datanet_id: int = 1, size: int = 10) -> pb.Record:
    """Record i: content hash of b"record i"."""
    return pb.Record(
        datanet_id=datanet_id,
        content_hash=hashlib.sha256(b"record %d" % i).hexdigest(),
        size=size,
        media_type="text/plain",
    )
