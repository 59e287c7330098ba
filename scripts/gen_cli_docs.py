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
    # as the real CLI: the root's help_option_names reach every sub-command's context
    ctx = click.Context(command, info_name=" ".join(path), terminal_width=100,
                        max_content_width=100, help_option_names=["-h", "--help"])  # fmt: skip
    heading = "#" * min(len(path) + 1, 6)
    out.append(f"{heading} `{' '.join(path)}`\n")
    # click caches a command's help option from the first context that asked (a test may have
    # built it with other names): render from a fresh one, then put the cached one back
    cached = getattr(command, "_help_option", None)
    command._help_option = None  # type: ignore[attr-defined]
    try:
        help_text = command.get_help(ctx).replace("Usage: ", "", 1)
    finally:
        command._help_option = cached  # type: ignore[attr-defined]
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
