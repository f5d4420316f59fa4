"""Approvals travel as a message carrying a future; the modal resolves it. Copying; the workflow panel."""

from __future__ import annotations

from backdev.compose import Startup, Workspace
from backdev.llm.scripted import ScriptedProvider, reply, tool_call
from backdev.tools.base import ApprovalRequest, Decision, Tool, ToolOutcome, ToolRegistry
from backdev.tui.screens.approval import ApprovalScreen
from backdev.tui.screens.chat import ChatScreen
from backdev.tui.widgets.entries import ReplyEntry, ToolEntry
from backdev.tui.widgets.status import StatusBar
from backdev.tui.widgets.workflow_panel import WorkflowPanel

from .conftest import start_with
from .tuikit import Recorder, build, entries, rendered, started, submit, turn_done, wait_for

DIFF = "--- a/notes.md\n+++ b/notes.md\n@@ -1 +1,2 @@\n # Notes\n+Use select_related.\n"


def writing_tool(written: list[str]) -> ToolRegistry:
    tools = ToolRegistry()
    tools.register(Tool(
        "write_file", "write", {"type": "object"},
        lambda a: (written.append(a["path"]), ToolOutcome("written", f"write_file {a['path']} · 2 lines", detail=DIFF))[1],
        approval=lambda a: ApprovalRequest("write_file", "write", f"write {a['path']}", DIFF),
    ))
    return tools


async def test_approve_once_runs_the_tool(startup: Startup, workspace: Workspace, scripted: ScriptedProvider) -> None:
    written: list[str] = []
    startup = start_with(workspace, scripted, tools=writing_tool(written))
    scripted.enqueue(tool_call("write_file", {"path": "notes.md"}), reply("Done."))
    recorder = Recorder()
    app = build(startup, workspace)
    async with app.run_test(size=(100, 30), message_hook=recorder) as pilot:
        chat = await started(pilot)
        await submit(pilot, "note it down")
        modal = await wait_for(lambda: isinstance(app.screen, ApprovalScreen) and app.screen, what="the approval")
        [asked] = recorder.of(ChatScreen.ApprovalRequested)
        assert asked.request.title == "write notes.md" and not asked.future.done()
        shown = rendered(modal.query_one("#detail-text"))
        assert "+Use select_related." in shown and "write notes.md" in str(modal.query_one("#title").render())
        assert modal.focused.id == "deny"  # a stray Enter denies
        await pilot.press("y")
        await turn_done(pilot)
        assert asked.future.result() is Decision.APPROVE_ONCE
        assert written == ["notes.md"] and startup.assistant.grants == set()
        [tool] = entries(chat, ToolEntry)
        assert tool.summary == "write_file notes.md · 2 lines" and not tool.pending
        await pilot.click(ToolEntry)
        assert tool.expanded and "+Use select_related." in rendered(tool.query_one(".tool-detail"))
        assert entries(chat, ReplyEntry)[-1].source == "Done."


async def test_approve_for_the_session_then_deny(startup: Startup, workspace: Workspace, scripted: ScriptedProvider) -> None:
    written: list[str] = []
    startup = start_with(workspace, scripted, tools=writing_tool(written))
    scripted.enqueue(tool_call("write_file", {"path": "a.md"}), reply("ok"),
                     tool_call("write_file", {"path": "b.md"}), reply("ok again"))
    app = build(startup, workspace)
    async with app.run_test(size=(100, 30)) as pilot:
        chat = await started(pilot)
        await submit(pilot, "first")
        await wait_for(lambda: isinstance(app.screen, ApprovalScreen), what="the approval")
        await pilot.press("a")
        await turn_done(pilot)
        assert startup.assistant.grants == {"write_file"}
        await submit(pilot, "second")  # granted for the session: no question this time
        await turn_done(pilot)
        assert written == ["a.md", "b.md"]

        startup.assistant.grants.clear()
        scripted.enqueue(tool_call("write_file", {"path": "c.md"}), reply("understood"))
        await submit(pilot, "third")
        await wait_for(lambda: isinstance(app.screen, ApprovalScreen), what="the approval")
        await pilot.press("n")
        await turn_done(pilot)
        assert written == ["a.md", "b.md"]
        assert entries(chat, ToolEntry)[-1].summary == "write c.md · denied" and entries(chat, ToolEntry)[-1].is_error


async def test_cancelling_while_asking_closes_the_modal(startup: Startup, workspace: Workspace,
                                                       scripted: ScriptedProvider) -> None:
    written: list[str] = []
    startup = start_with(workspace, scripted, tools=writing_tool(written))
    scripted.enqueue(tool_call("write_file", {"path": "x.md"}))
    app = build(startup, workspace)
    async with app.run_test(size=(100, 30)) as pilot:
        chat = await started(pilot)
        await submit(pilot, "go")
        await wait_for(lambda: isinstance(app.screen, ApprovalScreen), what="the approval")
        chat.turn.cancel()  # what quitting (or Esc on the chat screen) does to the turn
        await wait_for(lambda: app.screen is chat, what="the modal to close")
        await turn_done(pilot)
        assert written == [] and "cancelled" in entries(chat, ToolEntry)[0].summary
    assert startup.assistant.messages()[-1].status == "cancelled"


async def test_copy_last_reply_and_a_code_block_copy_the_logical_text(startup: Startup, workspace: Workspace,
                                                                     scripted: ScriptedProvider) -> None:
    long_line = "A very long line of prose that the terminal will certainly wrap across several rows. " * 3
    text = f"{long_line}\n\n```python\ndef f(x):\n    return x * 2\n```\n\n```sql\nSELECT 1;\n```\n"
    scripted.enqueue(reply(text))
    app = build(startup, workspace)
    async with app.run_test(size=(60, 30)) as pilot:
        chat = await started(pilot)
        await submit(pilot, "show me")
        await turn_done(pilot)
        await pilot.press("ctrl+o")
        assert app.clipboard == text
        chat.action_copy_code_block()
        await wait_for(lambda: type(app.screen).__name__ == "ChoiceScreen", what="the code block picker")
        await pilot.press("down", "enter")  # newest first: sql, then python
        await pilot.pause()
        assert app.clipboard == "def f(x):\n    return x * 2\n"


async def test_ctrl_c_copies_a_selection_in_the_prompt(startup: Startup, workspace: Workspace) -> None:
    app = build(startup, workspace)
    async with app.run_test(size=(100, 30)) as pilot:
        chat = await started(pilot)
        chat.prompt.set_text("copy this part")
        await pilot.press("shift+home")
        await pilot.press("ctrl+c")
        assert app.clipboard == "copy this part" and app.is_running


async def test_the_side_panel_shows_the_workflow_and_refreshes_after_tool_calls(
        workspace: Workspace, scripted: ScriptedProvider) -> None:
    holder: list[Startup] = []

    def advance(arguments: dict) -> ToolOutcome:  # type: ignore[type-arg]
        workflow = holder[0].assistant.workflow
        assert workflow is not None
        workflow.switch("design")
        workflow.update_checklist("architecture", "na", "a script, no services")
        return ToolOutcome("ok", "advance to design")

    tools = ToolRegistry()
    tools.register(Tool("advance", "move on", {"type": "object"}, advance))
    startup = start_with(workspace, scripted, tools=tools)
    holder.append(startup)
    startup.assistant.workflow.update_checklist("latency", "done", "p95 < 200 ms")  # type: ignore[union-attr]
    scripted.enqueue(tool_call("advance", {}), [1.5, *reply("Moving on.")])
    app = build(startup, workspace)
    async with app.run_test(size=(120, 30)) as pilot:
        chat = await started(pilot)
        panel = chat.query_one(WorkflowPanel)
        shown = str(panel.query_one("#workflow-text").render())
        assert "▶ Requirements" in shown and "☐ Scale: expected users" in shown
        assert "☑ Latency: acceptable response times" in shown and "p95 < 200 ms" in shown
        assert " · Requirements · " in str(chat.query_one(StatusBar).render())
        await submit(pilot, "next")
        # Refreshed as soon as the tool call finished, before the turn ends.
        await wait_for(lambda: "▶ Design" in str(panel.query_one("#workflow-text").render()), what="the refresh")
        assert chat.busy
        await turn_done(pilot)
        assert "– Architecture pattern" in str(panel.query_one("#workflow-text").render())
        assert " · Design · " in str(chat.query_one(StatusBar).render())


async def test_without_a_workflow_the_panel_says_so(project) -> None:  # type: ignore[no-untyped-def]
    from backdev.compose import open_store, open_workspace, start_session
    from backdev.llm.scripted import ScriptedProvider

    personas = project / ".backdev" / "personas"
    personas.mkdir(parents=True)
    (personas / "plain.md").write_text("---\nname: plain\ndescription: no workflow\n---\nJust talk.\n")
    workspace = open_workspace(project)
    startup = start_session(workspace, open_store(), ScriptedProvider(), persona_name="plain")
    app = build(startup, workspace)
    async with app.run_test(size=(100, 30)) as pilot:
        chat = await started(pilot)
        assert "No workflow for this persona" in str(chat.query_one("#workflow-text").render())
