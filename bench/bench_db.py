"""The database tools on a real server: `db_schema` over 500 tables, `explain_query` end to end.

    python bench/bench_db.py [--url mysql://root@127.0.0.1:3306/test] [--tables 500] [--runs 20] [--json]

A database `backdev_bench_<random>` is made on the server (500 InnoDB tables of 8 columns and 2
secondary indexes, one of them with 200,000 rows), measured, and dropped. Each tool is timed as
the model calls it (`Tool.run`: the SQL check, the read-only round trips, the summary, redaction
and caps), median of `--runs` warm calls, against a baseline run side by side in the same process:
the bare PyMySQL queries the tool cannot avoid (the information_schema query for the listing;
`EXPLAIN FORMAT=JSON` for the plan). The first, cold call (connection, imports) is reported too.
Targets (issue 17): db_schema listing and one table ≤ 0.5 s, explain_query ≤ 0.5 s ("well under a
second"); exit status 1 if one is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from backdev.db.session import ReadOnlySession  # noqa: E402
from backdev.db.tools import DatabaseTools  # noqa: E402
from backdev.db.url import parse_database_url  # noqa: E402
from backdev.settings import Settings  # noqa: E402

TARGETS = {"db_schema_list_s": 0.5, "db_schema_table_s": 0.5, "explain_query_s": 0.5}
QUERY = ("SELECT t.id, t.c1, u.c2 FROM bench_0001 t JOIN bench_0002 u ON u.c1 = t.c1 "
         "WHERE t.c3 = 'x42' AND t.c4 > 10 ORDER BY t.c5 LIMIT 20")


def connect(url: str, database: str | None = None) -> Any:
    import pymysql

    arguments = parse_database_url(url).connect_arguments()
    arguments["database"] = database
    return pymysql.connect(**arguments, autocommit=True)


def build(url: str, name: str, tables: int) -> None:
    admin = connect(url)
    with admin.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE `{name}`")
        cursor.execute(f"USE `{name}`")
        for number in range(1, tables + 1):
            cursor.execute(
                f"CREATE TABLE bench_{number:04d} (id INT AUTO_INCREMENT PRIMARY KEY, c1 INT NOT NULL, "
                "c2 VARCHAR(100) NOT NULL, c3 VARCHAR(40) NOT NULL, c4 INT NOT NULL, c5 DATETIME NOT NULL, "
                "c6 DECIMAL(10,2) NULL, c7 TEXT NULL, KEY c1_idx (c1), KEY c4_c5_idx (c4, c5)) ENGINE=InnoDB")
        cursor.execute("CREATE TABLE digits (d INT PRIMARY KEY)")
        cursor.execute("INSERT INTO digits VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)")
        cursor.execute(
            "INSERT INTO bench_0001 (c1, c2, c3, c4, c5) SELECT n % 5000, CONCAT('name ', n), CONCAT('x', n % 1000), "
            "n % 100, '2024-01-01' + INTERVAL (n % 365) DAY FROM (SELECT a.d + 10*b.d + 100*c.d + 1000*e.d + "
            "10000*f.d + 100000*g.d AS n FROM digits a, digits b, digits c, digits e, digits f, digits g) s "
            "WHERE n < 200000")
        cursor.execute("INSERT INTO bench_0002 (c1, c2, c3, c4, c5) SELECT c1, c2, c3, c4, c5 FROM bench_0001 LIMIT 5000")
        cursor.execute("ANALYZE TABLE bench_0001, bench_0002")
    admin.close()


def median_time(work: Any, runs: int) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def measure(url: str, name: str, runs: int) -> dict[str, float]:
    settings = Settings()
    session = ReadOnlySession(parse_database_url(url.rsplit("/", 1)[0] + f"/{name}"), 10.0)
    tools = {t.name: t for t in DatabaseTools(session, settings, repo=lambda: None).tools()}

    def call(tool: str, arguments: dict[str, Any]) -> None:
        outcome = asyncio.run(tools[tool].run(arguments))
        assert not outcome.is_error, outcome.content

    results: dict[str, float] = {}
    started = time.perf_counter()
    call("explain_query", {"sql": QUERY})
    results["explain_query_cold_s"] = time.perf_counter() - started
    results["db_schema_list_s"] = median_time(lambda: call("db_schema", {}), runs)
    results["db_schema_table_s"] = median_time(lambda: call("db_schema", {"table": "bench_0001"}), runs)
    results["explain_query_s"] = median_time(lambda: call("explain_query", {"sql": QUERY}), runs)
    bare = connect(url, name)
    with bare.cursor() as cursor:
        def listing() -> None:
            cursor.execute("SELECT TABLE_NAME, ENGINE, TABLE_ROWS, DATA_LENGTH, INDEX_LENGTH, TABLE_TYPE, ROW_FORMAT "
                           "FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s ORDER BY TABLE_NAME", (name,))
            cursor.fetchall()

        def explain() -> None:
            cursor.execute("EXPLAIN FORMAT=JSON " + QUERY)
            cursor.fetchall()

        results["baseline_listing_s"] = median_time(listing, runs)
        results["baseline_explain_s"] = median_time(explain, runs)
    bare.close()
    session.close()
    results["db_schema_list_ratio"] = results["db_schema_list_s"] / results["baseline_listing_s"]
    results["explain_query_ratio"] = results["explain_query_s"] / results["baseline_explain_s"]
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="mysql://root@127.0.0.1:3306/test", help="a server where a database may be made")
    parser.add_argument("--tables", type=int, default=500)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    name = f"backdev_bench_{secrets.token_hex(4)}"
    started = time.perf_counter()
    build(args.url, name, args.tables)
    built = time.perf_counter() - started
    try:
        results = measure(args.url, name, args.runs)
    finally:
        admin = connect(args.url)
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE `{name}`")
        admin.close()
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(f"{args.tables} tables built in {built:.1f} s; medians of {args.runs} warm calls")
        print(f"  db_schema (list {args.tables} tables)  {results['db_schema_list_s'] * 1000:7.1f} ms   "
              f"bare information_schema query {results['baseline_listing_s'] * 1000:6.1f} ms   "
              f"ratio {results['db_schema_list_ratio']:.2f}")
        print(f"  db_schema (one table)           {results['db_schema_table_s'] * 1000:7.1f} ms")
        print(f"  explain_query (2-table join)    {results['explain_query_s'] * 1000:7.1f} ms   "
              f"bare EXPLAIN FORMAT=JSON {results['baseline_explain_s'] * 1000:6.1f} ms   "
              f"ratio {results['explain_query_ratio']:.2f}")
        print(f"  explain_query, first call       {results['explain_query_cold_s'] * 1000:7.1f} ms (connect, imports)")
    missed = [key for key, target in TARGETS.items() if results[key] > target]
    for key in missed:
        print(f"MISSED {key}: {results[key]:.3f} s > {TARGETS[key]} s", file=sys.stderr)
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
