"""`aichain tx ...`: build, sign and broadcast transactions.

The sub-groups come from the modules (`modules/<name>/cli.py`, found by
aichain.cli.modules); every command takes the shared flags of aichain.cli.common.tx_options
and sends through aichain.cli.common.broadcast.
"""

from __future__ import annotations

import click


@click.group()
def tx() -> None:
    """Build, sign and broadcast transactions.

    Every tx command signs with a key from the keyring, broadcasts to --node and waits until
    the tx is in a block (printing its hash, code and height). --dry-run simulates and prints
    the gas estimate; --generate-only prints the unsigned tx as JSON.
    """


def _add_offline_commands() -> None:
    """sign, multisign, broadcast, encode, decode (aichain.cli.tx_offline)."""
    from aichain.cli.tx_offline import add_offline_commands

    add_offline_commands(tx)


_add_offline_commands()
