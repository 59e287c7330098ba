"""Options and output helpers shared by every `aichain` sub-command."""

from __future__ import annotations

import contextvars
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

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
