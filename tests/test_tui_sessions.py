"""Resuming: the stored history in the transcript, the draft back in the prompt, the session picker."""

from __future__ import annotations

from backdev.assistant import drain
from backdev.compose import Startup, Workspace, open_store, start_session
from backdev.llm.scripted import ScriptedProvider, broken, reply, tool_call
from backdev.tools.base import Tool, ToolOutcome, ToolRegistry
from backdev.chat.transcript import transcript_items
from backdev.session.listing import session_phase
from backdev.tui.screens.sessions import SessionPickerScreen
from backdev.tui.widgets.entries import EarlierEntry, ErrorEntry, NoteEntry, ReplyEntry, ToolEntry, UserEntry

from .conftest import start_with
from .tuikit import build, entries, started, wait_for


def read_tool() -> ToolRegistry:
    tools = ToolRegistry()
    tools.register(Tool("read_file", "read", {"type": "object"},
                        lambda a: ToolOutcome("1: def view(): ...", f"read_file {a['path']} · 1 line")))
    return tools


async def test_resume_shows_the_history_and_restores_the_draft(workspace: Workspace, scripted: ScriptedProvider) -> None:
    assistant = start_with(workspace, scripted, tools=read_tool()).assistant
    scripted.enqueue(tool_call("read_file", {"path": "app/views.py"}), reply("It does **two** queries."),
                     broken("Half an ans"), broken("Half an answer"))
    await drain(assistant.send("what does the view do?"))
    await drain(assistant.send("and the template?"))
    assistant.save_draft("one more thing")

    resumed = start_session(workspace, open_store(), ScriptedProvider(), resume=True)
    assert resumed.resumed and resumed.assistant.session.id == assistant.session.id
    app = build(resumed, workspace)
    async with app.run_test(size=(100, 30)) as pilot:
        chat = await started(pilot)
        assert [u.text for u in entries(chat, UserEntry)] == ["what does the view do?", "and the template?"]
        assert [t.summary for t in entries(chat, ToolEntry)] == ["read_file app/views.py · 1 line"]
        replies = entries(chat, ReplyEntry)
        assert [(r.source, r.status) for r in replies] == [("It does **two** queries.", "complete"),
                                                          ("Half an answer", "interrupted")]
        assert not replies[0].streaming
        assert "cut off" in entries(chat, ErrorEntry)[0].message
        assert chat.prompt.text == "one more thing"
        chat.prompt.set_text("")
        await pilot.press("up")
        assert chat.prompt.text == "and the template?"


async def test_a_long_session_renders_the_tail_first_and_the_rest_on_request(startup: Startup, workspace: Workspace,
                                                                             scripted: ScriptedProvider) -> None:
    for i in range(60):
        await drain(startup.assistant.send(f"question {i}"))
    resumed = start_session(workspace, open_store(), scripted, resume=True)
    app = build(resumed, workspace, history_window=30)
    async with app.run_test(size=(100, 30)) as pilot:
        chat = await started(pilot)
        users = entries(chat, UserEntry)
        assert len(users) == 15 and users[0].text == "question 45" and chat.transcript.hidden_count == 90
        assert "90 earlier" in str(chat.query_one(EarlierEntry).label)
        assert chat.transcript.scroll_y == chat.transcript.max_scroll_y  # at the tail
        chat.transcript.scroll_home(animate=False)  # the person scrolls to the top: more come by themselves
        await wait_for(lambda: chat.transcript.hidden_count == 60, what="the earlier entries")
        await pilot.pause()
        assert entries(chat, UserEntry)[0].text == "question 30"
        await wait_for(lambda: chat.transcript.scroll_y > 0, what="the view to stay on the entry being read")
        for _ in range(2):
            chat.query_one(EarlierEntry).press()  # or the button, from the keyboard
            await pilot.pause()
        # A press while a batch is being built (the view may reach the top again) is kept for after it.
        await wait_for(lambda: not chat.query(EarlierEntry), what="every earlier entry")
        assert entries(chat, UserEntry)[0].text == "question 0" and chat.transcript.hidden_count == 0
        assert len(entries(chat, ReplyEntry)) == 60


def test_the_first_batch_is_bounded_by_count_and_size() -> None:
    from backdev.chat.transcript import TranscriptItem, recent_start

    items = [TranscriptItem("user", "q" * 10), TranscriptItem("reply", "r" * 3000)] * 10
    assert recent_start(items, window=40, char_budget=8000) == 16  # two exchanges: a third would pass 8,000
    assert recent_start(items, window=3, char_budget=10**6) == 17
    huge = [TranscriptItem("user", "q"), TranscriptItem("reply", "r" * 50_000)]
    assert recent_start(huge * 3, window=40, char_budget=8000) == 4  # the last exchange always shows


def test_transcript_items_skip_superseded_rows(startup: Startup) -> None:
    import asyncio

    startup.assistant.provider.enqueue(broken("par"), reply("whole"))  # type: ignore[attr-defined]
    asyncio.run(drain(startup.assistant.send("q")))
    rows = startup.assistant.messages()
    assert [r.status for r in rows] == ["complete", "superseded", "complete"]
    assert [(i.kind, i.text) for i in transcript_items(rows)] == [("user", "q"), ("reply", "whole")]


async def test_the_picker_resumes_another_session_and_deletes_after_confirming(startup: Startup, workspace: Workspace,
                                                                               scripted: ScriptedProvider) -> None:
    assistant = startup.assistant
    await drain(assistant.send("the first session"))
    first = assistant.session.id
    assistant.save_draft("draft of the first")
    assistant.new_session()
    await drain(assistant.send("the second session"))
    second = assistant.session.id
    assistant.new_session()
    await drain(assistant.send("the third session"))
    third = assistant.session.id

    app = build(startup, workspace)
    async with app.run_test(size=(110, 32)) as pilot:
        chat = await started(pilot)
        chat.prompt.set_text("typed in the third")
        await pilot.press("ctrl+r")
        picker = await wait_for(lambda: isinstance(app.screen, SessionPickerScreen) and app.screen, what="the picker")
        table = picker.query_one("DataTable")
        titles = [str(table.get_row_at(i)[1]) for i in range(table.row_count)]
        assert titles == ["● the third session", "the second session", "the first session"]
        await pilot.press("d")  # the session in use cannot be deleted
        assert table.row_count == 3
        await pilot.press("down", "d")
        await wait_for(lambda: type(app.screen).__name__ == "ConfirmScreen", what="the confirmation")
        await pilot.press("y")
        await pilot.pause()
        assert table.row_count == 2
        assert [s.record.id for s in assistant.store.list_sessions(assistant.session.root)] == [third, first]
        await pilot.press("down", "enter")
        await wait_for(lambda: app.screen is chat, what="the picker to close")
        await pilot.pause()
        assert assistant.session.id == first
        assert [u.text for u in entries(chat, UserEntry)] == ["the first session"]
        assert chat.prompt.text == "draft of the first"
        assert any("Resumed" in n.text for n in entries(chat, NoteEntry))
        assert any(n.text.startswith("Workflow: Requirements") for n in entries(chat, NoteEntry))  # its phase, said
    assert assistant.store.get_session(third).draft == "typed in the third"
    assert second not in [s.record.id for s in assistant.store.list_sessions()]


def test_the_phase_a_session_was_in() -> None:
    from backdev.session.store import SessionRecord

    def record(state: dict) -> SessionRecord:  # type: ignore[type-arg]
        return SessionRecord("a", "/r", "p", "m", "t", "", state, 0.0, 0.0)

    assert session_phase(record({"workflow": {"current": "design"}})) == "design"
    assert session_phase(record({"phase": "tdd"})) == "tdd"
    assert session_phase(record({})) == ""
