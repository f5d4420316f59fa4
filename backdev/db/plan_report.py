"""A plan as text for the model and the person: a table per query block, then the problems.

Full table scans and full index scans are called out with their row counts, and when the scan
has no usable index the columns its condition compares are named as the index to consider.
Filesorts, temporary tables, joins through a join buffer and subqueries that run once per outer
row are called out too. MySQL's `EXPLAIN ANALYZE` answers with a tree of text instead of JSON;
`tree_problems` reads the same facts out of it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from backdev.db.plans import LARGE_ROWS, SMALL_TABLE, Plan, QueryBlock, TableAccess
from backdev.db.text import align

_PART = r"(?:`[^`]+`|[A-Za-z_][\w$]*)"
_COMPARED = re.compile(
    rf"({_PART}(?:\.{_PART}){{1,2}})\s*(<=>|<=|>=|<>|!=|=|<|>|\bin\b|\blike\b|\bbetween\b)", re.IGNORECASE)
_EQUALITY = {"=", "<=>", "in"}  # (IS [NOT] NULL is rarely a reason for an index)


def _count(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}"


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:g}%"


def display_name(table: TableAccess, aliases: Mapping[str, str]) -> str:
    """`o (shop_order)` for an alias, the table's name otherwise."""
    real = aliases.get(table.name)
    return f"{table.name} ({real})" if real and real != table.name else table.name


def indexable_columns(table: TableAccess) -> list[str]:
    """The columns of this table its condition compares: equalities first, then one range."""
    equal: list[str] = []
    ranged: list[str] = []
    for match in _COMPARED.finditer(table.condition):
        parts = [p.strip("`") for p in match[1].split(".")]
        if len(parts) < 2 or parts[-2] != table.name:
            continue
        column = parts[-1]
        bucket = equal if match[2].lower() in _EQUALITY else ranged
        if column not in equal and column not in ranged:
            bucket.append(column)
    return equal + ranged[:1]


def block_rows(block: QueryBlock, aliases: Mapping[str, str], analyzed: bool) -> list[list[str]]:
    """The block as table rows (header first): what `/explain` and the app show per query block."""
    header = ["table", "access", "key", "possible keys", "rows", "filtered"]
    if analyzed:
        header += ["actual rows", "loops", "time ms"]
    header.append("notes")
    rows = [header]
    for table in block.tables:
        notes = []
        if table.covering:
            notes.append("covering index")
        if table.join_buffer:
            notes.append(f"join buffer ({table.join_buffer})")
        if table.condition:
            notes.append(f"condition: {table.condition}")
        key = table.key or "—"
        if table.key and table.key_parts:
            key += f" ({', '.join(table.key_parts)})"
        row = [display_name(table, aliases), table.access, key, ", ".join(table.possible_keys) or "—",
               _count(table.rows), _percent(table.filtered)]
        if analyzed:
            row += [_count(table.actual_rows), _count(table.loops),
                    "—" if table.time_ms is None else f"{table.time_ms:.1f}"]
        row.append("; ".join(notes))
        rows.append(row)
    return rows


def called_out(table: TableAccess) -> bool:
    """A scan `problems` names: a full table scan of a table that is not small, a full index scan of a large one."""
    rows = table.actual_rows if table.actual_rows is not None else table.rows
    if table.full_scan:
        return rows is None or rows >= SMALL_TABLE
    return table.access == "index" and (rows or 0) >= LARGE_ROWS


def block_title(block: QueryBlock) -> str:
    """`Query block select #1 (filesort, cost 12.50)`."""
    extra = [x for x in ("filesort" if block.filesort else "", "temporary table" if block.temporary else "",
                         "dependent" if block.dependent else "",
                         f"cost {block.cost:,.2f}" if block.cost is not None else "", block.message) if x]
    return f"Query block {block.label}" + (f" ({', '.join(extra)})" if extra else "")


def plan_title(plan: Plan, title: str) -> str:
    return title + (f" · ran in {plan.time_ms:,.1f} ms" if plan.time_ms is not None else "")


NO_PROBLEM = "Problems: none found (every table is read through an index)."


def problems(plan: Plan, aliases: Mapping[str, str]) -> list[str]:
    """One sentence per thing worth fixing, worst first (full scans before sorts)."""
    found: list[str] = []
    later: list[str] = []
    for block, table in plan.tables():
        name = aliases.get(table.name, table.name)
        shown = display_name(table, aliases)
        rows = table.actual_rows if table.actual_rows is not None else table.rows
        per_row = " for every row of the outer query" if block.dependent else ""
        if table.full_scan and rows is not None and rows < SMALL_TABLE:
            pass  # reading a small table whole is as cheap as any index
        elif table.full_scan:
            if table.possible_keys:
                found.append(f"Full table scan of {shown}: about {_count(rows)} rows read{per_row}; the possible keys "
                             f"({', '.join(table.possible_keys)}) were judged not selective enough.")
            else:
                columns = indexable_columns(table)
                hint = (f" An index on {name} ({', '.join(columns)}) would let the server look the rows up instead."
                        if columns else "")
                found.append(f"Full table scan of {shown}: about {_count(rows)} rows read{per_row}, with no index it "
                             f"could use (missing index).{hint}")
        elif table.access == "index" and (rows or 0) >= LARGE_ROWS:
            found.append(f"Full index scan of {shown} on {table.key}: about {_count(rows)} index entries "
                         f"read{per_row}.")
        elif (rows or 0) >= LARGE_ROWS:
            later.append(f"{shown} examines about {_count(rows)} rows per lookup through {table.key or 'its key'}: the "
                         "key is not selective for this condition.")
        if table.join_buffer and table.full_scan:
            later.append(f"{shown} is joined through a join buffer ({table.join_buffer}): no index serves the join.")
    for block in plan.blocks:
        if block.dependent and block.tables:
            later.append(f"The {block.label} depends on the outer row: it runs once per outer row (a N+1 inside SQL); "
                         "a JOIN or a derived table usually avoids it.")
        if block.filesort:
            later.append(f"The {block.label} sorts its rows with a filesort: no index delivers them in ORDER BY / "
                         "GROUP BY order.")
        if block.temporary:
            later.append(f"The {block.label} builds a temporary table (for GROUP BY, DISTINCT or a UNION).")
    return found + later


def render_plan(plan: Plan, aliases: Mapping[str, str], *, title: str) -> str:
    """The whole plan as text: a title, a table per query block, then the problems."""
    lines = [plan_title(plan, title)]
    for block in plan.blocks:
        lines.append("")
        lines.append(block_title(block) + ":")
        if block.tables:
            lines.extend(align(block_rows(block, aliases, plan.analyzed), ragged_last=True))
        else:
            lines.append("  (no table read in this block)")
    found = problems(plan, aliases)
    lines.append("")
    lines.append("Problems:" if found else NO_PROBLEM)
    lines.extend(f"- {problem}" for problem in found)
    return "\n".join(lines)


# --- MySQL's EXPLAIN ANALYZE (a tree of text) ---------------------------------------------------

_TREE_SCAN = re.compile(r"-> Table scan on (\S+).*?\(actual time=[\d.]+\.\.([\d.]+) rows=([\d.]+) loops=([\d.]+)\)")
_TREE_INDEX_SCAN = re.compile(r"-> Index scan on (\S+) using (\S+).*?\(actual time=[\d.]+\.\.([\d.]+) rows=([\d.]+)")


def tree_problems(tree: str, aliases: Mapping[str, str]) -> list[str]:
    """Full scans, sorts and temporary tables read out of MySQL's EXPLAIN ANALYZE tree."""
    found: list[str] = []
    for match in _TREE_SCAN.finditer(tree):
        name = match[1].strip("`")
        real = aliases.get(name)
        shown = f"{name} ({real})" if real and real != name else name
        rows = float(match[3]) * float(match[4])
        found.append(f"Full table scan of {shown}: {rows:,.0f} rows read in {float(match[2]):,.1f} ms (loops "
                     f"{float(match[4]):g}).")
    for match in _TREE_INDEX_SCAN.finditer(tree):
        found.append(f"Full index scan of {match[1].strip('`')} on {match[2]}: {float(match[4]):,.0f} entries read.")
    if re.search(r"-> Sort\b", tree):
        found.append("The query sorts its rows (a filesort): no index delivers them in ORDER BY / GROUP BY order.")
    if "temporary table" in tree.lower():
        found.append("The query builds a temporary table.")
    return found
