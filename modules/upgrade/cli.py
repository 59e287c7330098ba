"""`aichain query upgrade ...` (cosmos.upgrade.v1beta1). Upgrade has no tx commands of its own:
MsgSoftwareUpgrade and MsgCancelUpgrade go in a governance proposal (`aichain tx gov
submit-proposal FILE.json`)."""

from __future__ import annotations

from pathlib import Path

import click

from aichain.cli.common import ask, emit, query_options


@click.group("upgrade")
def query_upgrade() -> None:
    """Upgrade queries (cosmos.upgrade.v1beta1.Query)."""


@query_upgrade.command("plan")
@query_options
def plan(node: str | None, home: Path, output: str) -> None:
    """The scheduled upgrade plan (empty when none is)."""
    from cosmos.upgrade.v1beta1 import query_pb2 as q

    emit(ask(node, home, "/cosmos.upgrade.v1beta1.Query/CurrentPlan",
             q.QueryCurrentPlanRequest(), q.QueryCurrentPlanResponse), output)  # fmt: skip


@query_upgrade.command("applied")
@click.argument("name")
@query_options
def applied(name: str, node: str | None, home: Path, output: str) -> None:
    """The height upgrade NAME was applied at (0: never)."""
    from cosmos.upgrade.v1beta1 import query_pb2 as q

    emit(ask(node, home, "/cosmos.upgrade.v1beta1.Query/AppliedPlan",
             q.QueryAppliedPlanRequest(name=name), q.QueryAppliedPlanResponse), output)  # fmt: skip


@query_upgrade.command("module-versions")
@query_options
def module_versions(node: str | None, home: Path, output: str) -> None:
    """Every module's consensus version."""
    from cosmos.upgrade.v1beta1 import query_pb2 as q

    emit(ask(node, home, "/cosmos.upgrade.v1beta1.Query/ModuleVersions",
             q.QueryModuleVersionsRequest(), q.QueryModuleVersionsResponse), output)  # fmt: skip


def tx_command() -> None:
    """No tx commands (the messages come from governance proposals)."""
    return None


def query_command() -> click.Group:
    """`aichain query upgrade`."""
    return query_upgrade
