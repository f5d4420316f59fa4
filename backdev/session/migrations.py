"""Numbered schema migrations for the session database (`PRAGMA user_version` is the number).

Add a migration by writing a new function decorated with `@migration(N)` with the next number;
never edit one that has shipped.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

Migration = Callable[[sqlite3.Connection], None]
MIGRATIONS: dict[int, Migration] = {}


def migration(number: int) -> Callable[[Migration], Migration]:
    """Register `fn` as migration `number` (numbers start at 1 and have no gaps)."""

    def register(fn: Migration) -> Migration:
        if number in MIGRATIONS:
            raise ValueError(f"migration {number} is defined twice")
        MIGRATIONS[number] = fn
        return fn

    return register


def run_statements(db: sqlite3.Connection, sql: str) -> None:
    """Run `;`-separated statements inside the caller's transaction (executescript would commit)."""
    for statement in sql.split(";"):
        if statement.strip():
            db.execute(statement)


@migration(1)
def create_sessions_and_messages(db: sqlite3.Connection) -> None:
    run_statements(
        db,
        """
        CREATE TABLE sessions (
            id TEXT PRIMARY KEY,
            root TEXT NOT NULL,
            persona TEXT NOT NULL,
            model TEXT NOT NULL,
            title TEXT NOT NULL DEFAULT '',
            draft TEXT NOT NULL DEFAULT '',
            state TEXT NOT NULL DEFAULT '{}',
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL
        );
        CREATE INDEX sessions_by_root ON sessions (root, updated_at);
        CREATE TABLE messages (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
            turn INTEGER NOT NULL,
            role TEXT NOT NULL,
            kind TEXT NOT NULL,
            content TEXT NOT NULL,
            text TEXT NOT NULL,
            status TEXT NOT NULL,
            meta TEXT NOT NULL DEFAULT '{}',
            usage TEXT NOT NULL DEFAULT '{}',
            model TEXT NOT NULL DEFAULT '',
            created_at REAL NOT NULL
        );
        CREATE INDEX messages_by_session ON messages (session_id, id);
        """
    )


@migration(2)
def add_session_kind(db: sqlite3.Connection) -> None:
    """`kind`: `chat`, or `review` for the sessions `backdev review` runs (listed apart from chats)."""
    run_statements(db, "ALTER TABLE sessions ADD COLUMN kind TEXT NOT NULL DEFAULT 'chat'")


def migrate(db: sqlite3.Connection) -> int:
    """Apply every migration newer than the database, each in its own transaction; return the version."""
    current = db.execute("PRAGMA user_version").fetchone()[0]
    latest = max(MIGRATIONS)
    if current > latest:
        raise RuntimeError(
            f"The session database is from a newer backdev (schema {current} > {latest}); upgrade backdev."
        )
    for number in range(current + 1, latest + 1):
        with db:
            MIGRATIONS[number](db)
            db.execute(f"PRAGMA user_version = {number}")
    return latest
