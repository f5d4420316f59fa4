"""One read-only connection to the person's database, with a timeout on every statement.

Read-only by construction, in layers under the statement check of `sqlcheck.py`:

- the session is `SET SESSION TRANSACTION READ ONLY` (the server refuses every write, temporary
  tables included) and each statement from the model runs inside `START TRANSACTION READ ONLY`
  followed by `ROLLBACK`;
- the driver never enables multi-statements or `LOAD DATA LOCAL`;
- every statement has the server's own limit (`max_statement_time` on MariaDB, in seconds;
  `max_execution_time` on MySQL, in milliseconds, which MySQL applies to SELECTs), a lock wait
  limit, and a watchdog that sends `KILL QUERY` from a second connection if the server's limit
  did not stop it;
- `sql_mode` drops NO_BACKSLASH_ESCAPES and ANSI_QUOTES, so the server reads strings exactly as the
  statement check did.

Errors become `DatabaseError` with one sentence for the person; the password never appears in them.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from backdev.db.server import ServerVersion
from backdev.db.sqlcheck import CheckedStatement
from backdev.db.url import DatabaseURL

log = logging.getLogger(__name__)
T = TypeVar("T")
CONNECT_TIMEOUT = 5.0
_LOST_CONNECTION = {0, 2006, 2013, 2055}
_TIMED_OUT = {1969, 3024, 1317, 1028}
_DROPPED_MODES = {"NO_BACKSLASH_ESCAPES", "ANSI_QUOTES", "ANSI"}


class DatabaseError(RuntimeError):
    """The database could not answer; the message is one sentence, without the password."""


class DriverMissing(DatabaseError):
    """PyMySQL or sqlglot is not installed."""


def driver_problem() -> str:
    """Empty when the `mysql` extra is installed; otherwise what to install."""
    import importlib.util  # only to ask whether the driver is installed

    missing = [name for name in ("pymysql", "sqlglot") if importlib.util.find_spec(name) is None]
    if not missing:
        return ""
    return (f"The MySQL driver is not installed ({', '.join(missing)} missing): pip install 'backdev[mysql]' "
            "to read the database.")


class ReadOnlySession:
    """A lazily opened read-only connection (thread-safe: one statement at a time).

    Args:
        url: where to connect.
        timeout: seconds any one statement may run.
    """

    def __init__(self, url: DatabaseURL, timeout: float) -> None:
        self.url = url
        self.timeout = timeout
        self._lock = threading.RLock()
        self._connection: Any = None
        self._server: ServerVersion | None = None
        # Tests turn the server-side limit off to prove the watchdog alone stops a statement.
        self.server_side_limit = True

    # --- connecting ----------------------------------------------------------------------------

    def server(self) -> ServerVersion:
        """The server's version (connects on first use)."""
        with self._lock:
            self._connect()
            assert self._server is not None
            return self._server

    def _connect(self) -> Any:
        if self._connection is not None:
            return self._connection
        problem = driver_problem()
        if problem:
            raise DriverMissing(problem)
        import pymysql  # the optional MySQL driver (backdev[mysql]): only when the database is used

        try:
            connection = pymysql.connect(
                **self.url.connect_arguments(), connect_timeout=CONNECT_TIMEOUT, read_timeout=self.timeout + 30,
                write_timeout=self.timeout + 30, autocommit=True, local_infile=False, client_flag=0,
                program_name="backdev",
            )
        except Exception as exc:
            raise self._error(exc) from None
        try:
            self._prepare(connection)
        except Exception as exc:
            connection.close()
            raise self._error(exc) from None
        self._connection = connection
        log.info("connected to %s (%s), read-only", self.url.masked(), self._server.label if self._server else "?")
        return connection

    def _prepare(self, connection: Any) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT VERSION(), @@version_comment, @@SESSION.sql_mode")
            version, comment, sql_mode = cursor.fetchone()
            server = ServerVersion.parse(str(version), str(comment or ""))
            cursor.execute("SET SESSION TRANSACTION READ ONLY")
            modes = [m for m in str(sql_mode or "").split(",") if m and m.upper() not in _DROPPED_MODES]
            cursor.execute("SET SESSION sql_mode = %s", (",".join(modes),))
            cursor.execute("SET SESSION lock_wait_timeout = %s", (max(1, math.ceil(self.timeout)),))
            if self.server_side_limit:
                cursor.execute(f"SET SESSION {server.timeout_variable} = {server.timeout_value(self.timeout)}")
            if server.flavor == "mysql" and server.at_least(8, 3, 0):
                cursor.execute("SET SESSION explain_json_format_version = 1")  # the shape plans.py reads
        self._server = server

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                try:
                    self._connection.close()
                except Exception:  # already gone
                    pass
                self._connection = None

    # --- running -------------------------------------------------------------------------------

    def catalog(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run one of backdev's own read-only queries (information_schema, SHOW CREATE TABLE)."""
        return self._with_cursor(lambda cursor: self._execute(cursor, sql, tuple(params) if params else None))

    def explain(self, statement: CheckedStatement, prefix: str) -> list[tuple[Any, ...]]:
        """Run `prefix + statement` (e.g. `EXPLAIN FORMAT=JSON`) inside a read-only transaction."""
        def run(cursor: Any) -> list[tuple[Any, ...]]:
            cursor.execute("START TRANSACTION READ ONLY")
            try:
                rows = self._execute(cursor, f"{prefix} {statement.sql}", None)
            except Exception:
                try:  # the statement's own error is the one to report
                    cursor.execute("ROLLBACK")
                except Exception:
                    pass
                raise
            cursor.execute("ROLLBACK")
            return rows

        return self._with_cursor(run)

    def _with_cursor(self, work: Callable[[Any], T]) -> T:
        with self._lock:
            for attempt in (1, 2):
                reused = self._connection is not None
                connection = self._connect()
                started = time.monotonic()
                try:
                    with connection.cursor() as cursor:
                        return work(cursor)
                except Exception as exc:
                    code = _code(exc)
                    if code in _LOST_CONNECTION or code in _TIMED_OUT:
                        self._drop()
                    # The server closed an idle connection (wait_timeout): reconnect once. A connection lost
                    # while a statement ran for a while is reported instead, never silently run again.
                    if code in _LOST_CONNECTION and attempt == 1 and reused and time.monotonic() - started < 1:
                        continue
                    raise self._error(exc) from None
            raise DatabaseError("The database connection failed twice: check that the server is running.")

    def _execute(self, cursor: Any, sql: str, params: Sequence[Any] | None) -> list[tuple[Any, ...]]:
        watchdog = threading.Timer(self.timeout + 0.5, self._kill, args=(cursor.connection.thread_id(),))
        watchdog.daemon = True
        watchdog.start()
        try:
            cursor.execute(sql, params)
            return list(cursor.fetchall())
        finally:
            watchdog.cancel()

    def _kill(self, thread_id: int) -> None:
        """Stop a statement the server's own limit did not stop, from a second connection."""
        import pymysql  # the optional MySQL driver (backdev[mysql]): only when the database is used

        log.warning("statement ran past %.1f s on %s: sending KILL QUERY", self.timeout, self.url.masked())
        try:
            helper = pymysql.connect(**self.url.connect_arguments(), connect_timeout=CONNECT_TIMEOUT, autocommit=True)
            with helper.cursor() as cursor:
                cursor.execute(f"KILL QUERY {int(thread_id)}")
            helper.close()
        except Exception as exc:
            log.warning("KILL QUERY failed: %s", self._scrub(str(exc)))

    def _drop(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            except Exception:
                pass
        self._connection = None

    # --- errors --------------------------------------------------------------------------------

    def _scrub(self, text: str) -> str:
        password = self.url.password
        return text.replace(password, "***") if len(password) >= 3 else text

    def _error(self, exc: Exception) -> DatabaseError:
        code = _code(exc)
        message = _message(exc)
        where = self.url.where
        if code in _TIMED_OUT:
            text = (f"The statement was stopped after {self.timeout:g} s (the database_timeout setting): simplify it, "
                    "or use explain_query, which does not run it.")
        elif code == 1792:
            text = "The server refused a write: this session is read-only."
        elif code in (1044, 1045, 1698):
            text = (f"The database refused the login of {self.url.user or '(no user)'} on {where}: check the user "
                    "and password in database_url.")
        elif code == 1049:
            text = (f"The database {self.url.database!r} does not exist on {self.url.host}:{self.url.port}: fix "
                    "database_url.")
        elif code in (1142, 1143, 1227):
            text = f"The database user may not do this ({message}): grant it SELECT on the schema."
        elif code in (2002, 2003, 2005) or isinstance(exc, (ConnectionError, TimeoutError, OSError)):
            text = f"Could not connect to {self.url.host}:{self.url.port} ({message}): is the server running?"
        elif code in _LOST_CONNECTION:
            text = f"The connection to {self.url.host}:{self.url.port} was lost ({message}): try again."
        else:
            text = f"The database answered: {message}" + ("" if message.endswith(".") else ".")
        return DatabaseError(self._scrub(text))


def _code(exc: Exception) -> int | None:
    args = getattr(exc, "args", ())
    return args[0] if args and isinstance(args[0], int) else None


def _message(exc: Exception) -> str:
    args = getattr(exc, "args", ())
    if len(args) >= 2 and isinstance(args[1], str):
        text = args[1]
    else:
        text = str(exc) or type(exc).__name__
    return " ".join(text.split())[:300]
