"""Module CLIs found without a list: every package under `aichain.modules` that has a `cli`
submodule contributes `tx_command()` and `query_command()` (click groups named after the
module, or None) to `aichain tx` and `aichain query`.

A new module gets its commands by shipping `modules/<name>/cli.py`; nothing here or in
`cli/main.py` names it.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import pkgutil
from collections.abc import Iterable
from types import ModuleType
from typing import Any

import click

MODULES_PACKAGE = "aichain.modules"
"""The package whose sub-packages are the chain's modules."""


@functools.cache
def discover_module_clis(package: str = MODULES_PACKAGE) -> tuple[ModuleType, ...]:
    """The `cli` submodule of every module package under package, sorted by module name."""
    root = importlib.import_module(package)
    found = []
    for info in sorted(pkgutil.iter_modules(root.__path__), key=lambda i: i.name):
        if not info.ispkg:
            continue
        name = f"{package}.{info.name}.cli"
        if importlib.util.find_spec(name) is not None:
            found.append(importlib.import_module(name))
    return tuple(found)


def _command(cli_module: Any, factory: str) -> click.Command | None:
    """cli_module.factory() if the module defines it, else None."""
    make = getattr(cli_module, factory, None)
    return make() if make is not None else None


def add_module_commands(
    tx_group: click.Group | None, query_group: click.Group | None, cli_modules: Iterable[Any]
) -> None:
    """Adds each module CLI's tx_command() under tx_group and query_command() under
    query_group (a None group or command is skipped).

    Raises ValueError if a command's name is already taken in its group (two modules, or a
    module and a built-in command such as `query tx`, may not share a name).
    """
    for cli_module in cli_modules:
        for group, factory in ((tx_group, "tx_command"), (query_group, "query_command")):
            if group is None:
                continue
            command = _command(cli_module, factory)
            if command is None:
                continue
            taken = group.commands.get(command.name or "")
            if taken is not None and taken is not command:
                raise ValueError(
                    f"{getattr(cli_module, '__name__', cli_module)}.{factory}(): "
                    f"`{group.name} {command.name}` is already taken"
                )
            group.add_command(command)


def install_module_commands(group_name: str) -> None:
    """Adds every discovered module's commands to `aichain tx` (group_name "tx") or
    `aichain query` ("query"), once; the other group is left alone so it is not imported."""
    _install(group_name)


@functools.cache
def _install(group_name: str) -> None:
    if group_name == "tx":
        from aichain.cli.tx import tx

        add_module_commands(tx, None, discover_module_clis())
    elif group_name == "query":
        from aichain.cli.query import query

        add_module_commands(None, query, discover_module_clis())
    else:
        raise ValueError(f"no module commands go under {group_name!r}; use 'tx' or 'query'")
