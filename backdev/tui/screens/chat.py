"""The chat screen: transcript, side panel, composer, status bar and footer.

Turns run in an exclusive worker that only iterates the assistant's events and posts each one as
a `TurnEvent`; the handlers (on the main thread, in order) update the widgets through `TurnView`.
An approval the tool loop asks for travels as an `ApprovalRequested` message carrying a future
that the approval modal resolves. Esc cancels the worker: the core keeps what arrived, marked
cancelled, and the transcript marks it too.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.worker import Worker

from backdev.assistant import NothingToRetryError
from backdev.llm.errors import MISSING_KEY
from backdev.llm.events import LoopEvent, Notice, ToolCallFinished, TurnFailed, TurnFinished
from backdev.tools.base import ApprovalRequest, Decision
from backdev.tui.completion import Completer
from backdev.tui.project import repo_label
from backdev.tui.screens.chat_actions import ChatActions
from backdev.tui.turn_view import TurnView
from backdev.tui.widgets.composer import Composer
from backdev.tui.widgets.entries import ErrorEntry, UserEntry
from backdev.tui.widgets.footer import KeyFooter
from backdev.tui.widgets.prompt import PromptArea
from backdev.tui.widgets.status import StatusBar, StatusInfo
from backdev.tui.widgets.transcript import Transcript
from backdev.tui.widgets.workflow_panel import WorkflowPanel

# Commands that may run while a reply streams (the others change what the turn is part of).
COMMANDS_WHILE_STREAMING = frozenset({"help", "cost", "quit", "sessions", "export"})
WAITING_NOTE = "Waiting for the API client and the repository to finish loading; your message goes as soon as they are ready…"


class ChatScreen(ChatActions, Screen[None]):
    """The conversation."""

    CSS_PATH = "chat.tcss"
    # Focus the prompt from the start: moving focus later restyles every entry of a long transcript.
    AUTO_FOCUS = "#prompt"
    BINDINGS = [
        Binding("escape", "escape", "Cancel reply"),
        Binding("ctrl+b", "toggle_panel", "Panel"),
        Binding("ctrl+o", "copy_reply", "Copy reply"),
        Binding("ctrl+r", "resume_session", "Sessions"),
        Binding("pageup", "scroll_transcript(-1)", show=False, priority=True),
        Binding("pagedown", "scroll_transcript(1)", show=False, priority=True),
    ]

    @dataclass
    class TurnEvent(Message, bubble=False):
        """One event of the running turn, from the worker."""

        event: LoopEvent

    @dataclass
    class Sending(Message, bubble=False):
        """The message is ready and about to be sent: show it, clear the prompt."""

        text: str
        typed: str
        attachments: tuple[str, ...] = ()

    @dataclass
    class NotSent(Message, bubble=False):
        """Attachments need fixing or confirming; the text stays in the prompt."""

        prepared: Any  # backdev.repo.attachments.PreparedMessage
        typed: str

    @dataclass
    class Said(Message, bubble=False):
        """A line for the transcript from a worker."""

        text: str
        error: bool = False

    @dataclass
    class TurnCancelled(Message, bubble=False):
        """The turn's worker was cancelled; `unsent` is a message that never left (put it back)."""

        unsent: str | None = None

    @dataclass
    class ApprovalRequested(Message, bubble=False):
        """The tool loop asks before something writes or runs; resolve `future` with a Decision."""

        request: ApprovalRequest
        future: asyncio.Future[Decision]

    def __init__(self) -> None:
        super().__init__()
        self.turn: Worker[None] | None = None
        self.turn_view: TurnView | None = None
        self.unsent: str | None = None  # a message waiting for the provider, not stored yet

    # --- layout and start ----------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        app: Any = self.app
        app.chat = self
        with Horizontal(id="main"):
            yield Transcript(id="transcript", window=app.options.history_window)
            yield WorkflowPanel(id="workflow")
        yield Composer(Completer(lambda prefix: app.runner.completions(prefix)), id="composer")
        yield StatusBar(id="status")
        yield KeyFooter()

    async def on_mount(self) -> None:
        app: Any = self.app
        assistant = app.assistant
        assistant.approve = self._approve
        self.turn_view = TurnView(self.transcript)
        self.query_one(WorkflowPanel).display = assistant.settings.side_panel
        rows = assistant.history()
        if rows:
            from backdev.tui.history import history_items, sent_messages

            await self.transcript.show_history(history_items(rows))
            self.prompt.sent = sent_messages(rows)
        for note in [*app.startup.notes, *app.notes]:
            await self.transcript.note(note)
        if not getattr(assistant.provider, "has_credentials", True):
            await self.transcript.note(MISSING_KEY.message, error=True)
        self.prompt.set_text(assistant.store.get_session(assistant.session.id).draft)  # the stored draft, not a stale copy
        self.prompt.focus()
        self.refresh_panel()
        self.refresh_status()

    async def on_provider_ready(self, error: str) -> None:
        if error:
            await self.transcript.note(error, error=True)
        self.refresh_status()

    async def on_project_loaded(self, project: Any, error: str) -> None:
        if error:
            await self.transcript.note(error, error=True)
        if project is not None:
            self.composer.completer.paths = project.index
            for note in getattr(project, "notes", []):
                await self.transcript.note(note)
        self.refresh_panel()
        self.refresh_status()

    # --- parts ---------------------------------------------------------------------------------

    @property
    def transcript(self) -> Transcript:
        return self.query_one(Transcript)

    @property
    def composer(self) -> Composer:
        return self.query_one(Composer)

    @property
    def prompt(self) -> PromptArea:
        return self.query_one(PromptArea)

    @property
    def live(self) -> bool:
        """False while the app is closing: a cancelled worker's last messages have nowhere to go."""
        return self.is_attached and self.transcript.is_attached

    @property
    def busy(self) -> bool:
        """A turn is running (or waiting to start)."""
        return self.turn is not None and self.turn.is_running

    def refresh_panel(self) -> None:
        app: Any = self.app
        self.query_one(WorkflowPanel).show(app.assistant.workflow_view())

    def refresh_status(self) -> None:
        app: Any = self.app
        assistant = app.assistant
        totals = assistant.totals()
        info = getattr(app.project, "info", None)
        state = "streaming…" if self.busy else app.still_loading
        self.query_one(StatusBar).show(StatusInfo(
            assistant.persona.name, assistant.model.model_id, repo_label(app.workspace.root.name, info),
            self.query_one(WorkflowPanel).current_phase, totals.usage, totals.cost, state,
        ))

    def save_draft(self) -> None:
        """Keep what is typed (or a message still waiting to be sent) with the session."""
        app: Any = self.app
        text = self.prompt.text if self.prompt.text.strip() else (self.unsent or "")
        app.assistant.save_draft(text)

    # --- sending -------------------------------------------------------------------------------

    @on(PromptArea.Submitted)
    async def _submitted(self, message: PromptArea.Submitted) -> None:
        from backdev.commands import is_command, unescape_message

        text = message.text
        if not text.strip():
            return
        if is_command(text):
            if self.refuses_while_busy(text):
                return
            self.prompt.remember(text)
            self.prompt.set_text("")
            await self.run_command(text)
            return
        if self.busy:
            self.notify("A reply is streaming: press Esc to cancel it first (your text is kept).", severity="warning")
            return
        self.send(unescape_message(text), typed=text)

    def refuses_while_busy(self, line: str) -> bool:
        """True (and says so) when a command would change a turn that is still streaming."""
        name = line.strip().lstrip("/").split(" ", 1)[0].lower()
        if self.busy and name not in COMMANDS_WHILE_STREAMING:
            self.notify(f"/{name} waits until the reply is done: press Esc to cancel it first.", severity="warning")
            return True
        return False

    def send(self, text: str, *, typed: str | None = None, confirmed: tuple[str, ...] = ()) -> None:
        """Send a message (attachments are read first); the prompt is cleared once it is ready."""
        self.turn = self._send_turn(text, typed if typed is not None else text, confirmed)
        self.refresh_bindings()

    def retry(self) -> None:
        """Ask the last question again (`/retry`, the Retry button)."""
        self.run_turn(lambda: self.app.assistant.retry(), "⟳ Asking again…")

    def run_turn(self, start: Callable[[], AsyncIterator[LoopEvent]], note: str = "") -> None:
        """Stream a turn the core starts by itself (a retry, a review) into the transcript."""
        if self.busy:
            self.notify("A reply is streaming: press Esc to cancel it first.", severity="warning")
            return
        self.transcript.retire_errors()
        self.transcript.anchor()
        self.turn = self._events_turn(start, note)
        self.refresh_bindings()

    @work(exclusive=True, group="turn", exit_on_error=False)
    async def _send_turn(self, text: str, typed: str, confirmed: tuple[str, ...]) -> None:
        from backdev.repo.attachments import attachment_paths, prepare_message

        app: Any = self.app
        assistant = app.assistant
        extra: list[dict[str, Any]] | None = None
        meta: dict[str, Any] | None = None
        # Every message is prepared (attachments read, secrets redacted and the person told) once the
        # repository has been read; the core redacts again underneath, whatever happens here.
        if not app.project_ready.is_set():
            if attachment_paths(text):
                self.post_message(self.Said("Reading the repository before attaching files…"))
            await app.project_ready.wait()
        if assistant.repo is not None:
            prepared = await asyncio.to_thread(prepare_message, text, assistant.repo, assistant.settings,
                                               confirmed_secrets=confirmed)
            if not prepared.ready:
                self.post_message(self.NotSent(prepared, typed))
                return
            text, extra, meta = prepared.text, prepared.extra_blocks, prepared.meta
            for note in prepared.notes:
                self.post_message(self.Said(note))
            if prepared.redactions:
                self.post_message(self.Said(f"🔒 Redacted before sending: {', '.join(prepared.redactions)}"))
        elif attachment_paths(text):
            self.post_message(self.Said("The repository could not be read, so files cannot be attached: "
                                        "remove the @paths and press Enter again.", error=True))
            return
        self.unsent = typed  # cleared from the prompt by the handler; kept here until it is stored
        self.post_message(self.Sending(text, typed, tuple((meta or {}).get("attachments", ()))))
        try:
            await self._wait_until_ready()
        except asyncio.CancelledError:
            self.post_message(self.TurnCancelled(unsent=typed))  # it never left: give it back
            raise
        # `send` stores the message before its first await: from here it is the session's, not a
        # draft (set here, not in a handler, so that quitting at any moment saves it exactly once).
        self.unsent = None
        try:
            await self._consume(assistant.send(text, extra_blocks=extra, meta=meta))
        except asyncio.CancelledError:
            self.post_message(self.TurnCancelled())
            raise

    @work(exclusive=True, group="turn", exit_on_error=False)
    async def _events_turn(self, start: Callable[[], AsyncIterator[LoopEvent]], note: str) -> None:
        try:
            await self._wait_until_ready()
            if note:
                self.post_message(self.Said(note))
            await self._consume(start())
        except NothingToRetryError as exc:
            self.post_message(self.Said(str(exc), error=True))
        except asyncio.CancelledError:
            self.post_message(self.TurnCancelled())
            raise

    async def _wait_until_ready(self) -> None:
        app: Any = self.app
        if not app.ready_for_turns:
            self.post_message(self.Said(WAITING_NOTE))
            await app.provider_ready.wait()
            await app.project_ready.wait()

    async def _consume(self, events: AsyncIterator[LoopEvent]) -> None:
        async with aclosing(events) as stream:
            async for event in stream:
                self.post_message(self.TurnEvent(event))

    # --- what the worker posts -----------------------------------------------------------------

    @on(Sending)
    async def _sending(self, message: Sending) -> None:
        if not self.live:
            return
        self.prompt.remember(message.typed)
        if self.prompt.text == message.typed:
            self.prompt.set_text("")
        self.transcript.retire_errors()
        self.transcript.anchor()  # sending is a return to the tail
        await self.transcript.add(UserEntry(message.text, message.attachments))
        self.refresh_status()

    @on(TurnEvent)
    async def _turn_event(self, message: TurnEvent) -> None:
        if not self.live:
            return
        assert self.turn_view is not None
        event = message.event
        await self.turn_view.apply(event)
        if isinstance(event, Notice):
            if event.kind == "findings":
                await self.show_findings()
            else:
                await self.transcript.note(event.text, error=event.error)
        elif isinstance(event, ToolCallFinished):
            self.refresh_panel()
        elif isinstance(event, (TurnFinished, TurnFailed)):
            self.refresh_panel()
            self.refresh_status()

    @on(TurnCancelled)
    async def _turn_cancelled(self, message: TurnCancelled) -> None:
        if not self.live:
            return
        assert self.turn_view is not None
        self.unsent = None
        if message.unsent is not None:
            if not self.prompt.text.strip():
                self.prompt.set_text(message.unsent)
            await self.transcript.note("Not sent: your message is back in the prompt.")
        else:
            await self.turn_view.cancelled()
        self.refresh_status()

    @on(Said)
    async def _said(self, message: Said) -> None:
        if not self.live:
            return
        await self.transcript.note(message.text, error=message.error)

    @on(NotSent)
    async def _not_sent(self, message: NotSent) -> None:
        if not self.live:
            return
        prepared = message.prepared
        problems = [f"@{p} does not exist" for p in prepared.missing] + list(prepared.refused)
        if problems:
            await self.transcript.note("Not sent: " + "; ".join(problems) + ". Fix the path and press Enter again.",
                                       error=True)
            return
        self.confirm_secret_files(prepared, message.typed)

    @on(ErrorEntry.RetryRequested)
    def _retry_pressed(self) -> None:
        self.retry()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker is self.turn:
            self.refresh_bindings()
            self.refresh_status()

    # --- approvals -----------------------------------------------------------------------------

    async def _approve(self, request: ApprovalRequest) -> Decision:
        """The assistant's approver: ask the person through the modal (runs in the turn worker)."""
        future: asyncio.Future[Decision] = asyncio.get_running_loop().create_future()
        self.post_message(self.ApprovalRequested(request, future))
        return await future

    @on(ApprovalRequested)
    def _approval_requested(self, message: ApprovalRequested) -> None:
        from backdev.tui.screens.approval import ApprovalScreen

        ApprovalScreen.ask(self.app, message.request, message.future)

    # --- keys ----------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "escape":
            return True if (self.busy or self.composer.menu_open) else None
        return True

    def action_escape(self) -> None:
        """Esc: close the completion menu, else cancel the streaming reply."""
        if self.composer.menu_open:
            self.composer.close_menu()
        elif self.busy and self.turn is not None:
            self.turn.cancel()

    def action_scroll_transcript(self, direction: int) -> None:
        if direction < 0:
            self.transcript.scroll_page_up()
        else:
            self.transcript.scroll_page_down()
