"""How risky each operation of a Django migration is on the live table, for this server.

For each operation: the algorithm the server can use (instant, in place, in place with a table
rebuild, or a full table copy), whether writes are blocked while it runs, how long touching the
whole table might take (from the live size), and what to do instead. The rules follow the MySQL
8.0 manual ("Online DDL Operations") and MariaDB's knowledge base ("InnoDB Online DDL"), and were
checked against MariaDB 10.11 with ALGORITHM=INSTANT / INPLACE, LOCK=NONE (which is what the
scratch-database confirmation in `scratch.py` asks the person's own server).

The live column is compared with the new definition of an AlterField: the migration is assumed
not yet applied (the report says so when `django_migrations` says otherwise).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from backdev.db.migrations import (
    FieldSpec,
    Migration,
    Operation,
    column_name,
    column_type,
)
from backdev.db.schema import TableDetail
from backdev.db.schema import quote_identifier as q
from backdev.db.server import ServerVersion
from backdev.db.text import human_bytes

INSTANT, INPLACE, REBUILD, COPY = "instant", "in place", "in place, rebuilds the table", "full table copy"
NO_DDL, NEW_TABLE, UNKNOWN = "no schema change", "new table", "unknown"
COPY_BYTES_PER_SECOND = 10 * 1024 * 1024  # a conservative rate for copying or rebuilding InnoDB tables (indexes too)
INDEX_BYTES_PER_SECOND = 30 * 1024 * 1024  # building a secondary index reads the table once and sorts
BIG_ROWS = 1_000_000
BIG_BYTES = 1024 ** 3
ONLINE_TOOLS = "an online schema change tool (gh-ost or pt-online-schema-change)"
MDL_NOTE = ("Every ALTER, even an instant one, needs a short exclusive metadata lock: a long transaction on the table "
            "makes it wait, and every query behind it (lock_wait_timeout).")


@dataclass
class OperationRisk:
    """The verdict on one operation."""

    label: str
    line: int
    table: str
    algorithm: str
    blocks_writes: bool = False
    duration: str = ""
    advice: list[str] = field(default_factory=list)
    probe: list[str] = field(default_factory=list)  # ALTER clauses the scratch database can confirm
    confirmed: str = ""  # what the scratch database said


@dataclass
class MigrationRisk:
    migration: Migration
    server: ServerVersion
    operations: list[OperationRisk]
    notes: list[str] = field(default_factory=list)


TableLookup = Callable[[str], TableDetail | None]


def _duration(table: TableDetail | None, rate: int) -> str:
    if table is None:
        return ""
    size = table.info.total_bytes
    seconds = size / rate
    if seconds < 1:
        spoken = "under a second"
    elif seconds < 90:
        spoken = f"about {seconds:.0f} s"
    elif seconds < 5400:
        spoken = f"about {seconds / 60:.0f} min"
    else:
        spoken = f"about {seconds / 3600:.1f} h"
    rows = "" if table.info.rows is None else f"~{table.info.rows:,} rows, "
    return f"{spoken} ({rows}{human_bytes(size)}; a rough estimate, slower under load)"


def _is_big(table: TableDetail | None) -> bool:
    return table is not None and ((table.info.rows or 0) >= BIG_ROWS or table.info.total_bytes >= BIG_BYTES)


def _normal_type(live: str) -> str:
    """`int(11)` → `int`, `int(10) unsigned` → `int unsigned` (display widths mean nothing); aliases folded."""
    text = live.strip().lower()
    if text.startswith("tinyint(1)"):
        return "tinyint(1)"
    text = re.sub(r"^(tinyint|smallint|mediumint|int|bigint)\(\d+\)", r"\1", text)
    return _ALIASES.get(text, text)


# MariaDB reports Django's JSONField as longtext, and its UUIDField (Django 5+, MariaDB 10.7+) as uuid.
_ALIASES = {"longtext": "longtext", "json": "longtext", "uuid": "char(32)"}


def _varchar_length(kind: str) -> int | None:
    match = re.fullmatch(r"varchar\((\d+)\)", kind)
    return int(match[1]) if match else None


def _sql_default(spec: FieldSpec, sql_type: str) -> str:
    value = spec.get("default")
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"
    # A callable or computed default: Django writes one value into every row; any constant behaves alike.
    if sql_type.startswith(("varchar", "char", "longtext")):
        return "''"
    if sql_type.startswith(("datetime", "date", "time")):
        return "'2000-01-01'"
    return "0"


class RiskRules:
    """The rules, for one server and one way of looking up live tables."""

    def __init__(self, server: ServerVersion, lookup: TableLookup) -> None:
        self.server = server
        self.lookup = lookup
        self.tables: dict[str, str] = {}  # model (lower) → table name, from CreateModel/AlterModelTable

    def table_name(self, app: str, model: str) -> str:
        return self.tables.get(model) or f"{app}_{model}".lower()

    def assess(self, migration: Migration) -> list[OperationRisk]:
        for op in migration.operations:
            options = op.arguments.get("options")
            if op.kind == "CreateModel" and isinstance(options, dict) and isinstance(options.get("db_table"), str):
                self.tables[op.model] = options["db_table"]
            if op.kind == "AlterModelTable" and op.text("table"):
                self.tables[op.model] = op.text("table")
        return [self._one(migration.app, op) for op in migration.operations]

    def _one(self, app: str, op: Operation) -> OperationRisk:
        table_name = self.table_name(app, op.model)
        table = self.lookup(table_name) if op.kind not in ("CreateModel", "RunPython", "RunSQL") else None
        risk = OperationRisk(f"{op.kind} {op.model}", op.line, table_name, UNKNOWN)
        handler = getattr(self, f"_{op.kind}", None)
        if handler is None:
            risk.algorithm = NO_DDL if op.kind in ("AlterModelOptions", "AlterModelManagers") else UNKNOWN
            if risk.algorithm == UNKNOWN:
                risk.advice.append(f"backdev does not assess {op.kind}: check the SQL with `manage.py sqlmigrate`.")
            return risk
        if table is None and op.kind not in ("CreateModel", "RunPython", "RunSQL", "DeleteModel"):
            risk.advice.append(f"The table {table_name} is not in the live database: nothing to compare with (is the "
                               "migration that creates it applied, or is the table named differently?).")
        handler(op, risk, table)
        return risk

    # --- columns -------------------------------------------------------------------------------

    def _AddField(self, op: Operation, risk: OperationRisk, table: TableDetail | None) -> None:  # noqa: N802
        spec = op.field or FieldSpec("Field")
        column = column_name(op.text("name"), spec)
        risk.label = f"AddField {risk.table}.{column} ({spec.kind}{', nullable' if spec.nullable else ''})"
        sql_type = column_type(spec, self._relation_type(spec)) or "int"
        definition = f"{q(column)} {sql_type} {'NULL' if spec.nullable else 'NOT NULL'}"
        if not spec.nullable and spec.has_default:
            definition += f" DEFAULT {_sql_default(spec, sql_type)}"
        if spec.is_relation and spec.get("db_constraint") is not False:
            risk.algorithm, risk.blocks_writes = COPY, True
            risk.duration = _duration(table, COPY_BYTES_PER_SECOND)
            risk.advice.append("Adding a foreign key constraint copies the whole table while foreign_key_checks is on "
                               "(writes wait until it ends): on a big table add the column with db_constraint=False "
                               "first, then the constraint in its own migration with foreign_key_checks=0 (in place), "
                               f"or use {ONLINE_TOOLS}.")
            reference = self._reference(spec)
            risk.probe.append(f"ADD COLUMN {definition}" + (f", ADD FOREIGN KEY ({q(column)}) REFERENCES {reference}"
                                                           if reference else ""))
            return
        if not spec.nullable and not spec.has_default and table is not None and (table.info.rows or 0) > 0:
            risk.advice.append("A NOT NULL column without a default fails on a table with rows: add null=True, or a "
                               "default.")
        risk.algorithm = INSTANT if self.server.instant_add_column else REBUILD
        if risk.algorithm == REBUILD:
            risk.duration = _duration(table, COPY_BYTES_PER_SECOND)
        risk.probe.append(f"ADD COLUMN {definition}")
        if spec.get("unique") is True or spec.get("db_index") is True or spec.kind == "SlugField":
            unique = spec.get("unique") is True
            risk.algorithm = INPLACE if risk.algorithm == INSTANT else risk.algorithm
            risk.duration = risk.duration or _duration(table, INDEX_BYTES_PER_SECOND)
            risk.advice.append(f"The {'unique ' if unique else ''}index is built from the whole table (writes go on): "
                               "put it in its own migration, so a failure leaves the column in place.")
            if unique and spec.has_default and not spec.nullable and table is not None and (table.info.rows or 0) > 1:
                risk.advice.append("A unique column with one default for every existing row fails: add it nullable, "
                                   "backfill distinct values, then make it unique.")
            risk.probe.append(f"ADD {'UNIQUE ' if unique else ''}INDEX ({q(column)})")
        elif not spec.nullable and spec.has_default:
            risk.advice.append("Fine online; Django then drops the default again (also instant).")

    def _RemoveField(self, op: Operation, risk: OperationRisk, table: TableDetail | None) -> None:  # noqa: N802
        column = self._existing_column(op.text("name"), table)
        risk.label = f"RemoveField {risk.table}.{column}"
        risk.algorithm = INSTANT if self.server.instant_drop_column else REBUILD
        if risk.algorithm == REBUILD:
            risk.duration = _duration(table, COPY_BYTES_PER_SECOND)
        risk.advice.append("The column's data is gone for good, and code still running from the last release breaks: "
                           "deploy code that no longer uses the field first, and drop the column in a later release "
                           "(SeparateDatabaseAndState splits the two).")
        risk.probe.append(f"DROP COLUMN {q(column)}")

    def _AlterField(self, op: Operation, risk: OperationRisk, table: TableDetail | None) -> None:  # noqa: N802
        spec = op.field or FieldSpec("Field")
        column = column_name(op.text("name"), spec)
        risk.label = f"AlterField {risk.table}.{column} → {spec.kind}"
        live = table.column(column) if table else None
        new_type = column_type(spec, self._relation_type(spec))
        if live is None or new_type is None:
            risk.advice.append("The old definition is not known (no live column, or an unknown field type): check the "
                               "SQL with `manage.py sqlmigrate`.")
            return
        null_sql = "NULL" if spec.nullable else "NOT NULL"
        risk.probe.append(f"MODIFY COLUMN {q(column)} {new_type} {null_sql}")
        old_type, new_type = _normal_type(live.type), _normal_type(new_type)
        old_length, new_length = _varchar_length(old_type), _varchar_length(new_type)
        if old_type != new_type:
            if old_length and new_length and new_length > old_length:
                if self.server.instant_varchar_extension:
                    risk.algorithm = INSTANT
                elif (old_length * 4 > 255) == (new_length * 4 > 255):  # utf8mb4: up to 4 bytes a character
                    risk.algorithm = INPLACE
                else:
                    risk.algorithm, risk.blocks_writes = COPY, True
                    risk.advice.append("The VARCHAR grows past 255 bytes, which needs a second length byte in every "
                                       "row: MySQL copies the table.")
            else:
                risk.algorithm, risk.blocks_writes = COPY, True
                risk.advice.append(f"Changing {old_type} to {new_type} copies the whole table and blocks writes "
                                   f"until it ends: on a big table use {ONLINE_TOOLS}.")
                if old_length and new_length and new_length < old_length:
                    risk.advice.append("Shortening a VARCHAR fails (strict mode) or truncates rows longer than "
                                       f"{new_length}: check the longest value first.")
        elif live.nullable == spec.nullable:
            risk.algorithm = NO_DDL
            risk.probe.clear()
            risk.advice.append("Type and NULL are unchanged: only Django-level attributes (choices, help_text, "
                               "validators, a default) change, which needs no DDL on MySQL.")
        if live.nullable != spec.nullable and risk.algorithm in (UNKNOWN, NO_DDL, INSTANT, INPLACE):
            risk.algorithm = REBUILD
            if not spec.nullable:
                risk.advice.append("Making the column NOT NULL rebuilds the table (writes go on) and fails if any row "
                                   "holds NULL: backfill first (a RunPython in batches), then alter.")
        if risk.algorithm in (REBUILD, COPY):
            risk.duration = _duration(table, COPY_BYTES_PER_SECOND)

    def _RenameField(self, op: Operation, risk: OperationRisk, table: TableDetail | None) -> None:  # noqa: N802
        old, new = op.text("old_name"), op.text("new_name")
        old_column = self._existing_column(old, table)
        new_column = new + old_column[len(old):] if old_column.startswith(old) else new
        risk.label = f"RenameField {risk.table}.{old_column} → {new_column}"
        risk.algorithm = INSTANT if self.server.instant_rename_column else INPLACE
        risk.advice.append("Code from the last release still uses the old name while the new one deploys: keep the "
                           "column name with db_column, or deploy code that reads both first.")
        risk.probe.append(f"RENAME COLUMN {q(old_column)} TO {q(new_column)}")

    # --- indexes and constraints ---------------------------------------------------------------

    def _index(self, risk: OperationRisk, table: TableDetail | None, columns: list[str], unique: bool,
               kind: str = "") -> None:
        risk.algorithm = INPLACE
        risk.duration = _duration(table, INDEX_BYTES_PER_SECOND)
        if kind == "fulltext":
            risk.blocks_writes = True
            risk.advice.append("A FULLTEXT index blocks writes while it is built (and the first one rebuilds the "
                               "table).")
        else:
            risk.advice.append("Built from the whole table while writes go on (LOCK=NONE); give it its own migration."
                               + (" It fails if duplicates exist: check with a GROUP BY … HAVING COUNT(*) > 1 first."
                                  if unique else ""))
        if _is_big(table):
            risk.advice.append("On a table this big, run it at a quiet hour and watch replication lag.")
        cols = ", ".join(q(c) for c in columns)
        risk.probe.append(f"ADD {'UNIQUE ' if unique else ('FULLTEXT ' if kind == 'fulltext' else '')}INDEX ({cols})")

    def _AddIndex(self, op: Operation, risk: OperationRisk, table: TableDetail | None) -> None:  # noqa: N802
        index = op.arguments.get("index")
        fields = index.get("fields", []) if isinstance(index, FieldSpec) else []
        columns = [self._existing_column(str(f).lstrip("-"), table) for f in fields if isinstance(f, str)]
        risk.label = f"AddIndex {risk.table} ({', '.join(columns) or 'expressions'})"
        self._index(risk, table, columns, unique=False)
        if not columns:
            risk.probe.clear()

    def _RemoveIndex(self, op: Operation, risk: OperationRisk, table: TableDetail | None) -> None:  # noqa: N802
        risk.label = f"RemoveIndex {risk.table}.{op.text('name')}"
        risk.algorithm = INPLACE
        risk.advice.append("Only metadata changes; queries that used the index get slower at once: explain them first.")
        risk.probe.append(f"DROP INDEX {q(op.text('name'))}")

    def _AddConstraint(self, op: Operation, risk: OperationRisk, table: TableDetail | None) -> None:  # noqa: N802
        constraint = op.arguments.get("constraint")
        kind = constraint.kind if isinstance(constraint, FieldSpec) else "constraint"
        risk.label = f"AddConstraint {risk.table} ({kind})"
        if kind == "UniqueConstraint" and isinstance(constraint, FieldSpec):
            if "condition" in constraint.options:
                risk.algorithm = NO_DDL
                risk.advice.append("MySQL and MariaDB have no partial indexes: Django skips this constraint there.")
                return
            fields = [str(f) for f in constraint.get("fields", []) if isinstance(f, str)]
            self._index(risk, table, [self._existing_column(f, table) for f in fields], unique=True)
            return
        risk.algorithm, risk.blocks_writes = COPY, True
        risk.duration = _duration(table, COPY_BYTES_PER_SECOND)
        risk.advice.append("Adding a CHECK constraint copies the table to check every row, and blocks writes until it "
                           "ends.")

    def _RemoveConstraint(self, op: Operation, risk: OperationRisk, table: TableDetail | None) -> None:  # noqa: N802
        risk.label = f"RemoveConstraint {risk.table}.{op.text('name')}"
        risk.algorithm = INPLACE

    def _AlterUniqueTogether(self, op: Operation, risk: OperationRisk, table: TableDetail | None) -> None:  # noqa: N802
        groups = op.arguments.get("unique_together") or []
        risk.label = f"AlterUniqueTogether {risk.table}"
        first = next((g for g in groups if isinstance(g, (list, tuple))), None)
        self._index(risk, table, [self._existing_column(str(f), table) for f in first or []], unique=True)
        if first is None:
            risk.probe.clear()

    _AlterIndexTogether = _AlterUniqueTogether

    # --- tables and code -----------------------------------------------------------------------

    def _CreateModel(self, op: Operation, risk: OperationRisk, table: TableDetail | None) -> None:  # noqa: N802
        risk.label = f"CreateModel {risk.table}"
        risk.algorithm = NEW_TABLE
        risk.advice.append("A new, empty table: no risk to live traffic.")

    def _DeleteModel(self, op: Operation, risk: OperationRisk, table: TableDetail | None) -> None:  # noqa: N802
        risk.label = f"DeleteModel {risk.table}"
        risk.algorithm = INSTANT
        rows = f" (~{table.info.rows:,} rows)" if table and table.info.rows else ""
        risk.advice.append(f"DROP TABLE{rows}: the data is gone for good and cannot be migrated back; remove the code "
                           "that uses the model in an earlier release, and keep a backup.")

    def _RenameModel(self, op: Operation, risk: OperationRisk, table: TableDetail | None) -> None:  # noqa: N802
        risk.label = f"RenameModel {risk.table}"
        risk.algorithm = INSTANT
        risk.advice.append("RENAME TABLE is instant, but code from the last release still uses the old name: set "
                           "db_table to keep the table's name, or deploy in two steps.")

    _AlterModelTable = _RenameModel

    def _RunPython(self, op: Operation, risk: OperationRisk, table: TableDetail | None) -> None:  # noqa: N802
        risk.label = "RunPython"
        risk.algorithm = UNKNOWN
        if op.arguments.get("reverse_code") is None:
            risk.advice.append("It has no reverse_code, so the migration cannot be reversed: add one "
                               "(migrations.RunPython.noop when there is nothing to undo).")
        risk.advice.append("A data migration runs in one transaction: on a big table update in batches (atomic = False "
                           "on the migration, and iterator()/bulk_update in chunks).")

    def _RunSQL(self, op: Operation, risk: OperationRisk, table: TableDetail | None) -> None:  # noqa: N802
        sql = op.arguments.get("sql")
        text = sql if isinstance(sql, str) else "(not a literal)"
        risk.label = f"RunSQL {' '.join(text.split())[:80]}"
        risk.algorithm = UNKNOWN
        risk.advice.append("Raw SQL is not assessed: add ALGORITHM=INSTANT or ALGORITHM=INPLACE, LOCK=NONE to each "
                           "ALTER so the server refuses instead of locking.")
        if op.arguments.get("reverse_sql") is None:
            risk.advice.append("It has no reverse_sql, so the migration cannot be reversed.")

    # --- helpers -------------------------------------------------------------------------------

    def _relation_type(self, spec: FieldSpec) -> str:
        """The type of the referenced primary key, from the live table when it exists."""
        target = self._target_table(spec)
        detail = self.lookup(target) if target else None
        if detail:
            primary = next((i for i in detail.indexes if i.name == "PRIMARY"), None)
            column = detail.column(primary.columns[0]) if primary and primary.columns else None
            if column:
                return _normal_type(column.type)
        return "bigint"

    def _target_table(self, spec: FieldSpec) -> str:
        app, _, model = spec.target.rpartition(".")
        return self.table_name(app, model.lower()) if app and model else ""

    def _reference(self, spec: FieldSpec) -> str:
        target = self._target_table(spec)
        detail = self.lookup(target) if target else None
        primary = next((i for i in detail.indexes if i.name == "PRIMARY"), None) if detail else None
        return f"{q(target)} ({q(primary.columns[0])})" if primary and primary.columns else ""

    @staticmethod
    def _existing_column(name: str, table: TableDetail | None) -> str:
        """A field's column: the name itself, or `name_id` when that is what the table has (relations)."""
        if table is not None and table.column(name) is None and table.column(f"{name}_id") is not None:
            return f"{name}_id"
        return name
