"""A module defined inside this test is wired into an app by its declaration alone: its
messages, queries, genesis and gRPC service appear without editing any central list
(docs/modules.md). Its protos are compiled here, as the project's generator would."""

from __future__ import annotations

import importlib
import json
import sys
from typing import Any, ClassVar

import grpc
import pytest
from tendermint.abci import types_pb2 as abci

from aichain.app.app import AppKeepers, new_app
from aichain.app.context import Context
from aichain.app.crypto import account_address, parse_account_address
from aichain.app.errors import AppError
from aichain.app.module import BaseModule, ModuleAccount
from aichain.app.router import Router
from aichain.app.store.memory import MemStore
from aichain.app.store_keys import StoreKey
from tests.helpers import Chain, make_key

TINY_PROTO = """
syntax = "proto3";
package aichain.tiny.v1;

message MsgSetNote { string owner = 1; string note = 2; }
message MsgSetNoteResponse {}
message QueryNoteRequest { string owner = 1; }
message QueryNoteResponse { string note = 1; }

service Msg { rpc SetNote(MsgSetNote) returns (MsgSetNoteResponse); }
service Query { rpc Note(QueryNoteRequest) returns (QueryNoteResponse); }
"""


@pytest.fixture(scope="module")
def tiny_pb2(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The tiny module's generated code, compiled from TINY_PROTO with grpc_tools."""
    from grpc_tools import protoc

    root = tmp_path_factory.mktemp("tinyproto")
    src = root / "aichain_tiny_test" / "tiny.proto"
    src.parent.mkdir()
    src.write_text(TINY_PROTO)
    (src.parent / "__init__.py").write_text("")
    assert protoc.main(["protoc", f"-I{root}", f"--python_out={root}", str(src)]) == 0
    sys.path.insert(0, str(root))
    try:
        return importlib.import_module("aichain_tiny_test.tiny_pb2")
    finally:
        sys.path.remove(str(root))


class NoteTooLongError(AppError):
    codespace = "tiny"
    code = 2
    short = "note too long"


def make_tiny_module(pb2: Any) -> type[BaseModule]:
    """The tiny module: one store collection, one message, one query, genesis."""

    class TinyKeeper:
        def __init__(self, store_key: StoreKey) -> None:
            self.store_key = store_key

        def get_note(self, ctx: Context, owner: bytes) -> str:
            return (ctx.kv(self.store_key).get(b"\x01" + owner) or b"").decode()

        def set_note(self, ctx: Context, owner: bytes, note: str) -> None:
            ctx.kv(self.store_key).set(b"\x01" + owner, note.encode())

    class TinyModule(BaseModule):
        name = "tiny"
        module_accounts: ClassVar[tuple[ModuleAccount, ...]] = (ModuleAccount("tiny_vault"),)

        def __init__(self, store_key: StoreKey, keepers: AppKeepers, authority: str) -> None:
            self.keeper = TinyKeeper(store_key)
            self.store_key = store_key

        def set_note(self, ctx: Context, msg: Any) -> Any:
            self.keeper.set_note(ctx, parse_account_address(msg.owner), msg.note)
            return pb2.MsgSetNoteResponse()

        def note(self, ctx: Context, req: Any) -> Any:
            return pb2.QueryNoteResponse(
                note=self.keeper.get_note(ctx, parse_account_address(req.owner))
            )

        @staticmethod
        def validate(msg: Any) -> None:
            if len(msg.note) > 32:
                raise NoteTooLongError(f"a note holds at most 32 characters, got {len(msg.note)}")

        def register(self, router: Router) -> None:
            router.add_msgs(
                self.name,
                [
                    (
                        "/aichain.tiny.v1.MsgSetNote",
                        pb2.MsgSetNote,
                        lambda m: (parse_account_address(m.owner),),
                        self.validate,
                        self.set_note,
                    )
                ],
            )
            router.add_query_service(pb2, [("Note", self.note)])

        def default_genesis(self) -> dict[str, Any]:
            return {"notes": []}

        def init_genesis(self, ctx: Context, data: dict[str, Any]) -> None:
            for entry in data.get("notes", []):
                self.keeper.set_note(ctx, parse_account_address(entry["owner"]), entry["note"])

        def export_genesis(self, ctx: Context) -> dict[str, Any]:
            store = ctx.kv(self.store_key)
            return {
                "notes": [
                    {"owner": account_address(k[1:]), "note": v.decode()}
                    for k, v in store.iterate(b"\x01")
                ]
            }

    return TinyModule


ALICE = make_key(11)


def test_a_module_is_wired_by_its_declaration_alone(tiny_pb2: Any) -> None:
    module = make_tiny_module(tiny_pb2)
    app = new_app(MemStore(), extra_modules=[("tiny", module)])
    assert app.manager.orders.init_genesis[-1] == "tiny"
    assert app.manager.orders.end_block[-2:] == ("tiny", "staking")
    assert app.manager.default_genesis()["tiny"] == {"notes": []}
    assert "tiny_vault" in app.manager.module_accounts
    chain = Chain.start([(ALICE, 10**9)], app=app)

    owner = account_address(ALICE.address)
    ok = chain.block([chain.tx(ALICE, [tiny_pb2.MsgSetNote(owner=owner, note="hello")])])
    assert ok.tx_results[0].code == 0, ok.tx_results[0].log
    bad = chain.block([chain.tx(ALICE, [tiny_pb2.MsgSetNote(owner=owner, note="x" * 40)])])
    assert (bad.tx_results[0].codespace, bad.tx_results[0].code) == ("tiny", 2)

    query = app.query(
        abci.RequestQuery(
            path="/aichain.tiny.v1.Query/Note",
            data=tiny_pb2.QueryNoteRequest(owner=owner).SerializeToString(),
        )
    )
    assert tiny_pb2.QueryNoteResponse.FromString(query.value).note == "hello"

    raw = app.query(abci.RequestQuery(path="/store/tiny/key", data=b"\x01" + ALICE.address))
    assert raw.value == b"hello"

    exported = app.manager.export_genesis(app.query_context())
    assert exported["tiny"] == {"notes": [{"owner": owner, "note": "hello"}]}
    json.dumps(exported)  # genesis stays JSON

    from aichain.node.grpc_server import start_grpc_server

    server = start_grpc_server(app, "127.0.0.1:0", None)
    try:
        assert "aichain.tiny.v1.Query" in server.services
        with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
            call = channel.unary_unary(
                "/aichain.tiny.v1.Query/Note",
                request_serializer=tiny_pb2.QueryNoteRequest.SerializeToString,
                response_deserializer=tiny_pb2.QueryNoteResponse.FromString,
            )
            assert call(tiny_pb2.QueryNoteRequest(owner=owner), timeout=10).note == "hello"
    finally:
        server.stop(grace=None)


def test_a_module_cannot_be_added_under_a_taken_name(tiny_pb2: Any) -> None:
    module = make_tiny_module(tiny_pb2)
    with pytest.raises(ValueError, match="store key 'bank', already issued to module bank"):
        new_app(MemStore(), extra_modules=[("bank", module)])



def test_the_tiny_modules_cli_appears_under_tx_and_query() -> None:
    from types import SimpleNamespace

    import click
    from click.testing import CliRunner

    from aichain.cli.modules import add_module_commands

    @click.group("tiny")
    def tx_tiny() -> None:
        """Tiny transactions."""

    @tx_tiny.command("set-note")
    @click.argument("note")
    def set_note(note: str) -> None:
        """Set your note."""
        click.echo(f"would set {note}")

    @click.group("tiny")
    def query_tiny() -> None:
        """Tiny queries."""

    tx, query = click.Group("tx"), click.Group("query")
    cli = SimpleNamespace(tx_command=lambda: tx_tiny, query_command=lambda: query_tiny)
    add_module_commands(tx, query, [cli])
    root = click.Group("aichain", commands=[tx, query])
    result = CliRunner().invoke(root, ["tx", "tiny", "set-note", "hi"])
    assert result.exit_code == 0 and result.output == "would set hi\n"
    assert "tiny" in CliRunner().invoke(root, ["query", "--help"]).output
