"""EXPLAIN FORMAT=JSON (and MariaDB's ANALYZE FORMAT=JSON) summarised: per query block, per table.

MySQL 8 and MariaDB both answer with a `query_block`, but the shapes differ:

- MySQL (JSON format version 1): a block holds `table` or `nested_loop`, wrapped in
  `ordering_operation` / `grouping_operation` / `duplicates_removal` with `using_filesort` and
  `using_temporary_table` flags; rows are `rows_examined_per_scan`, `filtered` is a string
  ("10.00"), costs are in `cost_info`; subqueries hang off a table as `attached_subqueries` or
  `materialized_from_subquery`; unions are `union_result.query_specifications`.
- MariaDB: rows are `rows`, `filtered` a number; sorting and temporary tables are nodes of their
  own (`filesort`, `temporary_table`, `read_sorted_file`); joins without an index are
  `block-nl-join`; subqueries are `subqueries` (with an `expression_cache` when they depend on
  the outer row) and `materialized`; ANALYZE adds `r_rows`, `r_filtered`, `r_loops` and times.

One walk reads both: every dict holding a `table_name` with an `access_type` is a table access of
the innermost enclosing query block, and the flags anywhere inside a block are that block's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Access types, from best to worst (MySQL and MariaDB manuals, "EXPLAIN join types").
FULL_SCAN = "ALL"
INDEX_SCAN = "index"
LARGE_ROWS = 10_000  # a lookup examining more rows than this is called out
SMALL_TABLE = 1_000  # a full scan of fewer rows is cheap: not worth calling out


@dataclass
class TableAccess:
    """How one table is read in a query block."""

    name: str
    access: str
    key: str | None = None
    possible_keys: list[str] = field(default_factory=list)
    key_parts: list[str] = field(default_factory=list)
    rows: float | None = None
    filtered: float | None = None
    condition: str = ""
    covering: bool = False
    join_buffer: str = ""
    # ANALYZE only: what really happened.
    actual_rows: float | None = None
    actual_filtered: float | None = None
    loops: float | None = None
    time_ms: float | None = None

    @property
    def full_scan(self) -> bool:
        return self.access.upper() in (FULL_SCAN, "HASH_ALL")


@dataclass
class QueryBlock:
    """One SELECT of the statement (the top one, a subquery, a union part, a derived table)."""

    select_id: int | None
    kind: str = "select"
    tables: list[TableAccess] = field(default_factory=list)
    filesort: bool = False
    temporary: bool = False
    dependent: bool = False
    cost: float | None = None
    time_ms: float | None = None
    message: str = ""

    @property
    def label(self) -> str:
        number = f" #{self.select_id}" if self.select_id is not None else ""
        return f"{self.kind}{number}"


@dataclass
class Plan:
    """A summarised plan: its blocks in the order the server printed them."""

    blocks: list[QueryBlock]
    analyzed: bool = False
    time_ms: float | None = None

    def tables(self) -> list[tuple[QueryBlock, TableAccess]]:
        return [(block, table) for block in self.blocks for table in block.tables]


def read_plan(document: dict[str, Any]) -> Plan:
    """Summarise a parsed EXPLAIN/ANALYZE FORMAT=JSON document (MySQL or MariaDB)."""
    blocks: list[QueryBlock] = []
    top = document.get("query_block")
    if isinstance(top, dict):
        _block(top, blocks, "select")
    analyzed = any(t.actual_rows is not None or t.loops is not None for b in blocks for t in b.tables) or \
        any(b.time_ms is not None for b in blocks)
    return Plan(blocks, analyzed, blocks[0].time_ms if blocks else None)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _block(node: dict[str, Any], blocks: list[QueryBlock], kind: str, dependent: bool = False) -> None:
    cost_info = node.get("cost_info")
    cost = _number(cost_info.get("query_cost")) if isinstance(cost_info, dict) else _number(node.get("cost"))
    block = QueryBlock(_int(node.get("select_id")), kind, cost=cost, dependent=dependent,
                       time_ms=_number(node.get("r_total_time_ms")), message=str(node.get("message") or ""))
    if str(node.get("operation", "")).upper() == "UNION":
        block.kind = "union part"
    if isinstance(node.get("union_result"), dict):
        block.kind, block.message = "union", "combines the union parts below"
    blocks.append(block)
    _walk(node, block, blocks)


def _walk(node: Any, block: QueryBlock, blocks: list[QueryBlock]) -> None:
    """Visit every value under `node`, adding tables to `block` and nested blocks to `blocks`."""
    if isinstance(node, list):
        for item in node:
            _walk(item, block, blocks)
        return
    if not isinstance(node, dict):
        return
    if node.get("using_filesort") is True:
        block.filesort = True
    if node.get("using_temporary_table") is True and "query_specifications" not in node:
        block.temporary = True
    for key, value in node.items():
        if key == "query_block" and isinstance(value, dict):
            continue  # handled by the caller that knows what kind of block it is
        if key == "filesort":
            block.filesort = True
        elif key == "temporary_table":
            block.temporary = True
        if key == "table" and isinstance(value, dict) and "table_name" in value and "access_type" in value:
            # The dict holding the table may carry its join condition (MariaDB's block-nl-join).
            block.tables.append(_table(value, node))
            _walk({k: v for k, v in value.items() if k not in _TABLE_FIELDS}, block, blocks)
        elif key == "union_result" and isinstance(value, dict):
            for spec in value.get("query_specifications") or []:
                if isinstance(spec, dict) and isinstance(spec.get("query_block"), dict):
                    _block(spec["query_block"], blocks, "union part", bool(spec.get("dependent")))
        elif key in _SUBQUERY_KEYS:
            _subqueries(value, blocks, _SUBQUERY_KEYS[key])
        elif isinstance(value, (dict, list)):
            _walk(value, block, blocks)


# Keys that hold nested query blocks, and what to call them.
_SUBQUERY_KEYS = {
    "subqueries": "subquery", "attached_subqueries": "subquery", "optimized_away_subqueries": "subquery",
    "materialized": "materialized subquery", "materialized_from_subquery": "derived table",
    "having_subqueries": "subquery", "order_by_subqueries": "subquery", "select_list_subqueries": "subquery",
}
_TABLE_FIELDS = {"table_name", "access_type", "possible_keys", "key", "key_length", "used_key_parts", "ref", "rows",
                 "filtered", "attached_condition", "index_condition", "using_index", "cost_info", "used_columns",
                 "rows_examined_per_scan", "rows_produced_per_join", "r_rows", "r_filtered", "r_loops",
                 "r_table_time_ms", "r_other_time_ms", "r_engine_stats", "loops", "cost", "using_join_buffer",
                 "buffer_type", "buffer_size", "join_type", "partitions"}


def _subqueries(value: Any, blocks: list[QueryBlock], kind: str) -> None:
    items = value if isinstance(value, list) else [value]
    for item in items:
        if not isinstance(item, dict):
            continue
        # MariaDB wraps a subquery that depends on the outer row in an expression cache.
        cache = item.get("expression_cache")
        dependent = bool(item.get("dependent")) or isinstance(cache, dict)
        holder = cache if isinstance(cache, dict) else item
        if isinstance(holder.get("query_block"), dict):
            _block(holder["query_block"], blocks, kind, dependent)


def _table(value: dict[str, Any], wrapper: dict[str, Any]) -> TableAccess:
    rows = _number(value.get("rows_examined_per_scan", value.get("rows")))
    condition = value.get("attached_condition") or wrapper.get("attached_condition") or value.get("index_condition")
    join_buffer = value.get("using_join_buffer") or wrapper.get("join_type") or ""
    return TableAccess(
        name=str(value.get("table_name")),
        access=str(value.get("access_type")),
        key=value.get("key"),
        possible_keys=[str(k) for k in value.get("possible_keys") or []],
        key_parts=[str(k) for k in value.get("used_key_parts") or []],
        rows=rows,
        filtered=_number(value.get("filtered")),
        condition=str(condition or ""),
        covering=value.get("using_index") is True,
        join_buffer=str(join_buffer),
        actual_rows=_number(value.get("r_rows")),
        actual_filtered=_number(value.get("r_filtered")),
        loops=_number(value.get("r_loops")),
        time_ms=_number(value.get("r_table_time_ms")),
    )


def _int(value: Any) -> int | None:
    number = _number(value)
    return int(number) if number is not None else None
