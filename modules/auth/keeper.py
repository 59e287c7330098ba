"""Auth keeper: accounts (address, pubkey, number, sequence) and params."""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

from cosmos.auth.v1beta1 import auth_pb2
from cosmos.crypto.secp256k1 import keys_pb2 as secp_pb2
from google.protobuf import any_pb2

from aichain.app.context import Context
from aichain.app.crypto import account_address, bech32_decode
from aichain.modules.auth import keys
from aichain.modules.auth.errors import AccountNotFoundError
from aichain.modules.auth.types import (
    MODULE_ACCOUNT_URL,
    Account,
    Params,
    module_address,
)


@lru_cache(maxsize=1 << 16)
def decode_account(raw: bytes) -> Account:
    """An Account from its stored Any bytes (memoised: accounts are immutable records)."""
    wrapped = any_pb2.Any.FromString(raw)
    name = ""
    if wrapped.type_url == MODULE_ACCOUNT_URL:
        module = auth_pb2.ModuleAccount.FromString(wrapped.value)
        base, name = module.base_account, module.name
    else:
        base = auth_pb2.BaseAccount.FromString(wrapped.value)
    pubkey = None
    if base.HasField("pub_key"):
        pubkey = secp_pb2.PubKey.FromString(base.pub_key.value).key
    return Account(bech32_decode(base.address), base.account_number, base.sequence, pubkey, name)


@lru_cache(maxsize=64)
def _decode_params(raw: bytes) -> Params:
    """Params from their stored bytes (memoised: read on every tx)."""
    return Params.from_proto(auth_pb2.Params.FromString(raw))


class ViewKeeper:
    """Reads accounts and params."""

    def get_params(self, ctx: Context) -> Params:
        """The module params (defaults before genesis sets them)."""
        raw = ctx.kv(keys.STORE_PREFIX).get(keys.PARAMS)
        return _decode_params(raw) if raw else Params()

    def get_account(self, ctx: Context, address: bytes) -> Account | None:
        """The account at address, or None."""
        raw = ctx.kv(keys.STORE_PREFIX).get(keys.account_key(address))
        return decode_account(raw) if raw is not None else None

    def has_account(self, ctx: Context, address: bytes) -> bool:
        """Whether an account exists at address."""
        return ctx.kv(keys.STORE_PREFIX).has(keys.account_key(address))

    def must_get_account(self, ctx: Context, address: bytes) -> Account:
        """The account at address. Raises AccountNotFoundError."""
        account = self.get_account(ctx, address)
        if account is None:
            raise AccountNotFoundError(
                f"account {account_address(address)} does not exist: "
                "it is created when it first receives funds"
            )
        return account

    def iter_accounts(self, ctx: Context) -> Iterator[Account]:
        """All accounts in address order."""
        for _, raw in ctx.kv(keys.STORE_PREFIX).iterate(keys.ACCOUNT):
            yield decode_account(raw)

    def get_next_account_number(self, ctx: Context) -> int:
        """The number the next new account will get."""
        raw = ctx.kv(keys.STORE_PREFIX).get(keys.NEXT_ACCOUNT_NUMBER)
        return int.from_bytes(raw, "big") if raw else 0

    def get_module_address(self, name: str) -> bytes:
        """The address of a module account."""
        return module_address(name)


class Keeper(ViewKeeper):
    """Reads and writes accounts and params."""

    def set_params(self, ctx: Context, params: Params) -> None:
        """Stores validated params. Raises InvalidParamsError."""
        params.validate()
        ctx.kv(keys.STORE_PREFIX).set(keys.PARAMS, params.to_proto().SerializeToString())

    def set_account(self, ctx: Context, account: Account) -> None:
        """Stores an account."""
        raw = account.to_any(account_address(account.address)).SerializeToString()
        ctx.kv(keys.STORE_PREFIX).set(keys.account_key(account.address), raw)

    def create_account(self, ctx: Context, address: bytes, module_name: str = "") -> Account:
        """Creates an account with the next account number and returns it."""
        number = self.get_next_account_number(ctx)
        ctx.kv(keys.STORE_PREFIX).set(keys.NEXT_ACCOUNT_NUMBER, (number + 1).to_bytes(8, "big"))
        account = Account(address, number, 0, None, module_name)
        self.set_account(ctx, account)
        return account

    def ensure_account(self, ctx: Context, address: bytes) -> None:
        """Creates an account at address if none exists (on first receipt of funds)."""
        if not self.has_account(ctx, address):
            self.create_account(ctx, address)

    def ensure_module_account(self, ctx: Context, name: str) -> bytes:
        """Creates the module account `name` if missing; returns its address."""
        address = module_address(name)
        if not self.has_account(ctx, address):
            self.create_account(ctx, address, module_name=name)
        return address

    def set_next_account_number(self, ctx: Context, number: int) -> None:
        """Sets the next account number (genesis import)."""
        ctx.kv(keys.STORE_PREFIX).set(keys.NEXT_ACCOUNT_NUMBER, number.to_bytes(8, "big"))
