"""Confirming a migration's algorithm on the server itself, in the person's scratch database.

The live table's structure (`SHOW CREATE TABLE`, read from the read-only session) is replayed,
empty, as `backdev_probe_<random>` in the database of `scratch_database_url`; each ALTER clause
of the migration is tried there with `ALGORITHM=INSTANT`, then `ALGORITHM=INPLACE, LOCK=NONE`.
The server accepts or refuses — an empty copy answers as the full table would, since what an
algorithm supports depends on the structure, not the rows. Foreign keys of the copied table are
left out (they point at tables that are not there); a clause that adds one gets an empty copy of
the referenced table too. Every probe table is dropped again, whatever happens.

This writes to the scratch database, so the tool asks for approval first, and the scratch URL
must name another database than `database_url`.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from backdev.db.schema import quote_identifier
from backdev.db.session import CONNECT_TIMEOUT, DatabaseError, driver_problem
from backdev.db.url import DatabaseURL

ATTEMPTS = ("ALGORITHM=INSTANT", "ALGORITHM=INPLACE, LOCK=NONE")
_REFUSED = {1845, 1846, 1235}  # "ALGORITHM=… is not supported", "LOCK=NONE is not supported", "not supported yet"
_REFERENCE = re.compile(r"REFERENCES (`(?:[^`]|``)+`)")


@dataclass
class ProbeResult:
    clause: str
    accepted: str  # the first ALGORITHM the server accepted, or ""
    reason: str = ""  # why the server refused (when nothing was accepted)
    error: str = ""  # the clause could not be tried at all

    def sentence(self) -> str:
        if self.error:
            return f"could not be tried on the scratch database ({self.error})"
        if self.accepted:
            return f"the server accepted {self.accepted}"
        return f"the server refused INSTANT and INPLACE, LOCK=NONE, so it would copy the table ({self.reason})"


def probe_table_sql(create_sql: str, name: str) -> str:
    """`create_sql` for the table `name`, without its foreign keys."""
    head, sep, rest = create_sql.partition("(")
    if not sep or not head.upper().startswith("CREATE TABLE"):
        raise DatabaseError("The table's CREATE TABLE could not be read for the scratch copy.")
    body, _, tail = rest.rpartition(")")
    items = [line.strip().rstrip(",") for line in body.split("\n") if line.strip()]
    kept = [item for item in items if "FOREIGN KEY" not in item.upper()]
    return f"CREATE TABLE {quote_identifier(name)} (\n  " + ",\n  ".join(kept) + "\n)" + tail


class ScratchDatabase:
    """The person's throwaway database, where structures are replayed empty."""

    def __init__(self, url: DatabaseURL, timeout: float) -> None:
        self.url = url
        self.timeout = timeout

    def statements(self, table: str, clauses: list[str]) -> list[str]:
        """What `confirm` will run, for the approval request."""
        probe = "backdev_probe_…"
        lines = [f"CREATE TABLE `{probe}` LIKE the structure of {table} (empty, without its foreign keys)"]
        lines += [f"ALTER TABLE `{probe}` {clause}, {ATTEMPTS[0]}  (then {ATTEMPTS[1]})" for clause in clauses]
        lines.append(f"DROP TABLE `{probe}`")
        return lines

    def confirm(self, create_sql: str, clauses: list[str], references: dict[str, str]) -> list[ProbeResult]:
        """Try each clause on an empty copy; `references` maps a referenced table to its CREATE TABLE."""
        problem = driver_problem()
        if problem:
            raise DatabaseError(problem)
        import pymysql  # the optional MySQL driver (backdev[mysql]): only when the database is used

        try:
            connection = pymysql.connect(**self.url.connect_arguments(), connect_timeout=CONNECT_TIMEOUT,
                                         read_timeout=self.timeout + 30, autocommit=True, local_infile=False)
        except pymysql.err.MySQLError as exc:
            raise DatabaseError(f"Could not connect to the scratch database {self.url.where} "
                                f"({exc.args[-1] if exc.args else exc}): check scratch_database_url.") from None
        prefix = f"backdev_probe_{secrets.token_hex(4)}"
        made: list[str] = []
        results: list[ProbeResult] = []
        try:
            with connection.cursor() as cursor:
                cursor.execute("SET SESSION foreign_key_checks = 1")  # as a migration runs: checks on
                cursor.execute("SET SESSION lock_wait_timeout = %s", (max(1, int(self.timeout)),))
                for number, clause in enumerate(clauses):
                    name = f"{prefix}_{number}"
                    rewritten = self._references(cursor, clause, references, f"{name}_ref", made)
                    cursor.execute(probe_table_sql(create_sql, name))
                    made.append(name)
                    results.append(self._try(cursor, name, clause, rewritten, pymysql))
        finally:
            with connection.cursor() as cursor:
                for name in reversed(made):
                    cursor.execute(f"DROP TABLE IF EXISTS {quote_identifier(name)}")
            connection.close()
        return results

    @staticmethod
    def _references(cursor: object, clause: str, references: dict[str, str], name: str, made: list[str]) -> str:
        """Give a FOREIGN KEY clause an empty copy of its referenced table to point at."""
        match = _REFERENCE.search(clause)
        if not match:
            return clause
        target = match[1][1:-1].replace("``", "`")
        if target not in references:
            return clause
        cursor.execute(probe_table_sql(references[target], name))  # type: ignore[attr-defined]
        made.append(name)
        return clause[: match.start(1)] + quote_identifier(name) + clause[match.end(1):]

    @staticmethod
    def _try(cursor: object, name: str, clause: str, rewritten: str, pymysql: object) -> ProbeResult:
        reason = ""
        for attempt in ATTEMPTS:
            try:
                statement = f"ALTER TABLE {quote_identifier(name)} {rewritten}, {attempt}"
                cursor.execute(statement)  # type: ignore[attr-defined]
                return ProbeResult(clause, attempt)
            except pymysql.err.MySQLError as exc:  # type: ignore[attr-defined]
                code = exc.args[0] if exc.args else None
                message = " ".join(str(exc.args[-1] if exc.args else exc).split())
                if code not in _REFUSED:
                    return ProbeResult(clause, "", error=message)
                reason = message
        return ProbeResult(clause, "", reason)
