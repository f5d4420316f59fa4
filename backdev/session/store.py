"""The session store: one SQLite database (WAL) for the user, sessions keyed by repository root.

Every message is a row written the moment it exists: the person's message before the request is
sent, a reply while it streams (about every quarter second, so a killed process loses at most
that much), and again when it completes, is interrupted or is cancelled. Rows are never
rewritten after that except for their status (a retried interrupted reply becomes `superseded`,
kept for the record) and notes in their meta. Each write is one transaction in WAL mode, so a
process killed at any moment leaves a consistent database.

The store never sees an API key: it stores only what the conversation holds, and what reaches
the conversation has already been through the secret guard.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from backdev import paths
from backdev.llm.events import Usage
from backdev.safe_text import without_lone_surrogates
from backdev.session.migrations import migrate

Status = Literal["complete", "interrupted", "cancelled", "failed", "superseded"]


@dataclass(frozen=True)
class SessionRecord:
    """A saved session (without its messages)."""

    id: str
    root: str
    persona: str
    model: str
    title: str
    draft: str
    state: dict[str, Any]
    created_at: float
    updated_at: float


@dataclass(frozen=True)
class SessionSummary:
    """A session as listed: its record plus counts and totals."""

    record: SessionRecord
    messages: int
    usage_by_model: dict[str, Usage] = field(default_factory=dict)


@dataclass(frozen=True)
class StoredMessage:
    """One row of the conversation.

    Attributes:
        role: `user` or `assistant`.
        kind: `message` (typed by the person or written by the model) or `tool_results`.
        content: the API content blocks, exactly as sent or received.
        text: what the transcript shows.
        status: `complete`, `interrupted`, `cancelled`, `failed` or `superseded`.
        meta: tool call summaries, attachments, redactions, the failure sentence...
    """

    id: int
    session_id: str
    turn: int
    role: str
    kind: str
    content: list[dict[str, Any]]
    text: str
    status: str
    meta: dict[str, Any]
    usage: Usage
    model: str
    created_at: float


class SessionNotFoundError(LookupError):
    """No session matches the id (or the prefix is ambiguous)."""


_SESSION_COLUMNS = "id, root, persona, model, title, draft, state, created_at, updated_at"
_MESSAGE_COLUMNS = "id, session_id, turn, role, kind, content, text, status, meta, usage, model, created_at"
_USAGE_SUMS = ("SUM(json_extract(usage, '$.input')), SUM(json_extract(usage, '$.output')), "
               "SUM(json_extract(usage, '$.cache_write')), SUM(json_extract(usage, '$.cache_read'))")


def _storable(text: str) -> str:
    """`text` as SQLite can hold it: a stray surrogate (undecodable input) becomes U+FFFD, never an error."""
    return without_lone_surrogates(text)


def _session(row: sqlite3.Row | tuple[Any, ...]) -> SessionRecord:
    return SessionRecord(row[0], row[1], row[2], row[3], row[4], row[5], json.loads(row[6]), row[7], row[8])


def _message(row: sqlite3.Row | tuple[Any, ...]) -> StoredMessage:
    return StoredMessage(
        row[0], row[1], row[2], row[3], row[4], json.loads(row[5]), row[6], row[7],
        json.loads(row[8]), Usage.from_dict(json.loads(row[9])), row[10], row[11],
    )


class SessionStore:
    """Sessions and their messages in one SQLite file (opened on first use)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None
        # Decoded rows by id with the raw row they came from: a long session's history is read several
        # times a turn, and decoding its JSON was most of a 600-turn session's time. A row is decoded
        # again when any column of it changed (in this process or another).
        self._decoded: dict[int, tuple[tuple[Any, ...], StoredMessage]] = {}
        # The last list read, and when: this connection's writes and `PRAGMA data_version` (which moves
        # when another connection commits) say whether it is still the database's.
        self._writes = 0
        self._listed: tuple[tuple[str, int, int], list[StoredMessage]] | None = None

    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            paths.ensure_dir(self.path.parent)  # every folder it makes private, not only the last
            db = sqlite3.connect(self.path, check_same_thread=False, timeout=5.0)
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA foreign_keys = ON")
            db.execute("PRAGMA synchronous = NORMAL")
            migrate(db)
            self._db = db
        return self._db

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
        self._listed = None  # `data_version` counts per connection: the next one's numbers mean nothing to it

    @contextmanager
    def _write(self, *, messages: bool = True) -> Iterator[sqlite3.Connection]:
        """A transaction; `messages=False` for one that leaves the messages table alone (the list read stays good)."""
        self._writes += messages
        try:
            with self.db as db:
                yield db
        finally:
            self._writes += messages

    # --- sessions ------------------------------------------------------------------------------

    def create_session(self, root: str, persona: str, model: str) -> SessionRecord:
        now = time.time()
        with self._write() as db:
            while True:
                session_id = os.urandom(4).hex()  # 8 hex digits; `secrets` would import hashlib at start-up
                if db.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone() is None:
                    break
            db.execute(
                f"INSERT INTO sessions ({_SESSION_COLUMNS}) VALUES (?, ?, ?, ?, '', '', '{{}}', ?, ?)",
                (session_id, root, persona, model, now, now),
            )
        return self.get_session(session_id)

    def get_session(self, id_or_prefix: str) -> SessionRecord:
        """The session whose id is `id_or_prefix`, or the only one starting with it.

        Raises:
            SessionNotFoundError: when none or several match.
        """
        key = id_or_prefix.strip().lower()
        rows = self.db.execute(
            f"SELECT {_SESSION_COLUMNS} FROM sessions WHERE id = ? OR id LIKE ? ORDER BY id = ? DESC LIMIT 3",
            (key, key.replace("%", "").replace("_", "") + "%", key),
        ).fetchall()
        if not rows or not key:
            raise SessionNotFoundError(f"No session {id_or_prefix!r}; see `backdev sessions list --all`.")
        if rows[0][0] != key and len(rows) > 1:
            raise SessionNotFoundError(f"Session id {id_or_prefix!r} is ambiguous; give more characters.")
        return _session(rows[0])

    def latest_session(self, root: str) -> SessionRecord | None:
        """The chat of `root` used last (reviews are never resumed)."""
        row = self.db.execute(
            f"SELECT {_SESSION_COLUMNS} FROM sessions WHERE root = ? AND kind = 'chat' "
            "ORDER BY updated_at DESC, rowid DESC LIMIT 1",
            (root,),
        ).fetchone()
        return _session(row) if row else None

    def list_sessions(self, root: str | None = None, limit: int = 200, kind: str | None = "chat") -> list[SessionSummary]:
        """Sessions, newest first; only those of `root` unless it is None; only chats unless `kind`
        says `review` (the runs of `backdev review`) or None (both).

        Two queries whatever the number of sessions: the sessions with their message counts, then
        the usage of all of them per model (never one query per session).
        """
        conditions = [("s.root = ?", root), ("s.kind = ?", kind)]
        used = [(sql, value) for sql, value in conditions if value is not None]
        where = ("WHERE " + " AND ".join(sql for sql, _ in used)) if used else ""
        args = tuple(value for _, value in used)
        rows = self.db.execute(
            f"SELECT {', '.join('s.' + c.strip() for c in _SESSION_COLUMNS.split(','))}, "
            "(SELECT COUNT(*) FROM messages m WHERE m.session_id = s.id AND m.kind = 'message') "
            f"FROM sessions s {where} ORDER BY s.updated_at DESC LIMIT ?",
            (*args, limit),
        ).fetchall()
        usage: dict[str, dict[str, Usage]] = {r[0]: {} for r in rows}
        if rows:
            # The listed ids go in as one JSON array: one statement however many sessions there are.
            for session_id, model, *sums in self.db.execute(
                f"SELECT session_id, model, {_USAGE_SUMS} FROM messages "
                "WHERE session_id IN (SELECT value FROM json_each(?)) AND role = 'assistant' "
                "GROUP BY session_id, model",
                (json.dumps(list(usage)),),
            ):
                if model:
                    usage[session_id][model] = Usage(*(int(v or 0) for v in sums))
        return [SessionSummary(_session(r), r[9], usage[r[0]]) for r in rows]

    def usage_by_model(self, session_id: str) -> dict[str, Usage]:
        """Token totals of a session's replies, per model (cost is priced per model)."""
        rows = self.db.execute(
            f"SELECT model, {_USAGE_SUMS} FROM messages WHERE session_id = ? AND role = 'assistant' GROUP BY model",
            (session_id,),
        ).fetchall()
        return {r[0]: Usage(*(int(v or 0) for v in r[1:])) for r in rows if r[0]}

    def mark_review(self, session_id: str) -> None:
        """Store the session as a review run, listed apart from chats and never resumed."""
        with self._write(messages=False) as db:
            db.execute("UPDATE sessions SET kind = 'review' WHERE id = ?", (session_id,))

    def update_session(self, session_id: str, **values: Any) -> None:
        """Change `persona`, `model`, `title` or `draft` of a session."""
        allowed = {"persona", "model", "title", "draft"}
        unknown = set(values) - allowed
        if unknown:
            raise ValueError(f"cannot update {', '.join(sorted(unknown))}")
        if not values:
            return
        assignments = ", ".join(f"{k} = ?" for k in values)
        with self._write(messages=False) as db:
            db.execute(
                f"UPDATE sessions SET {assignments}, updated_at = ? WHERE id = ?",
                (*(_storable(v) if isinstance(v, str) else v for v in values.values()), time.time(), session_id),
            )

    def set_state(self, session_id: str, key: str, value: Any) -> None:
        """Store one JSON value under `key` in the session's state (phase state lives here)."""
        with self._write(messages=False) as db:
            row = db.execute("SELECT state FROM sessions WHERE id = ?", (session_id,)).fetchone()
            if row is None:
                raise SessionNotFoundError(f"No session {session_id!r}.")
            state = json.loads(row[0])
            state[key] = value
            db.execute(
                "UPDATE sessions SET state = ?, updated_at = ? WHERE id = ?",
                (json.dumps(state), time.time(), session_id),
            )

    def delete_session(self, session_id: str) -> None:
        with self._write() as db:
            db.execute("DELETE FROM sessions WHERE id = ?", (session_id,))

    # --- messages ------------------------------------------------------------------------------

    def next_turn(self, session_id: str) -> int:
        row = self.db.execute("SELECT COALESCE(MAX(turn), 0) FROM messages WHERE session_id = ?", (session_id,)).fetchone()
        return int(row[0]) + 1

    def append_message(
        self,
        session_id: str,
        *,
        turn: int,
        role: str,
        content: list[dict[str, Any]],
        text: str,
        status: Status = "complete",
        kind: str = "message",
        meta: dict[str, Any] | None = None,
        usage: Usage | None = None,
        model: str = "",
    ) -> StoredMessage:
        """Write one message now (committed before this returns)."""
        now = time.time()
        with self._write() as db:
            cursor = db.execute(
                f"INSERT INTO messages ({_MESSAGE_COLUMNS}) VALUES (NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    session_id, turn, role, kind, json.dumps(content), _storable(text), status,
                    json.dumps(meta or {}), json.dumps((usage or Usage()).to_dict()), model, now,
                ),
            )
            if role == "user" and kind == "message":
                db.execute(
                    "UPDATE sessions SET title = CASE WHEN title = '' THEN ? ELSE title END, draft = '', "
                    "updated_at = ? WHERE id = ?",
                    (_storable(text.strip().splitlines()[0][:80]) if text.strip() else "", now, session_id),
                )
            else:
                db.execute("UPDATE sessions SET updated_at = ? WHERE id = ?", (now, session_id))
            message_id = cursor.lastrowid
        return self.get_message(int(message_id or 0))

    def get_message(self, message_id: int) -> StoredMessage:
        row = self.db.execute(f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE id = ?", (message_id,)).fetchone()
        if row is None:
            raise LookupError(f"no message {message_id}")
        return _message(row)

    def update_message(self, message_id: int, *, content: list[dict[str, Any]], text: str, status: Status,
                       meta: dict[str, Any] | None = None, usage: Usage | None = None) -> StoredMessage:
        """Rewrite a message (a reply saved while it streams, then again as it grows and when it ends)."""
        with self._write() as db:
            db.execute(
                "UPDATE messages SET content = ?, text = ?, status = ?, meta = ?, usage = ? WHERE id = ?",
                (json.dumps(content), _storable(text), status, json.dumps(meta or {}),
                 json.dumps((usage or Usage()).to_dict()), message_id),
            )
            db.execute("UPDATE sessions SET updated_at = ? WHERE id = (SELECT session_id FROM messages WHERE id = ?)",
                       (time.time(), message_id))
        return self.get_message(message_id)

    def set_status(self, message_id: int, status: Status) -> None:
        with self._write() as db:
            db.execute("UPDATE messages SET status = ? WHERE id = ?", (status, message_id))

    def update_meta(self, message_id: int, **values: Any) -> None:
        """Add or change keys of a message's `meta` (e.g. that the person was told it is left out)."""
        with self._write() as db:
            row = db.execute("SELECT meta FROM messages WHERE id = ?", (message_id,)).fetchone()
            if row is None:
                raise LookupError(f"no message {message_id}")
            meta = {**json.loads(row[0]), **values}
            db.execute("UPDATE messages SET meta = ? WHERE id = ?", (json.dumps(meta), message_id))

    def messages(self, session_id: str) -> list[StoredMessage]:
        key = (session_id, self.db.execute("PRAGMA data_version").fetchone()[0], self._writes)
        if self._listed is None or self._listed[0] != key:
            rows = self.db.execute(
                f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE session_id = ? ORDER BY id", (session_id,)
            ).fetchall()
            self._listed = (key, [self._cached(tuple(r)) for r in rows])
        return list(self._listed[1])

    def _cached(self, raw: tuple[Any, ...]) -> StoredMessage:
        known = self._decoded.get(raw[0])
        if known is None or known[0] != raw:
            known = self._decoded[raw[0]] = (raw, _message(raw))
        return known[1]
