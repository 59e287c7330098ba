"""The gRPC server over an in-process chain: queries, Simulate, errors, reflection, health."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import grpc
import pytest
from cosmos.auth.v1beta1 import auth_pb2
from cosmos.auth.v1beta1 import query_pb2 as auth_query
from cosmos.auth.v1beta1 import query_pb2_grpc as auth_grpc
from cosmos.bank.v1beta1 import query_pb2 as bank_query
from cosmos.bank.v1beta1 import query_pb2_grpc as bank_grpc
from cosmos.base.query.v1beta1 import pagination_pb2
from cosmos.tx.v1beta1 import service_pb2 as tx_service
from cosmos.tx.v1beta1 import service_pb2_grpc as tx_grpc
from cosmos.tx.v1beta1 import tx_pb2
from google.protobuf import empty_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from aichain.app.app import memory_app
from aichain.app.crypto import account_address
from aichain.app.router import QueryRoute
from aichain.node.grpc_server import CODE_KEY, CODESPACE_KEY, HEIGHT_KEY, start_grpc_server

from ..helpers import DENOM, Chain, make_key

ALICE, BOB, NOBODY = make_key(1), make_key(2), make_key(3)
ALICE_COINS, BOB_COINS = 1_000_000, 500


@dataclass
class Served:
    """A chain, the gRPC server over its app, and a channel to it."""

    chain: Chain
    channel: grpc.Channel

    @property
    def bank(self) -> bank_grpc.QueryStub:
        """A bank Query stub."""
        return bank_grpc.QueryStub(self.channel)

    @property
    def auth(self) -> auth_grpc.QueryStub:
        """An auth Query stub."""
        return auth_grpc.QueryStub(self.channel)


@pytest.fixture
def served() -> Iterator[Served]:
    """A chain at height 1 funding ALICE and BOB, served on a free loopback port."""
    chain = Chain.start([(ALICE, ALICE_COINS), (BOB, BOB_COINS)])
    server = start_grpc_server(chain.app, "127.0.0.1:0", None, max_workers=4)
    channel = grpc.insecure_channel(f"127.0.0.1:{server.port}")
    try:
        yield Served(chain, channel)
    finally:
        channel.close()
        server.stop(None)


def addr(key) -> str:  # noqa: ANN001
    """Bech32 address of a test key."""
    return account_address(key.address)


# --- bank ---------------------------------------------------------------------------------


def test_bank_balance(served: Served) -> None:
    resp = served.bank.Balance(bank_query.QueryBalanceRequest(address=addr(ALICE), denom=DENOM))
    assert (resp.balance.denom, resp.balance.amount) == (DENOM, str(ALICE_COINS))


def test_bank_balance_sends_the_height_header(served: Served) -> None:
    _, call = served.bank.Balance.with_call(
        bank_query.QueryBalanceRequest(address=addr(BOB), denom=DENOM)
    )
    assert dict(call.initial_metadata())[HEIGHT_KEY] == str(served.chain.height)


def test_queries_answer_at_the_height_the_request_metadata_names(served: Served) -> None:
    chain = served.chain
    before = chain.height
    sent = chain.block([chain.send_tx(ALICE, BOB.address, 7)])
    assert sent.tx_results[0].code == 0
    request = bank_query.QueryBalanceRequest(address=addr(BOB), denom=DENOM)
    old, call = served.bank.Balance.with_call(request, metadata=((HEIGHT_KEY, str(before)),))
    assert old.balance.amount == str(BOB_COINS)
    assert dict(call.initial_metadata())[HEIGHT_KEY] == str(before)
    latest, call = served.bank.Balance.with_call(request, metadata=((HEIGHT_KEY, "0"),))
    assert latest.balance.amount == str(BOB_COINS + 7)
    assert dict(call.initial_metadata())[HEIGHT_KEY] == str(chain.height)
    for value, status, fragment in (
        (str(chain.height + 5), grpc.StatusCode.INVALID_ARGUMENT, "not committed yet"),
        ("-1", grpc.StatusCode.INVALID_ARGUMENT, "must be a block height"),
        ("ten", grpc.StatusCode.INVALID_ARGUMENT, "must be a block height"),
    ):
        with pytest.raises(grpc.RpcError) as err:
            served.bank.Balance(request, metadata=((HEIGHT_KEY, value),))
        assert err.value.code() == status and fragment in err.value.details(), value


def test_abci_query_service_returns_store_proofs(served: Served) -> None:
    from cosmos.base.tendermint.v1beta1 import query_pb2 as tm_query
    from cosmos.base.tendermint.v1beta1 import query_pb2_grpc as tm_grpc

    from aichain.client.proofs import verify_proof_ops

    chain = served.chain
    key = b"\x02" + bytes([20]) + ALICE.address + DENOM.encode()  # bank balance key
    resp = tm_grpc.ServiceStub(served.channel).ABCIQuery(
        tm_query.ABCIQueryRequest(path="/store/bank/key", data=key, height=chain.height, prove=True)
    )
    assert resp.code == 0 and resp.height == chain.height and resp.value
    ops = [(op.type, op.key, op.data) for op in resp.proof_ops.ops]
    assert ops and ops[0][0] == "ics23:smt"
    app_hash = chain.app.root.root_hash_at(chain.height)
    verify_proof_ops(app_hash, b"bank/" + key, resp.value, ops)


def test_bank_all_balances(served: Served) -> None:
    page = pagination_pb2.PageRequest(count_total=True)
    resp = served.bank.AllBalances(
        bank_query.QueryAllBalancesRequest(address=addr(BOB), pagination=page)
    )
    assert [(c.denom, c.amount) for c in resp.balances] == [(DENOM, str(BOB_COINS))]
    assert resp.pagination.total == 1


def test_bank_total_supply_and_supply_of(served: Served) -> None:
    total = served.bank.TotalSupply(bank_query.QueryTotalSupplyRequest())
    assert [(c.denom, c.amount) for c in total.supply] == [(DENOM, str(ALICE_COINS + BOB_COINS))]
    one = served.bank.SupplyOf(bank_query.QuerySupplyOfRequest(denom=DENOM))
    assert one.amount.amount == str(ALICE_COINS + BOB_COINS)


def test_bank_params_and_denoms_metadata(served: Served) -> None:
    params = served.bank.Params(bank_query.QueryParamsRequest()).params
    assert params.default_send_enabled is True
    meta = served.bank.DenomsMetadata(bank_query.QueryDenomsMetadataRequest())
    assert list(meta.metadatas) == []


# --- auth ---------------------------------------------------------------------------------


def test_auth_account(served: Served) -> None:
    resp = served.auth.Account(auth_query.QueryAccountRequest(address=addr(ALICE)))
    assert resp.account.type_url == "/cosmos.auth.v1beta1.BaseAccount"
    account = auth_pb2.BaseAccount.FromString(resp.account.value)
    assert account.address == addr(ALICE)
    assert account.account_number == served.chain.numbers[ALICE.address]
    assert account.sequence == 0


def test_auth_params(served: Served) -> None:
    params = served.auth.Params(auth_query.QueryParamsRequest()).params
    assert params.max_memo_characters > 0
    assert params.tx_sig_limit > 0


# --- errors -------------------------------------------------------------------------------


def test_query_rejects_invalid_address_with_invalid_argument(served: Served) -> None:
    with pytest.raises(grpc.RpcError) as info:
        served.bank.Balance(bank_query.QueryBalanceRequest(address="aic1nope", denom=DENOM))
    err = info.value
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "aic1nope" in err.details() and "invalid address" in err.details()
    trailers = dict(err.trailing_metadata())
    assert (trailers[CODESPACE_KEY], trailers[CODE_KEY]) == ("sdk", "7")


def test_query_rejects_missing_account_with_not_found(served: Served) -> None:
    with pytest.raises(grpc.RpcError) as info:
        served.auth.Account(auth_query.QueryAccountRequest(address=addr(NOBODY)))
    assert info.value.code() == grpc.StatusCode.NOT_FOUND
    assert addr(NOBODY) in info.value.details()


def test_query_rejects_undecodable_request(served: Served) -> None:
    call = served.channel.unary_unary("/cosmos.bank.v1beta1.Query/Balance")
    with pytest.raises(grpc.RpcError) as info:
        call(b"\xff\xff\xff")
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "does not decode" in info.value.details()


def test_unknown_method_is_unimplemented(served: Served) -> None:
    call = served.channel.unary_unary("/cosmos.bank.v1beta1.Query/NoSuchMethod")
    with pytest.raises(grpc.RpcError) as info:
        call(b"")
    assert info.value.code() == grpc.StatusCode.UNIMPLEMENTED


def test_new_module_route_is_served_and_internal_errors_hide_details() -> None:
    app = memory_app()

    def boom(ctx, req):  # noqa: ANN001, ANN202
        raise RuntimeError("secret detail /home/user/.aichain")

    app.router.add_query(
        QueryRoute("/aichain.test.v1.Query/Boom", empty_pb2.Empty, empty_pb2.Empty, boom)
    )
    server = start_grpc_server(app, "127.0.0.1:0", None)
    try:
        assert "aichain.test.v1.Query" in server.services
        with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
            with pytest.raises(grpc.RpcError) as info:
                channel.unary_unary("/aichain.test.v1.Query/Boom")(b"")
    finally:
        server.stop(None)
    assert info.value.code() == grpc.StatusCode.INTERNAL
    assert info.value.details() == "internal error"


def test_start_rejects_a_port_in_use(served: Served) -> None:
    first = start_grpc_server(served.chain.app, "127.0.0.1:0", None)
    try:
        with pytest.raises(OSError):
            start_grpc_server(served.chain.app, f"127.0.0.1:{first.port}", None)
    finally:
        first.stop(None)


# --- Simulate -------------------------------------------------------------------------------


def _state(served: Served) -> tuple[str, str, int]:
    """ALICE's and BOB's balances and ALICE's sequence, read over gRPC."""
    alice = served.bank.Balance(bank_query.QueryBalanceRequest(address=addr(ALICE), denom=DENOM))
    bob = served.bank.Balance(bank_query.QueryBalanceRequest(address=addr(BOB), denom=DENOM))
    account = served.auth.Account(auth_query.QueryAccountRequest(address=addr(ALICE))).account
    return (
        alice.balance.amount,
        bob.balance.amount,
        auth_pb2.BaseAccount.FromString(account.value).sequence,
    )


def test_simulate_reports_gas_and_changes_nothing(served: Served) -> None:
    before = _state(served)
    raw = served.chain.send_tx(ALICE, BOB.address, 1_000, sequence=0)
    stub = tx_grpc.ServiceStub(served.channel)
    resp = stub.Simulate(tx_service.SimulateRequest(tx_bytes=raw))
    assert resp.gas_info.gas_used > 0
    assert resp.gas_info.gas_wanted == 200_000
    assert any(e.type == "transfer" for e in resp.result.events)
    assert _state(served) == before
    # the simulated sequence was not consumed: the same tx still passes CheckTx
    assert served.chain.check(raw).code == 0


def test_simulate_accepts_the_deprecated_tx_field(served: Served) -> None:
    raw = served.chain.send_tx(ALICE, BOB.address, 1_000, sequence=0)
    stub = tx_grpc.ServiceStub(served.channel)
    resp = stub.Simulate(tx_service.SimulateRequest(tx=tx_pb2.Tx.FromString(raw)))
    assert resp.gas_info.gas_used > 0


def test_simulate_rejects_a_failing_tx_with_its_error(served: Served) -> None:
    raw = served.chain.send_tx(BOB, ALICE.address, 10**9, sequence=0)
    stub = tx_grpc.ServiceStub(served.channel)
    with pytest.raises(grpc.RpcError) as info:
        stub.Simulate(tx_service.SimulateRequest(tx_bytes=raw))
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "insufficient funds" in info.value.details()
    assert dict(info.value.trailing_metadata())[CODE_KEY] == "5"


def test_simulate_rejects_an_empty_request(served: Served) -> None:
    stub = tx_grpc.ServiceStub(served.channel)
    with pytest.raises(grpc.RpcError) as info:
        stub.Simulate(tx_service.SimulateRequest())
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT


# --- reflection and health ------------------------------------------------------------------


def test_reflection_lists_every_service(served: Served) -> None:
    stub = reflection_pb2_grpc.ServerReflectionStub(served.channel)
    requests = [
        reflection_pb2.ServerReflectionRequest(list_services=""),
        reflection_pb2.ServerReflectionRequest(file_containing_symbol="cosmos.bank.v1beta1.Query"),
    ]
    listed, found = list(stub.ServerReflectionInfo(iter(requests)))
    names = {s.name for s in listed.list_services_response.service}
    assert {
        "cosmos.auth.v1beta1.Query",
        "cosmos.bank.v1beta1.Query",
        "cosmos.tx.v1beta1.Service",
        "cosmos.base.tendermint.v1beta1.Service",
        "grpc.health.v1.Health",
        "grpc.reflection.v1alpha.ServerReflection",
    } <= names
    assert found.file_descriptor_response.file_descriptor_proto


def test_health_reports_serving(served: Served) -> None:
    stub = health_pb2_grpc.HealthStub(served.channel)
    for service in ("", "cosmos.bank.v1beta1.Query", "cosmos.tx.v1beta1.Service"):
        resp = stub.Check(health_pb2.HealthCheckRequest(service=service))
        assert resp.status == health_pb2.HealthCheckResponse.SERVING
