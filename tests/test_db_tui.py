"""`/explain` and `/schema` in the app, against the real server: a table per query block with the full
scans called out, hostile names shown literally, the screen alive while the database is asked (and
when it never answers), and plain mode printing exactly the tool's text."""

from __future__ import annotations

import io
import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable

from backdev.compose import Workspace, open_store, open_workspace, start_session
from backdev.db.plan_report import block_title
from backdev.db.plans import Plan, read_plan
from backdev.llm.scripted import ScriptedProvider
from backdev.repl.app import PlainRepl
from backdev.tui.widgets.report import ReportEntry

from .db_server import ShopDatabase, shop_db  # noqa: F401  (the fixture)
from .tuikit import build, entries, notes, rendered, started, submit, wait_for

MISSING_INDEX = "SELECT id, total FROM shop_order WHERE customer_id = 42"
# Two query blocks: the union's parts (MariaDB also shows the union's result as a block).
TWO_BLOCKS = ("SELECT o.id FROM shop_order o WHERE o.customer_id = 42 UNION "
              "SELECT c.id FROM shop_customer c WHERE c.email = 'c7@example.com'")
HOSTILE_TABLE = "[red]x[/]\x1b[2J"
HOSTILE_COLUMN = "[/]"
ESCAPED_COLUMN = "c\x1b]52;c;aGk=\x07"
HOSTILE_COMMENT = "[@click=app.quit] \x1b[31m"
RAW = ("\x1b", "\x07")


@pytest.fixture
def workspace(project: Path, monkeypatch: pytest.MonkeyPatch, shop_db: ShopDatabase) -> Workspace:
    monkeypatch.setenv("BACKDEV_DATABASE_URL", shop_db.url())
    return open_workspace(project)


@pytest.fixture
def hostile_table(shop_db: ShopDatabase) -> Iterator[str]:
    """A table whose name, column names and comment are markup and escape sequences."""
    shop_db.execute(f"CREATE TABLE `{HOSTILE_TABLE}` (id INT NOT NULL PRIMARY KEY, `{HOSTILE_COLUMN}` INT, "
                    f"`{ESCAPED_COLUMN}` INT) COMMENT='{HOSTILE_COMMENT}'",
                    f"INSERT INTO `{HOSTILE_TABLE}` (id, `{HOSTILE_COLUMN}`) SELECT n.d * 1000 + m.d * 100 + k.d * 10 + j.d, "
                    "j.d FROM digits n, digits m, digits k, digits j")
    yield HOSTILE_TABLE
    shop_db.execute(f"DROP TABLE IF EXISTS `{HOSTILE_TABLE}`")


def server_plan(shop: ShopDatabase, sql: str) -> Plan:
    """The plan the server gives for `sql`, asked directly (to compare the app's tables with)."""
    [(document,)] = shop.execute(f"EXPLAIN FORMAT=JSON {sql}")
    return read_plan(json.loads(document))


def shown(entry: ReportEntry) -> str:
    """What the report shows on screen: its lines and the visible part of its tables."""
    return "\n".join(rendered(part) for part in entry.query("Static, DataTable"))


def titles(entry: ReportEntry) -> list[str]:
    """The titles shown above the tables."""
    return [rendered(title).strip() for title in entry.query(".report-title")]


def cells(entry: ReportEntry) -> list[list[list[str]]]:
    """Each table's rows as the plain text of its cells."""
    return [[[cell.plain for cell in table.get_row_at(i)] for i in range(table.row_count)]
            for table in entry.query(DataTable)]


async def report_for(pilot: Any, line: str) -> ReportEntry:
    chat = await started(pilot)
    before = len(entries(chat, ReportEntry))
    await submit(pilot, line)
    await wait_for(lambda: len(entries(chat, ReportEntry)) > before, what=f"the report of {line} ({notes(chat)[-1:]})")
    await pilot.pause()
    return entries(chat, ReportEntry)[-1]


async def test_explain_shows_a_table_per_query_block_with_the_full_scan_called_out(
        startup, workspace: Workspace, scripted: ScriptedProvider, shop_db: ShopDatabase) -> None:  # type: ignore[no-untyped-def]
    app = build(startup, workspace)
    async with app.run_test(size=(100, 30)) as pilot:
        entry = await report_for(pilot, "/explain " + TWO_BLOCKS)
        plan = server_plan(shop_db, TWO_BLOCKS)
        assert len(plan.blocks) >= 2
        assert titles(entry) == [block_title(block) for block in plan.blocks]
        tables = cells(entry)
        assert len(tables) == len([block for block in plan.blocks if block.tables]) == 2
        assert "(no table read in this block)" in shown(entry)  # the union's result
        [scan] = [row for table in tables for row in table if row[0].startswith("⚠ o (shop_order)")]
        assert scan[1] == "ALL" and int(scan[4].replace(",", "")) > 100_000
        text = shown(entry)
        assert "Full table scan of o (shop_order): about" in text and "missing index" in text
        chat = app.chat
        assert chat.prompt.has_focus
        await pilot.press(*"why")
        assert chat.prompt.text == "why"


async def test_the_missing_index_query_is_one_block_with_its_rows_and_the_index_to_add(
        startup, workspace: Workspace, scripted: ScriptedProvider) -> None:  # type: ignore[no-untyped-def]
    app = build(startup, workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        entry = await report_for(pilot, "/explain " + MISSING_INDEX)
        header = [column.label.plain for column in entry.query_one(DataTable).ordered_columns]
        [[row]] = cells(entry)
        assert header[:5] == ["table", "access", "key", "possible keys", "rows"]
        assert row[0] == "⚠ shop_order" and row[1] == "ALL" and int(row[4].replace(",", "")) > 100_000
        assert [r[0] for t in cells(entry) for r in t if r[0].startswith("⚠")] == ["⚠ shop_order"]
        assert "An index on shop_order (customer_id)" in shown(entry)
        chat = app.chat
        assert chat.prompt.has_focus
        entry.query_one(DataTable).focus()  # as a click or Tab would
        await pilot.press(*"next")  # a read-only table: typing goes on in the prompt
        assert chat.prompt.has_focus and chat.prompt.text == "next"


async def test_a_query_through_an_index_has_no_flagged_row(
        startup, workspace: Workspace, scripted: ScriptedProvider) -> None:  # type: ignore[no-untyped-def]
    app = build(startup, workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        entry = await report_for(pilot, "/explain SELECT id FROM shop_customer WHERE email = 'c7@example.com'")
        assert not [r for t in cells(entry) for r in t if r[0].startswith("⚠")]
        assert "Problems: none found" in shown(entry)


async def test_schema_lists_the_tables_and_one_tables_columns_and_indexes_as_tables(
        startup, workspace: Workspace, scripted: ScriptedProvider) -> None:  # type: ignore[no-untyped-def]
    app = build(startup, workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        listing = await report_for(pilot, "/schema")
        assert titles(listing) == ["Tables"]
        assert {"shop_order", "shop_customer", "shop_orderitem"} <= {row[0] for row in cells(listing)[0]}
        table = await report_for(pilot, "/schema shop_orderitem")
        assert titles(table) == ["Columns", "Indexes", "Foreign keys"]
        columns, indexes, keys = cells(table)
        assert [row[0] for row in columns] == ["id", "order_id", "product", "quantity"]
        assert ["shop_orderitem_order_id_idx", "order_id", "", "BTREE"] == indexes[1][:4]
        assert keys[0][2] == "shop_order (id)"
        assert "SHOW CREATE TABLE" in shown(table)
        assert app.chat.prompt.has_focus


async def test_hostile_names_and_comments_show_literally(
        startup, workspace: Workspace, scripted: ScriptedProvider, hostile_table: str) -> None:  # type: ignore[no-untyped-def]
    app = build(startup, workspace)
    async with app.run_test(size=(100, 40)) as pilot:
        entry = await report_for(pilot, f"/schema {hostile_table}")
        text = shown(entry) + "\n".join(str(c) for t in cells(entry) for r in t for c in r)
        for raw in RAW:
            assert raw not in text
        assert "[red]x[/]" in text and "[@click=app.quit]" in text
        assert [row[0] for row in cells(entry)[0]] == ["id", "[/]", "c␛]52;c;aGk=␇"]
        plan = await report_for(pilot, f"/explain SELECT id FROM `{hostile_table}` WHERE `{HOSTILE_COLUMN}` = 3")
        [[row]] = cells(plan)
        assert row[0] == "⚠ [red]x[/]␛[2J" and f"`{HOSTILE_COLUMN}` = 3" in row[-1]
        assert app.is_running and not any(raw in shown(plan) for raw in RAW)


async def test_a_failed_explain_says_why_in_one_sentence(
        startup, workspace: Workspace, scripted: ScriptedProvider) -> None:  # type: ignore[no-untyped-def]
    app = build(startup, workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        chat = await started(pilot)
        await submit(pilot, "/explain DELETE FROM shop_order")
        await wait_for(lambda: any(n.startswith("Only a SELECT is ever sent") for n in notes(chat)), what="refusal")
        assert not entries(chat, ReportEntry) and chat.prompt.has_focus


# --- a server that does not answer -----------------------------------------------------------------


class SilentServer:
    """A listening socket that accepts connections and never says a word, until `hang_up()`."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self.connected = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        try:
            while True:
                connection, _ = self.listener.accept()
                self.accepted.append(connection)
                self.connected.set()
        except OSError:  # closed
            pass

    def hang_up(self) -> None:
        while self.accepted:
            self.accepted.pop().close()

    def close(self) -> None:
        self.hang_up()
        self.listener.close()


@pytest.fixture
def silent() -> Iterator[SilentServer]:
    server = SilentServer()
    yield server
    server.close()


async def test_the_prompt_stays_alive_while_an_unanswering_database_is_asked(
        project: Path, monkeypatch: pytest.MonkeyPatch, scripted: ScriptedProvider, silent: SilentServer) -> None:
    monkeypatch.setenv("BACKDEV_DATABASE_URL", f"mysql://root@127.0.0.1:{silent.port}/shop")
    workspace = open_workspace(project)
    app = build(start_session(workspace, open_store(), scripted), workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(silent.connected.is_set, what="the start-up's version check (which hangs too)...")
        silent.connected.clear()
        silent.hang_up()  # ...until the server hangs up on it
        chat = await started(pilot)
        await submit(pilot, "/schema")
        await wait_for(lambda: any("Asking the database" in n for n in notes(chat)), what="the waiting note")
        await wait_for(silent.connected.is_set, what="/schema to connect")
        await pilot.press(*"still here")  # the database has not answered: the screen does not wait for it
        assert chat.prompt.text == "still here" and chat.prompt.has_focus
        silent.hang_up()
        await wait_for(lambda: any(n.startswith(f"The connection to 127.0.0.1:{silent.port} was lost")
                                   for n in notes(chat)), what="the error sentence")
        assert not any("Asking the database" in n for n in notes(chat))  # the waiting note gave way
        assert chat.prompt.text == "still here"


# --- plain mode ------------------------------------------------------------------------------------


async def test_plain_mode_prints_the_tools_own_text(workspace: Workspace, scripted: ScriptedProvider) -> None:
    startup = start_session(workspace, open_store(), scripted)
    err = io.StringIO()
    repl = PlainRepl(startup, workspace, interactive=False, out=io.StringIO(), err=err)
    assert await repl.run(["/explain " + MISSING_INDEX, "/schema shop_customer"]) == 0
    tools = repl.driver._repository.database.tools
    plan = tools.explain_query({"sql": MISSING_INDEX}).content
    table = tools.db_schema({"table": "shop_customer"}).content
    assert plan.startswith("EXPLAIN on ") and "Full table scan of shop_order" in plan
    assert plan + "\n" in err.getvalue() and table + "\n" in err.getvalue()
