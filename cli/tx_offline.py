"""`aichain tx sign|multisign|broadcast|encode|decode`: the offline flow, as in the Cosmos SDK.

    aichain tx bank send alice aic1... 10uaic --generate-only > unsigned.json
    aichain tx sign unsigned.json --from alice > signed.json   # or --offline with
                                                               # --account-number/--sequence
    aichain tx broadcast signed.json

A multisig account's tx: each member signs with `tx sign --multisig ADDRESS`, printing its
signature (SignatureDescriptors JSON); `tx multisign unsigned.json NAME sig1.json sig2.json`
checks and joins them into the signed tx. Tx files are the proto3 JSON of cosmos.tx.v1beta1.Tx
(the SDK's shape); `tx encode` turns one into base64 TxRaw bytes and `tx decode` back.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import click

from aichain.cli.common import (
    emit,
    fail,
    home_option,
    keyring_backend_option,
    node_option,
    output_option,
    resolve_node,
)

if TYPE_CHECKING:
    from cosmos.tx.v1beta1 import tx_pb2

    from aichain.client.txbuilder import SignerData


@functools.cache
def _load_types() -> None:
    """Makes every message type the chain routes known to protobuf's JSON (Any) parser."""
    import cosmos.crypto.ed25519.keys_pb2  # noqa: F401
    import cosmos.crypto.secp256k1.keys_pb2  # noqa: F401

    import aichain.app.multisig  # noqa: F401  (LegacyAminoPubKey)
    from aichain.app.app import memory_app

    memory_app()


def tx_to_json(tx: tx_pb2.Tx) -> dict[str, Any]:
    """A tx as the SDK prints it: proto field names, every field written."""
    from google.protobuf import json_format

    _load_types()
    return json_format.MessageToDict(
        tx, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
    )


def tx_from_json(text: str, where: str) -> tx_pb2.Tx:
    """A tx parsed from its JSON. Exits with a clear error when it does not parse."""
    from cosmos.tx.v1beta1 import tx_pb2
    from google.protobuf import json_format

    _load_types()
    try:
        return json_format.Parse(text, tx_pb2.Tx())
    except json_format.ParseError as exc:
        fail(f"{where} is not a cosmos.tx.v1beta1.Tx in JSON: {exc}")


def _read_tx(file: IO[str]) -> tx_pb2.Tx:
    """The tx in a JSON file (or '-' for stdin)."""
    return tx_from_json(file.read(), file.name)


def _print_json(data: Any, output_document: Path | None) -> None:
    """Prints data as JSON, or writes it to output_document."""
    text = json.dumps(data, indent=2)
    if output_document is None:
        click.echo(text)
    else:
        output_document.write_text(text + "\n")


def _signer_data(
    rpc_node: str | None,
    home: Path,
    address: bytes,
    offline: bool,
    account_number: int | None,
    sequence: int | None,
) -> SignerData:
    """Account number and sequence: from the flags with --offline, else from the node."""
    from aichain.client.broadcast import query_signer
    from aichain.client.rpc import CometRPC
    from aichain.client.txbuilder import SignerData

    if offline:
        if account_number is None or sequence is None:
            fail("--offline needs --account-number and --sequence (and --chain-id)")
        return SignerData(account_number, sequence)
    signer = query_signer(CometRPC(resolve_node(rpc_node, home)), address)
    return SignerData(
        signer.account_number if account_number is None else account_number,
        signer.sequence if sequence is None else sequence,
    )


def _chain_id(chain_id: str | None, offline: bool, node: str | None, home: Path) -> str:
    """--chain-id, else (online) the node's network."""
    if chain_id:
        return chain_id
    if offline:
        fail("--offline needs --chain-id")
    from aichain.client.rpc import CometRPC

    return str(CometRPC(resolve_node(node, home)).status()["node_info"]["network"])


def _offline_options(func: Any) -> Any:
    """--offline, --account-number, --sequence, --chain-id, --node, --home,
    --keyring-backend."""
    for option in reversed(
        [
            click.option(
                "--offline",
                is_flag=True,
                help="Sign without a node: give --account-number, --sequence and --chain-id.",
            ),
            click.option("--account-number", type=click.IntRange(0), default=None),
            click.option("--sequence", type=click.IntRange(0), default=None),
            click.option("--chain-id", default=None, help="Chain id (default: the node's)."),
            node_option,
            home_option,
            keyring_backend_option,
            click.option(
                "--output-document",
                type=click.Path(dir_okay=False, path_type=Path),
                default=None,
                help="Write the result to this file instead of stdout.",
            ),
        ]
    ):
        func = option(func)
    return func


def _errors() -> tuple[type[Exception], ...]:
    """The failures a signing command reports as `Error: ...`."""
    from aichain.app.errors import AppError
    from aichain.client.broadcast import TxError
    from aichain.client.keyring import KeyringError
    from aichain.client.rpc import RPCError

    return (AppError, KeyringError, TxError, RPCError, ValueError)


@click.command()
@click.argument("file", type=click.File("r"))
@click.option("--from", "from_key", required=True, help="Key (name or address) that signs.")
@click.option(
    "--sign-mode",
    type=click.Choice(["direct", "amino-json"]),
    default=None,
    help="direct (default) or amino-json; --multisig always signs in amino-json.",
)
@click.option(
    "--multisig",
    default=None,
    help="Sign for this multisig account (address or key name) as one of its members; "
    "prints only the signature, for `aichain tx multisign`.",
)
@click.option(
    "--overwrite", is_flag=True, help="Drop the signatures already in the tx before signing."
)
@_offline_options
def sign(
    file: IO[str],
    from_key: str,
    sign_mode: str | None,
    multisig: str | None,
    overwrite: bool,
    offline: bool,
    account_number: int | None,
    sequence: int | None,
    chain_id: str | None,
    node: str | None,
    home: Path,
    keyring_backend: str,
    output_document: Path | None,
) -> None:
    """Sign the tx in FILE (JSON from --generate-only) and print the signed tx as JSON.

    Without --offline the signer's account number and sequence come from the node.

    \b
    Examples:
      aichain tx sign unsigned.json --from alice > signed.json
      aichain tx sign unsigned.json --from alice --offline --account-number 7 \\
          --sequence 3 --chain-id aichain-1 --sign-mode amino-json
      aichain tx sign unsigned.json --from k1 --multisig team > k1sig.json
    """
    from aichain.cli.keys import open_keyring
    from aichain.client import txbuilder

    tx = _read_tx(file)
    try:
        keyring = open_keyring(home, keyring_backend)
        key = keyring.private_key(from_key)
        chain = _chain_id(chain_id, offline, node, home)
        if multisig is not None:
            if sign_mode == "direct":
                fail("a multisig member signs in amino-json mode (SIGN_MODE_DIRECT would sign "
                     "a bit array not yet known); leave out --sign-mode")  # fmt: skip
            account = _multisig_address(keyring, multisig)
            signer = _signer_data(node, home, account, offline, account_number, sequence)
            descriptor = txbuilder.multisig_member_signature(tx, key, signer, chain)
            _print_json(_signatures_json([descriptor]), output_document)
            return
        mode = txbuilder.SIGN_MODE_NAMES[sign_mode or "direct"]
        signer = _signer_data(node, home, key.address, offline, account_number, sequence)
        signed = txbuilder.sign_tx(tx, key, signer, chain, mode, overwrite=overwrite)
    except _errors() as exc:
        fail(str(exc))
    _print_json(tx_to_json(signed), output_document)


def _multisig_address(keyring: Any, multisig: str) -> bytes:
    """The address of --multisig: a multisig key of the keyring, else an aic1... address."""
    from aichain.app.crypto import parse_account_address
    from aichain.client.keyring import KeyNotFoundError

    try:
        record = keyring.get_key(multisig)
    except KeyNotFoundError:
        return parse_account_address(multisig)
    if record.multisig is None:
        fail(f"key '{record.name}' is not a multisig key")
    return parse_account_address(record.address)


def _signatures_json(descriptors: list[Any]) -> dict[str, Any]:
    """SignatureDescriptors as JSON (what `tx sign --multisig` prints)."""
    from cosmos.tx.signing.v1beta1 import signing_pb2
    from google.protobuf import json_format

    _load_types()
    message = signing_pb2.SignatureDescriptors(signatures=descriptors)
    return json_format.MessageToDict(
        message, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
    )


def _read_signatures(file: IO[str]) -> list[Any]:
    """The signature descriptors in a `tx sign --multisig` output file."""
    from cosmos.tx.signing.v1beta1 import signing_pb2
    from google.protobuf import json_format

    _load_types()
    try:
        message = json_format.Parse(file.read(), signing_pb2.SignatureDescriptors())
    except json_format.ParseError as exc:
        fail(f"{file.name} is not a signature file from `aichain tx sign --multisig`: {exc}")
    if not message.signatures:
        fail(f"{file.name} holds no signature")
    return list(message.signatures)


@click.command()
@click.argument("file", type=click.File("r"))
@click.argument("name")
@click.argument("signatures", nargs=-1, required=True, type=click.File("r"))
@_offline_options
def multisign(
    file: IO[str],
    name: str,
    signatures: tuple[IO[str], ...],
    offline: bool,
    account_number: int | None,
    sequence: int | None,
    chain_id: str | None,
    node: str | None,
    home: Path,
    keyring_backend: str,
    output_document: Path | None,
) -> None:
    """Join members' signatures (from `tx sign --multisig`) of the tx in FILE into the
    multisig NAME's signed tx, and print it as JSON.

    Each signature is checked against the tx before it is used; a signer that is not a
    member, a member that signed twice, or fewer signatures than the threshold is an error.

    \b
    Examples:
      aichain tx multisign unsigned.json team k1sig.json k2sig.json > signed.json
    """
    from aichain.cli.keys import open_keyring
    from aichain.client import txbuilder
    from aichain.client.keyring import KeyringError

    tx = _read_tx(file)
    try:
        record = open_keyring(home, keyring_backend).get_key(name)
    except KeyringError as exc:
        fail(str(exc))
    key = record.multisig
    if key is None:
        fail(f"key '{record.name}' is not a multisig key; create one with `aichain keys add "
             "NAME --multisig k1,k2,k3 --multisig-threshold 2`")  # fmt: skip
    try:
        chain = _chain_id(chain_id, offline, node, home)
        address = key.address
        signer = _signer_data(node, home, address, offline, account_number, sequence)
        doc = txbuilder.compute_sign_bytes(tx, txbuilder.SIGN_MODE_AMINO_JSON, chain, signer)
        members: dict[int, tuple[int, bytes]] = {}
        for handle in signatures:
            for descriptor in _read_signatures(handle):
                members.update(_check_member(key, descriptor, doc, members, handle.name))
        if len(members) < key.threshold:
            fail(f"too few signatures: {len(members)} of the {key.threshold} that multisig "
                 f"'{record.name}' needs")  # fmt: skip
        signed = txbuilder.assemble_multisig(tx, key, signer.sequence, members)
    except _errors() as exc:
        fail(str(exc))
    _print_json(tx_to_json(signed), output_document)


def _check_member(
    key: Any, descriptor: Any, doc: bytes, members: dict[int, Any], where: str
) -> dict[int, tuple[int, bytes]]:
    """{member index: (mode, signature)} of one checked member signature."""
    from cosmos.crypto.secp256k1 import keys_pb2 as secp_pb2
    from cosmos.tx.signing.v1beta1 import signing_pb2

    from aichain.app.crypto import account_address, address_from_pubkey, verify_signature

    if descriptor.public_key.type_url != "/cosmos.crypto.secp256k1.PubKey":
        fail(f"{where}: signer key type {descriptor.public_key.type_url} is not a member key")
    pubkey = secp_pb2.PubKey.FromString(descriptor.public_key.value).key
    who = account_address(address_from_pubkey(pubkey))
    if pubkey not in key.pubkeys:
        fail(f"{where}: {who} is not a member of this multisig")
    index = key.pubkeys.index(pubkey)
    if index in members:
        fail(f"{where}: {who} signed twice; give each member's signature once")
    if not descriptor.data.HasField("single"):
        fail(f"{where}: nested multisig signatures are not supported")
    mode, signature = descriptor.data.single.mode, descriptor.data.single.signature
    if mode != signing_pb2.SIGN_MODE_LEGACY_AMINO_JSON:
        fail(f"{where}: {who} signed in {signing_pb2.SignMode.Name(mode)}; members sign in "
             "amino-json (`aichain tx sign --multisig`)")  # fmt: skip
    if not verify_signature(pubkey, doc, signature):
        fail(f"{where}: the signature of {who} does not verify for this tx, account number "
             "and sequence (was it made for another tx or chain id?)")  # fmt: skip
    return {index: (mode, signature)}


@click.command(name="broadcast")
@click.argument("file", type=click.File("r"))
@click.option(
    "--no-wait", is_flag=True, help="Return after CheckTx instead of waiting for the block."
)
@node_option
@home_option
@output_option
def broadcast_cmd(file: IO[str], no_wait: bool, node: str | None, home: Path, output: str) -> None:
    """Broadcast the signed tx in FILE (JSON from `aichain tx sign`) and wait for its block.

    \b
    Examples:
      aichain tx broadcast signed.json
    """
    from aichain.client.broadcast import broadcast_raw
    from aichain.client.rpc import CometRPC
    from aichain.client.txbuilder import tx_raw

    tx = _read_tx(file)
    if not tx.signatures:
        fail(f"{file.name} is not signed; sign it first with `aichain tx sign`")
    try:
        rpc = CometRPC(resolve_node(node, home))
        result = broadcast_raw(rpc, tx_raw(tx), tx.auth_info.fee.gas_limit, wait=not no_wait)
    except _errors() as exc:
        fail(str(exc))
    emit(result.to_dict(), output)
    if result.code != 0:
        fail(f"tx failed with code {result.codespace}/{result.code}: {result.log}")


@click.command()
@click.argument("file", type=click.File("r"))
def encode(file: IO[str]) -> None:
    """Print the tx in FILE (JSON) as base64 TxRaw bytes (what the node's RPC takes).

    \b
    Examples:
      aichain tx encode signed.json
    """
    from aichain.client.txbuilder import tx_raw

    click.echo(base64.b64encode(tx_raw(_read_tx(file))).decode())


@click.command()
@click.argument("tx_base64", metavar="BASE64")
def decode(tx_base64: str) -> None:
    """Print base64 TxRaw bytes (from `tx encode` or a block) as the tx's JSON.

    \b
    Examples:
      aichain tx decode CpIBCo8BChwvY29zbW9z...
    """
    from cosmos.tx.v1beta1 import tx_pb2
    from google.protobuf.message import DecodeError

    try:
        raw = tx_pb2.TxRaw.FromString(base64.b64decode(tx_base64, validate=True))
        tx = tx_pb2.Tx(
            body=tx_pb2.TxBody.FromString(raw.body_bytes),
            auth_info=tx_pb2.AuthInfo.FromString(raw.auth_info_bytes),
            signatures=list(raw.signatures),
        )
    except (binascii.Error, ValueError, DecodeError) as exc:
        fail(f"not base64 of a cosmos.tx.v1beta1.TxRaw: {exc}")
    click.echo(json.dumps(tx_to_json(tx), indent=2))


OFFLINE_COMMANDS = (sign, multisign, broadcast_cmd, encode, decode)
"""The commands this file adds to `aichain tx`."""


def add_offline_commands(group: click.Group) -> None:
    """Registers sign, multisign, broadcast, encode and decode on the tx group."""
    for command in OFFLINE_COMMANDS:
        group.add_command(command)
