"""The workflow in the app: phase switching from the side panel, a review's findings table, redaction notices."""

from __future__ import annotations

from backdev.compose import Startup, Workspace
from backdev.llm.scripted import ScriptedProvider, reply, tool_call
from backdev.tui.screens.approval import ApprovalScreen
from backdev.tui.widgets.entries import UserEntry
from backdev.tui.widgets.findings import FindingsEntry, FindingsTable
from backdev.tui.widgets.workflow_panel import WorkflowPanel

from .tuikit import build, entries, move_on, notes, started, submit, turn_done, wait_for

VIEWS = "from django.db import connection\n\n\ndef refund(request):\n    cursor = connection.cursor()\n" \
        "    cursor.execute(f\"SELECT * FROM orders WHERE id = {request.GET['id']}\")\n"


def finding(line: int, severity: str, category: str, title: str) -> list[object]:
    return tool_call("report_finding", {"path": "views.py", "line": line, "severity": severity, "category": category,
                                        "title": title, "detail": f"why {title}", "suggestion": f"fix {title}"})


async def test_clicking_a_phase_in_the_side_panel_switches_to_it(startup: Startup, workspace: Workspace) -> None:
    app = build(startup, workspace)
    async with app.run_test(size=(120, 30)) as pilot:
        chat = await started(pilot)
        panel = chat.query_one(WorkflowPanel)
        assert "▶ Requirements" in str(panel.query_one("#workflow-text").render())
        await pilot.click("#workflow-text", offset=(3, 3))  # "Phases", "▶ Requirements", "  Design", "  TDD"
        await move_on(pilot)  # Requirements is left with its items open: asked first
        await wait_for(lambda: startup.assistant.workflow.view().current == "tdd", what="the switch")
        await pilot.pause()
        assert "▶ TDD" in str(panel.query_one("#workflow-text").render())
        assert any(n.startswith("Phase: TDD") for n in notes(chat))


async def test_a_review_shows_a_sortable_findings_table_and_saves_the_report(
        startup: Startup, workspace: Workspace, scripted: ScriptedProvider) -> None:
    (workspace.root / "views.py").write_text(VIEWS)
    scripted.enqueue(finding(6, "low", "testing", "No test for refunds"),
                     finding(6, "critical", "security", "SQL built from the query string"),
                     reply("Two problems; the injection must be fixed first."))
    app = build(startup, workspace)
    async with app.run_test(size=(120, 40)) as pilot:
        chat = await started(pilot)
        await submit(pilot, "/review views.py")
        await move_on(pilot)
        modal = await wait_for(lambda: isinstance(app.screen, ApprovalScreen) and app.screen, what="the save approval")
        assert "save the review as docs/backdev/reviews/review-" in str(modal.query_one("#title").render())
        await pilot.press("y")
        await turn_done(pilot)
        [table_entry] = await wait_for(lambda: entries(chat, FindingsEntry), what="the findings table")
        assert [f.severity for f in table_entry.findings] == ["critical", "low"]  # most severe first
        table = table_entry.query_one(FindingsTable)
        assert table.row_count == 2 and chat.prompt.has_focus  # the keyboard stays in the prompt
        table.focus()  # a sort key works once the table is focused on purpose
        await pilot.press("s")  # sort by the next column: category
        assert table_entry.sorted_by == "category" and [f.category for f in table_entry.findings] == ["security", "testing"]
        await pilot.press("s", "s", "s")  # location, title, back to severity
        assert table_entry.sorted_by == "severity"
        await pilot.press("enter")
        detail = table_entry.query_one("#finding-detail")
        assert detail.display and "fix SQL built from the query string" in str(detail.render())
        await pilot.press("enter")
        assert not detail.display
        saved = list((workspace.root / "docs" / "backdev" / "reviews").glob("review-*.md"))
        assert len(saved) == 1 and "SQL built from the query string" in saved[0].read_text()
        assert any(n.startswith("Review saved to docs/backdev/reviews/") for n in notes(chat))
        await submit(pilot, "/findings")  # shows the table again, not the text list
        await wait_for(lambda: len(entries(chat, FindingsEntry)) == 2, what="the second table")


async def test_a_secret_typed_into_the_prompt_is_redacted_and_the_person_is_told(
        startup: Startup, workspace: Workspace, scripted: ScriptedProvider) -> None:
    app = build(startup, workspace)
    async with app.run_test(size=(120, 30)) as pilot:
        chat = await started(pilot)
        await submit(pilot, "boto says AKIAIOSFODNN7EXAMPLE is invalid")
        await turn_done(pilot)
        assert "AKIAIOSFODNN7EXAMPLE" not in str(scripted.history[0].messages)
        assert "🔒 Redacted before sending: aws-access-key" in notes(chat)
        [user] = entries(chat, UserEntry)
        assert "[REDACTED:aws-access-key]" in str(user.render())
