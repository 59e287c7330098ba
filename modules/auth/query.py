"""The cosmos.auth.v1beta1.Query service, over the auth ViewKeeper only."""

from __future__ import annotations

from cosmos.auth.v1beta1 import query_pb2

from aichain.app.context import Context
from aichain.app.crypto import ACCOUNT_PREFIX, account_address, parse_account_address
from aichain.app.errors import InvalidAddressError
from aichain.app.pagination import paginate
from aichain.app.router import Router
from aichain.modules.auth.keeper import ViewKeeper


class QueryServer:
    """Answers auth queries."""

    def __init__(self, keeper: ViewKeeper) -> None:
        self.keeper = keeper

    def account(
        self, ctx: Context, req: query_pb2.QueryAccountRequest
    ) -> query_pb2.QueryAccountResponse:
        """One account as an Any. Raises InvalidAddressError, AccountNotFoundError."""
        address = parse_account_address(req.address)
        account = self.keeper.must_get_account(ctx, address)
        return query_pb2.QueryAccountResponse(account=account.to_any(req.address))

    def accounts(
        self, ctx: Context, req: query_pb2.QueryAccountsRequest
    ) -> query_pb2.QueryAccountsResponse:
        """Every account, paginated by address."""
        page, info = paginate(
            lambda reverse: self.keeper.iter_accounts(ctx, reverse),
            req.pagination,
            lambda a: a.address,
        )
        return query_pb2.QueryAccountsResponse(
            accounts=[a.to_any(account_address(a.address)) for a in page], pagination=info
        )

    def account_info(
        self, ctx: Context, req: query_pb2.QueryAccountInfoRequest
    ) -> query_pb2.QueryAccountInfoResponse:
        """One account's base fields. Raises InvalidAddressError, AccountNotFoundError."""
        from cosmos.auth.v1beta1 import auth_pb2

        account = self.keeper.must_get_account(ctx, parse_account_address(req.address))
        base = auth_pb2.BaseAccount()
        any_msg = account.to_any(req.address)
        if account.module_name:
            base = auth_pb2.ModuleAccount.FromString(any_msg.value).base_account
        else:
            base = auth_pb2.BaseAccount.FromString(any_msg.value)
        return query_pb2.QueryAccountInfoResponse(info=base)

    def params(
        self, ctx: Context, req: query_pb2.QueryParamsRequest
    ) -> query_pb2.QueryParamsResponse:
        """Module params."""
        return query_pb2.QueryParamsResponse(params=self.keeper.get_params(ctx).to_proto())

    def module_accounts(
        self, ctx: Context, req: query_pb2.QueryModuleAccountsRequest
    ) -> query_pb2.QueryModuleAccountsResponse:
        """Every declared module account, by name."""
        accounts = []
        for name in sorted(self.keeper.module_accounts):
            account = self.keeper.get_account(ctx, self.keeper.get_module_address(name))
            if account is not None:
                accounts.append(account.to_any(account_address(account.address)))
        return query_pb2.QueryModuleAccountsResponse(accounts=accounts)

    def module_account_by_name(
        self, ctx: Context, req: query_pb2.QueryModuleAccountByNameRequest
    ) -> query_pb2.QueryModuleAccountByNameResponse:
        """One module account. Raises UnknownModuleAccountError, AccountNotFoundError."""
        self.keeper.get_module_permissions(req.name)
        address = self.keeper.get_module_address(req.name)
        account = self.keeper.must_get_account(ctx, address)
        return query_pb2.QueryModuleAccountByNameResponse(
            account=account.to_any(account_address(address))
        )

    def address_bytes_to_string(
        self, ctx: Context, req: query_pb2.AddressBytesToStringRequest
    ) -> query_pb2.AddressBytesToStringResponse:
        """The bech32 form of address bytes. Raises InvalidAddressError."""
        if not 1 <= len(req.address_bytes) <= 255:
            raise InvalidAddressError(
                f"address bytes must be 1 to 255 bytes long, got {len(req.address_bytes)}"
            )
        return query_pb2.AddressBytesToStringResponse(
            address_string=account_address(req.address_bytes)
        )

    def address_string_to_bytes(
        self, ctx: Context, req: query_pb2.AddressStringToBytesRequest
    ) -> query_pb2.AddressStringToBytesResponse:
        """The bytes of a bech32 account address. Raises InvalidAddressError."""
        return query_pb2.AddressStringToBytesResponse(
            address_bytes=parse_account_address(req.address_string)
        )

    def bech32_prefix(
        self, ctx: Context, req: query_pb2.Bech32PrefixRequest
    ) -> query_pb2.Bech32PrefixResponse:
        """The account address prefix."""
        return query_pb2.Bech32PrefixResponse(bech32_prefix=ACCOUNT_PREFIX)


def register_queries(router: Router, server: QueryServer) -> None:
    """Adds the auth query methods to the router."""
    router.add_query_service(
        query_pb2,
        [
            ("Account", server.account),
            ("Accounts", server.accounts),
            ("AccountInfo", server.account_info),
            ("Params", server.params),
            ("Bech32Prefix", server.bech32_prefix),
            ("ModuleAccounts", server.module_accounts),
            ("ModuleAccountByName", server.module_account_by_name),
            ("AddressBytesToString", server.address_bytes_to_string),
            ("AddressStringToBytes", server.address_string_to_bytes),
        ],
    )
