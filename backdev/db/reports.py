"""`/explain` and `/schema` as tables (`backdev.chat.report.Report`), beside their plain text.

The rows are the ones the plain text aligns (`plan_report.block_rows`, the schema's lists), so
the app's tables and plain mode's text say the same thing; `text` is that plain text, as the
model's tool returns it. The scans `plan_report.problems` names are the flagged rows.
"""

from __future__ import annotations

from collections.abc import Mapping

from backdev.chat.report import Report, ReportLine, ReportTable, table_from_rows
from backdev.db.plan_report import NO_PROBLEM, block_rows, block_title, called_out, plan_title, problems
from backdev.db.plans import Plan
from backdev.db.schema import TableDetail, TableInfo, table_list_rows
from backdev.db.text import human_bytes


def plan_report(plan: Plan, aliases: Mapping[str, str], *, title: str, text: str) -> Report:
    """A table per query block (full scans flagged), then the problems, worst first."""
    tables = tuple(
        table_from_rows(block_title(block), block_rows(block, aliases, plan.analyzed),
                        flagged={i for i, table in enumerate(block.tables) if called_out(table)},
                        empty="(no table read in this block)")
        for block in plan.blocks)
    found = problems(plan, aliases)
    lines = (ReportLine("Problems:"), *(ReportLine(p, warning=True) for p in found)) if found else (
        ReportLine(NO_PROBLEM),)
    return Report(plan_title(plan, title), tables, text, lines)


def tables_report(database: str, server_label: str, tables: list[TableInfo], *, limit: int, text: str) -> Report:
    """The table list (the first `limit` tables) with engines, row estimates and sizes."""
    total = sum(t.total_bytes for t in tables)
    title = f"Database {database} on {server_label} · {len(tables):,} tables · {human_bytes(total)}"
    lines = (ReportLine(f"{len(tables) - limit:,} more tables were not listed: /schema TABLE shows one."),) if (
        len(tables) > limit) else ()
    return Report(title, (table_from_rows("Tables", table_list_rows(tables[:limit]), empty="(no tables)"),), text,
                  lines)


def table_report(detail: TableDetail, *, text: str) -> Report:
    """One table: its columns, indexes and foreign keys as tables, then SHOW CREATE TABLE."""
    info = detail.info
    rows = "—" if info.rows is None else f"~{info.rows:,}"
    title = (f"Table {info.name} · {info.engine} · {rows} rows · data {human_bytes(info.data_bytes)} · "
             f"indexes {human_bytes(info.index_bytes)}")
    columns = [["column", "type", "null", "default", "extra"]] + [
        [c.name, c.type, "NULL" if c.nullable else "NOT NULL",
         "" if c.default is None or c.default.upper() == "NULL" else c.default, c.extra] for c in detail.columns]
    indexes = [["index", "columns", "unique", "type", "cardinality"]] + [
        [i.name, ", ".join(i.columns), "unique" if i.unique else "", i.kind,
         "—" if i.cardinality is None else f"{i.cardinality:,}"] for i in detail.indexes]
    tables: list[ReportTable] = [
        table_from_rows("Columns", columns),
        table_from_rows("Indexes", indexes, empty="none (not even a primary key)"),
    ]
    if detail.foreign_keys:
        tables.append(table_from_rows("Foreign keys", [["name", "columns", "references", "on delete"]] + [
            [k.name, ", ".join(k.columns), f"{k.ref_table} ({', '.join(k.ref_columns)})", k.on_delete]
            for k in detail.foreign_keys]))
    if detail.referenced_by:
        tables.append(table_from_rows("Referenced by", [["table", "columns", "via"]] + [
            [k.table, ", ".join(k.columns), k.name] for k in detail.referenced_by]))
    return Report(title, tuple(tables), text, (ReportLine("SHOW CREATE TABLE:"), ReportLine(detail.create_sql)))
