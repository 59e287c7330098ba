"""`aichain tx datanet ...` and `aichain query datanet ...` (aichain.datanet.v1).

Click commands only: parse, build the message, hand it to the shared broadcaster. Protobuf and
the app load inside the functions, so listing commands stays fast. `contribute FILE` puts the
bytes in the home content store (or a node's, --blob-grpc) and contributes their hash;
`query datanet record-proof` checks the audit path against the version root and that version
against the app hash of a light-client-checked header.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from aichain.cli.common import (
    QUERY_HEIGHT,
    TxFlags,
    ask,
    broadcast,
    emit,
    fail,
    query_options,
    resolve_node,
    tx_options,
)

MODALITIES = ("text", "image", "audio", "tabular")
CURATION = ("owner", "curators", "open")
ACCESS = ("public", "restricted")


def _ids(text: str) -> list[int]:
    """'1,2,5' -> [1, 2, 5]."""
    try:
        return [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a comma-separated list of ids") from None


def _addr(address: bytes) -> str:
    from aichain.app.crypto import account_address

    return account_address(address)


def _tx_pb2() -> Any:
    from aichain.datanet.v1 import tx_pb2

    return tx_pb2


@click.group("datanet")
def tx_datanet() -> None:
    """Datanet transactions (aichain.datanet.v1)."""


@tx_datanet.command("create")
@click.argument("from_key")
@click.argument("name")
@click.option("--license", "license_", required=True, help="SPDX id or free text.")
@click.option("--modality", type=click.Choice(MODALITIES), default="text", show_default=True)
@click.option("--curation", type=click.Choice(CURATION), default="owner", show_default=True)
@click.option("--access", type=click.Choice(ACCESS), default="public", show_default=True)
@click.option("--access-price", default="0", help="Price of access (uaic), restricted only.")
@click.option("--bond", default="0", help="Bond escrowed per contributed record (uaic).")
@click.option("--max-record-size", type=int, default=1 << 20, show_default=True)
@click.option("--curator", "curators", multiple=True, help="A curator address (repeat).")
@click.option("--description", default="")
@click.option("--account-bytes-per-day", type=int, default=0)
@click.option("--account-records-per-day", type=int, default=0)
@click.option("--datanet-bytes-per-day", type=int, default=0)
@click.option("--datanet-records-per-day", type=int, default=0)
@tx_options
def create(from_key: str, name: str, license_: str, modality: str, curation: str, access: str,
           access_price: str, bond: str, max_record_size: int, curators: tuple[str, ...],
           description: str, account_bytes_per_day: int, account_records_per_day: int,
           datanet_bytes_per_day: int, datanet_records_per_day: int,
           tx: TxFlags) -> None:  # fmt: skip
    """Create a datanet NAME owned by FROM_KEY."""
    from aichain.datanet.v1 import datanet_pb2 as pb

    quotas = pb.Quotas(
        account_bytes_per_day=account_bytes_per_day,
        account_records_per_day=account_records_per_day,
        datanet_bytes_per_day=datanet_bytes_per_day,
        datanet_records_per_day=datanet_records_per_day,
    )

    def build(sender: bytes) -> list[Any]:
        return [_tx_pb2().MsgCreateDatanet(
            creator=_addr(sender), name=name, description=description, license=license_,
            modality=MODALITIES.index(modality) + 1, curation_mode=CURATION.index(curation) + 1,
            access_policy=ACCESS.index(access) + 1, access_price=access_price,
            bond_per_record=bond, quotas=quotas, max_record_size=max_record_size,
            curators=list(curators),
        )]  # fmt: skip

    broadcast(from_key, build, f"create datanet {name!r}", tx)


@tx_datanet.command("contribute")
@click.argument("from_key")
@click.argument("datanet_id", type=int)
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--hash", "content_hash", default=None, help="Contribute a hash (with --size).")
@click.option("--size", type=int, default=None)
@click.option("--media-type", default="text/plain", show_default=True)
@click.option("--metadata", default="", help="Free-form metadata (e.g. JSON).")
@click.option("--blob-grpc", default=None, help="Store the bytes on this node (HOST:PORT).")
@tx_options
def contribute(from_key: str, datanet_id: int, files: tuple[Path, ...], content_hash: str | None,
               size: int | None, media_type: str, metadata: str, blob_grpc: str | None,
               tx: TxFlags) -> None:  # fmt: skip
    """Contribute FILES to DATANET_ID: their bytes go to the content store, their sha256 on
    chain, one record each, all in one tx (each record escrows the datanet's bond)."""
    from aichain.client.blobs import BlobError, GrpcBlobStore, home_store

    entries: list[tuple[str, int]] = []
    if files:
        if content_hash is not None or size is not None:
            fail("give FILES, or --hash and --size, not both")
        try:
            store = GrpcBlobStore(blob_grpc) if blob_grpc else home_store(tx.home)
            for file in files:
                if not file.is_file():
                    fail(f"FILE {file} does not exist")
                data = file.read_bytes()
                entries.append((store.put(data), len(data)))
        except BlobError as exc:
            fail(str(exc))
    elif content_hash is None or size is None:
        fail("give FILES, or --hash and --size of bytes already in the content store")
    else:
        entries.append((content_hash, size))

    def build(sender: bytes) -> list[Any]:
        return [_tx_pb2().MsgContribute(
            contributor=_addr(sender), datanet_id=datanet_id, content_hash=digest,
            size=length, media_type=media_type, metadata=metadata,
        ) for digest, length in entries]  # fmt: skip

    what = entries[0][0] if len(entries) == 1 else f"{len(entries)} records"
    broadcast(from_key, build, f"contribute {what} to datanet {datanet_id}", tx)


@tx_datanet.command("review")
@click.argument("from_key")
@click.argument("datanet_id", type=int)
@click.argument("record_ids", metavar="RECORD_IDS")
@click.argument("decision", type=click.Choice(["accept", "reject"]))
@click.option("--reason", default="", help="Why (required to reject).")
@tx_options
def review(from_key: str, datanet_id: int, record_ids: str, decision: str, reason: str,
           tx: TxFlags) -> None:  # fmt: skip
    """Accept or reject pending records (curators and the owner): RECORD_IDS is one id or a
    list like 1,2,5 (one tx, one review each)."""
    accept = decision == "accept"
    ids = _ids(record_ids)
    if not ids:
        raise click.BadParameter("give a record id, or ids like 1,2,5", param_hint="RECORD_IDS")
    broadcast(from_key, lambda s: [_tx_pb2().MsgReview(
        curator=_addr(s), datanet_id=datanet_id, record_id=record_id, accept=accept,
        reason=reason) for record_id in ids],
        f"{decision} record{'s' if len(ids) > 1 else ''} {record_ids}", tx)  # fmt: skip


@tx_datanet.command("withdraw")
@click.argument("from_key")
@click.argument("datanet_id", type=int)
@click.argument("record_id", type=int)
@tx_options
def withdraw(from_key: str, datanet_id: int, record_id: int, tx: TxFlags) -> None:
    """Withdraw your pending record (its bond is returned)."""
    broadcast(from_key, lambda s: [_tx_pb2().MsgWithdraw(
        contributor=_addr(s), datanet_id=datanet_id, record_id=record_id)],
        f"withdraw record {record_id}", tx)  # fmt: skip


@tx_datanet.command("publish-version")
@click.argument("from_key")
@click.argument("datanet_id", type=int)
@click.option("--append", "append", default="", help="Record ids to append, e.g. 1,2,3.")
@click.option("--remove", "remove", default="", help="Record ids to remove.")
@click.option("--changelog", default="")
@tx_options
def publish_version(from_key: str, datanet_id: int, append: str, remove: str, changelog: str,
                    tx: TxFlags) -> None:  # fmt: skip
    """Publish the next version: the latest minus --remove, plus --append at the end."""
    add, rm = _ids(append), _ids(remove)
    broadcast(from_key, lambda s: [_tx_pb2().MsgPublishVersion(
        publisher=_addr(s), datanet_id=datanet_id, append=add, remove=rm,
        changelog=changelog)], f"publish a version of datanet {datanet_id}", tx)  # fmt: skip


@tx_datanet.command("grant")
@click.argument("from_key")
@click.argument("datanet_id", type=int)
@click.argument("grantee")
@tx_options
def grant(from_key: str, datanet_id: int, grantee: str, tx: TxFlags) -> None:
    """Grant GRANTEE access to a restricted datanet (owner)."""
    broadcast(from_key, lambda s: [_tx_pb2().MsgGrantAccess(
        owner=_addr(s), datanet_id=datanet_id, grantee=grantee)],
        f"grant {grantee}", tx)  # fmt: skip


@tx_datanet.command("pay-access")
@click.argument("from_key")
@click.argument("datanet_id", type=int)
@click.argument("version", type=int)
@click.option("--grantee", default="", help="Who gets access (default: the payer).")
@tx_options
def pay_access(from_key: str, datanet_id: int, version: int, grantee: str, tx: TxFlags) -> None:
    """Pay the access price of VERSION (shared by its contributors)."""
    broadcast(from_key, lambda s: [_tx_pb2().MsgPayAccess(
        payer=_addr(s), datanet_id=datanet_id, version=version, grantee=grantee)],
        f"pay access to datanet {datanet_id} v{version}", tx)  # fmt: skip


@tx_datanet.command("set-curators")
@click.argument("from_key")
@click.argument("datanet_id", type=int)
@click.argument("curators", nargs=-1)
@tx_options
def set_curators(from_key: str, datanet_id: int, curators: tuple[str, ...], tx: TxFlags) -> None:
    """Replace the curator set (owner); none clears it."""
    broadcast(from_key, lambda s: [_tx_pb2().MsgSetCurators(
        owner=_addr(s), datanet_id=datanet_id, curators=list(curators))],
        f"set {len(curators)} curators", tx)  # fmt: skip


@tx_datanet.command("transfer")
@click.argument("from_key")
@click.argument("datanet_id", type=int)
@click.argument("new_owner")
@tx_options
def transfer(from_key: str, datanet_id: int, new_owner: str, tx: TxFlags) -> None:
    """Hand the datanet to NEW_OWNER (owner)."""
    broadcast(from_key, lambda s: [_tx_pb2().MsgTransferOwnership(
        owner=_addr(s), datanet_id=datanet_id, new_owner=new_owner)],
        f"transfer datanet {datanet_id} to {new_owner}", tx)  # fmt: skip


@tx_datanet.command("close")
@click.argument("from_key")
@click.argument("datanet_id", type=int)
@click.option("--reopen", is_flag=True, help="Reopen instead.")
@tx_options
def close(from_key: str, datanet_id: int, reopen: bool, tx: TxFlags) -> None:
    """Close the datanet to contributions (owner); --reopen opens it again."""
    broadcast(from_key, lambda s: [_tx_pb2().MsgSetClosed(
        owner=_addr(s), datanet_id=datanet_id, closed=not reopen)],
        f"{'reopen' if reopen else 'close'} datanet {datanet_id}", tx)  # fmt: skip


@tx_datanet.command("claim")
@click.argument("from_key")
@click.argument("datanet_id", type=int)
@click.option("--versions", default="", help="Only these versions, e.g. 1,2 (default: all).")
@tx_options
def claim(from_key: str, datanet_id: int, versions: str, tx: TxFlags) -> None:
    """Claim your contributor rewards."""
    chosen = _ids(versions)
    broadcast(from_key, lambda s: [_tx_pb2().MsgClaim(
        contributor=_addr(s), datanet_id=datanet_id, versions=chosen)],
        f"claim rewards from datanet {datanet_id}", tx)  # fmt: skip


# --- queries ---------------------------------------------------------------------------------


def _q() -> Any:
    from aichain.datanet.v1 import query_pb2

    return query_pb2


def _ask(node: str | None, home: Path, method: str, request: Any) -> dict:
    q = _q()
    response = getattr(q, f"Query{method}Response")
    return ask(node, home, f"/aichain.datanet.v1.Query/{method}", request, response)


@click.group("datanet")
def query_datanet() -> None:
    """Datanet queries (aichain.datanet.v1.Query)."""


def _page(limit: int, key: str) -> Any:
    from cosmos.base.query.v1beta1 import pagination_pb2

    return pagination_pb2.PageRequest(limit=limit, key=bytes.fromhex(key) if key else b"")


def page_options(func: Any) -> Any:
    """--limit N and --page-key HEX."""
    func = click.option("--page-key", default="", help="next_key of the previous page (hex).")(func)
    return click.option("--limit", type=int, default=100, show_default=True)(func)


@query_datanet.command("params")
@query_options
def params(node: str | None, home: Path, output: str) -> None:
    """Datanet params."""
    emit(_ask(node, home, "Params", _q().QueryParamsRequest()), output)


@query_datanet.command("show")
@click.argument("datanet_id", type=int)
@query_options
def show(datanet_id: int, node: str | None, home: Path, output: str) -> None:
    """One datanet."""
    data = _ask(node, home, "Datanet", _q().QueryDatanetRequest(id=datanet_id))
    emit(data["datanet"], output)


@query_datanet.command("list")
@page_options
@query_options
def list_(limit: int, page_key: str, node: str | None, home: Path, output: str) -> None:
    """Every datanet."""
    data = _ask(
        node, home, "Datanets", _q().QueryDatanetsRequest(pagination=_page(limit, page_key))
    )
    emit(data, output, lambda d: "\n".join(
        f"{x['id']}  {x['name']}  owner {x['owner']}" for x in d.get("datanets", [])))  # fmt: skip


@query_datanet.command("records")
@click.argument("datanet_id", type=int)
@page_options
@query_options
def records(datanet_id: int, limit: int, page_key: str, node: str | None, home: Path,
            output: str) -> None:  # fmt: skip
    """A datanet's records."""
    req = _q().QueryRecordsRequest(datanet_id=datanet_id, pagination=_page(limit, page_key))
    data = _ask(node, home, "Records", req)
    emit(data, output, lambda d: "\n".join(
        f"{r['id']}  {r.get('status', '')}  {r['content_hash']}  {r['contributor']}"
        for r in d.get("records", [])))  # fmt: skip


@query_datanet.command("record")
@click.argument("datanet_id", type=int)
@click.argument("record_id", type=int)
@query_options
def record(datanet_id: int, record_id: int, node: str | None, home: Path, output: str) -> None:
    """One record."""
    req = _q().QueryRecordRequest(datanet_id=datanet_id, record_id=record_id)
    emit(_ask(node, home, "Record", req)["record"], output)


@query_datanet.command("versions")
@click.argument("datanet_id", type=int)
@page_options
@query_options
def versions(datanet_id: int, limit: int, page_key: str, node: str | None, home: Path,
             output: str) -> None:  # fmt: skip
    """A datanet's versions."""
    req = _q().QueryVersionsRequest(datanet_id=datanet_id, pagination=_page(limit, page_key))
    data = _ask(node, home, "Versions", req)
    emit(data, output, lambda d: "\n".join(
        f"v{v['version']}  {v['root']}  {v.get('size', 0)} records  {v.get('changelog', '')}"
        for v in d.get("versions", [])))  # fmt: skip


@query_datanet.command("version")
@click.argument("datanet_id", type=int)
@click.argument("version", type=int)
@query_options
def version(datanet_id: int, version: int, node: str | None, home: Path, output: str) -> None:
    """One version and its reward accounting."""
    req = _q().QueryVersionRequest(datanet_id=datanet_id, version=version)
    emit(_ask(node, home, "Version", req), output)


@query_datanet.command("version-records")
@click.argument("datanet_id", type=int)
@click.argument("version", type=int)
@page_options
@query_options
def version_records(datanet_id: int, version: int, limit: int, page_key: str, node: str | None,
                    home: Path, output: str) -> None:  # fmt: skip
    """A version's ordered record list (what its root commits to)."""
    req = _q().QueryVersionRecordsRequest(
        datanet_id=datanet_id, version=version, pagination=_page(limit, page_key)
    )
    data = _ask(node, home, "VersionRecords", req)
    emit(data, output, lambda d: "\n".join(
        f"{e.get('position', '0')}  record {e['record_id']}  {e['content_hash']}  "
        f"{e['contributor']}" for e in d.get("entries", [])))  # fmt: skip


@query_datanet.command("history")
@click.argument("datanet_id", type=int)
@page_options
@query_options
def history(datanet_id: int, limit: int, page_key: str, node: str | None, home: Path,
            output: str) -> None:  # fmt: skip
    """Every change to a datanet: who, what, height, time."""
    req = _q().QueryHistoryRequest(datanet_id=datanet_id, pagination=_page(limit, page_key))
    data = _ask(node, home, "History", req)
    emit(data, output, lambda d: "\n".join(
        f"#{e['seq']}  height {e.get('height', 0)}  {e['action']}  by {e['actor']}  "
        f"{e.get('detail', '')}" for e in d.get("entries", [])))  # fmt: skip


@query_datanet.command("earnings")
@click.argument("datanet_id", type=int)
@click.argument("contributor")
@query_options
def earnings(datanet_id: int, contributor: str, node: str | None, home: Path, output: str) -> None:
    """What CONTRIBUTOR can claim, per version."""
    req = _q().QueryEarningsRequest(datanet_id=datanet_id, contributor=contributor)
    emit(_ask(node, home, "Earnings", req), output)


@query_datanet.command("access")
@click.argument("datanet_id", type=int)
@click.argument("account")
@query_options
def access(datanet_id: int, account: str, node: str | None, home: Path, output: str) -> None:
    """Whether ACCOUNT may train on the datanet, and how."""
    req = _q().QueryAccessRequest(datanet_id=datanet_id, account=account)
    emit(_ask(node, home, "Access", req), output)


@query_datanet.command("record-proof")
@click.argument("datanet_id", type=int)
@click.argument("version", type=int)
@click.argument("record_id", type=int)
@click.option(
    "--trust-validators-hash",
    default=None,
    metavar="HEX",
    help="The validator set hash you trust (see `query store --help`).",
)
@query_options
def record_proof(datanet_id: int, version: int, record_id: int,
                 trust_validators_hash: str | None, node: str | None, home: Path,
                 output: str) -> None:  # fmt: skip
    """Prove RECORD_ID is in VERSION: its audit path against the version root, and the version
    against the app hash of a light-client-checked header (exit status 1 unless verified)."""
    from aichain.cli.query_store import _parse_trusted_hash, emit_proven
    from aichain.client.light import LightClientError
    from aichain.client.rpc import CometRPC, RPCError
    from aichain.client.store_query import query_store
    from aichain.modules.datanet.keys import version_key
    from aichain.modules.datanet.proof import check_record_proof

    rpc = CometRPC(resolve_node(node, home))
    trusted = _parse_trusted_hash(trust_validators_hash)
    try:
        proven = query_store(
            rpc, "datanet", version_key(datanet_id, version), QUERY_HEIGHT.get(), True, trusted
        )
        req = _q().QueryRecordProofRequest(
            datanet_id=datanet_id, version=version, record_id=record_id
        )
        res = rpc.abci_query(
            "/aichain.datanet.v1.Query/RecordProof", req.SerializeToString(), proven.height
        )
    except (RPCError, LightClientError) as exc:
        fail(str(exc))
    if res.code != 0:
        fail(res.log)
    answer = _q().QueryRecordProofResponse.FromString(res.value)
    verdict = check_record_proof(answer, proven.value)
    if not verdict.ok:
        proven = type(proven)(**{**_fields(proven), "verified": False, "reason": verdict.reason})
    elif proven.verified:
        reason = f"{verdict.reason}; version bytes: {proven.reason}"
        proven = type(proven)(**{**_fields(proven), "reason": reason})
    e = answer.entry
    data = {
        "datanet_id": datanet_id,
        "version": version,
        "record_id": record_id,
        "position": e.position,
        "content_hash": e.content_hash,
        "contributor": e.contributor,
        "media_type": e.media_type,
        "root": answer.version.root,
        "size": answer.version.size,
        "audit_path": [p.hex() for p in answer.audit_path],
    }
    emit_proven(proven, data, output, lambda d: [
        f"record {record_id} at position {d['position']} of datanet {datanet_id} v{version} "
        f"(root {d['root']}, {d['size']} records)",
        f"content hash: {d['content_hash']}  contributor: {d['contributor']}",
        f"audit path: {len(d['audit_path'])} hashes",
    ])  # fmt: skip


def _fields(value: Any) -> dict:
    return {name: getattr(value, name) for name in value.__slots__}


def tx_command() -> click.Group:
    """`aichain tx datanet`."""
    return tx_datanet


def query_command() -> click.Group:
    """`aichain query datanet`."""
    return query_datanet
