"""`aichain keys`: create, recover, list, show, delete, export and import local keys.

A thin layer over aichain.client.keyring: parse options, gather secrets (environment, prompt
or stdin), call the keyring, print. Other commands that sign open keys with `open_keyring`.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import IO, Any

import click

from aichain.cli.common import emit, fail, home_option, keyring_backend_option, output_option
from aichain.client.keyring import (
    DEFAULT_SCRYPT,
    KeyRecord,
    Keyring,
    KeyringError,
    PassphraseProvider,
    ScryptParams,
)

KEYRING_PASSPHRASE_ENV = "AICHAIN_KEYRING_PASSPHRASE"
"""Environment variable holding the 'file' keyring passphrase (else it is prompted for)."""

EXPORT_PASSPHRASE_ENV = "AICHAIN_EXPORT_PASSPHRASE"
"""Environment variable holding the passphrase of exported/imported key armor."""

SCRYPT_PARAMS_KEY = "keyring_scrypt_params"
"""Key in a dict click context object (`obj=`) that overrides scrypt cost, for tests."""

MNEMONIC_WARNING = (
    "**Important** write this mnemonic phrase in a safe place.\n"
    "It is the only way to recover your account if you ever lose this keyring."
)
"""Printed above the mnemonic of a newly created key."""


def read_secret(prompt: str, env: str | None = None, confirm: bool = False) -> str:
    """A secret from env, else a hidden prompt (confirmed if asked), else a line of piped stdin."""
    if env and os.environ.get(env):
        return os.environ[env]
    if sys.stdin.isatty():
        return click.prompt(prompt, hide_input=True, confirmation_prompt=confirm, err=True)
    line = sys.stdin.readline()
    if not line:
        fail(f"{prompt}: no input on stdin" + (f"; set {env}" if env else ""))
    return line.rstrip("\r\n")


def keyring_passphrase_provider() -> PassphraseProvider:
    """Asks for the 'file' keyring passphrase: $AICHAIN_KEYRING_PASSPHRASE, else a prompt."""

    def provide(new: bool) -> str:
        prompt = "Enter a new keyring passphrase" if new else "Enter keyring passphrase"
        return read_secret(prompt, KEYRING_PASSPHRASE_ENV, confirm=new)

    return provide


def open_keyring(home: Path, backend: str) -> Keyring:
    """The keyring of --home/--keyring-backend, asking for its passphrase when needed."""
    ctx = click.get_current_context(silent=True)
    settings = ctx.obj if ctx is not None and isinstance(ctx.obj, dict) else {}
    scrypt_params: ScryptParams = settings.get(SCRYPT_PARAMS_KEY, DEFAULT_SCRYPT)
    try:
        return Keyring(home, backend, keyring_passphrase_provider(), scrypt_params)
    except KeyringError as exc:
        fail(str(exc))


def format_records(records: list[dict[str, Any]]) -> str:
    """Records as the Cosmos SDK prints them in text mode (a YAML list)."""
    lines = []
    for record in records:
        lines.append(f"- address: {record['address']}")
        lines.append(f"  name: {record['name']}")
        lines.append(f"  pubkey: '{record['pubkey']}'")
        lines.append(f"  type: {record['type']}")
    return "\n".join(lines)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def keys() -> None:
    """Manage local keys: create, recover, list, show, delete, export and import.

    Keys live under HOME/keyring-BACKEND/. The 'test' backend stores them unencrypted (for
    local chains); the 'file' backend encrypts each key with a passphrase, taken from
    $AICHAIN_KEYRING_PASSPHRASE or prompted for.

    \b
    Examples:
      aichain keys add alice
      aichain keys add bob --recover            # type or pipe the mnemonic
      aichain keys list --output json
      aichain keys show alice --address
    """


@keys.command()
@click.argument("name")
@click.option("--recover", is_flag=True, help="Recover the key from a BIP-39 mnemonic (stdin).")
@click.option(
    "--account",
    type=click.IntRange(0),
    default=0,
    show_default=True,
    help="HD account: the path is m/44'/118'/ACCOUNT'/0/INDEX.",
)
@click.option(
    "--index",
    type=click.IntRange(0),
    default=0,
    show_default=True,
    help="HD address index: the path is m/44'/118'/ACCOUNT'/0/INDEX.",
)
@click.option(
    "--overwrite",
    is_flag=True,
    help="Replace an existing key of the same name (it is lost unless backed up).",
)
@click.option(
    "--multisig",
    default=None,
    help="Make NAME a multisig key over these keyring keys (comma separated names or "
    "addresses); no private key is stored.",
)
@click.option(
    "--multisig-threshold",
    type=click.IntRange(1),
    default=1,
    show_default=True,
    help="Signatures a --multisig key needs.",
)
@click.option(
    "--nosort",
    is_flag=True,
    help="Keep the --multisig keys in the order given (default: sorted by address, as the "
    "Cosmos SDK does; the order changes the address).",
)
@home_option
@keyring_backend_option
@output_option
def add(
    name: str,
    recover: bool,
    account: int,
    index: int,
    overwrite: bool,
    multisig: str | None,
    multisig_threshold: int,
    nosort: bool,
    home: Path,
    keyring_backend: str,
    output: str,
) -> None:
    """Create a key NAME from a new 24-word mnemonic, or recover it with --recover.

    The new mnemonic is printed once: write it down, it is the only backup.

    \b
    Examples:
      aichain keys add alice
      aichain keys add alice --keyring-backend file
      echo "word1 ... word24" | aichain keys add bob --recover
      aichain keys add carol --recover --index 1 --output json
      aichain keys add team --multisig alice,bob,carol --multisig-threshold 2
    """
    keyring = open_keyring(home, keyring_backend)
    try:
        if multisig is not None:
            if recover:
                fail("--multisig and --recover do not go together")
            members = [m.strip() for m in multisig.split(",") if m.strip()]
            record = keyring.add_multisig(
                name, members, multisig_threshold, sort=not nosort, overwrite=overwrite
            )
            emit(record.to_output(), output, lambda data: format_records([data]))
            return
        if recover:
            keyring.check_name_available(name, overwrite)  # before asking for the mnemonic
            mnemonic = read_secret("Enter your BIP-39 mnemonic")
            record = keyring.recover_key(
                name, mnemonic, account=account, index=index, overwrite=overwrite
            )
            emit(record.to_output(), output, lambda data: format_records([data]))
            return
        new = keyring.add_key(name, account=account, index=index, overwrite=overwrite)
    except KeyringError as exc:
        fail(str(exc))
    data = {**new.record.to_output(), "mnemonic": new.mnemonic}
    emit(data, output, _format_new_key)


def _format_new_key(data: dict[str, Any]) -> str:
    """A new key's record, the warning and the mnemonic, for text output."""
    return f"{format_records([data])}\n\n{MNEMONIC_WARNING}\n\n{data['mnemonic']}"


@keys.command(name="list")
@home_option
@keyring_backend_option
@output_option
def list_(home: Path, keyring_backend: str, output: str) -> None:
    """List every key, sorted by name.

    \b
    Examples:
      aichain keys list
      aichain keys list --keyring-backend file --output json
    """
    try:
        records = [r.to_output() for r in open_keyring(home, keyring_backend).list_keys()]
    except KeyringError as exc:
        fail(str(exc))
    if not records and output == "text":
        click.echo(
            f"No keys in keyring '{keyring_backend}' at {home}; create one with "
            "`aichain keys add NAME`",
            err=True,
        )
        return
    emit(records, output, format_records)


@keys.command()
@click.argument("name_or_address")
@click.option("--address", "-a", "show_address", is_flag=True, help="Print only the address.")
@click.option(
    "--pubkey",
    "-p",
    "show_pubkey",
    is_flag=True,
    help="Print only the public key (Cosmos JSON form).",
)
@home_option
@keyring_backend_option
@output_option
def show(
    name_or_address: str,
    show_address: bool,
    show_pubkey: bool,
    home: Path,
    keyring_backend: str,
    output: str,
) -> None:
    """Show a key by name or by aic1... address.

    \b
    Examples:
      aichain keys show alice
      aichain keys show alice --address
      aichain keys show aic1... --pubkey
    """
    if show_address and show_pubkey:
        fail("use --address or --pubkey, not both")
    try:
        record: KeyRecord = open_keyring(home, keyring_backend).get_key(name_or_address)
    except KeyringError as exc:
        fail(str(exc))
    if show_address:
        click.echo(record.address)
    elif show_pubkey:
        click.echo(json.dumps(record.pubkey_json, separators=(",", ":")))
    else:
        emit(record.to_output(), output, lambda data: format_records([data]))


@keys.command()
@click.argument("name")
@click.option("--yes", "-y", is_flag=True, help="Delete without asking for confirmation.")
@home_option
@keyring_backend_option
def delete(name: str, yes: bool, home: Path, keyring_backend: str) -> None:
    """Delete the key NAME. Without a backup (mnemonic or export) it is gone for good.

    \b
    Examples:
      aichain keys delete alice
      aichain keys delete alice -y
    """
    keyring = open_keyring(home, keyring_backend)
    try:
        record = keyring.get_key(name)
        if not yes and not click.confirm(
            f"Delete key '{record.name}' ({record.address})?", default=False, err=True
        ):
            fail("aborted; nothing was deleted")
        keyring.delete_key(record.name)
    except KeyringError as exc:
        fail(str(exc))
    click.echo(f"Key '{record.name}' deleted", err=True)


@keys.command()
@click.argument("name_or_address")
@click.option(
    "--format",
    "armor_format",
    type=click.Choice(["sdk", "aichain"]),
    default="sdk",
    show_default=True,
    help="sdk: the Cosmos SDK's armor (TENDERMINT PRIVATE KEY, bcrypt), which `simd keys "
    "import` and `gaiad keys import` read; aichain: aichain's own (scrypt + AES-GCM).",
)
@home_option
@keyring_backend_option
def export(name_or_address: str, armor_format: str, home: Path, keyring_backend: str) -> None:
    """Print a key's private key as passphrase-encrypted ASCII armor.

    By default the Cosmos SDK's format, so the key moves to simd/gaiad (`keys import`). The
    export passphrase comes from $AICHAIN_EXPORT_PASSPHRASE or is prompted for (twice).
    Bring the key back with `aichain keys import`.

    \b
    Examples:
      aichain keys export alice > alice.armor
      AICHAIN_EXPORT_PASSPHRASE=... aichain keys export alice --format aichain
    """
    keyring = open_keyring(home, keyring_backend)
    try:
        keyring.private_key(name_or_address)  # fails fast on a missing key or wrong passphrase
        passphrase = read_secret(
            "Enter a passphrase to encrypt the exported key", EXPORT_PASSPHRASE_ENV, confirm=True
        )
        armor = keyring.export_key(name_or_address, passphrase, armor_format)
    except KeyringError as exc:
        fail(str(exc))
    click.echo(armor, nl=False)


@keys.command(name="import")
@click.argument("name")
@click.argument("armor_file", metavar="FILE", type=click.File("r"))
@click.option("--overwrite", is_flag=True, help="Replace an existing key of the same name.")
@home_option
@keyring_backend_option
@output_option
def import_(
    name: str,
    armor_file: IO[str],
    overwrite: bool,
    home: Path,
    keyring_backend: str,
    output: str,
) -> None:
    """Store the key in FILE under NAME: armor from `aichain keys export`, or from
    `simd keys export` / `gaiad keys export` (the Cosmos SDK's, kdf bcrypt or argon2).

    The passphrase comes from $AICHAIN_EXPORT_PASSPHRASE or is prompted for.

    \b
    Examples:
      aichain keys import alice alice.armor
      aichain keys import alice alice.armor --keyring-backend file
    """
    keyring = open_keyring(home, keyring_backend)
    armor = armor_file.read()
    try:
        keyring.check_name_available(name, overwrite)  # before asking for the passphrase
        passphrase = read_secret("Enter the passphrase of the exported key", EXPORT_PASSPHRASE_ENV)
        record = keyring.import_key(name, armor, passphrase, overwrite=overwrite)
    except KeyringError as exc:
        fail(str(exc))
    emit(record.to_output(), output, lambda data: format_records([data]))
