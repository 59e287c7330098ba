"""Staking keepers: ViewKeeper (reads, for queries and other modules) and Keeper (writes).

The Keeper's operations live in one file per job: delegation.py (delegate, unbond,
redelegate), valset.py (the bonded set and maturing queues), slash.py (slash, jail).
"""

from __future__ import annotations

from aichain.modules.staking.slash import SlashKeeper
from aichain.modules.staking.state import ViewKeeper


class Keeper(SlashKeeper):
    """Every staking write: validators, delegations, the bonded set, slashing."""


__all__ = ["Keeper", "ViewKeeper"]
