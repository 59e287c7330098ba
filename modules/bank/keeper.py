"""Bank keeper: balances, total supply, denom metadata and send-enabled params."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache

from cosmos.bank.v1beta1 import bank_pb2

from aichain.app.coins import MAX_AMOUNT, Coin
from aichain.app.context import Context
from aichain.app.crypto import account_address
from aichain.app.errors import InsufficientFundsError, InvalidCoinsError, UnauthorizedError
from aichain.app.module import BURNER, MINTER
from aichain.app.store_keys import StoreKey
from aichain.modules.bank import events, keys
from aichain.modules.bank.errors import SendDisabledError
from aichain.modules.bank.expected import AccountKeeper
from aichain.modules.bank.types import Params


@lru_cache(maxsize=64)
def _decode_params(raw: bytes) -> Params:
    """Params from their stored bytes (memoised: read on every send)."""
    return Params.from_proto(bank_pb2.Params.FromString(raw))


def _amount(raw: bytes | None) -> int:
    return int(raw) if raw else 0


class ViewKeeper:
    """Reads balances, supply, metadata and params."""

    def __init__(self, store_key: StoreKey, accounts: AccountKeeper) -> None:
        self.store_key = store_key
        self.accounts = accounts

    def get_balance(self, ctx: Context, address: bytes, denom: str) -> int:
        """The balance of denom at address (0 if none)."""
        return _amount(ctx.kv(self.store_key).get(keys.balance_key(address, denom)))

    def get_all_balances(self, ctx: Context, address: bytes) -> tuple[Coin, ...]:
        """Every non-zero balance of address, sorted by denom."""
        return tuple(self.iter_balances_of(ctx, address))

    def iter_balances_of(
        self, ctx: Context, address: bytes, reverse: bool = False
    ) -> Iterator[Coin]:
        """Every non-zero balance of address, in denom order (or reversed)."""
        store = ctx.kv(self.store_key)
        for key, value in store.iterate(keys.balances_prefix(address), reverse):
            yield Coin(keys.denom_from_balance_key(address, key), int(value))

    def iter_balances(self, ctx: Context) -> Iterator[tuple[bytes, Coin]]:
        """(address, coin) for every balance, in key order."""
        for key, value in ctx.kv(self.store_key).iterate(keys.BALANCES):
            address, denom = keys.split_balance_key(key)
            yield address, Coin(denom, int(value))

    def get_supply(self, ctx: Context, denom: str) -> int:
        """Total supply of denom."""
        return _amount(ctx.kv(self.store_key).get(keys.supply_key(denom)))

    def iter_supply(self, ctx: Context, reverse: bool = False) -> Iterator[Coin]:
        """Total supply of every denom, sorted by denom (or reversed)."""
        for key, value in ctx.kv(self.store_key).iterate(keys.SUPPLY, reverse):
            yield Coin(keys.denom_from_key(keys.SUPPLY, key), int(value))

    def get_params(self, ctx: Context) -> Params:
        """Module params."""
        raw = ctx.kv(self.store_key).get(keys.PARAMS)
        return _decode_params(raw) if raw is not None else Params()

    def get_send_enabled(self, ctx: Context, denom: str) -> bool | None:
        """The explicit send-enabled flag of denom, or None."""
        raw = ctx.kv(self.store_key).get(keys.send_enabled_key(denom))
        return None if raw is None else raw == b"\x01"

    def iter_send_enabled(self, ctx: Context, reverse: bool = False) -> Iterator[tuple[str, bool]]:
        """(denom, flag) for every explicit flag, sorted by denom (or reversed)."""
        for key, value in ctx.kv(self.store_key).iterate(keys.SEND_ENABLED, reverse):
            yield keys.denom_from_key(keys.SEND_ENABLED, key), value == b"\x01"

    def is_send_enabled(self, ctx: Context, denom: str) -> bool:
        """Whether denom can be sent (its flag, else the default)."""
        flag = self.get_send_enabled(ctx, denom)
        return self.get_params(ctx).default_send_enabled if flag is None else flag

    def get_denom_metadata(self, ctx: Context, denom: str) -> bank_pb2.Metadata | None:
        """Metadata of a base denom, or None."""
        raw = ctx.kv(self.store_key).get(keys.metadata_key(denom))
        return bank_pb2.Metadata.FromString(raw) if raw else None

    def iter_denom_metadata(
        self, ctx: Context, reverse: bool = False
    ) -> Iterator[bank_pb2.Metadata]:
        """Metadata of every denom, sorted by base denom (or reversed)."""
        for _, raw in ctx.kv(self.store_key).iterate(keys.DENOM_METADATA, reverse):
            yield bank_pb2.Metadata.FromString(raw)


class Keeper(ViewKeeper):
    """Moves, mints and configures coins; keeps supply equal to the sum of balances."""

    def set_params(self, ctx: Context, params: Params) -> None:
        """Stores params."""
        ctx.kv(self.store_key).set(keys.PARAMS, params.to_proto().SerializeToString())

    def set_send_enabled(self, ctx: Context, denom: str, enabled: bool) -> None:
        """Sets the send-enabled flag of denom."""
        ctx.kv(self.store_key).set(keys.send_enabled_key(denom), b"\x01" if enabled else b"\x00")

    def set_denom_metadata(self, ctx: Context, metadata: bank_pb2.Metadata) -> None:
        """Stores metadata under its base denom."""
        ctx.kv(self.store_key).set(keys.metadata_key(metadata.base), metadata.SerializeToString())

    def check_send_enabled(self, ctx: Context, coins: Iterable[Coin]) -> None:
        """Raises SendDisabledError if any denom cannot be sent."""
        for coin in coins:
            if not self.is_send_enabled(ctx, coin.denom):
                raise SendDisabledError(f"{coin.denom} transfers are currently disabled")

    def _set_balance(self, ctx: Context, address: bytes, denom: str, amount: int) -> None:
        """Writes a balance; a zero balance deletes the key."""
        store = ctx.kv(self.store_key)
        key = keys.balance_key(address, denom)
        if amount == 0:
            store.delete(key)
        else:
            store.set(key, str(amount).encode())

    def subtract_coins(self, ctx: Context, address: bytes, coins: Sequence[Coin]) -> None:
        """Debits coins. Raises InsufficientFundsError (nothing written then)."""
        balances = [(coin, self.get_balance(ctx, address, coin.denom)) for coin in coins]
        for coin, have in balances:
            if have < coin.amount:
                raise InsufficientFundsError(
                    f"spendable balance {have}{coin.denom} is smaller than {coin}"
                    f" at {account_address(address)}"
                )
        for coin, have in balances:
            self._set_balance(ctx, address, coin.denom, have - coin.amount)

    def add_coins(self, ctx: Context, address: bytes, coins: Sequence[Coin]) -> None:
        """Credits coins. Raises InvalidCoinsError past the uint256 bound."""
        for coin in coins:
            total = self.get_balance(ctx, address, coin.denom) + coin.amount
            if total > MAX_AMOUNT:
                raise InvalidCoinsError(f"balance of {coin.denom} would overflow 2^256-1")
            self._set_balance(ctx, address, coin.denom, total)

    def send_coins(
        self, ctx: Context, sender: bytes, recipient: bytes, coins: Sequence[Coin]
    ) -> None:
        """Moves coins between accounts, creating the recipient's account if new.

        Raises SendDisabledError, InsufficientFundsError, InvalidCoinsError.
        """
        self.check_send_enabled(ctx, coins)
        self.subtract_coins(ctx, sender, coins)
        self.add_coins(ctx, recipient, coins)
        self.accounts.ensure_account(ctx, recipient)
        events.emit_transfer(ctx, sender, recipient, tuple(coins))

    def send_coins_from_account_to_module(
        self, ctx: Context, sender: bytes, module: str, coins: Sequence[Coin]
    ) -> None:
        """Moves coins to a module account (fees, escrow). Raises InsufficientFundsError."""
        recipient = self.accounts.get_module_account(ctx, module)
        self.subtract_coins(ctx, sender, coins)
        self.add_coins(ctx, recipient, coins)
        events.emit_transfer(ctx, sender, recipient, tuple(coins))

    def send_coins_from_module_to_account(
        self, ctx: Context, module: str, recipient: bytes, coins: Sequence[Coin]
    ) -> None:
        """Pays coins out of a module account (unbonding, rewards). Raises
        InsufficientFundsError."""
        sender = self.accounts.get_module_account(ctx, module)
        self.subtract_coins(ctx, sender, coins)
        self.add_coins(ctx, recipient, coins)
        self.accounts.ensure_account(ctx, recipient)
        events.emit_transfer(ctx, sender, recipient, tuple(coins))

    def send_coins_from_module_to_module(
        self, ctx: Context, sender_module: str, recipient_module: str, coins: Sequence[Coin]
    ) -> None:
        """Moves coins between module accounts (staking pools). Raises InsufficientFundsError."""
        sender = self.accounts.get_module_account(ctx, sender_module)
        recipient = self.accounts.get_module_account(ctx, recipient_module)
        self.subtract_coins(ctx, sender, coins)
        self.add_coins(ctx, recipient, coins)
        events.emit_transfer(ctx, sender, recipient, tuple(coins))

    def input_output_coins(
        self,
        ctx: Context,
        sender: bytes,
        total: Sequence[Coin],
        outputs: Sequence[tuple[bytes, Sequence[Coin]]],
    ) -> None:
        """Debits total from sender once and credits each output, creating new recipients'
        accounts (MsgMultiSend; validate_basic has checked that the outputs sum to total).

        Raises SendDisabledError, InsufficientFundsError, InvalidCoinsError.
        """
        self.check_send_enabled(ctx, total)
        self.subtract_coins(ctx, sender, total)
        for recipient, coins in outputs:
            self.add_coins(ctx, recipient, coins)
            self.accounts.ensure_account(ctx, recipient)
        events.emit_multi_send(ctx, sender, total, outputs)

    def _require_permission(self, module: str, permission: str) -> None:
        """Raises UnauthorizedError unless the module account has permission."""
        permissions = self.accounts.get_module_permissions(module)
        if permission not in permissions:
            raise UnauthorizedError(
                f"module account {module} has no {permission} permission "
                f"(it has: {', '.join(permissions) or 'none'})"
            )

    def burn_coins(self, ctx: Context, module: str, coins: Sequence[Coin]) -> None:
        """Destroys coins held by a module account and lowers the supply (slashing).

        Raises UnknownModuleAccountError, UnauthorizedError (no burner permission),
        InsufficientFundsError.
        """
        self._require_permission(module, BURNER)
        holder = self.accounts.get_module_account(ctx, module)
        self.subtract_coins(ctx, holder, coins)
        for coin in coins:
            self._add_supply(ctx, coin.denom, -coin.amount)
        events.emit_burn(ctx, holder, tuple(coins))

    def mint_coins(self, ctx: Context, module: str, coins: Sequence[Coin]) -> None:
        """Creates coins in a module account and raises the supply.

        Raises UnknownModuleAccountError, UnauthorizedError (no minter permission),
        InvalidCoinsError.
        """
        self._require_permission(module, MINTER)
        recipient = self.accounts.get_module_account(ctx, module)
        self.add_coins(ctx, recipient, coins)
        for coin in coins:
            self._add_supply(ctx, coin.denom, coin.amount)
        events.emit_coinbase(ctx, recipient, tuple(coins))

    def _add_supply(self, ctx: Context, denom: str, delta: int) -> None:
        """Changes the supply of denom by delta; deletes it at zero."""
        store = ctx.kv(self.store_key)
        total = self.get_supply(ctx, denom) + delta
        if total > MAX_AMOUNT:
            raise InvalidCoinsError(f"supply of {denom} would overflow 2^256-1")
        if total == 0:
            store.delete(keys.supply_key(denom))
        else:
            store.set(keys.supply_key(denom), str(total).encode())

    def set_genesis_balance(self, ctx: Context, address: bytes, coins: Sequence[Coin]) -> None:
        """Credits genesis balances (supply is checked against them after import)."""
        self.add_coins(ctx, address, coins)
        self.accounts.ensure_account(ctx, address)

    def set_supply(self, ctx: Context, coin: Coin) -> None:
        """Sets the total supply of a denom (genesis import)."""
        ctx.kv(self.store_key).set(keys.supply_key(coin.denom), str(coin.amount).encode())
