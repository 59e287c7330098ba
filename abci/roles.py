"""Connection roles: which ABCI connection may send which request.

CometBFT opens four connections to the app and keeps each to one kind of work (its
`proxy.AppConnConsensus`, `AppConnMempool`, `AppConnQuery`, `AppConnSnapshot`). The server
holds every connection to the same discipline: a connection takes a role with its first
role-bound request, at most one live connection holds each role, and a connection that sends
another role's request, or claims a role another live connection holds, is refused. So a
second process that reaches the socket cannot drive consensus while CometBFT is connected.
"""

from __future__ import annotations

from enum import Enum


class Role(Enum):
    """The four connections CometBFT opens."""

    CONSENSUS = "consensus"
    MEMPOOL = "mempool"
    QUERY = "query"
    SNAPSHOT = "snapshot"


MAX_CONNECTIONS = len(Role)
"""Live connections the server accepts at once: the four CometBFT opens."""

ROLE_OF_REQUEST: dict[str, Role | None] = {
    "echo": None,
    "flush": None,
    "info": Role.QUERY,
    "query": Role.QUERY,
    "check_tx": Role.MEMPOOL,
    "init_chain": Role.CONSENSUS,
    "prepare_proposal": Role.CONSENSUS,
    "process_proposal": Role.CONSENSUS,
    "extend_vote": Role.CONSENSUS,
    "verify_vote_extension": Role.CONSENSUS,
    "finalize_block": Role.CONSENSUS,
    "commit": Role.CONSENSUS,
    "list_snapshots": Role.SNAPSHOT,
    "offer_snapshot": Role.SNAPSHOT,
    "load_snapshot_chunk": Role.SNAPSHOT,
    "apply_snapshot_chunk": Role.SNAPSHOT,
}
"""The role each request belongs to; None for Echo and Flush, which any connection may send.
A request kind missing here is refused (it is not one CometBFT v0.38 sends)."""


class RoleRefused(Exception):
    """A connection asked for a request its role does not allow; it is to be closed."""


class RoleTable:
    """Which live connection holds which role. Connections are identified by any hashable."""

    def __init__(self) -> None:
        self._holder: dict[Role, object] = {}
        self._role_of: dict[object, Role] = {}

    def role_of(self, conn: object) -> Role | None:
        """The role conn holds, if it has taken one."""
        return self._role_of.get(conn)

    def holder(self, role: Role) -> object | None:
        """The live connection holding role, if any."""
        return self._holder.get(role)

    def admit(self, conn: object, kind: str) -> None:
        """Check that conn may send a request of this kind; the first role-bound request binds
        conn to its role. Raises RoleRefused with the reason."""
        if kind not in ROLE_OF_REQUEST:
            raise RoleRefused(f"{kind} is not a request CometBFT sends")
        role = ROLE_OF_REQUEST[kind]
        if role is None:
            return
        held = self._role_of.get(conn)
        if held is role:
            return
        if held is not None:
            raise RoleRefused(
                f"{kind} is a {role.value} request but this is the {held.value} connection"
            )
        if role in self._holder:
            raise RoleRefused(
                f"{kind}: another live connection already serves {role.value} requests"
            )
        self._holder[role] = conn
        self._role_of[conn] = role

    def release(self, conn: object) -> None:
        """Forget conn (it closed): its role is free for the next connection."""
        role = self._role_of.pop(conn, None)
        if role is not None and self._holder.get(role) is conn:
            del self._holder[role]
