"""The main screens at the sizes people use (issue 11): 120×40, 80×24 and 60×20, reviewed as images.

At 60×20 and 80×24 the side panel has given way; dialogs keep their buttons; the findings title
column takes the remaining width. Update after an intended change with `pytest --snapshot-update`.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from backdev.compose import Startup, Workspace
from backdev.llm.events import Usage
from backdev.llm.scripted import ScriptedProvider, reply, tool_call
from backdev.workflow.review import steps

from .test_tui_snapshots import REPLY, approval_app, ask, asking, picker_app, picking
from .test_tui_workflow import VIEWS
from .tuikit import build, move_on, submit, turn_done, wait_for

SIZES = [(120, 40), (80, 24), (60, 20)]


class FixedDate(dt.date):
    @classmethod
    def today(cls) -> FixedDate:
        return cls(2026, 11, 21)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_chat(snap_compare, startup: Startup, workspace: Workspace, scripted: ScriptedProvider,  # type: ignore[no-untyped-def]
              size: tuple[int, int]) -> None:
    scripted.enqueue(reply(REPLY, usage=Usage(1200, 80)))
    assert snap_compare(build(startup, workspace), terminal_size=size,
                        run_before=lambda pilot: ask(pilot, "Why is the order list slow?"))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_approval(snap_compare, workspace: Workspace, scripted: ScriptedProvider,  # type: ignore[no-untyped-def]
                  size: tuple[int, int]) -> None:
    assert snap_compare(approval_app(workspace, scripted), terminal_size=size, run_before=asking)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_findings(snap_compare, startup: Startup, workspace: Workspace, scripted: ScriptedProvider,  # type: ignore[no-untyped-def]
                  size: tuple[int, int], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(steps, "dt", SimpleNamespace(date=FixedDate))  # the report's name holds the date
    (workspace.root / "views.py").write_text(VIEWS)
    for line, severity, category, title in ((6, "critical", "security", "SQL built from the query string"),
                                            (4, "low", "testing", "No test covers refunds of partial orders")):
        scripted.enqueue(tool_call("report_finding", {"path": "views.py", "line": line, "severity": severity,
                                                      "category": category, "title": title, "detail": "d",
                                                      "suggestion": "s"}, call_id=f"toolu_{line}"))
    scripted.enqueue(reply("Two problems.", usage=Usage(900, 20)))

    async def reviewed(pilot) -> None:  # type: ignore[no-untyped-def]
        from .test_tui_snapshots import ready

        await ready(pilot)
        await submit(pilot, "/review views.py")
        await move_on(pilot)  # Requirements is left with its items open: asked first
        await wait_for(lambda: type(pilot.app.screen).__name__ == "ApprovalScreen", what="the save approval")
        await pilot.press("y")
        await turn_done(pilot)
        await pilot.pause()

    assert snap_compare(build(startup, workspace), terminal_size=size, run_before=reviewed)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_session_picker(snap_compare, workspace: Workspace, scripted: ScriptedProvider,  # type: ignore[no-untyped-def]
                        size: tuple[int, int]) -> None:
    assert snap_compare(picker_app(workspace, scripted), terminal_size=size, run_before=picking)


@pytest.mark.parametrize("size", SIZES[1:], ids=lambda s: f"{s[0]}x{s[1]}")
def test_explain(snap_compare, startup: Startup, workspace: Workspace, scripted: ScriptedProvider,  # type: ignore[no-untyped-def]
                 size: tuple[int, int]) -> None:
    """`/explain`'s table per query block, from a plan MariaDB 10.11 gave (the live server's own tests are in
    tests/test_db_tui.py; a snapshot needs rows that do not change)."""
    import json
    from pathlib import Path

    from backdev.commands.base import CommandOutcome, CommandSpec
    from backdev.db.plan_report import render_plan
    from backdev.db.plans import read_plan
    from backdev.db.reports import plan_report

    plan = read_plan(json.loads((Path(__file__).parent / "data/db/mariadb_dependent_subquery.json").read_text()))
    aliases, title = {"o": "shop_order", "c": "shop_customer"}, "EXPLAIN on MariaDB 10.11.19"
    report = plan_report(plan, aliases, title=title, text=render_plan(plan, aliases, title=title))

    async def explained(pilot) -> None:  # type: ignore[no-untyped-def]
        from .test_tui_snapshots import ready

        await ready(pilot)
        chat = pilot.app.chat
        chat.driver.commands.register(CommandSpec("explain", "SQL", "recorded", waits="Asking the database…"),
                                      lambda _: CommandOutcome(report.text, report=report))
        await submit(pilot, "/explain SELECT email FROM shop_customer c WHERE EXISTS (SELECT 1 FROM shop_order o "
                            "WHERE o.customer_id = c.id)")
        [entry] = await wait_for(lambda: chat.transcript.query("ReportEntry"), what="the report")
        await pilot.pause()
        chat.transcript.scroll_to_widget(entry, top=True, animate=False)  # the tables, not only the problems
        await pilot.pause()

    assert snap_compare(build(startup, workspace), terminal_size=size, run_before=explained)
