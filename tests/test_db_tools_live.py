"""The database tools driven by the model (scripted tool_use steps through the real SDK and the fake
API) against the real MariaDB: plans, schema, refusals proven on the server, timeouts, approvals."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from backdev.fakeapi import FakeAnthropic

from .db_helpers import DatabaseChat, all_text, open_chat
from .db_server import ShopDatabase, admin_connect, shop_db  # noqa: F401  (the fixture)

MISSING_INDEX_SQL = "SELECT id, total FROM shop_order WHERE customer_id = 42"


@pytest.fixture
def chat(tmp_path: Path, fake_api: FakeAnthropic, monkeypatch: pytest.MonkeyPatch, shop_db: ShopDatabase) -> DatabaseChat:
    return open_chat(tmp_path, fake_api, monkeypatch, shop_db.url())


async def test_the_tools_are_offered_with_the_server_in_their_description(chat: DatabaseChat) -> None:
    await chat.call(("db_schema", {}))
    tools = {t["name"]: t for t in chat.api.message_requests[0].body["tools"]}
    assert {"db_schema", "explain_query", "analyze_query", "check_migration"} <= tools.keys()
    assert "MariaDB 10." in tools["explain_query"]["description"] or "MySQL 8." in tools["explain_query"]["description"]
    assert any(note.startswith("Database: ") and "read-only" in note for note in chat.context.notes)


async def test_a_missing_index_is_a_full_scan_and_adding_it_changes_the_plan(chat: DatabaseChat,
                                                                            shop_db: ShopDatabase) -> None:
    (before,) = await chat.call(("explain_query", {"sql": MISSING_INDEX_SQL}))
    text = before["content"]
    assert "is_error" not in before
    assert "shop_order  ALL" in text
    rows = re.search(r"Full table scan of shop_order: about ([\d,]+) rows read, with no index it could use", text)
    assert rows and 250_000 < int(rows[1].replace(",", "")) < 350_000, text  # the estimate of 300,000 rows
    assert "An index on shop_order (customer_id) would let the server look the rows up instead." in text
    shop_db.execute("CREATE INDEX shop_order_customer_idx ON shop_order (customer_id)")
    try:
        (after,) = await chat.call(("explain_query", {"sql": MISSING_INDEX_SQL}))
    finally:
        shop_db.execute("DROP INDEX shop_order_customer_idx ON shop_order")
    text = after["content"]
    assert "shop_order  ref     shop_order_customer_idx (customer_id)" in text
    assert "Problems: none found" in text
    summaries = [c["summary"] for r in chat.assistant.messages() if r.kind == "tool_results" for c in r.meta["tool_calls"]]
    assert summaries[0].startswith("explain_query · 1 block, 1 table · full table scan of shop_order (")
    assert summaries[1] == "explain_query · 1 block, 1 table · no problem found"


async def test_a_join_names_aliases_and_the_raw_plan_comes_on_request(chat: DatabaseChat) -> None:
    sql = ("SELECT o.id, c.email FROM shop_order o JOIN shop_customer c ON c.id = o.customer_id "
           "WHERE c.email = 'c42@example.com'")
    (result,) = await chat.call(("explain_query", {"sql": sql, "raw": True}))
    text = result["content"]
    assert "c (shop_customer)  const" in text and "o (shop_order)" in text
    assert "Full table scan of o (shop_order)" in text
    assert "Raw plan (EXPLAIN FORMAT=JSON):" in text and '"query_block"' in text


async def test_db_schema_lists_tables_and_describes_one(chat: DatabaseChat, shop_db: ShopDatabase) -> None:
    listing, table = await chat.call(("db_schema", {}), ("db_schema", {"table": "SHOP_ORDER"}))
    assert listing["content"].startswith(f"Database {shop_db.name} on ")
    line = next(x for x in listing["content"].splitlines() if x.strip().startswith("shop_order "))
    assert "InnoDB" in line and "MB" in line
    text = table["content"]
    assert text.startswith("Table shop_order · InnoDB · ~")
    assert "customer_id  int(11)" in text or "customer_id  int " in text
    assert "PRIMARY (id) · unique · cardinality" in text and "shop_order_status_idx (status) · cardinality" in text
    assert "Referenced by:\n  shop_orderitem (order_id) via shop_orderitem_order_id_fk" in text
    assert "SHOW CREATE TABLE:\nCREATE TABLE `shop_order`" in text
    (unknown,) = await chat.call(("db_schema", {"table": "shop_ordr"}))
    assert unknown["is_error"] and "did you mean shop_order" in unknown["content"]


@pytest.fixture
def general_log(shop_db: ShopDatabase) -> Iterator[None]:
    """The server's general query log, to prove what reached it (restored afterwards)."""
    admin = admin_connect()
    with admin.cursor() as cursor:
        cursor.execute("SELECT @@GLOBAL.general_log, @@GLOBAL.log_output")
        enabled, output = cursor.fetchone()
        cursor.execute("SET GLOBAL log_output = 'TABLE'")
        cursor.execute("SET GLOBAL general_log = 1")
    try:
        yield
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f"SET GLOBAL general_log = {int(enabled)}")
            cursor.execute("SET GLOBAL log_output = %s", (output,))
        admin.close()


SNEAKY = [
    "INSERT INTO side_effects VALUES ('insert')",
    "UPDATE shop_order SET total = 999 WHERE id = 2",
    "DELETE FROM shop_order WHERE id = 1",
    "DROP TABLE side_effects",
    "SELECT 1; INSERT INTO side_effects VALUES ('second statement')",
    "SELECT 1 -- hidden\n; INSERT INTO side_effects VALUES ('after a comment')",
    "SELECT 1 /*! ; INSERT INTO side_effects VALUES ('executable comment') */",
    "SELECT * FROM side_effects INTO OUTFILE '/tmp/backdev-outfile'",
    "SELECT 1 --1 INTO DUMPFILE '/tmp/backdev-dumpfile'",
    "SELECT * FROM shop_order WHERE id = 1 FOR UPDATE",
    "SELECT * FROM shop_order WHERE id = 1 LOCK IN SHARE MODE",
    "SET @side_effects = 1",
    "CALL side_effects_proc()",
    "LOAD DATA INFILE '/etc/hostname' INTO TABLE side_effects",
    "HANDLER side_effects OPEN",
    "DO GET_LOCK('side_effects', 1)",
    "SELECT GET_LOCK('side_effects', 1)",
    "SELECT @side_effects := 1",
    "SELECT /*+ SET_VAR(max_statement_time=0) */ 1 AS side_effects",
]


async def test_writes_and_sneaky_statements_never_reach_the_server(chat: DatabaseChat, shop_db: ShopDatabase,
                                                                    general_log: None) -> None:
    started = time.time() - 1
    control = "SELECT id FROM shop_order WHERE id = 7 AND 'control' = 'control'"
    results = await chat.call(*[("explain_query", {"sql": sql}) for sql in SNEAKY], ("explain_query", {"sql": control}),
                              *[("analyze_query", {"sql": sql}) for sql in SNEAKY[:3]])
    assert all(r.get("is_error") for r in results[: len(SNEAKY)]), [r["content"] for r in results if not r.get("is_error")]
    assert not results[len(SNEAKY)].get("is_error")  # the control was explained
    assert all(r.get("is_error") for r in results[len(SNEAKY) + 1:])
    assert chat.approvals == []  # a refused analyze_query is never even offered for approval
    thread = chat.context.database.tools.session._connection.thread_id()
    logged = [str(row[0], "utf-8", "replace") if isinstance(row[0], bytes) else str(row[0]) for row in shop_db.execute(
        f"SELECT argument FROM mysql.general_log WHERE thread_id = {int(thread)} AND command_type = 'Query' "
        f"AND event_time >= FROM_UNIXTIME({started})")]
    assert any("'control' = 'control'" in line for line in logged)  # the log does see what is sent
    assert not [line for line in logged if "side_effects" in line or "shop_order SET" in line or "FOR UPDATE" in line
                or "OUTFILE" in line or "DUMPFILE" in line or line.startswith(("DELETE", "INSERT", "DROP"))]
    assert shop_db.execute("SELECT COUNT(*) FROM side_effects") == [(0,)]
    assert float(shop_db.execute("SELECT total FROM shop_order WHERE id = 2")[0][0]) != 999
    assert not Path("/tmp/backdev-outfile").exists() and not Path("/tmp/backdev-dumpfile").exists()


async def test_analyze_query_asks_first_and_reports_what_really_happened(chat: DatabaseChat) -> None:
    (result,) = await chat.call(("analyze_query", {"sql": MISSING_INDEX_SQL}))
    (request,) = chat.approvals
    assert request.tool == "analyze_query" and request.kind == "run" and request.detail == MISSING_INDEX_SQL
    assert "stopped after 10 s" in request.title
    text = result["content"]
    assert "actual rows" in text and "300,000" in text and "ran in" in text.splitlines()[0]
    assert "Full table scan of shop_order: about 300,000 rows read" in text


async def test_a_denied_analyze_runs_nothing(tmp_path: Path, fake_api: FakeAnthropic, monkeypatch: pytest.MonkeyPatch,
                                             shop_db: ShopDatabase) -> None:
    chat = open_chat(tmp_path, fake_api, monkeypatch, shop_db.url(), approve="deny")
    (result,) = await chat.call(("analyze_query", {"sql": "SELECT SLEEP(3)"}))
    assert result["is_error"] and "denied" in result["content"] and len(chat.approvals) == 1


async def test_a_slow_query_is_stopped_by_the_timeout(tmp_path: Path, fake_api: FakeAnthropic,
                                                      monkeypatch: pytest.MonkeyPatch, shop_db: ShopDatabase) -> None:
    chat = open_chat(tmp_path, fake_api, monkeypatch, shop_db.url(), user_config="database_timeout: 1\n")
    started = time.monotonic()
    (result,) = await chat.call(("analyze_query", {"sql": "SELECT SLEEP(5)"}))
    assert time.monotonic() - started < 4
    assert result["is_error"]
    assert result["content"].startswith("The statement was stopped after 1 s (the database_timeout setting)")
    (after,) = await chat.call(("explain_query", {"sql": MISSING_INDEX_SQL}))
    assert "Full table scan" in after["content"]  # the session carries on after a timeout


async def test_results_are_redacted_and_capped_like_other_tool_results(tmp_path: Path, fake_api: FakeAnthropic,
                                                                       monkeypatch: pytest.MonkeyPatch,
                                                                       shop_db: ShopDatabase) -> None:
    key = "sk-ant-api03-" + "k" * 40
    shop_db.execute(f"CREATE TABLE api_client (id INT PRIMARY KEY, token VARCHAR(80) NOT NULL DEFAULT '{key}')")
    try:
        chat = open_chat(tmp_path, fake_api, monkeypatch, shop_db.url(), user_config="read_max_lines: 6\n")
        table, listing = await chat.call(("db_schema", {"table": "api_client"}), ("db_schema", {}))
    finally:
        shop_db.execute("DROP TABLE api_client")
    assert key not in table["content"] and "[REDACTED:anthropic-api-key]" in table["content"]
    assert table["content"].endswith("[Secret-looking values were replaced by [REDACTED:kind] before this reached you.]")
    assert len(listing["content"].splitlines()) == 7
    assert listing["content"].endswith("[Cut at 6 lines (read_max_lines): ask for one table or a narrower query.]")
    assert key not in all_text(fake_api)
