"""A yes/no question in a modal (deleting a session, sending a secret file)."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from backdev.tui.safe import safe_text


class ConfirmScreen(ModalScreen[bool]):
    """Dismisses with True (yes) or False (no, Esc)."""

    CSS_PATH = "confirm.tcss"
    BINDINGS = [Binding("y", "answer(True)", "Yes"), Binding("n,escape", "answer(False)", "No")]

    def __init__(self, title: str, question: str, *, yes: str = "Yes", no: str = "No") -> None:
        super().__init__()
        self.title_text, self.question, self.yes, self.no = title, question, yes, no

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Text(self.title_text, style="bold"), id="title")
            # Buttons docked at the bottom, the question scrolls: every size shows both answers,
            # the safe one first and focused.
            with Horizontal(id="buttons"):
                yield Button(f"{self.no} (n)", id="no", variant="primary", compact=True)
                yield Button(f"{self.yes} (y)", id="yes", variant="error", compact=True)
            with VerticalScroll(id="body"):
                yield Static(safe_text(self.question), id="question")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()  # the safe answer is the default

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
