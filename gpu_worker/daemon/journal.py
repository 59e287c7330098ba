"""The worker's journal: what it computed, signed, broadcast and saw committed, in SQLite in
the worker home, so a restart neither loses nor repeats anything.

Results (on-chain requests, keyed by request id; prepaid ones by (requester, nonce)):

    computed   signed bundle stored, not yet in a tx
    broadcast  in a tx accepted by CheckTx (txhash kept)
    done       in a block (or the chain already has a result for the request)
    refused    will not be answered (reason kept): bad input, model not served, chain refusal

A bundle is signed once and stored: a resend after a restart sends the same bytes, never a
second computation. On start, `reconcile` asks the chain about every result not yet done.

Committee votes (keyed by dispute id): the salt and the vote are written *before* the
commitment is broadcast (`committing`), so a restart between commit and reveal can still
reveal; then `committed`, `revealed`.

Every write is one SQLite transaction (WAL, synchronous=FULL): a crash leaves the previous
state or the next, never half of one.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RESULT_STATES = ("computed", "broadcast", "done", "refused")
"""Life of a result in the journal."""

VOTE_STATES = ("committing", "committed", "revealed")
"""Life of a committee vote in the journal."""

SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
  key TEXT PRIMARY KEY,           -- 'r:<request id>' or 'p:<requester>:<nonce>'
  request_id INTEGER NOT NULL,    -- 0 for prepaid
  model_id INTEGER NOT NULL,
  state TEXT NOT NULL,
  bundle BLOB,
  txhash TEXT NOT NULL DEFAULT '',
  reason TEXT NOT NULL DEFAULT '',
  fee TEXT NOT NULL DEFAULT '0',
  created REAL NOT NULL,
  updated REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS results_state ON results(state);
CREATE TABLE IF NOT EXISTS votes (
  dispute_id INTEGER PRIMARY KEY,
  state TEXT NOT NULL,
  salt BLOB NOT NULL,
  commitment BLOB NOT NULL,
  reveal BLOB NOT NULL,           -- serialized MsgRevealVote
  txhash TEXT NOT NULL DEFAULT '',
  updated REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  time REAL NOT NULL,
  kind TEXT NOT NULL,
  detail TEXT NOT NULL
);
"""


@dataclass(frozen=True, slots=True)
class ResultEntry:
    """One journaled result."""

    key: str
    request_id: int
    model_id: int
    state: str
    bundle: bytes | None
    txhash: str
    reason: str
    fee: str


@dataclass(frozen=True, slots=True)
class VoteEntry:
    """One journaled committee vote."""

    dispute_id: int
    state: str
    salt: bytes
    commitment: bytes
    reveal: bytes
    txhash: str


def request_key(request_id: int) -> str:
    """Journal key of an on-chain request."""
    return f"r:{request_id}"


def prepaid_key(requester: str, nonce: int) -> str:
    """Journal key of a prepaid receipt."""
    return f"p:{requester}:{nonce}"


class Journal:
    """The journal at PATH (created if absent); safe to share between threads."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        """Closes the database."""
        with self._lock:
            self._db.close()

    def _write(self, sql: str, args: tuple[Any, ...]) -> int:
        with self._lock:
            cur = self._db.execute(sql, args)
            return cur.rowcount

    def _rows(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return list(self._db.execute(sql, args))

    # --- results --------------------------------------------------------------------------

    def get_result(self, key: str) -> ResultEntry | None:
        """The entry under key, or None."""
        rows = self._rows(
            "SELECT key, request_id, model_id, state, bundle, txhash, reason, fee "
            "FROM results WHERE key = ?",
            (key,),
        )
        return ResultEntry(*rows[0]) if rows else None

    def has_result(self, key: str) -> bool:
        """Whether key was ever journaled (in any state)."""
        return self.get_result(key) is not None

    def add_computed(
        self, key: str, request_id: int, model_id: int, bundle: bytes, fee: str = "0"
    ) -> bool:
        """Journals a signed bundle; False (and nothing written) if key is already there."""
        now = time.time()
        return (
            self._write(
                "INSERT OR IGNORE INTO results (key, request_id, model_id, state, bundle, fee, "
                "created, updated) VALUES (?, ?, ?, 'computed', ?, ?, ?, ?)",
                (key, request_id, model_id, bundle, fee, now, now),
            )
            == 1
        )

    def add_refused(self, key: str, request_id: int, model_id: int, reason: str) -> bool:
        """Journals a request the worker will not answer; False if key is already there."""
        now = time.time()
        return (
            self._write(
                "INSERT OR IGNORE INTO results (key, request_id, model_id, state, reason, "
                "created, updated) VALUES (?, ?, ?, 'refused', ?, ?, ?)",
                (key, request_id, model_id, reason, now, now),
            )
            == 1
        )

    def mark(self, keys: list[str], state: str, txhash: str = "", reason: str = "") -> None:
        """Moves keys to state (recording the tx hash or the reason)."""
        if state not in RESULT_STATES:
            raise ValueError(f"unknown result state {state!r}")
        now = time.time()
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for key in keys:
                    self._db.execute(
                        "UPDATE results SET state = ?, txhash = CASE WHEN ? = '' THEN txhash "
                        "ELSE ? END, reason = ?, updated = ? WHERE key = ?",
                        (state, txhash, txhash, reason, now, key),
                    )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def results_in(self, *states: str) -> list[ResultEntry]:
        """Entries in any of states, oldest first."""
        marks = ",".join("?" for _ in states)
        rows = self._rows(
            "SELECT key, request_id, model_id, state, bundle, txhash, reason, fee FROM results "
            f"WHERE state IN ({marks}) ORDER BY created, key",
            tuple(states),
        )
        return [ResultEntry(*row) for row in rows]

    def counts(self) -> dict[str, int]:
        """Number of results per state (every state listed)."""
        found = dict(self._rows("SELECT state, COUNT(*) FROM results GROUP BY state"))
        return {state: int(found.get(state, 0)) for state in RESULT_STATES}

    # --- votes ----------------------------------------------------------------------------

    def get_vote(self, dispute_id: int) -> VoteEntry | None:
        """The vote for dispute_id, or None."""
        rows = self._rows(
            "SELECT dispute_id, state, salt, commitment, reveal, txhash FROM votes "
            "WHERE dispute_id = ?",
            (dispute_id,),
        )
        return VoteEntry(*rows[0]) if rows else None

    def add_vote(self, dispute_id: int, salt: bytes, commitment: bytes, reveal: bytes) -> bool:
        """Journals a vote before its commitment is sent; False if one is already there."""
        return (
            self._write(
                "INSERT OR IGNORE INTO votes (dispute_id, state, salt, commitment, reveal, "
                "updated) VALUES (?, 'committing', ?, ?, ?, ?)",
                (dispute_id, salt, commitment, reveal, time.time()),
            )
            == 1
        )

    def mark_vote(self, dispute_id: int, state: str, txhash: str = "") -> None:
        """Moves a vote to state."""
        if state not in VOTE_STATES:
            raise ValueError(f"unknown vote state {state!r}")
        self._write(
            "UPDATE votes SET state = ?, txhash = ?, updated = ? WHERE dispute_id = ?",
            (state, txhash, time.time(), dispute_id),
        )

    def votes_in(self, *states: str) -> list[VoteEntry]:
        """Votes in any of states."""
        marks = ",".join("?" for _ in states)
        rows = self._rows(
            "SELECT dispute_id, state, salt, commitment, reveal, txhash FROM votes "
            f"WHERE state IN ({marks}) ORDER BY dispute_id",
            tuple(states),
        )
        return [VoteEntry(*row) for row in rows]

    # --- events (what the worker did, earned and was paid) ---------------------------------

    def record(self, kind: str, **detail: Any) -> None:
        """Appends an event (kind: served, submitted, refused, committed, revealed, earned...)."""
        self._write(
            "INSERT INTO events (time, kind, detail) VALUES (?, ?, ?)",
            (time.time(), kind, json.dumps(detail, sort_keys=True, default=str)),
        )

    def iter_events(self, kind: str | None = None, limit: int = 100) -> Iterator[dict[str, Any]]:
        """The newest events (of kind, when given), newest first."""
        sql = "SELECT seq, time, kind, detail FROM events"
        args: tuple[Any, ...] = ()
        if kind is not None:
            sql += " WHERE kind = ?"
            args = (kind,)
        for seq, when, k, detail in self._rows(sql + " ORDER BY seq DESC LIMIT ?", (*args, limit)):
            yield {"seq": seq, "time": when, "kind": k, **json.loads(detail)}
