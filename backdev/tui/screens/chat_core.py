"""The chat screen's core: its parts, and how it feeds the session driver and renders its events.

Input goes to the driver (`backdev.chat.ChatDriver`); what comes back is rendered here. A turn
(a message, a retry, a review) runs in an exclusive worker that only iterates the driver's
events and posts each one as a `DriverEvent`; the handler (on the main thread, in order) renders
it. A command that starts no turn runs inline and its events are rendered at once; one that
waits on the database (`/schema`, `/explain`) runs in a thread and posts its result
(`CommandDone`). Esc cancels the worker: the core keeps what arrived, marked cancelled, and the
transcript marks it too; a message that never left goes back into the prompt.

Approvals and confirmations the driver asks for travel as messages carrying a future that a
modal resolves.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, Callable
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on, work
from textual.message import Message
from textual.screen import Screen
from textual.widget import Widget
from textual.worker import Worker

from backdev.chat.driver import ChatDriver
from backdev.chat.events import (
    RANGE,
    Answer,
    ChatEvent,
    CommandResult,
    CostLimit,
    FindingsShown,
    LargeMessage,
    LeavingPhase,
    MessageSent,
    Note,
    NotSent,
    QuitRequested,
    ReportShown,
    ReviewFinished,
    SecretFiles,
    SessionOpened,
    TranscriptCleared,
)
from backdev.llm.events import MessageStarted, Notice, TextDelta, ToolCallFinished, TurnFailed, TurnFinished
from backdev.tools.base import ApprovalRequest, Decision
from backdev.tui.options import AppOptions
from backdev.tui.safe import visible
from backdev.tui.paint_pace import PaintPacer
from backdev.tui.threads import in_daemon_thread
from backdev.tui.turn_view import TurnView
from backdev.tui.widgets.composer import Composer
from backdev.tui.widgets.entries import UserEntry, WelcomeEntry
from backdev.tui.widgets.prompt import PromptArea
from backdev.tui.widgets.status import StatusBar, StatusInfo
from backdev.tui.widgets.transcript import Transcript
from backdev.tui.widgets.workflow_panel import WorkflowPanel

SaveSetting = Callable[[str, Any], bool]


class ChatCore(Screen[None]):
    """The parts of the conversation screen and its traffic with the driver."""

    @dataclass
    class DriverEvent(Message, bubble=False):
        """One event from the driver, posted by the turn's worker (text deltas that arrive while one
        waits to be handled are joined into it: see `_stream`)."""

        event: ChatEvent
        taken: bool = False  # the handler has it: later text goes in a new message

        def absorb(self, event: ChatEvent) -> bool:
            """Join `event` (a text delta) into this waiting text delta; False when it cannot."""
            if self.taken or not isinstance(event, TextDelta) or not isinstance(self.event, TextDelta):
                return False
            self.event = TextDelta(self.event.text + event.text)
            return True

    @dataclass
    class TurnCancelled(Message, bubble=False):
        """The turn's worker was cancelled; `unsent` is a message that never left (put it back)."""

        unsent: str | None = None

    @dataclass
    class CommandDone(Message, bubble=False):
        """A command run off the UI thread is done: `waiting` (its note) gives way to `result`."""

        result: CommandResult
        waiting: Widget

    @dataclass
    class ApprovalRequested(Message, bubble=False):
        """The driver asks before something writes or runs; resolve `future` with a Decision."""

        request: ApprovalRequest
        future: asyncio.Future[Decision]

    @dataclass
    class ConfirmRequested(Message, bubble=False):
        """The driver asks whether to send secret files; resolve `future` with yes or no."""

        question: SecretFiles
        future: asyncio.Future[bool]

    def __init__(self, driver: ChatDriver, options: AppOptions, notes: list[str], save_setting: SaveSetting) -> None:
        super().__init__()
        self.driver = driver
        self.options = options
        self.app_notes = notes
        self.save_setting = save_setting
        self.turn: Worker[None] | None = None
        self.welcome_open = False  # the welcome is on screen (a flag: the turn's events must not walk the DOM)
        self.asking = 0  # dialogs open for the driver (approvals, questions): the status says so
        self.turn_view: TurnView | None = None

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
        self.query_one(WorkflowPanel).show(self.driver.workflow_view())

    def refresh_status(self) -> None:
        state = "waiting for you…" if self.asking else "streaming…" if self.busy else self.driver.still_loading
        self.query_one(StatusBar).show(StatusInfo(self.driver.status(), state))

    def refresh_welcome(self) -> None:
        """Say in the welcome what reading the repository found (it was written before)."""
        welcome = self.driver.welcome()
        for entry in self.query(WelcomeEntry):
            if welcome is not None:
                entry.show(welcome.lines(app=True))

    async def drop_welcome(self) -> None:
        """The conversation started (or another session opened): the welcome gives way."""
        self.welcome_open = False
        await self.query(WelcomeEntry).remove()

    def save_draft(self) -> None:
        """Keep what is typed (or a message still waiting to be sent) with the session."""
        self.driver.save_draft(self.prompt.text)

    # --- input ---------------------------------------------------------------------------------

    def refuses_while_busy(self, line: str) -> bool:
        """True (and says so) when a command would change a turn that is still streaming."""
        refusal = self.driver.refusal_during_turn(line) if self.busy else None
        if refusal is not None:
            self.notify(refusal, severity="warning")
            return True
        return False

    async def run_command(self, line: str) -> None:
        """Run a slash command (typed, or from the palette): show what it says, stream the turn it starts.

        A command that waits on the database runs in a worker thread, saying so meanwhile: a server
        that does not answer would otherwise freeze the screen for the whole connect timeout.
        """
        if self.refuses_while_busy(line):
            return
        spec = self.driver.commands.spec_for(line)
        if spec is not None and spec.waits:
            waiting = await self.transcript.note(f"/{spec.name}: {spec.waits} (you can keep typing)")
            self._command_off_thread(line, waiting)
            return
        await self.show_result(self.driver.command(line))

    @work(group="commands", exit_on_error=False)
    async def _command_off_thread(self, line: str, waiting: Widget) -> None:
        # A daemon thread, not the loop's executor: quitting while the server hangs must not wait for it.
        self.post_message(self.CommandDone(await in_daemon_thread(lambda: self.driver.command(line)), waiting))

    @on(CommandDone)
    async def _command_done(self, message: CommandDone) -> None:
        if not self.live:
            return
        if message.waiting.is_attached:  # (a long session may have put it away meanwhile)
            await message.waiting.remove()
        await self.show_result(message.result)

    async def show_result(self, result: CommandResult) -> None:
        """Show what a command did, and stream the turn it starts."""
        for event in result.events:
            if isinstance(event, QuitRequested):
                await self.app.action_quit()
                return
            await self.show(event)
        if result.turn is not None:
            self.run_turn(result.turn)
        self.refresh_panel()
        self.refresh_status()

    def send(self, text: str, *, typed: str | None = None) -> None:
        """Send a message (the driver reads its attachments first); the prompt is cleared once it leaves."""
        self.turn = self._stream(lambda: self.driver.send(text, typed))
        self.refresh_bindings()

    def retry(self) -> None:
        """Ask the last question again (`/retry`, the Retry button)."""
        self.run_turn(self.driver.retry)

    def run_turn(self, start: Callable[[], AsyncGenerator[ChatEvent, None]]) -> None:
        """Stream a turn the driver starts by itself (a retry, a review) into the transcript."""
        if self.busy:
            self.notify("A reply is streaming: press Esc to cancel it first.", severity="warning")
            return
        self.transcript.retire_errors()
        self.transcript.anchor()
        self.turn = self._stream(start)
        self.refresh_bindings()

    @work(exclusive=True, group="turn", exit_on_error=False)
    async def _stream(self, start: Callable[[], AsyncGenerator[ChatEvent, None]]) -> None:
        # A reply that arrives faster than it is shown (already buffered) never suspends this worker,
        # and Textual paints a screen only once its queue is empty: one message per delta kept the
        # reply's first line off the screen until its last was handled (~280 ms for 300 lines). So
        # text that arrives while the screen has not taken the last delta yet is joined into it,
        # and the worker pauses for the screen to paint when `PaintPacer` says (backdev.tui.paint_pace).
        pacer = PaintPacer()
        last: ChatCore.DriverEvent | None = None
        try:
            async with aclosing(start()) as events:
                async for event in events:
                    if last is None or not last.absorb(event):
                        last = self.DriverEvent(event)
                        self.post_message(last)
                    if isinstance(event, MessageStarted):
                        pacer.message_started()
                    elif isinstance(event, TextDelta) and pacer.wants_paint(event.text, time.monotonic()):
                        await self._painted()
                        pacer.painted(event.text, time.monotonic())
        except asyncio.CancelledError:
            self.post_message(self.TurnCancelled(unsent=self.driver.take_unsent()))
            raise

    async def _painted(self) -> None:
        """Wait until the screen has handled every message posted so far and painted the result."""
        painted: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def done() -> None:
            if not painted.done():
                painted.set_result(None)

        self.call_after_refresh(done)
        await painted

    # --- rendering -----------------------------------------------------------------------------

    async def show(self, event: ChatEvent) -> None:
        """Render one of the driver's events."""
        transcript = self.transcript
        if isinstance(event, (MessageSent, SessionOpened, TranscriptCleared)):
            await self.drop_welcome()
        if isinstance(event, MessageSent):
            self.prompt.remember(event.typed)
            if self.prompt.text == event.typed:
                self.prompt.set_text("")
            transcript.retire_errors()
            transcript.anchor()  # sending is a return to the tail
            await transcript.add(UserEntry(event.text, event.attachments))
            self.refresh_status()
        elif isinstance(event, (Note, Notice)):
            if isinstance(event, Notice) and self.turn_view is not None:
                await self.turn_view.apply(event)  # closes the reply it follows
            await transcript.note(event.text, error=event.error)
        elif isinstance(event, NotSent):
            if event.reason == "too_large":
                self.prompt.set_text(event.typed)  # perhaps narrowed to a range, to check and send again
            if event.reason == "secret_files":
                self.notify(event.message, severity="warning")
            else:
                await transcript.note(event.message, error=True)
        elif isinstance(event, TranscriptCleared):
            await transcript.clear()
        elif isinstance(event, SessionOpened):
            await transcript.show_history(list(event.items))
            self.prompt.sent = list(event.sent)
            self.prompt.set_text(event.draft)
        elif isinstance(event, FindingsShown):
            await self.show_findings(event)
        elif isinstance(event, ReportShown):
            from backdev.tui.widgets.report import ReportEntry  # the tables are built after the first frame

            await transcript.add(ReportEntry(event.report))
        elif not isinstance(event, (QuitRequested, ReviewFinished)):  # the app leaves on /quit; a report is for the CLI
            await self._show_turn_event(event)

    async def _show_turn_event(self, event: ChatEvent) -> None:
        assert self.turn_view is not None
        if self.welcome_open:  # a reply (a review's too) starts the conversation; a turn that only asks does not
            await self.drop_welcome()
        await self.turn_view.apply(event)  # type: ignore[arg-type]  # the loop's events (others are ignored)
        if isinstance(event, ToolCallFinished):
            self.refresh_panel()
        elif isinstance(event, (TurnFinished, TurnFailed)):
            self.refresh_panel()
            self.refresh_status()

    async def show_findings(self, event: FindingsShown) -> None:
        """A review's findings as a sortable table in the transcript.

        The keyboard stays in the prompt: focusing the table here swallowed the next message typed
        (and its `s` sorted the table). A click or Tab focuses it; Esc gives the keyboard back.
        """
        from backdev.tui.widgets.findings import FindingsEntry  # the table is built after the first frame

        await self.transcript.add(FindingsEntry(list(event.findings), event.scope))

    # --- what the driver asks ------------------------------------------------------------------

    async def ask_approval(self, request: ApprovalRequest) -> Decision:
        """The driver's approver: ask the person through the modal (runs in the turn worker)."""
        future: asyncio.Future[Decision] = asyncio.get_running_loop().create_future()
        self.post_message(self.ApprovalRequested(request, future))
        return await future

    async def ask_budget(self, question: LargeMessage | CostLimit) -> Answer:
        """Ask about a large message or the session's cost limit in a picker (Esc: cancel)."""
        from backdev.tui.screens.choice import ChoiceScreen  # modals load on first use

        future: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        large = isinstance(question, LargeMessage)
        options: list[tuple[str, Answer]] = ([("range", RANGE), ("continue", True), ("cancel", False)] if large
                                             else [("continue", True), ("cancel", False)])
        labels = {"range": "Attach a range instead (the first 200 lines)", "continue": "Send it as it is",
                  "cancel": "Cancel (the message stays in the prompt)"}
        answers = dict(options)

        def chosen(value: str | None) -> None:
            if not future.done():
                future.set_result(answers.get(value or "cancel", False))

        choices = [(name, Text(labels[name])) for name, _ in options]
        self.app.push_screen(ChoiceScreen(visible(question.problem), choices), chosen)
        return await future

    async def ask_to_leave(self, question: LeavingPhase) -> bool:
        """Ask before a phase is left with work open (Stay, the safe answer, is focused; Esc stays)."""
        from backdev.tui.screens.confirm import ConfirmScreen  # modals load on first use

        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()

        def answered(yes: bool | None) -> None:
            if not future.done():
                future.set_result(bool(yes))

        # Phase titles and item ids come from workflow files (perhaps the repository's): shown as text.
        self.app.push_screen(ConfirmScreen(visible(f"Leave the {question.left} phase?"),
                                           f"{question.problem}\n\n{question.question}", yes="Move on", no="Stay"),
                             answered)
        return await future

    async def ask_confirmation(self, question: SecretFiles) -> bool:
        """Ask before a secret file (.env, a key...) goes to the model (runs in the turn worker)."""
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self.post_message(self.ConfirmRequested(question, future))
        return await future
