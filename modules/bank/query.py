"""The cosmos.bank.v1beta1.Query service, over the bank ViewKeeper only."""

from __future__ import annotations

from cosmos.bank.v1beta1 import query_pb2
from cosmos.base.v1beta1 import coin_pb2

from aichain.app.coins import Coin, validate_denom
from aichain.app.context import Context
from aichain.app.crypto import parse_account_address
from aichain.app.pagination import paginate
from aichain.app.router import Router
from aichain.modules.bank.errors import DenomMetadataNotFoundError
from aichain.modules.bank.keeper import ViewKeeper


def coin_proto(coin: Coin) -> coin_pb2.Coin:
    """A Coin as cosmos.base.v1beta1.Coin."""
    return coin_pb2.Coin(denom=coin.denom, amount=str(coin.amount))


class QueryServer:
    """Answers bank queries."""

    def __init__(self, keeper: ViewKeeper) -> None:
        self.keeper = keeper

    def balance(
        self, ctx: Context, req: query_pb2.QueryBalanceRequest
    ) -> query_pb2.QueryBalanceResponse:
        """Balance of one denom. Raises InvalidAddressError, InvalidCoinsError."""
        address = parse_account_address(req.address)
        validate_denom(req.denom)
        amount = self.keeper.get_balance(ctx, address, req.denom)
        return query_pb2.QueryBalanceResponse(balance=coin_proto(Coin(req.denom, amount)))

    def all_balances(
        self, ctx: Context, req: query_pb2.QueryAllBalancesRequest
    ) -> query_pb2.QueryAllBalancesResponse:
        """Every balance of an address, paginated. Raises InvalidAddressError."""
        address = parse_account_address(req.address)
        page, info = paginate(
            lambda reverse: self.keeper.iter_balances_of(ctx, address, reverse),
            req.pagination,
            lambda c: c.denom.encode(),
        )
        return query_pb2.QueryAllBalancesResponse(
            balances=[coin_proto(c) for c in page], pagination=info
        )

    def spendable_balances(
        self, ctx: Context, req: query_pb2.QuerySpendableBalancesRequest
    ) -> query_pb2.QuerySpendableBalancesResponse:
        """Spendable balances (all balances: nothing is locked yet). Raises InvalidAddressError."""
        address = parse_account_address(req.address)
        page, info = paginate(
            lambda reverse: self.keeper.iter_balances_of(ctx, address, reverse),
            req.pagination,
            lambda c: c.denom.encode(),
        )
        return query_pb2.QuerySpendableBalancesResponse(
            balances=[coin_proto(c) for c in page], pagination=info
        )

    def total_supply(
        self, ctx: Context, req: query_pb2.QueryTotalSupplyRequest
    ) -> query_pb2.QueryTotalSupplyResponse:
        """Total supply of every denom, paginated."""
        page, info = paginate(
            lambda reverse: self.keeper.iter_supply(ctx, reverse),
            req.pagination,
            lambda c: c.denom.encode(),
        )
        return query_pb2.QueryTotalSupplyResponse(
            supply=[coin_proto(c) for c in page], pagination=info
        )

    def supply_of(
        self, ctx: Context, req: query_pb2.QuerySupplyOfRequest
    ) -> query_pb2.QuerySupplyOfResponse:
        """Total supply of one denom. Raises InvalidCoinsError."""
        validate_denom(req.denom)
        amount = self.keeper.get_supply(ctx, req.denom)
        return query_pb2.QuerySupplyOfResponse(amount=coin_proto(Coin(req.denom, amount)))

    def params(
        self, ctx: Context, req: query_pb2.QueryParamsRequest
    ) -> query_pb2.QueryParamsResponse:
        """Module params."""
        return query_pb2.QueryParamsResponse(params=self.keeper.get_params(ctx).to_proto())

    def denoms_metadata(
        self, ctx: Context, req: query_pb2.QueryDenomsMetadataRequest
    ) -> query_pb2.QueryDenomsMetadataResponse:
        """Metadata of every denom, paginated."""
        page, info = paginate(
            lambda reverse: self.keeper.iter_denom_metadata(ctx, reverse),
            req.pagination,
            lambda m: m.base.encode(),
        )
        return query_pb2.QueryDenomsMetadataResponse(metadatas=page, pagination=info)

    def denom_metadata(
        self, ctx: Context, req: query_pb2.QueryDenomMetadataRequest
    ) -> query_pb2.QueryDenomMetadataResponse:
        """Metadata of one denom. Raises DenomMetadataNotFoundError."""
        metadata = self.keeper.get_denom_metadata(ctx, req.denom)
        if metadata is None:
            raise DenomMetadataNotFoundError(f"no metadata for denom {req.denom!r}")
        return query_pb2.QueryDenomMetadataResponse(metadata=metadata)

    def send_enabled(
        self, ctx: Context, req: query_pb2.QuerySendEnabledRequest
    ) -> query_pb2.QuerySendEnabledResponse:
        """Explicit send-enabled flags (of the given denoms, or all)."""
        from cosmos.bank.v1beta1 import bank_pb2

        if req.denoms:
            flags = [(d, self.keeper.get_send_enabled(ctx, d)) for d in req.denoms]
            items = [bank_pb2.SendEnabled(denom=d, enabled=f) for d, f in flags if f is not None]
            return query_pb2.QuerySendEnabledResponse(send_enabled=items)
        page, info = paginate(
            lambda reverse: self.keeper.iter_send_enabled(ctx, reverse),
            req.pagination,
            lambda f: f[0].encode(),
        )
        return query_pb2.QuerySendEnabledResponse(
            send_enabled=[bank_pb2.SendEnabled(denom=d, enabled=f) for d, f in page],
            pagination=info,
        )


def register_queries(router: Router, server: QueryServer) -> None:
    """Adds the bank query methods to the router."""
    router.add_query_service(
        query_pb2,
        [
            ("Balance", server.balance),
            ("AllBalances", server.all_balances),
            ("SpendableBalances", server.spendable_balances),
            ("TotalSupply", server.total_supply),
            ("SupplyOf", server.supply_of),
            ("Params", server.params),
            ("DenomsMetadata", server.denoms_metadata),
            ("DenomMetadata", server.denom_metadata),
            ("SendEnabled", server.send_enabled),
        ],
    )
