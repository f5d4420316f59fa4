"""The schema of the configured database, read from information_schema (never from the rows).

`SchemaReader.tables()` lists every table with its engine, row estimate and sizes in one query;
`SchemaReader.table(name)` gives one table's columns, indexes (with their columns and
cardinality), foreign keys both ways, and `SHOW CREATE TABLE`. A table name from the model is
only ever used after it matched a name the server listed, and then quoted.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

from backdev.db.session import DatabaseError, ReadOnlySession
from backdev.db.text import align, human_bytes


class UnknownTable(DatabaseError):
    """No table of that name in the database; the message suggests close names."""


@dataclass(frozen=True)
class TableInfo:
    """One row of the table list."""

    name: str
    engine: str
    rows: int | None
    data_bytes: int
    index_bytes: int
    kind: str = "BASE TABLE"
    row_format: str = ""

    @property
    def total_bytes(self) -> int:
        return self.data_bytes + self.index_bytes


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    nullable: bool
    default: str | None
    extra: str


@dataclass
class Index:
    name: str
    unique: bool
    kind: str
    columns: list[str] = field(default_factory=list)
    cardinality: int | None = None


@dataclass
class ForeignKey:
    name: str
    table: str
    columns: list[str]
    ref_table: str
    ref_columns: list[str]
    on_delete: str = ""
    on_update: str = ""


@dataclass
class TableDetail:
    info: TableInfo
    columns: list[Column]
    indexes: list[Index]
    foreign_keys: list[ForeignKey]
    referenced_by: list[ForeignKey]
    create_sql: str

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name.lower() == name.lower()), None)


def quote_identifier(name: str) -> str:
    """A backtick-quoted identifier (backticks inside doubled)."""
    return "`" + name.replace("`", "``") + "`"


class SchemaReader:
    """Reads the schema of `session.url.database`."""

    def __init__(self, session: ReadOnlySession) -> None:
        self.session = session
        self.database = session.url.database

    def tables(self) -> list[TableInfo]:
        rows = self.session.catalog(
            "SELECT TABLE_NAME, ENGINE, TABLE_ROWS, DATA_LENGTH, INDEX_LENGTH, TABLE_TYPE, ROW_FORMAT "
            "FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s ORDER BY TABLE_NAME", (self.database,))
        return [TableInfo(str(r[0]), str(r[1] or ("view" if r[5] == "VIEW" else "")), _int(r[2]), _int(r[3]) or 0,
                          _int(r[4]) or 0, str(r[5] or ""), str(r[6] or "")) for r in rows]

    def resolve(self, name: str, tables: list[TableInfo] | None = None) -> TableInfo:
        """The table the server knows by `name` (exact, then case-insensitive), or UnknownTable."""
        tables = self.tables() if tables is None else tables
        wanted = name.strip().strip("`")
        if "." in wanted and wanted.split(".", 1)[0] == self.database:
            wanted = wanted.split(".", 1)[1]
        for table in tables:
            if table.name == wanted:
                return table
        folded = [t for t in tables if t.name.lower() == wanted.lower()]
        if len(folded) == 1:
            return folded[0]
        close = difflib.get_close_matches(wanted, [t.name for t in tables], n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise UnknownTable(f"There is no table {wanted!r} in {self.database}{hint}: call db_schema without a table "
                           "to list them.")

    def table(self, name: str) -> TableDetail:
        info = self.resolve(name)
        columns = [Column(str(r[0]), str(r[1]), r[2] == "YES", None if r[3] is None else str(r[3]), str(r[4] or ""))
                   for r in self.session.catalog(
                       "SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA FROM "
                       "information_schema.COLUMNS WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s ORDER BY "
                       "ORDINAL_POSITION", (self.database, info.name))]
        indexes = self.indexes(info.name).get(info.name, [])
        outgoing, incoming = self._foreign_keys(info.name)
        rows = self.session.catalog(f"SHOW CREATE TABLE {quote_identifier(info.name)}")
        create_sql = str(rows[0][1]) if rows and len(rows[0]) > 1 else ""
        return TableDetail(info, columns, indexes, outgoing, incoming, create_sql)

    def indexes(self, table: str | None = None) -> dict[str, list[Index]]:
        """Indexes by table (one table, or the whole schema in one query)."""
        sql = ("SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, INDEX_TYPE, COLUMN_NAME, SUB_PART, CARDINALITY "
               "FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = %s")
        params: tuple[Any, ...] = (self.database,)
        if table is not None:
            sql += " AND TABLE_NAME = %s"
            params += (table,)
        found: dict[str, dict[str, Index]] = {}
        order = " ORDER BY TABLE_NAME, INDEX_NAME = 'PRIMARY' DESC, INDEX_NAME, SEQ_IN_INDEX"
        for row in self.session.catalog(sql + order, params):
            by_name = found.setdefault(str(row[0]), {})
            index = by_name.setdefault(str(row[1]), Index(str(row[1]), not int(row[2]), str(row[3] or "")))
            index.columns.append(f"{row[4]}({row[5]})" if row[5] else str(row[4]))
            index.cardinality = _int(row[6])
        return {name: list(by_name.values()) for name, by_name in found.items()}

    def _foreign_keys(self, table: str) -> tuple[list[ForeignKey], list[ForeignKey]]:
        rows = self.session.catalog(
            "SELECT k.CONSTRAINT_NAME, k.TABLE_NAME, k.COLUMN_NAME, k.REFERENCED_TABLE_NAME, k.REFERENCED_COLUMN_NAME, "
            "r.DELETE_RULE, r.UPDATE_RULE FROM information_schema.KEY_COLUMN_USAGE k "
            "LEFT JOIN information_schema.REFERENTIAL_CONSTRAINTS r ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA "
            "AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME AND r.TABLE_NAME = k.TABLE_NAME "
            "WHERE k.TABLE_SCHEMA = %s AND k.REFERENCED_TABLE_NAME IS NOT NULL AND (k.TABLE_NAME = %s OR "
            "k.REFERENCED_TABLE_NAME = %s) ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION",
            (self.database, table, table))
        keys: dict[tuple[str, str], ForeignKey] = {}
        for name, owner, column, ref_table, ref_column, on_delete, on_update in rows:
            key = keys.setdefault((str(owner), str(name)), ForeignKey(str(name), str(owner), [], str(ref_table), [],
                                                                      str(on_delete or ""), str(on_update or "")))
            key.columns.append(str(column))
            key.ref_columns.append(str(ref_column))
        outgoing = [k for k in keys.values() if k.table == table]
        incoming = [k for k in keys.values() if k.ref_table == table and k.table != table]
        return outgoing, incoming


def _int(value: Any) -> int | None:
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return None


def table_list_rows(tables: list[TableInfo]) -> list[list[str]]:
    """The table list as rows (header first)."""
    return [["table", "engine", "rows (estimate)", "data", "indexes"]] + [
        [t.name, t.engine, "—" if t.rows is None else f"{t.rows:,}", human_bytes(t.data_bytes),
         human_bytes(t.index_bytes)] for t in tables]


def render_tables(database: str, server_label: str, tables: list[TableInfo], *, limit: int) -> str:
    """The table list: one line per table, capped at `limit` tables with a note."""
    total = sum(t.total_bytes for t in tables)
    lines = [f"Database {database} on {server_label} · {len(tables):,} tables · {human_bytes(total)}"]
    lines += align(table_list_rows(tables[:limit]))
    if len(tables) > limit:
        lines.append(f"[{len(tables) - limit:,} more tables were not listed: ask for one by name with "
                     "db_schema table=NAME.]")
    return "\n".join(lines)


def render_table(detail: TableDetail) -> str:
    """One table: sizes, columns, indexes, foreign keys both ways, then SHOW CREATE TABLE."""
    info = detail.info
    rows = "—" if info.rows is None else f"~{info.rows:,}"
    lines = [f"Table {info.name} · {info.engine} · {rows} rows · data {human_bytes(info.data_bytes)} · "
             f"indexes {human_bytes(info.index_bytes)}", "", "Columns:"]
    width = max((len(c.name) for c in detail.columns), default=4)
    type_width = max((len(c.type) for c in detail.columns), default=4)
    for column in detail.columns:
        parts = [column.name.ljust(width), column.type.ljust(type_width), "NULL" if column.nullable else "NOT NULL"]
        if column.default is not None and column.default.upper() != "NULL":  # MariaDB spells no default NULL
            parts.append(f"default {column.default}")
        if column.extra:
            parts.append(column.extra)
        lines.append("  " + "  ".join(parts).rstrip())
    lines += ["", "Indexes:" if detail.indexes else "Indexes: none (not even a primary key)."]
    for index in detail.indexes:
        traits = ["unique" if index.unique else "", index.kind if index.kind not in ("BTREE", "") else ""]
        cardinality = "" if index.cardinality is None else f" · cardinality {index.cardinality:,}"
        extra = "".join(" · " + t for t in traits if t)
        lines.append(f"  {index.name} ({', '.join(index.columns)}){extra}{cardinality}")
    if detail.foreign_keys:
        lines += ["", "Foreign keys:"]
        lines += [f"  {k.name}: ({', '.join(k.columns)}) → {k.ref_table} ({', '.join(k.ref_columns)})"
                  + (f" ON DELETE {k.on_delete}" if k.on_delete else "") for k in detail.foreign_keys]
    if detail.referenced_by:
        lines += ["", "Referenced by:"]
        lines += [f"  {k.table} ({', '.join(k.columns)}) via {k.name}" for k in detail.referenced_by]
    lines += ["", "SHOW CREATE TABLE:", detail.create_sql]
    return "\n".join(lines)
