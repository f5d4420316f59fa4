"""Plans summarised for both shapes: MySQL 8 (recorded from the manual's examples) and MariaDB (recorded
from MariaDB 10.11): per table the access type, keys, rows and filtered, and the problems called out."""

from __future__ import annotations

import json
from pathlib import Path

from backdev.db.plan_report import (
    block_rows,
    indexable_columns,
    problems,
    render_plan,
    tree_problems,
)
from backdev.db.plans import read_plan

DATA = Path(__file__).parent / "data" / "db"


def plan_of(name: str):  # type: ignore[no-untyped-def]
    return read_plan(json.loads((DATA / name).read_text()))


def test_mysql8_missing_index_is_a_full_scan_with_the_column_to_index() -> None:
    plan = plan_of("mysql8_missing_index.json")
    (block,) = plan.blocks
    (table,) = block.tables
    assert (table.name, table.access, table.key, table.rows, table.filtered) == ("orders", "ALL", None, 298936, 10.0)
    assert block.cost == 30210.75 and not plan.analyzed
    assert problems(plan, {}) == [
        "Full table scan of orders: about 298,936 rows read, with no index it could use (missing index). "
        "An index on orders (customer_id) would let the server look the rows up instead."]


def test_mysql8_with_the_index_is_a_ref_lookup_and_no_problem() -> None:
    plan = plan_of("mysql8_with_index.json")
    (table,) = plan.blocks[0].tables
    assert (table.access, table.key, table.key_parts, table.rows) == ("ref", "orders_customer_id_idx", ["customer_id"], 15)
    assert problems(plan, {}) == []
    assert "Problems: none found" in render_plan(plan, {}, title="EXPLAIN")


def test_mysql8_join_reads_both_tables_in_order() -> None:
    plan = plan_of("mysql8_city_country.json")
    city, country = plan.blocks[0].tables
    assert (city.access, city.possible_keys, city.rows, city.filtered) == ("ALL", ["CountryCode"], 4035, 10.0)
    assert (country.access, country.key, country.key_parts) == ("eq_ref", "PRIMARY", ["Code"])
    assert indexable_columns(city) == ["Name"]  # `IS NOT NULL` is no reason for an index
    (problem,) = problems(plan, {})
    assert problem.startswith("Full table scan of city: about 4,035 rows read; the possible keys (CountryCode)")


def test_mysql8_ordering_and_grouping_flags_become_filesort_and_temporary_table() -> None:
    plan = plan_of("mysql8_group_order.json")
    (block,) = plan.blocks
    assert block.filesort and block.temporary
    (table,) = block.tables
    assert (table.access, table.key, table.covering) == ("index", "CountryCode", True)
    assert problems(plan, {}) == [
        "The select #1 sorts its rows with a filesort: no index delivers them in ORDER BY / GROUP BY order.",
        "The select #1 builds a temporary table (for GROUP BY, DISTINCT or a UNION).",
    ]


def test_mysql8_union_parts_are_their_own_blocks_with_a_hash_join() -> None:
    plan = plan_of("mysql8_union_hash_join.json")
    labels = [block.label for block in plan.blocks]
    assert labels == ["union", "union part #1", "union part #2"]
    first, second = plan.blocks[1:]
    assert [t.name for t in first.tables] == ["t1", "t0"] and first.temporary and not first.filesort
    assert first.tables[1].join_buffer == "hash join"
    assert (second.tables[0].access, second.tables[0].key) == ("range", "PRIMARY")
    found = problems(plan, {})
    assert "t0 is joined through a join buffer (hash join): no index serves the join." in found
    assert not any(p.startswith("Full table scan") for p in found)  # 1 and 10 rows: cheap to read whole


def test_mysql8_dependent_subquery_is_called_out_as_running_per_outer_row() -> None:
    plan = plan_of("mysql8_dependent_subquery.json")
    outer, inner = plan.blocks
    assert inner.dependent and inner.kind == "subquery" and inner.tables[0].name == "ci"
    found = problems(plan, {"ci": "city", "c": "country"})
    assert found[0] == ("Full table scan of ci (city): about 4,035 rows read for every row of the outer query, with no "
                        "index it could use (missing index). An index on city (CountryCode) would let the server look "
                        "the rows up instead.")
    assert any(p.startswith("The subquery #2 depends on the outer row") for p in found)


def test_mysql8_explain_analyze_tree_names_the_scan_and_its_real_rows() -> None:
    tree = (DATA / "mysql8_analyze_missing_index.txt").read_text()
    assert tree_problems(tree, {}) == ["Full table scan of orders: 300,000 rows read in 118.7 ms (loops 1)."]


def test_mariadb_join_with_a_missing_index_names_the_alias_and_the_table() -> None:
    plan = plan_of("mariadb_join_missing_index.json")
    c, o = plan.blocks[0].tables
    assert (c.access, c.key, c.covering) == ("const", "shop_customer_email_uniq", True)
    assert (o.access, o.rows, o.condition) == ("ALL", 300081, "o.customer_id = 43")
    aliases = {"o": "shop_order", "c": "shop_customer"}
    assert problems(plan, aliases) == [
        "Full table scan of o (shop_order): about 300,081 rows read, with no index it could use (missing index). "
        "An index on shop_order (customer_id) would let the server look the rows up instead."]
    header, first, second = block_rows(plan.blocks[0], aliases, analyzed=False)
    assert header == ["table", "access", "key", "possible keys", "rows", "filtered", "notes"]
    assert second[:6] == ["o (shop_order)", "ALL", "—", "—", "300,081", "100%"]


def test_mariadb_dependent_subquery_in_an_expression_cache() -> None:
    plan = plan_of("mariadb_dependent_subquery.json")
    assert [b.label for b in plan.blocks] == ["select #1", "subquery #2"] and plan.blocks[1].dependent
    assert indexable_columns(plan.blocks[1].tables[0]) == ["customer_id"]


def test_mariadb_filesort_nodes_and_range_access() -> None:
    plan = plan_of("mariadb_sorted_range.json")
    (block,) = plan.blocks
    assert block.filesort and block.tables[0].access == "range"
    assert block.tables[0].condition == "shop_order.`status` = 'paid'"  # the index condition
    assert any("examines about 141,040 rows per lookup" in p for p in problems(plan, {}))


def test_mariadb_block_nested_loop_join_keeps_its_condition() -> None:
    plan = plan_of("mariadb_block_nl_join.json")
    c, i = plan.blocks[0].tables
    assert (i.name, i.join_buffer, i.condition) == ("i", "BNL", "i.product = c.`name`")
    found = problems(plan, {"i": "shop_orderitem", "c": "shop_customer"})
    assert "An index on shop_orderitem (product)" in found[1]
    assert "i (shop_orderitem) is joined through a join buffer (BNL): no index serves the join." in found


def test_mariadb_derived_table_and_its_temporary_table() -> None:
    plan = plan_of("mariadb_derived_group.json")
    assert [b.label for b in plan.blocks] == ["select #1", "derived table #2"] or \
        [b.label for b in plan.blocks] == ["select #1", "materialized subquery #2"]
    assert plan.blocks[1].filesort and plan.blocks[1].temporary


def test_mariadb_analyze_adds_real_rows_loops_and_times() -> None:
    plan = plan_of("mariadb_analyze_join.json")
    assert plan.analyzed and plan.time_ms is not None
    o = plan.blocks[0].tables[1]
    assert (o.actual_rows, o.loops) == (300000, 1) and o.time_ms is not None and o.actual_filtered is not None
    text = render_plan(plan, {"o": "shop_order"}, title="ANALYZE")
    assert "actual rows" in text.splitlines()[3] and "ran in" in text.splitlines()[0]
    assert "about 300,000 rows read" in text  # real rows win over the estimate
