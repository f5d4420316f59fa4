"""Keyboard focus never strays: after an overlay, a table or an expansion, typing goes to the prompt."""

from __future__ import annotations

from typing import Any

from backdev.compose import Startup, Workspace
from backdev.llm.scripted import ScriptedProvider, reply, tool_call
from backdev.tui.screens.approval import ApprovalScreen
from backdev.tui.widgets.entries import ToolEntry
from backdev.tui.widgets.findings import FindingsEntry, FindingsTable

from .test_tui_workflow import VIEWS, finding
from .tuikit import build, entries, move_on, started, submit, turn_done, wait_for


async def reviewed(pilot: Any) -> tuple[Any, FindingsEntry]:
    """Run `/review views.py`, save the report, wait for its table; the chat screen and the table."""
    app = pilot.app
    chat = await started(pilot)
    await submit(pilot, "/review views.py")
    await move_on(pilot)  # Requirements is left with its items open: asked first
    await wait_for(lambda: isinstance(app.screen, ApprovalScreen), what="the save approval")
    await pilot.press("y")
    await turn_done(pilot)
    [table_entry] = await wait_for(lambda: entries(chat, FindingsEntry), what="the findings table")
    return chat, table_entry


async def test_typing_right_after_a_review_and_findings_goes_to_the_prompt_and_never_sorts(
        startup: Startup, workspace: Workspace, scripted: ScriptedProvider) -> None:
    (workspace.root / "views.py").write_text(VIEWS)
    scripted.enqueue(finding(6, "low", "testing", "No test for refunds"),
                     finding(6, "critical", "security", "SQL built from the query string"),
                     reply("Two problems."))
    app = build(startup, workspace)
    async with app.run_test(size=(100, 30)) as pilot:
        chat, table_entry = await reviewed(pilot)
        assert chat.prompt.has_focus  # after the modal and the table
        await pilot.press(*"so")
        assert chat.prompt.text == "so" and table_entry.sorted_by == "severity"
        chat.prompt.set_text("")
        await submit(pilot, "/findings")
        await wait_for(lambda: len(entries(chat, FindingsEntry)) == 2, what="the second table")
        await pilot.press(*"sum")
        assert chat.prompt.has_focus and chat.prompt.text == "sum"
        assert [e.sorted_by for e in entries(chat, FindingsEntry)] == ["severity", "severity"]


async def test_a_table_focused_on_purpose_sorts_with_s_and_other_letters_go_to_the_prompt(
        startup: Startup, workspace: Workspace, scripted: ScriptedProvider) -> None:
    (workspace.root / "views.py").write_text(VIEWS)
    scripted.enqueue(finding(6, "low", "testing", "No test"), finding(6, "critical", "security", "SQL"), reply("ok"))
    app = build(startup, workspace)
    async with app.run_test(size=(100, 30)) as pilot:
        chat, table_entry = await reviewed(pilot)
        table = table_entry.query_one(FindingsTable)
        await pilot.click(FindingsTable, offset=(2, 2))  # a row, not a header
        assert table.has_focus
        await pilot.press("s")
        assert table_entry.sorted_by == "category"
        await pilot.press("enter", "enter")  # a finding's detail shown, then hidden: back to the prompt
        assert chat.prompt.has_focus
        table.focus()
        await pilot.press("h", "i")
        assert chat.prompt.has_focus and chat.prompt.text == "hi"
        table.focus()
        await pilot.press("escape")
        assert chat.prompt.has_focus


async def test_typing_after_expanding_a_tool_line_goes_to_the_prompt(
        startup: Startup, workspace: Workspace, scripted: ScriptedProvider) -> None:
    (workspace.root / "views.py").write_text(VIEWS)
    scripted.enqueue(tool_call("read_file", {"path": "views.py"}), reply("Read it."))
    app = build(startup, workspace)
    async with app.run_test(size=(100, 30)) as pilot:
        chat = await started(pilot)
        await submit(pilot, "read views.py")
        await turn_done(pilot)
        [tool] = entries(chat, ToolEntry)
        await pilot.click(ToolEntry)
        assert tool.expanded and tool.has_focus
        await pilot.press(*"next q")
        assert chat.prompt.has_focus and chat.prompt.text == "next q" and tool.expanded
        await pilot.press("enter")  # sends the message, does not fold the line
        await turn_done(pilot)
        assert tool.expanded
        tool.focus()
        await pilot.press("enter")  # folded by its own key: the keyboard goes back to the prompt
        assert not tool.expanded and chat.prompt.has_focus
