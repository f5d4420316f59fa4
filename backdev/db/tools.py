"""The database tools the model uses: `db_schema`, `explain_query`, `analyze_query`, `check_migration`.

`db_schema` and `explain_query` only read (EXPLAIN never runs the query) and need no approval.
`analyze_query` runs the query (read-only, under the timeout) to measure it, so the person
approves it first; `check_migration` reads a migration file and the live schema, and asks for
approval only when it is to confirm the verdicts on the scratch database (which it writes to).

Every SQL statement from the model goes through `sqlcheck.check_read_only` before anything is
sent; a refusal is an error result saying what to change. Results are redacted like every other
tool result, the database password is scrubbed from them whatever it looks like, and they are
capped by `read_max_bytes` / `read_max_lines`. The work runs in a thread.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from backdev.chat.report import Report, ReportLine

from backdev.db.migration_check import assess_migration, confirm_on_scratch, render_risk
from backdev.db.migrations import MigrationError, read_migration
from backdev.db.plan_report import problems, render_plan, tree_problems
from backdev.db.plans import Plan, read_plan
from backdev.db.reports import plan_report, table_report, tables_report
from backdev.db.risk import COPY, REBUILD
from backdev.db.schema import SchemaReader, render_table, render_tables
from backdev.db.scratch import ScratchDatabase
from backdev.db.session import DatabaseError, ReadOnlySession
from backdev.db.sqlcheck import CheckedStatement, StatementRefused, check_read_only
from backdev.repo.safety import PathRefused, SafetyPolicy
from backdev.settings import Settings
from backdev.tools.base import ApprovalRequest, Tool, ToolOutcome

TOOL_NAMES = ("db_schema", "explain_query", "analyze_query", "check_migration")
TABLE_LIST_LIMIT = 500
MIGRATION_MAX_BYTES = 1_000_000
_NARROWER = "ask for one table or a narrower query."


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _schema(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = required
    return schema


_SQL = {"type": "string", "description": "One SELECT (CTEs, joins, unions and subqueries are fine) with literal "
                                         "example values, not %s placeholders."}
SCHEMAS = {
    "db_schema": _schema({"table": {"type": "string", "description": "A table to describe (columns, indexes with "
                                                                     "cardinality, foreign keys, SHOW CREATE TABLE). "
                                                                     "Leave it out to list all tables."}}),
    "explain_query": _schema({"sql": _SQL, "raw": {"type": "boolean", "description": "Also return the raw EXPLAIN "
                                                                                     "FORMAT=JSON (default false)."}},
                             ["sql"]),
    "analyze_query": _schema({"sql": _SQL}, ["sql"]),
    "check_migration": _schema({
        "path": {"type": "string", "description": "A Django migration file, relative to the repository root, e.g. "
                                                  "shop/migrations/0002_order_note.py."},
        "confirm": {"type": "boolean", "description": "Also confirm each verdict on the person's scratch database "
                                                      "with ALGORITHM=INSTANT / INPLACE, LOCK=NONE (needs approval)."},
    }, ["path"]),
}


def _text(arguments: dict[str, Any], key: str) -> str:
    value = arguments.get(key)
    if not isinstance(value, str) or not value.strip():
        raise StatementRefused(f"{key} is required: give it as a string.")
    return value


def table_aliases(statement: CheckedStatement) -> dict[str, str]:
    """Alias → table name in a checked SELECT (the plan names tables by their aliases)."""
    import sqlglot  # the SQL parser (~0.2 s): only when a statement is checked
    from sqlglot import exp

    try:
        tree = sqlglot.parse_one(statement.sql, read="mysql")
    except Exception:  # already checked; aliases are a nicety
        return {}
    return {table.alias_or_name: table.name for table in tree.find_all(exp.Table) if table.name}


def plan_document(rows: list[tuple[Any, ...]]) -> Any:
    """The JSON plan the server answered. MariaDB writes a name's control characters into it raw (a
    table named with an escape sequence), which strict JSON refuses: they are kept (and shown visibly)."""
    return json.loads(str(rows[0][0]), strict=False)


class DatabaseTools:
    """The tools over one read-only session (and, optionally, a scratch database)."""

    def __init__(self, session: ReadOnlySession, settings: Settings, *, policy: SafetyPolicy, repo: Callable[[], Any],
                 scratch: ScratchDatabase | None = None, server_label: str = "") -> None:
        self.session = session
        self.settings = settings
        self.repo = repo
        self.scratch = scratch
        self.policy = policy
        where = f"{session.url.database} ({session.url.host}:{session.url.port})"
        self.where = f"the person's {server_label or 'MySQL/MariaDB'} database {where}"

    # --- the tools -----------------------------------------------------------------------------

    def tools(self) -> list[Tool]:
        timeout = f"{self.session.timeout:g} s"
        descriptions = {
            "db_schema": f"Read the schema of {self.where}: without a table, every table with its engine, row estimate "
                         "and size; with a table, its columns, indexes (columns, cardinality), foreign keys both ways "
                         "and SHOW CREATE TABLE. Read-only.",
            "explain_query": f"Show how {self.where} would run a SELECT (EXPLAIN FORMAT=JSON, never executed): per "
                             "query block and table the access type, key chosen, possible keys, rows examined, "
                             "filtered, filesort and temporary tables, with full scans and missing indexes called out. "
                             "Use it when a query's efficiency is in doubt. Only a single read-only SELECT is "
                             "accepted.",
            "analyze_query": f"Run a SELECT on {self.where} to measure it (MariaDB ANALYZE FORMAT=JSON / MySQL EXPLAIN "
                             f"ANALYZE): real rows, loops and times per table. It executes the query (read-only, "
                             f"stopped after {timeout}), so the person approves it first; prefer explain_query.",
            "check_migration": f"Judge a Django migration against the live tables of {self.where}: per operation "
                               "whether it is instant, in place or a full table copy, whether it blocks writes, how "
                               "long a copy might take, and what to do instead.",
        }
        handlers = {"db_schema": self.db_schema, "explain_query": self.explain_query,
                    "analyze_query": self.analyze_query, "check_migration": self.check_migration}
        approvals = {"analyze_query": self._analyze_approval, "check_migration": self._migration_approval}
        return [Tool(name, descriptions[name], SCHEMAS[name], self._threaded(name, handlers[name]), approvals.get(name))
                for name in TOOL_NAMES]

    def db_schema(self, arguments: dict[str, Any]) -> ToolOutcome:
        return self._schema(arguments)[0]

    def explain_query(self, arguments: dict[str, Any]) -> ToolOutcome:
        return self._explain(arguments)[0]

    def schema_report(self, table: str = "") -> Report:
        """`/schema [TABLE]`: `db_schema`'s answer as tables (raises what the tool reports)."""
        return self._report(self._schema({"table": table} if table else {})[1])

    def explain_report(self, sql: str) -> Report:
        """`/explain SQL`: `explain_query`'s answer as a table per query block (raises what the tool reports)."""
        return self._report(self._explain({"sql": sql})[1])

    def _schema(self, arguments: dict[str, Any]) -> tuple[ToolOutcome, Report]:
        reader = SchemaReader(self.session)
        table = arguments.get("table")
        if isinstance(table, str) and table.strip():
            detail = reader.table(table)
            rows = "" if detail.info.rows is None else f" · ~{detail.info.rows:,} rows"
            outcome = self._outcome(render_table(detail),
                                    f"db_schema {detail.info.name}{rows} · {len(detail.indexes)} indexes")
            return outcome, table_report(detail, text=outcome.content)
        tables = reader.tables()
        database, label = self.session.url.database, self.session.server().label
        outcome = self._outcome(render_tables(database, label, tables, limit=TABLE_LIST_LIMIT),
                                f"db_schema {database} · {len(tables):,} tables")
        return outcome, tables_report(database, label, tables, limit=TABLE_LIST_LIMIT, text=outcome.content)

    def _explain(self, arguments: dict[str, Any]) -> tuple[ToolOutcome, Report]:
        statement = check_read_only(_text(arguments, "sql"))
        rows = self.session.explain(statement, "EXPLAIN FORMAT=JSON")
        document = plan_document(rows)
        plan = read_plan(document)
        aliases = table_aliases(statement)
        title = f"EXPLAIN on {self.session.server().label}"
        text = render_plan(plan, aliases, title=title)
        if arguments.get("raw") is True:
            text += "\n\nRaw plan (EXPLAIN FORMAT=JSON):\n" + json.dumps(document, indent=1)
        outcome = self._outcome(text, f"explain_query · {self._plan_summary(plan, aliases)}")
        return outcome, plan_report(plan, aliases, title=title, text=outcome.content)

    def analyze_query(self, arguments: dict[str, Any]) -> ToolOutcome:
        statement = check_read_only(_text(arguments, "sql"))
        server = self.session.server()
        aliases = table_aliases(statement)
        if server.flavor == "mariadb":
            rows = self.session.explain(statement, "ANALYZE FORMAT=JSON")
            plan = read_plan(plan_document(rows))
            text = render_plan(plan, aliases, title=f"ANALYZE on {server.label}")
            return self._outcome(text, f"analyze_query · {self._plan_summary(plan, aliases)}")
        rows = self.session.explain(statement, "EXPLAIN ANALYZE")
        tree = str(rows[0][0])
        found = tree_problems(tree, aliases)
        text = f"EXPLAIN ANALYZE on {server.label}:\n{tree}\n\n" + (
            "Problems:\n" + "\n".join(f"- {p}" for p in found) if found else "Problems: none found.")
        return self._outcome(text, f"analyze_query · {found[0][:70] if found else 'no problem found'}")

    def check_migration(self, arguments: dict[str, Any]) -> ToolOutcome:
        path = _text(arguments, "path")
        relative, source = self._read_migration(path)
        migration = read_migration(relative, source)
        risk, tables = assess_migration(migration, self.session)
        if arguments.get("confirm") is True:
            if self.scratch is None:
                risk.notes.append("Not confirmed on a server: set scratch_database_url in your user config to a "
                                  "throwaway database to let backdev try the ALTERs there.")
            else:
                confirm_on_scratch(risk, tables, self.scratch)
        risky = sum(op.blocks_writes or op.algorithm in (COPY, REBUILD) for op in risk.operations)
        summary = f"check_migration {relative} · {len(risk.operations)} operations" + (
            f" · {risky} touch the whole table" if risky else "")
        return self._outcome(render_risk(risk), summary)

    # --- approvals -----------------------------------------------------------------------------

    def _analyze_approval(self, arguments: dict[str, Any]) -> ApprovalRequest | None:
        try:
            statement = check_read_only(_text(arguments, "sql"))
        except StatementRefused:
            return None  # refused without running: nothing to approve
        return ApprovalRequest(
            "analyze_query", "run",
            f"run this query on {self.session.url.where} to measure it (read-only, stopped after "
            f"{self.session.timeout:g} s)", statement.sql, grant="analyze_query")

    def _migration_approval(self, arguments: dict[str, Any]) -> ApprovalRequest | None:
        if arguments.get("confirm") is not True or self.scratch is None:
            return None
        path = arguments.get("path") if isinstance(arguments.get("path"), str) else "?"
        try:  # a static read (no database), to show what will be tried
            operations = [f"{op.kind} {op.model}" for op in read_migration(*self._read_migration(str(path))).operations]
        except (MigrationError, StatementRefused):
            return None  # the tool itself will say what is wrong, without running anything
        detail = "\n".join([*self.scratch.statements("each table the migration changes", ["<the operation's change>"]),
                            "", "Operations: " + ", ".join(operations)])
        return ApprovalRequest(
            "check_migration", "run",
            f"try the ALTERs of {path} on empty copies in the scratch database {self.scratch.url.where}",
            detail, grant="check_migration:scratch")

    # --- shared --------------------------------------------------------------------------------

    def _read_migration(self, raw: str) -> tuple[str, str]:
        from backdev.repo.reading import NotReadable  # only when a database is configured and used

        repo = self.repo()
        if repo is None:
            raise MigrationError("The repository is not read yet: try again in a moment.")
        try:
            _, relative = repo.resolve(raw)
            if repo.policy.refuses(relative):
                raise PathRefused(f"{relative} is a secret file: it is never read.")
            piece = repo.read(relative, max_bytes=MIGRATION_MAX_BYTES, max_lines=100_000)
        except (PathRefused, NotReadable) as exc:
            raise MigrationError(str(exc)) from None
        return relative, "\n".join(piece.lines)

    @staticmethod
    def _plan_summary(plan: Plan, aliases: dict[str, str]) -> str:
        tables = len(plan.tables())
        found = problems(plan, aliases)
        scans = [p for p in found if p.startswith("Full table scan")]
        head = f"{_plural(len(plan.blocks), 'block')}, {_plural(tables, 'table')}"
        if scans:
            return f"{head} · {scans[0].split(':')[0].lower()} ({scans[0].split('about ')[1].split(' rows')[0]} rows)"
        return f"{head} · {_plural(len(found), 'problem')}" if found else f"{head} · no problem found"

    def _outcome(self, text: str, summary: str) -> ToolOutcome:
        cleaned = self.policy.clean(self._scrub(text))
        body = self._cap(cleaned.text)
        if cleaned.kinds:
            body += "\n[Secret-looking values were replaced by [REDACTED:kind] before this reached you.]"
        return ToolOutcome(body, self._scrub(summary))

    def _report(self, report: Report) -> Report:
        """`report` redacted cell by cell like a tool result (its `text` already is)."""
        redacted = False

        def clean(text: str) -> str:
            nonlocal redacted
            cleaned = self.policy.clean(self._scrub(text)).text
            redacted = redacted or cleaned != text
            return cleaned

        cleaned = report.cleaned(clean)
        if not redacted:
            return cleaned
        return replace(cleaned, lines=(*cleaned.lines, ReportLine("Secret-looking values were replaced by "
                                                                  "[REDACTED:kind].")))

    def _cap(self, text: str) -> str:
        lines = text.split("\n")
        note = ""
        if len(lines) > self.settings.read_max_lines:
            lines = lines[: self.settings.read_max_lines]
            note = f"\n[Cut at {self.settings.read_max_lines:,} lines (read_max_lines): {_NARROWER}]"
        body = "\n".join(lines)
        if len(body.encode()) > self.settings.read_max_bytes:
            body = body.encode()[: self.settings.read_max_bytes].decode(errors="ignore").rsplit("\n", 1)[0]
            note = f"\n[Cut at {self.settings.read_max_bytes:,} bytes (read_max_bytes): {_NARROWER}]"
        return body + note

    def _scrub(self, text: str) -> str:
        password = self.session.url.password
        return text.replace(password, "[REDACTED:database-password]") if len(password) >= 3 else text

    def _threaded(self, name: str, handler: Callable[[dict[str, Any]], ToolOutcome]) -> Callable[[dict[str, Any]], Any]:
        def run(arguments: dict[str, Any]) -> ToolOutcome:
            try:
                return handler(arguments)
            except (StatementRefused, DatabaseError, MigrationError) as exc:
                reason = "refused" if isinstance(exc, StatementRefused) else "failed"
                message = self._scrub(str(exc))
                return ToolOutcome(message, self._scrub(f"{name} · {reason}: {message.split(':')[0][:70]}"),
                                   is_error=True)

        return lambda arguments: asyncio.to_thread(run, arguments)
