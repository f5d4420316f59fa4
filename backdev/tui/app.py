"""The Textual app: start-up in the background, quitting safely, theme and palette.

The app builds the session driver (`backdev.chat.ChatDriver`) with its two callbacks — approvals
and confirmations, which the chat screen asks through modals — and the chat screen renders the
driver's events.

The first frame comes before anything heavy: `anthropic` (about 1.0-1.4 s to import) is warmed in
a thread and the repository is read in a thread worker, both started from `on_ready`. Under the
GIL a thread started earlier would only share the same CPU with the first frame (measured: the
frame comes later and the SDK no sooner; again in tmux for issue 12, a thread started before
Textual is imported: the first frame 1.67x later, ready no sooner), so the import starts right
after the frame, with the garbage collector still held off until it is done (see
`launch.run_app`: the import creates some 3,500 modules' worth of long-lived objects, and
collecting over them costs 10-20% of it). A message sent before they finish waits for them and
leaves as soon as they are (the driver does); the status bar names what is still loading.
Workers only compute and post a message; the handlers here hand the result to the driver and the
chat screen.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import App, InvalidThemeError, SystemCommand
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.theme import Theme
from textual.widgets import TextArea

from backdev.chat.driver import ChatDriver
from backdev.chat.events import Answer, CostLimit, LargeMessage, LeavingPhase, Question, SecretFiles
from backdev.tools.base import ApprovalRequest, Decision
from backdev.tui.safe import PlainNotifications

if TYPE_CHECKING:
    from backdev.repo.context import RepoContext
    from backdev.tui.options import AppOptions
    from backdev.tui.screens.chat import ChatScreen

# Only what the first frame needs is imported at module level: start-up time is measured
# (bench/bench_tui.py) and every module counts. The rest is imported where it is first used.

QUIT_WINDOW = 2.0  # seconds within which a second Ctrl+C quits


class BackdevApp(PlainNotifications, App[int]):
    """`backdev chat`."""

    TITLE = "backdev"
    # The chat screen is the default screen, and Textual does not read a default screen's
    # CSS_PATH: the app loads the stylesheet that sits beside it.
    CSS_PATH = "screens/chat.tcss"
    BINDINGS = [
        Binding("ctrl+c", "interrupt", "Quit", show=False, priority=True),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True),
    ]

    @dataclass
    class ProviderReady(Message):
        """The API client is loaded (or failed to load: `error`)."""

        error: str = ""

    @dataclass
    class RepositoryRead(Message):
        """The repository has been read (`context`), or could not be (`error`)."""

        context: RepoContext | None = None
        error: str = ""

    def __init__(self, options: AppOptions) -> None:
        super().__init__()
        self.options = options
        self.driver = ChatDriver(options.startup, options.workspace, approve=self._approve, confirm=self._confirm,
                                 background_start=True)
        self.notes: list[str] = []
        self._last_interrupt = 0.0
        self._saved_theme = self.driver.settings.theme
        try:
            self.theme = self._saved_theme  # before the first frame: no flash of the default theme
        except InvalidThemeError:  # keep the default, and say so
            self.notes.append(f"Unknown theme {self._saved_theme!r} in your config; using {self.theme}.")
        self.chat: ChatScreen | None = None  # the default screen, once built
        self.after_first_frame: list[Callable[[], None]] = []  # run once, from on_ready
        self.after_warm_up: list[Callable[[], None]] = []  # run once, when the API client is loaded
        self._close_task: asyncio.Task[None] | None = None

    def get_default_screen(self) -> Screen:
        from backdev.tui.screens.chat import ChatScreen  # with the widgets it needs, after the app module

        self.chat = ChatScreen(self.driver, self.options, self.notes, self.save_setting)
        return self.chat

    # --- what the driver asks ------------------------------------------------------------------

    async def _approve(self, request: ApprovalRequest) -> Decision:
        assert self.chat is not None
        with self._waiting_for_answer():
            return await self.chat.ask_approval(request)

    async def _confirm(self, question: Question) -> Answer:
        with self._waiting_for_answer():
            return await self._ask(question)

    @contextmanager
    def _waiting_for_answer(self) -> Iterator[None]:
        # While a dialog asks, the status says the session waits for the person: "streaming…" would be untrue.
        chat = self.chat
        if chat is not None:
            chat.asking += 1
            chat.refresh_status()
        try:
            yield
        finally:
            if chat is not None:
                chat.asking -= 1
                chat.refresh_status()

    async def _ask(self, question: Question) -> Answer:
        # A path that does not exist stops the message (the text stays in the prompt to fix);
        # a secret file is sent only after the person confirms it; size and cost ask in a picker.
        if isinstance(question, (LargeMessage, CostLimit)):
            assert self.chat is not None
            return await self.chat.ask_budget(question)
        if isinstance(question, LeavingPhase):  # leaving a phase with work open: Stay is the default
            assert self.chat is not None
            return await self.chat.ask_to_leave(question)
        if not isinstance(question, SecretFiles):
            return False
        assert self.chat is not None
        return await self.chat.ask_confirmation(question)

    def on_mount(self) -> None:
        from backdev.session import closing  # the signal handlers: installed once the app runs

        self.theme_changed_signal.subscribe(self, self._theme_changed)
        closing.install(asyncio.get_running_loop(), self.close_on_signal)

    def close_on_signal(self, signum: int) -> None:
        """SIGTERM or SIGHUP (a closed terminal): keep the streaming reply (marked interrupted) and the
        draft, then exit with 128 + the signal's number (see `backdev.session.closing`)."""
        from backdev.session import closing  # see on_mount

        closing.mark_closing(signum)
        self._close_task = asyncio.get_running_loop().create_task(self._close(signum))

    async def _close(self, signum: int) -> None:
        from backdev.session import closing  # see on_mount

        if self.chat is not None:
            self.chat.save_draft()
            turn = self.chat.turn
            if turn is not None and turn.is_running:
                turn.cancel()  # the core saves what arrived as the worker unwinds
                try:
                    await turn.wait()
                except Exception:  # WorkerCancelled: what we asked for
                    pass
        status = closing.exit_status(signum)
        self.exit(status, return_code=status)

    def on_ready(self) -> None:
        for callback in self.after_first_frame:
            callback()
        self.after_first_frame.clear()
        self._warm_provider()
        self._read_repository()
        # While the API worker loads the SDK in its own process this one is idle: it loads what the
        # first reply draws with now, so that nothing competes with sending once the API is ready.
        self._preload()

    # --- background start-up -------------------------------------------------------------------

    @work(group="startup", exit_on_error=False)
    async def _warm_provider(self) -> None:
        self.post_message(self.ProviderReady(await self.driver.warm_up()))

    @work(thread=True, group="startup", exit_on_error=False)
    def _preload(self) -> None:
        # What the first frame did not need but the first reply will (see widgets/markdown_blocks.py).
        import rich.markdown  # noqa: F401
        from textual.highlight import highlight

        from backdev.tui.widgets.markdown_blocks import parser

        parser()
        highlight("def f(): pass", language="python")  # the lexers' tables, built on first use

    @work(thread=True, group="startup", exit_on_error=False)
    def _read_repository(self) -> None:
        try:
            context = self.driver.read_repository()  # reads only: the driver applies it on the main thread
        except Exception as exc:  # a broken repository must not stop the conversation
            self.post_message(self.RepositoryRead(None, self.driver.unreadable(exc)))
            return
        self.post_message(self.RepositoryRead(context))

    @on(ProviderReady)
    async def _provider_ready(self, message: ProviderReady) -> None:
        for callback in self.after_warm_up:
            callback()
        self.after_warm_up.clear()
        if self.chat is not None:
            await self.chat.on_provider_ready(message.error)

    @on(RepositoryRead)
    async def _repository_read(self, message: RepositoryRead) -> None:
        if self.chat is not None:
            await self.chat.on_repository_read(message.context, message.error)
        else:
            self.driver.attach_repository(message.context)

    @property
    def ready_for_turns(self) -> bool:
        return self.driver.ready

    # --- quitting ------------------------------------------------------------------------------

    async def action_quit(self) -> None:
        """Leave; what is typed but not sent is saved with the session as its draft."""
        if self.chat is not None:
            self.chat.save_draft()
        self.exit(0)

    async def action_interrupt(self) -> None:
        """Ctrl+C: copy a selection in the prompt, else quit when pressed twice."""
        focused = self.focused
        if isinstance(focused, TextArea) and focused.selected_text:
            self.copy_to_clipboard(focused.selected_text)
            self.notify("Copied the selection.")
            return
        now = time.monotonic()
        if now - self._last_interrupt < QUIT_WINDOW:
            await self.action_quit()
            return
        self._last_interrupt = now
        self.notify("Press Ctrl+C again to quit (what you typed is kept as a draft).", timeout=QUIT_WINDOW)

    # --- theme and palette ---------------------------------------------------------------------

    def _theme_changed(self, theme: Theme) -> None:
        if theme.name != self._saved_theme and self.save_setting("theme", theme.name):
            self._saved_theme = theme.name

    def save_setting(self, key: str, value: Any) -> bool:
        """Remember a UI setting in the user config; a failure is said, never raised."""
        from backdev.settings import SettingsError  # only when a UI setting is saved
        from backdev.user_config import save_user_setting

        try:
            save_user_setting(key, value)
        except (SettingsError, OSError) as exc:
            self.notify(f"Your {key.replace('_', ' ')} is not saved: {exc}", severity="warning")
            return False
        return True

    def deliver_screenshot(self, filename: str | None = None, path: str | None = None,
                           time_format: str | None = None) -> str | None:
        """Save an SVG of the screen (palette → Screenshot) and say where, or why it was not saved.

        Textual's own delivery says only "Failed to save screenshot"; this names the folder and the
        reason. The default folder is `screenshots/` in backdev's data folder (it always exists or
        can be made; a Downloads folder often does not on a server).
        """
        from backdev import paths  # only when a screenshot is saved

        folder = Path(path) if path else paths.data_dir() / "screenshots"
        try:
            if not path:
                paths.ensure_dir(folder)
            saved = self.save_screenshot(filename, str(folder), time_format)
        except OSError as exc:
            self.notify(f"Screenshot not saved: {exc.strerror or exc} ({folder}).", severity="error")
            return None
        self.notify(f"Screenshot saved to {saved}")
        return saved

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        from backdev.tui.palette import palette_commands  # when the palette first opens

        if screen is self.chat:
            for title, help_text, callback in palette_commands(screen):
                yield SystemCommand(title, help_text, callback)
        yield from super().get_system_commands(screen)
