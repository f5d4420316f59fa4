"""The chat screen: transcript, side panel, composer, status bar and footer.

It is a renderer of the session driver's events and a source of its input (see `chat_core.py`
for how, and `chat_actions.py` for the palette and keys). Here: the layout, the start (the stored
transcript, notes, the draft), what the background start-up found, and the message handlers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import TextArea
from textual.worker import Worker

from backdev.commands.syntax import is_command, unescape_message
from backdev.tui.completion import Completer
from backdev.tui.screens.chat_actions import ChatActions
from backdev.tui.turn_view import TurnView
from backdev.tui.widgets.composer import Composer
from backdev.tui.widgets.entries import ErrorEntry, ExpansionClosed, WelcomeEntry
from backdev.tui.widgets.footer import KeyFooter
from backdev.tui.widgets.prompt import PromptArea
from backdev.tui.widgets.status import StatusBar
from backdev.tui.widgets.transcript import Transcript
from backdev.tui.widgets.workflow_panel import WorkflowPanel

if TYPE_CHECKING:  # the repository's modules load when it is read, after the first frame
    from backdev.repo.context import RepoContext


class ChatScreen(ChatActions):
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

    # --- layout and start ----------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="main"):
            yield Transcript(id="transcript", window=self.options.history_window)
            yield WorkflowPanel(id="workflow")
        yield Composer(Completer(self.driver.completions), id="composer")
        yield StatusBar(id="status")
        yield KeyFooter()

    async def on_mount(self) -> None:
        driver = self.driver
        self.turn_view = TurnView(self.transcript)
        self.place_panel()
        items = driver.transcript_items()
        if items:
            await self.transcript.show_history(items)
            self.prompt.sent = driver.sent_messages()
        welcome = driver.welcome()
        if welcome is not None:
            await self.transcript.add(WelcomeEntry(welcome.lines(app=True)))
            self.welcome_open = True
        for note in [*driver.startup_notes, *self.app_notes]:
            await self.transcript.note(note)
        missing_key = driver.credentials_note()
        if missing_key:
            await self.transcript.note(missing_key, error=True)
        self.prompt.set_text(driver.draft())  # the stored draft, not a stale copy
        self.prompt.focus()
        self.refresh_panel()
        self.refresh_status()

    async def on_provider_ready(self, error: str) -> None:
        if error:
            await self.transcript.note(error, error=True)
        self.refresh_status()

    async def on_repository_read(self, context: RepoContext | None, error: str) -> None:
        """Say what reading the repository found, then let the driver attach it (a waiting message goes after)."""
        if error:
            await self.transcript.note(error, error=True)
        for note in context.notes if context is not None else ():
            await self.transcript.note(note)
        self.driver.attach_repository(context)
        self.refresh_welcome()
        self.composer.completer.paths = self.driver.path_index
        self.refresh_panel()
        self.refresh_status()

    # --- input and what the worker posts -------------------------------------------------------

    @on(PromptArea.Submitted)
    async def _submitted(self, message: PromptArea.Submitted) -> None:
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

    @on(ChatActions.DriverEvent)
    async def _driver_event(self, message: ChatActions.DriverEvent) -> None:
        message.taken = True
        if self.live:
            await self.show(message.event)

    @on(ChatActions.TurnCancelled)
    async def _turn_cancelled(self, message: ChatActions.TurnCancelled) -> None:
        if not self.live:
            return
        assert self.turn_view is not None
        if message.unsent is not None:
            if not self.prompt.text.strip():
                self.prompt.set_text(message.unsent)
            await self.transcript.note("Not sent: your message is back in the prompt.")
        else:
            await self.turn_view.cancelled()
        self.refresh_status()

    @on(ErrorEntry.RetryRequested)
    def _retry_pressed(self) -> None:
        self.retry()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker is self.turn:
            self.refresh_bindings()
            self.refresh_status()
            if not self.busy:  # a turn may have changed the phase without a reply (leaving a phase, asked first)
                self.refresh_panel()
                self.refresh_welcome()  # which names the phase

    @on(ChatActions.ApprovalRequested)
    def _approval_requested(self, message: ChatActions.ApprovalRequested) -> None:
        from backdev.tui.screens.approval import ApprovalScreen  # modals load on first use

        ApprovalScreen.ask(self.app, message.request, message.future)

    @on(ChatActions.ConfirmRequested)
    def _confirm_requested(self, message: ChatActions.ConfirmRequested) -> None:
        from backdev.tui.screens.confirm import ConfirmScreen  # modals load on first use

        # Exactly what would be sent (the redacted lines), as plain mode shows it; the body scrolls.
        question, future = message.question.preview, message.future

        def answered(yes: bool | None) -> None:
            if not future.done():
                future.set_result(bool(yes))

        self.app.push_screen(ConfirmScreen("Attach a secret file?", question, yes="Send it", no="Don't send"), answered)

    # --- focus ---------------------------------------------------------------------------------

    def on_screen_resume(self) -> None:
        # A modal (approval, picker, confirmation) closed: typing goes on in the prompt, whatever
        # had focus before it opened.
        if self.is_mounted and self.query(PromptArea):
            self.prompt.focus()

    @on(ExpansionClosed)
    def _expansion_closed(self) -> None:
        self.prompt.focus()

    def on_key(self, event: events.Key) -> None:
        """A printable key typed while a read-only part (a tool line, the table) has focus goes to the prompt.

        Only keys that part does not use itself: a table the person focused still sorts with `s`.
        Esc there (no reply streaming) goes back to the prompt.
        """
        focused = self.focused
        if event.key == "escape" and not self.busy and focused is not None and not isinstance(focused, TextArea):
            event.stop()
            self.prompt.focus()
            return
        if focused is None or isinstance(focused, TextArea) or not event.is_printable or not event.character:
            return
        binding = self.app.active_bindings.get(event.key)
        if binding is not None and binding.node not in (self, self.app):
            return
        event.stop()
        event.prevent_default()
        self.prompt.focus()
        self.prompt.insert(event.character)

    # --- keys ----------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "escape":  # False hides it from the footer (None only greyed it out): nothing to cancel
            return self.busy or self.composer.menu_open
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
