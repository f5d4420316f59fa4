"""The approval modal: what a tool wants to write or run, and the person's decision.

It shows the diff or the exact command, and offers approve once, approve for this session, or
deny. Deny is focused, so a stray Enter never approves anything. The chat screen resolves the
core's approval future with the decision this modal dismisses with.
"""

from __future__ import annotations

import asyncio
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from backdev.tools.base import ApprovalRequest, Decision
from backdev.tui.safe import safe_text, visible
from backdev.tui.widgets.entries import looks_like_diff

KIND_LABELS = {"write": "wants to change files", "run": "wants to run a command"}


class ApprovalScreen(ModalScreen[Decision]):
    """Asks before a tool writes or runs."""

    CSS_PATH = "approval.tcss"
    # Below 70 columns the buttons stack (class `-narrow` on the screen).
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (70, "-wide")]
    BINDINGS = [
        Binding("y", "decide('approve_once')", "Approve once"),
        Binding("a", "decide('approve_session')", "For this session"),
        Binding("n,escape", "decide('deny')", "Deny"),
    ]

    @classmethod
    def ask(cls, app: Any, request: ApprovalRequest, future: asyncio.Future[Decision]) -> None:
        """Show the modal and resolve `future` with the person's decision.

        If the turn is cancelled while the modal is open (Esc, quitting), the future is cancelled
        and the modal closes by itself.
        """
        if future.done():
            return
        modal = cls(request)

        def decided(decision: Decision | None) -> None:
            if not future.done():
                future.set_result(decision or Decision.DENY)

        app.push_screen(modal, decided)
        future.add_done_callback(lambda f: modal.close_if_open() if f.cancelled() else None)

    def __init__(self, request: ApprovalRequest) -> None:
        super().__init__()
        self.request = request

    def compose(self) -> ComposeResult:
        request = self.request
        with Vertical(id="dialog"):
            heading = safe_text(f"{request.tool} {KIND_LABELS.get(request.kind, 'asks')}\n", style="bold")
            heading.append(visible(request.title))
            yield Static(heading, id="title")
            # The buttons are docked at the bottom and the body scrolls, so at any terminal size the
            # person sees every choice; Deny comes first and has the focus: a stray Enter denies.
            with Vertical(id="choices"):
                # The grant names a path the model chose: text, never markup.
                yield Static(safe_text(f"“for this session” covers: {request.grant_key}", style="dim"), id="grant")
                with Horizontal(id="buttons"):
                    yield Button("Deny (n)", id="deny", variant="primary", compact=True)
                    yield Button("Approve once (y)", id="approve_once", compact=True)
                    yield Button("For this session (a)", id="approve_session", compact=True)
            with VerticalScroll(id="detail"):
                yield Static(self._detail(), id="detail-text")

    def _detail(self) -> object:
        # Shown exactly as it will be written, with control characters made visible: a `\r` or an
        # escape sequence in the new text must not hide the line that follows it.
        detail = visible(self.request.detail or "(nothing more to show)")
        if self.request.kind == "run":
            return Text("$ " + detail, style="bold")
        if looks_like_diff(detail):
            from rich.syntax import Syntax  # only for a diff

            return Syntax(detail, "diff", theme="ansi_dark", word_wrap=True, background_color="default")
        return Text(detail)

    def on_mount(self) -> None:
        self.query_one("#deny", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.action_decide(event.button.id or "deny")

    def action_decide(self, value: str) -> None:
        self.dismiss(Decision(value))

    def close_if_open(self) -> None:
        """The turn was cancelled while asking: close without a decision."""
        if self.is_attached and self.app.screen is self:
            self.dismiss(Decision.DENY)
