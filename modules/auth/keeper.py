"""Auth keeper: accounts (address, pubkey, number, sequence) and params."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import lru_cache

from cosmos.auth.v1beta1 import auth_pb2
from cosmos.crypto.secp256k1 import keys_pb2 as secp_pb2
from google.protobuf import any_pb2

from aichain.app.context import Context
from aichain.app.crypto import account_address, bech32_decode, module_address
from aichain.app.store_keys import StoreKey
from aichain.modules.auth import keys
from aichain.modules.auth.errors import AccountNotFoundError, UnknownModuleAccountError
from aichain.modules.auth.types import (
    MODULE_ACCOUNT_URL,
    Account,
    Params,
)


@lru_cache(maxsize=1 << 16)
def decode_account(raw: bytes) -> Account:
    """An Account from its stored Any bytes (memoised: accounts are immutable records)."""
    wrapped = any_pb2.Any.FromString(raw)
    name = ""
    permissions: tuple[str, ...] = ()
    if wrapped.type_url == MODULE_ACCOUNT_URL:
        module = auth_pb2.ModuleAccount.FromString(wrapped.value)
        base, name, permissions = module.base_account, module.name, tuple(module.permissions)
    else:
        base = auth_pb2.BaseAccount.FromString(wrapped.value)
    pubkey = None
    if base.HasField("pub_key"):
        pubkey = secp_pb2.PubKey.FromString(base.pub_key.value).key
    return Account(
        bech32_decode(base.address), base.account_number, base.sequence, pubkey, name, permissions
    )


@lru_cache(maxsize=64)
def _decode_params(raw: bytes) -> Params:
    """Params from their stored bytes (memoised: read on every tx)."""
    return Params.from_proto(auth_pb2.Params.FromString(raw))


class ViewKeeper:
    """Reads accounts and params.

    module_accounts: every declared module account's name -> permissions (the SDK's
    maccPerms), from the app wiring."""

    def __init__(
        self, store_key: StoreKey, module_accounts: Mapping[str, tuple[str, ...]] | None = None
    ) -> None:
        self.store_key = store_key
        self.module_accounts: Mapping[str, tuple[str, ...]] = (
            module_accounts if module_accounts is not None else {}
        )

    def get_params(self, ctx: Context) -> Params:
        """The module params (defaults before genesis sets them)."""
        raw = ctx.kv(self.store_key).get(keys.PARAMS)
        return _decode_params(raw) if raw else Params()

    def get_account(self, ctx: Context, address: bytes) -> Account | None:
        """The account at address, or None."""
        raw = ctx.kv(self.store_key).get(keys.account_key(address))
        return decode_account(raw) if raw is not None else None

    def has_account(self, ctx: Context, address: bytes) -> bool:
        """Whether an account exists at address."""
        return ctx.kv(self.store_key).has(keys.account_key(address))

    def must_get_account(self, ctx: Context, address: bytes) -> Account:
        """The account at address. Raises AccountNotFoundError."""
        account = self.get_account(ctx, address)
        if account is None:
            raise AccountNotFoundError(
                f"account {account_address(address)} does not exist: "
                "it is created when it first receives funds"
            )
        return account

    def iter_accounts(self, ctx: Context, reverse: bool = False) -> Iterator[Account]:
        """All accounts in account-key order (by address length, then address), or reversed."""
        for _, raw in ctx.kv(self.store_key).iterate(keys.ACCOUNT, reverse):
            yield decode_account(raw)

    def get_next_account_number(self, ctx: Context) -> int:
        """The number the next new account will get."""
        raw = ctx.kv(self.store_key).get(keys.NEXT_ACCOUNT_NUMBER)
        return int.from_bytes(raw, "big") if raw else 0

    def get_module_address(self, name: str) -> bytes:
        """The address of a module account."""
        return module_address(name)

    def get_module_permissions(self, name: str) -> tuple[str, ...]:
        """The permissions of a declared module account. Raises UnknownModuleAccountError."""
        permissions = self.module_accounts.get(name)
        if permissions is None:
            raise UnknownModuleAccountError(
                f"module account {name!r} is not declared by any module (declared: "
                f"{', '.join(self.module_accounts) or 'none'})"
            )
        return permissions


class Keeper(ViewKeeper):
    """Reads and writes accounts and params."""

    def set_params(self, ctx: Context, params: Params) -> None:
        """Stores validated params. Raises InvalidParamsError."""
        params.validate()
        ctx.kv(self.store_key).set(keys.PARAMS, params.to_proto().SerializeToString())

    def set_account(self, ctx: Context, account: Account) -> None:
        """Stores an account."""
        raw = account.to_any(account_address(account.address)).SerializeToString()
        ctx.kv(self.store_key).set(keys.account_key(account.address), raw)

    def create_account(
        self,
        ctx: Context,
        address: bytes,
        module_name: str = "",
        permissions: tuple[str, ...] = (),
    ) -> Account:
        """Creates an account with the next account number and returns it."""
        number = self.get_next_account_number(ctx)
        ctx.kv(self.store_key).set(keys.NEXT_ACCOUNT_NUMBER, (number + 1).to_bytes(8, "big"))
        account = Account(address, number, 0, None, module_name, permissions)
        self.set_account(ctx, account)
        return account

    def ensure_account(self, ctx: Context, address: bytes) -> None:
        """Creates an account at address if none exists (on first receipt of funds)."""
        if not self.has_account(ctx, address):
            self.create_account(ctx, address)

    def create_module_accounts(self, ctx: Context) -> None:
        """Creates every declared module account that does not exist yet (at genesis, in
        name order, after the genesis accounts)."""
        for name in sorted(self.module_accounts):
            address = module_address(name)
            if not self.has_account(ctx, address):
                self.create_account(ctx, address, name, self.module_accounts[name])

    def get_module_account(self, ctx: Context, name: str) -> bytes:
        """The address of the declared module account name. Raises UnknownModuleAccountError.

        Module accounts are created at genesis; one missing from the state of a chain that
        began before it was declared is created here, once (docs/modules.md)."""
        permissions = self.get_module_permissions(name)
        address = module_address(name)
        if not self.has_account(ctx, address):
            self.create_account(ctx, address, name, permissions)
        return address

    def set_next_account_number(self, ctx: Context, number: int) -> None:
        """Sets the next account number (genesis import)."""
        ctx.kv(self.store_key).set(keys.NEXT_ACCOUNT_NUMBER, number.to_bytes(8, "big"))
