"""The person's database as a part of a session, and what `backdev doctor` says about it.

`open_database(settings, policy, repo)` is called once at session start, when the repository is read
(`backdev.repo.context`: check_migration reads migration files through it). Without
`database_url`, or without the `mysql` extra, there are no tools and none are offered. With both,
the four tools are offered even when the server does not answer yet (they say so when used, and
the tool list — part of the cached prompt prefix — does not change with the server's mood). It
connects once to learn the server version; it changes nothing else and touches no UI, so it runs
in the same worker thread as the repository's reading.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from collections.abc import Callable
from typing import TYPE_CHECKING

from backdev.db.session import DatabaseError, ReadOnlySession, driver_problem
from backdev.db.url import DatabaseURL, DatabaseURLError, parse_database_url
from backdev.settings import Settings

if TYPE_CHECKING:
    from backdev.db.server import ServerVersion
    from backdev.db.tools import DatabaseTools
    from backdev.repo.repository import Repository
    from backdev.repo.safety import SafetyPolicy

log = logging.getLogger(__name__)
HOW_TO_ENABLE = ("set database_url in your user config or BACKDEV_DATABASE_URL to mysql://user:password@host:3306/"
                 "database, and pip install 'backdev[mysql]'")


@dataclass
class DatabaseContext:
    """What `open_database` found.

    Attributes:
        state: `off` (no URL), `unusable` (a bad URL or no driver), `ready`, or `unreachable`.
        notes: lines to show once at start.
        url: the parsed URL (masked when shown).
        server: the server's version, once it answered.
        tools: the tools offered (also behind `/schema` and `/explain`).
    """

    state: str
    notes: list[str] = field(default_factory=list)
    url: DatabaseURL | None = None
    server: ServerVersion | None = None
    tools: DatabaseTools | None = None


def configured_url(settings: Settings) -> tuple[DatabaseURL | None, str]:
    """The usable URL, or None and a sentence saying why not (empty when simply not configured)."""
    raw = settings.database_url
    if not raw:
        return None, ""
    source = settings.source_of("database_url")
    try:
        return parse_database_url(raw), ""
    except DatabaseURLError as exc:
        if source == "env DATABASE_URL" and "not a MySQL or MariaDB URL" in str(exc):
            return None, ("DATABASE_URL is not a MySQL or MariaDB URL, so the database tools are off (set "
                          "BACKDEV_DATABASE_URL to the MySQL database backdev should read).")
        return None, f"database_url ({source}) cannot be used: {exc}"


def _scratch(settings: Settings, url: DatabaseURL, notes: list[str]):  # type: ignore[no-untyped-def]
    from backdev.db.scratch import ScratchDatabase  # only when a database is configured and used

    if not settings.scratch_database_url:
        return None
    try:
        scratch = parse_database_url(settings.scratch_database_url)
    except DatabaseURLError as exc:
        notes.append(f"scratch_database_url cannot be used: {exc}")
        return None
    if scratch.same_database(url):
        notes.append("scratch_database_url names the same database as database_url, so it is ignored: it must be a "
                     "throwaway database, since backdev creates and drops tables there.")
        return None
    return ScratchDatabase(scratch, settings.database_timeout)


def open_database(settings: Settings, policy: SafetyPolicy, repo: Callable[[], Repository | None]) -> DatabaseContext:
    """The database's tools when a database is configured (see the module docstring).

    Args:
        policy: the session's secret rules (what the tools return is redacted with them).
        repo: the session's repository (check_migration reads migration files through it).
    """
    url, problem = configured_url(settings)
    if url is None:
        return DatabaseContext("unusable" if problem else "off", [problem] if problem else [])
    missing = driver_problem()
    if missing:
        return DatabaseContext("unusable", [f"database_url is set, but {missing[0].lower()}{missing[1:]}"], url)
    from backdev.db.tools import DatabaseTools  # only when a database is configured and used

    notes: list[str] = []
    session = ReadOnlySession(url, settings.database_timeout)
    server = None
    try:
        server = session.server()
        notes.append(f"Database: {server.label} at {url.masked()}, read-only (db_schema, explain_query, "
                     "analyze_query, check_migration; /schema and /explain).")
        if server.note:
            notes.append(server.note)
    except DatabaseError as exc:
        log.warning("database not reachable at start: %s", exc)
        notes.append(f"The database does not answer yet: {exc} The database tools will try again when used.")
    scratch = _scratch(settings, url, notes)
    tools = DatabaseTools(session, settings, policy=policy, repo=repo, scratch=scratch,
                          server_label=server.label if server else "")
    return DatabaseContext("ready" if server else "unreachable", notes, url, server, tools)


def doctor_report(settings: Settings) -> tuple[list[str], bool]:
    """The `Database` section of `backdev doctor`: its lines, and whether something is wrong."""
    url, problem = configured_url(settings)
    if url is None and not problem:
        return [f"  – database: not configured (optional): to give the persona your schema and EXPLAIN plans, "
                f"{HOW_TO_ENABLE}."], False
    if url is None:
        return [f"  ✗ database: {problem}"], True
    lines = [f"  url      {url.masked()}  ({settings.source_of('database_url')})"]
    missing = driver_problem()
    if missing:
        return [*lines, f"  ✗ database: {missing}"], True
    session = ReadOnlySession(url, settings.database_timeout)
    started = time.perf_counter()
    try:
        server = session.server()
        from backdev.db.schema import SchemaReader  # only when a database is configured and used

        count = len(SchemaReader(session).tables())
    except DatabaseError as exc:
        return [*lines, f"  ✗ database: {exc}"], True
    finally:
        session.close()
    lines.append(f"  ✓ database: {server.label}, read-only, answered in {time.perf_counter() - started:.2f} s; "
                 f"{count:,} tables in {url.database}" + (f"; {server.note}" if server.note else ""))
    if settings.scratch_database_url:
        notes: list[str] = []
        scratch = _scratch(settings, url, notes)
        lines.append(f"  scratch  {scratch.url.masked()}" if scratch else f"  ✗ scratch: {notes[0]}")
    return lines, False
