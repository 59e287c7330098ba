"""Connection roles: the four connections CometBFT opens, and refusals of any other."""

from __future__ import annotations

import asyncio
import logging
import os
import stat
import tempfile

import pytest
import tendermint.abci.types_pb2 as abci_pb

from aichain.abci.application import BaseApplication
from aichain.abci.client import ABCIClient
from aichain.abci.roles import MAX_CONNECTIONS, ROLE_OF_REQUEST, Role, RoleRefused, RoleTable
from aichain.abci.server import ABCIServer


def request(kind: str) -> abci_pb.Request:
    """A default request of one kind (its field name in tendermint.abci.Request)."""
    req = abci_pb.Request()
    getattr(req, kind).SetInParent()
    return req


def run(body) -> None:
    """Run an async test body with an overall timeout."""

    async def bounded() -> None:
        async with asyncio.timeout(30):
            await body()

    asyncio.run(bounded())


def test_every_request_kind_of_the_protocol_has_a_role_entry() -> None:
    kinds = {f.name for f in abci_pb.Request.DESCRIPTOR.oneofs_by_name["value"].fields}
    assert set(ROLE_OF_REQUEST) == kinds
    consensus = {k for k, r in ROLE_OF_REQUEST.items() if r is Role.CONSENSUS}
    assert consensus == {
        "init_chain",
        "prepare_proposal",
        "process_proposal",
        "extend_vote",
        "verify_vote_extension",
        "finalize_block",
        "commit",
    }
    assert {k for k, r in ROLE_OF_REQUEST.items() if r is None} == {"echo", "flush"}


def test_first_role_request_binds_the_connection() -> None:
    table = RoleTable()
    table.admit("a", "echo")
    assert table.role_of("a") is None
    table.admit("a", "finalize_block")
    table.admit("a", "commit")
    assert table.role_of("a") is Role.CONSENSUS
    assert table.holder(Role.CONSENSUS) == "a"


def test_admit_rejects_a_second_consensus_connection() -> None:
    table = RoleTable()
    table.admit("cometbft", "init_chain")
    with pytest.raises(RoleRefused, match="another live connection already serves consensus"):
        table.admit("intruder", "finalize_block")
    assert table.role_of("intruder") is None
    assert table.holder(Role.CONSENSUS) == "cometbft"


def test_admit_rejects_another_roles_request_on_a_bound_connection() -> None:
    table = RoleTable()
    table.admit("q", "info")
    with pytest.raises(RoleRefused, match="commit is a consensus request but this is the query"):
        table.admit("q", "commit")
    assert table.holder(Role.CONSENSUS) is None


def test_admit_rejects_an_unknown_request_kind() -> None:
    with pytest.raises(RoleRefused, match="not a request CometBFT sends"):
        RoleTable().admit("x", "shutdown")


def test_release_frees_the_role_for_the_next_connection() -> None:
    table = RoleTable()
    table.admit("old", "check_tx")
    table.release("old")
    table.admit("new", "check_tx")
    assert table.holder(Role.MEMPOOL) == "new"
    table.release("never-bound")  # harmless


def test_server_refuses_a_second_consensus_connection_and_keeps_the_first(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def body() -> None:
        server = ABCIServer(BaseApplication(), "tcp://127.0.0.1:0")
        await server.start()
        consensus = await ABCIClient.connect(server.bound_address)
        intruder = await ABCIClient.connect(server.bound_address)
        first = await consensus.call(request("process_proposal"))
        assert first.process_proposal.status == abci_pb.ResponseProcessProposal.ACCEPT
        await intruder.send(request("finalize_block"))
        refused = await intruder.recv()
        assert refused.exception.error.startswith("refused: finalize_block: another live")
        assert await intruder.is_closed_by_server()
        again = await consensus.call(request("process_proposal"))
        assert again.WhichOneof("value") == "process_proposal"
        # once the first consensus connection is gone, a new one is accepted (a restart)
        await consensus.close()
        await asyncio.sleep(0.1)
        successor = await ABCIClient.connect(server.bound_address)
        assert (await successor.call(request("commit"))).WhichOneof("value") == "commit"
        for client in (intruder, successor):
            await client.close()
        await server.stop()

    with caplog.at_level(logging.WARNING, logger="aichain.abci"):
        run(body)
    assert "refused ABCI request" in caplog.text


def test_server_refuses_a_role_change_on_one_connection() -> None:
    async def body() -> None:
        server = ABCIServer(BaseApplication(), "tcp://127.0.0.1:0")
        await server.start()
        query = await ABCIClient.connect(server.bound_address)
        assert (await query.call(request("info"))).WhichOneof("value") == "info"
        await query.send(request("commit"))
        refused = await query.recv()
        assert "consensus request but this is the query connection" in refused.exception.error
        assert await query.is_closed_by_server()
        await query.close()
        await server.stop()

    run(body)


def test_server_refuses_a_fifth_connection(caplog: pytest.LogCaptureFixture) -> None:
    async def body() -> None:
        server = ABCIServer(BaseApplication(), "tcp://127.0.0.1:0")
        await server.start()
        clients = [await ABCIClient.connect(server.bound_address) for _ in range(MAX_CONNECTIONS)]
        for client in clients:  # each is served (the server has accepted them all)
            assert (await client.call(request("echo"))).WhichOneof("value") == "echo"
        fifth = await ABCIClient.connect(server.bound_address)
        assert await fifth.is_closed_by_server()
        await clients[0].close()
        await asyncio.sleep(0.1)
        replacement = await ABCIClient.connect(server.bound_address)
        assert (await replacement.call(request("echo"))).WhichOneof("value") == "echo"
        for client in (*clients[1:], fifth, replacement):
            await client.close()
        await server.stop()

    with caplog.at_level(logging.WARNING, logger="aichain.abci"):
        run(body)
    assert "refused ABCI connection" in caplog.text


def test_unix_socket_is_owner_only_in_a_new_owner_only_directory() -> None:
    path = os.path.join(tempfile.mkdtemp(prefix="abci-"), "run", "app.sock")

    async def body() -> None:
        server = ABCIServer(BaseApplication(), f"unix://{path}")
        await server.start()
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        assert stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode) == 0o700
        client = await ABCIClient.connect(server.bound_address)
        assert (await client.call(request("info"))).WhichOneof("value") == "info"
        await client.close()
        await server.stop()
        assert not os.path.exists(path)

    run(body)
