"""Writes docs/cli.md, the CLI reference, from the click commands themselves.

Run `.venv/bin/python scripts/gen_cli_docs.py` after changing a command;
tests/unit/test_cli_docs.py fails while docs/cli.md differs from what this writes.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

DOC = Path(__file__).resolve().parent.parent / "docs" / "cli.md"


def _load_all() -> click.Group:
    from aichain.cli.main import SUBCOMMANDS, cli
    from aichain.cli.modules import install_module_commands

    for group in ("tx", "query"):
        install_module_commands(group)
    for name in SUBCOMMANDS:
        cli.get_command(click.Context(cli), name)
    return cli


def _walk(command: click.Command, path: list[str], out: list[str]) -> None:
    ctx = click.Context(command, info_name=" ".join(path), terminal_width=100,
                        max_content_width=100)  # fmt: skip
    heading = "#" * min(len(path) + 1, 6)
    out.append(f"{heading} `{' '.join(path)}`\n")
    help_text = command.get_help(ctx).replace("Usage: ", "", 1)
    out.append("```\n" + help_text.rstrip() + "\n```\n")
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                _walk(sub, [*path, name], out)


def render() -> str:
    cli = _load_all()
    out = [
        "# CLI reference\n",
        "Generated from the click commands by `scripts/gen_cli_docs.py`; do not edit by hand.\n",
    ]
    _walk(cli, ["aichain"], out)
    return "\n".join(out)


def main() -> int:
    DOC.write_text(render())
    print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
