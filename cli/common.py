"""Options and output helpers shared by every `aichain` sub-command, and the one path every
tx command takes: `tx_options` (the shared flags) and `broadcast` (sign, simulate, print or
send).

Nothing heavy is imported at module level: protobuf, the app and the client load inside the
functions that need them, so `aichain --help` stays fast.
"""

from __future__ import annotations

import contextvars
import functools
import json
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from aichain.client.gas import DEFAULT_GAS, DEFAULT_GAS_ADJUSTMENT, parse_gas

if TYPE_CHECKING:
    from google.protobuf.message import Message

    from aichain.app.ante import MinGasPrice
    from aichain.app.coins import Coin

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_NODE = "tcp://127.0.0.1:26657"
"""CometBFT RPC address used when --node is not given."""


def default_home() -> Path:
    """The node/client home: $AICHAIN_HOME, else ~/.aichain."""
    return Path(os.environ.get("AICHAIN_HOME") or Path.home() / ".aichain").expanduser()


def home_option(func: F) -> F:
    """--home DIR (default $AICHAIN_HOME or ~/.aichain)."""
    return click.option(
        "--home",
        type=click.Path(file_okay=False, path_type=Path),
        default=default_home,
        show_default="$AICHAIN_HOME or ~/.aichain",
        help="Directory holding config, data and keyrings.",
    )(func)


def output_option(func: F) -> F:
    """--output text|json."""
    return click.option(
        "--output",
        "-o",
        type=click.Choice(["text", "json"]),
        default="text",
        show_default=True,
        help="Output format.",
    )(func)


def keyring_backend_option(func: F) -> F:
    """--keyring-backend test|file."""
    return click.option(
        "--keyring-backend",
        type=click.Choice(["test", "file"]),
        default="test",
        show_default=True,
        help="Where keys live: 'test' stores them in plain files (for tests and local chains); "
        "'file' encrypts each key with a passphrase.",
    )(func)


def node_option(func: F) -> F:
    """--node tcp://HOST:PORT (CometBFT RPC); see resolve_node for the default."""
    return click.option(
        "--node",
        default=None,
        help="CometBFT RPC address of the node to talk to [default: the rpc.laddr of the "
        f"node home given by --home if it has one, else {DEFAULT_NODE}].",
    )(func)


QUERY_HEIGHT: contextvars.ContextVar[int] = contextvars.ContextVar("query_height", default=0)
"""The --height of the query command being run (0: the latest)."""


def _set_query_height(ctx: click.Context, param: click.Parameter, value: int) -> int:
    if value < 0:
        raise click.BadParameter("must be 0 (the latest) or a committed height", ctx, param)
    QUERY_HEIGHT.set(value)
    return value


def height_option(func: F) -> F:
    """--height H: answer from the state committed at height H (0, the default: the latest);
    read by the query helpers, so commands need no parameter for it."""
    return click.option(
        "--height",
        type=int,
        default=0,
        expose_value=False,
        callback=_set_query_height,
        help="Query the state at this height (a kept one; default: the latest).",
    )(func)


def resolve_node(node: str | None, home: Path) -> str:
    """--node if given, else the RPC address in HOME/config/config.toml, else the default."""
    if node:
        return node
    config = home / "config" / "config.toml"
    if config.is_file():
        import tomllib

        try:
            laddr = tomllib.loads(config.read_text()).get("rpc", {}).get("laddr")
        except tomllib.TOMLDecodeError:
            laddr = None
        if isinstance(laddr, str) and laddr.startswith("tcp://"):
            return laddr.replace("0.0.0.0", "127.0.0.1")
    return DEFAULT_NODE


def emit(data: Any, output: str, text: Callable[[Any], str] | None = None) -> None:
    """Prints data as JSON (--output json) or as text (a formatter, else key: value lines)."""
    if output == "json":
        click.echo(json.dumps(data, indent=2, sort_keys=True, default=str))
    elif text is not None:
        click.echo(text(data))
    elif isinstance(data, dict):
        for key, value in data.items():
            click.echo(f"{key}: {value}")
    else:
        click.echo(str(data))


def fail(message: str, code: int = 1) -> NoReturn:
    """Prints `Error: message` to stderr and exits non-zero."""
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


# --- queries -------------------------------------------------------------------------------


def query_options(func: F) -> F:
    """--height, --node, --home, --output: the flags of every module query command."""
    return height_option(node_option(home_option(output_option(func))))


def as_dict(message: Message) -> dict:
    """A response as Cosmos-style JSON (snake_case, 64-bit ints as strings)."""
    # key types that appear inside Any fields must be known to the descriptor pool
    import cosmos.crypto.ed25519.keys_pb2  # noqa: F401
    import cosmos.crypto.secp256k1.keys_pb2  # noqa: F401
    from google.protobuf import json_format

    return json_format.MessageToDict(message, preserving_proto_field_name=True)


def query_message(node: str, path: str, request: Message, response_type: type[Message]) -> Any:
    """Runs one gRPC query method through abci_query (at --height) on the node at the resolved
    address node; returns the decoded response or exits with the node's error."""
    from aichain.client.rpc import CometRPC, RPCError

    try:
        result = CometRPC(node).abci_query(
            path, request.SerializeToString(), height=QUERY_HEIGHT.get()
        )
    except RPCError as exc:
        fail(str(exc))
    if result.code != 0:
        fail(result.log or f"query failed with code {result.codespace}/{result.code}")
    return response_type.FromString(result.value)


def ask(node: str | None, home: Path, path: str, request: Message, response: type[Message]) -> dict:
    """Runs a gRPC query method (--node/--home resolved, at --height); returns the response as
    JSON."""
    return as_dict(query_message(resolve_node(node, home), path, request, response))


# --- transactions ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TxFlags:
    """The shared flags of a tx command, parsed (see tx_options)."""

    fees: tuple[Coin, ...]
    """--fees as Coins (empty: none, or computed from gas_prices)."""
    gas_prices: tuple[MinGasPrice, ...]
    """--gas-prices as the chain's MinGasPrice values."""
    gas: int | None
    """--gas; None means 'auto' (simulate, times gas_adjustment)."""
    gas_adjustment: float
    chain_id: str | None
    memo: str
    yes: bool
    no_wait: bool
    dry_run: bool
    generate_only: bool
    node: str | None
    output: str
    home: Path
    keyring_backend: str
    sign_mode: str = "direct"
    """--sign-mode: direct (default) or amino-json (SIGN_MODE_LEGACY_AMINO_JSON)."""


def _parse_fees(ctx: click.Context, param: click.Parameter, value: str) -> tuple[Coin, ...]:
    if not value:
        return ()
    from aichain.app.coins import parse_coins
    from aichain.app.errors import AppError

    try:
        return parse_coins(value)
    except AppError as exc:
        raise click.BadParameter(str(exc), ctx, param) from None


def _parse_gas_prices(
    ctx: click.Context, param: click.Parameter, value: str
) -> tuple[MinGasPrice, ...]:
    if not value:
        return ()
    from aichain.app.ante import parse_min_gas_prices

    try:
        prices = parse_min_gas_prices(value)
    except (ValueError, ArithmeticError) as exc:
        message = str(exc).replace("minimum gas price", "gas price")
        raise click.BadParameter(message, ctx, param) from None
    return prices


def _parse_gas(ctx: click.Context, param: click.Parameter, value: str) -> int | None:
    try:
        return parse_gas(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), ctx, param) from None


def _check_adjustment(ctx: click.Context, param: click.Parameter, value: float) -> float:
    if not value > 0:
        raise click.BadParameter("must be a positive number, e.g. 1.3", ctx, param)
    return value


_TX_FLAG_NAMES = tuple(f.name for f in fields(TxFlags))
"""Keyword names tx_options takes out of a command's arguments into its TxFlags."""


def tx_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The flags every tx command takes; the command receives them as one `tx: TxFlags`.

    --fees / --gas-prices, --gas N|auto, --gas-adjustment, --chain-id, --memo, -y, --no-wait,
    --dry-run, --generate-only, --node, --output, --home, --keyring-backend, --sign-mode.
    """

    @functools.wraps(func)
    def command(**kwargs: Any) -> Any:
        flags = TxFlags(**{name: kwargs.pop(name) for name in _TX_FLAG_NAMES})
        if flags.fees and flags.gas_prices:
            raise click.UsageError("give --fees or --gas-prices, not both")
        if flags.dry_run and flags.generate_only:
            raise click.UsageError("give --dry-run or --generate-only, not both")
        return func(**kwargs, tx=flags)

    options = [
        click.option(
            "--fees",
            default="",
            callback=_parse_fees,
            help="Fee to pay, e.g. 5000uaic (must meet the node's minimum gas price).",
        ),
        click.option(
            "--gas-prices",
            default="",
            callback=_parse_gas_prices,
            help="Pay gas x price instead of --fees, e.g. 0.025uaic.",
        ),
        click.option(
            "--gas",
            default=str(DEFAULT_GAS),
            show_default=True,
            callback=_parse_gas,
            help="Gas limit, or 'auto' to simulate and estimate it.",
        ),
        click.option(
            "--gas-adjustment",
            type=float,
            default=DEFAULT_GAS_ADJUSTMENT,
            show_default=True,
            callback=_check_adjustment,
            help="Multiplier applied to the simulated gas with --gas auto and --dry-run.",
        ),
        click.option("--chain-id", default=None, help="Chain id (default: asked from the node)."),
        click.option("--memo", default="", help="Note stored with the tx."),
        click.option("-y", "--yes", is_flag=True, help="Skip the confirmation prompt."),
        click.option(
            "--no-wait", is_flag=True, help="Return after CheckTx instead of waiting for the block."
        ),
        click.option(
            "--dry-run",
            is_flag=True,
            help="Simulate the tx and print its gas estimate; broadcast nothing.",
        ),
        click.option(
            "--generate-only",
            is_flag=True,
            help="Print the unsigned tx as JSON and stop (FROM may be a key or an address; "
            "needs no node unless --gas auto).",
        ),
        click.option(
            "--sign-mode",
            type=click.Choice(["direct", "amino-json"]),
            default="direct",
            show_default=True,
            help="How the signature is made: direct (SIGN_MODE_DIRECT) or amino-json "
            "(SIGN_MODE_LEGACY_AMINO_JSON, as Ledger and amino wallets sign; standard "
            "Cosmos messages only).",
        ),
        node_option,
        output_option,
        home_option,
        keyring_backend_option,
    ]
    return functools.reduce(lambda f, opt: opt(f), reversed(options), command)


def _from_address(flags: TxFlags, from_key: str) -> bytes:
    """The address of FROM (a key of the keyring, else an aic1... address) without opening
    the secret. Raises KeyringError, AppError."""
    from aichain.app.crypto import parse_account_address
    from aichain.cli.keys import open_keyring
    from aichain.client.keyring import KeyNotFoundError

    try:
        record = open_keyring(flags.home, flags.keyring_backend).get_key(from_key)
    except KeyNotFoundError:
        if from_key.startswith("aic1"):
            return parse_account_address(from_key)
        raise
    return parse_account_address(record.address)


def broadcast(
    from_key: str,
    build: Callable[[bytes], Sequence[Message]],
    describe: str,
    flags: TxFlags,
) -> None:
    """The one path of every tx command: the messages build(signer address bytes) returns,
    signed with FROM_KEY, then (by the flags) printed unsigned, simulated, or confirmed,
    broadcast and waited for. Prints the result; exits non-zero if the tx failed."""
    from aichain.app.errors import AppError
    from aichain.cli.keys import open_keyring
    from aichain.client import broadcast as txflow
    from aichain.client.keyring import KeyNotFoundError, KeyringError
    from aichain.client.rpc import CometRPC, RPCError
    from aichain.client.txbuilder import SIGN_MODE_NAMES

    sign_mode = SIGN_MODE_NAMES[flags.sign_mode]
    try:
        if flags.generate_only and flags.gas is not None:
            msgs = build(_from_address(flags, from_key))
            fee = txflow.compute_fee(flags.gas, flags.fees, flags.gas_prices)
            emit(txflow.unsigned_tx_json(msgs, fee, flags.gas, flags.memo), "json")
            return
        keyring = open_keyring(flags.home, flags.keyring_backend)
        if flags.generate_only:
            try:
                keyring.get_key(from_key)
            except KeyNotFoundError:
                fail(
                    f"--generate-only with --gas auto simulates the tx signed by FROM's key, "
                    f"and {from_key!r} is not a key in this keyring; give --gas N instead"
                )
        key = keyring.private_key(from_key)
        msgs = build(key.address)
        rpc = CometRPC(resolve_node(flags.node, flags.home))
        chain = flags.chain_id or rpc.status()["node_info"]["network"]
        if flags.dry_run or flags.generate_only:
            estimate = txflow.estimate_gas(
                rpc,
                key,
                msgs,
                txflow.query_signer(rpc, key.address),
                chain_id=chain,
                fees=flags.fees,
                gas_prices=flags.gas_prices,
                gas_adjustment=flags.gas_adjustment,
                memo=flags.memo,
                sign_mode=sign_mode,
            )
            if flags.dry_run:
                text = f"gas estimate: {estimate.gas_estimate}"
                emit(estimate.to_dict(), flags.output, lambda _: text)
                return
            gas = estimate.gas_estimate
            fee = txflow.compute_fee(gas, flags.fees, flags.gas_prices)
            emit(txflow.unsigned_tx_json(msgs, fee, gas, flags.memo), "json")
            return
        if not flags.yes and not click.confirm(f"{describe}?", err=True):
            fail("cancelled")
        result = txflow.sign_and_broadcast(
            rpc,
            key,
            msgs,
            chain_id=chain,
            fees=flags.fees,
            gas=flags.gas,
            gas_adjustment=flags.gas_adjustment,
            gas_prices=flags.gas_prices,
            memo=flags.memo,
            wait=not flags.no_wait,
            sign_mode=sign_mode,
        )
    except (AppError, KeyringError, txflow.TxError, RPCError, ValueError) as exc:
        fail(str(exc))
    emit(result.to_dict(), flags.output)
    if result.code != 0:
        fail(f"tx failed with code {result.codespace}/{result.code}: {result.log}")


def one_coin(amount: str) -> Coin:
    """One positive coin from text like 1000000uaic (a click error otherwise)."""
    from aichain.app.coins import parse_coins
    from aichain.app.errors import AppError

    try:
        coins = parse_coins(amount)
    except AppError as exc:
        raise click.BadParameter(str(exc), param_hint="AMOUNT") from None
    if len(coins) != 1 or coins[0].amount == 0:
        raise click.BadParameter("give one positive amount, e.g. 1000000uaic", param_hint="AMOUNT")
    return coins[0]
