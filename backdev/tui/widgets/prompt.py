"""The prompt: a multi-line TextArea where Enter sends.

Shift+Enter and Alt+Enter insert a newline where the terminal reports them (kitty keyboard
protocol); legacy terminals send a plain CR for Shift+Enter, which is indistinguishable from
Enter, so Ctrl+J (a LF, which every terminal sends) always inserts a newline too. Up and Down
recall earlier messages while the prompt is empty (or still shows a recalled one). While the
completion menu is open, Up/Down/Tab/Enter drive the menu instead (see `Composer`).
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widgets import TextArea


class PromptArea(TextArea):
    """Where the person types; posts `Submitted` on Enter."""

    BINDINGS = [
        Binding("enter", "submit", "Send", key_display="⏎"),
        Binding("ctrl+j,shift+enter,alt+enter", "newline", "Newline", key_display="^j"),
        Binding("tab", "complete_or_focus", "Complete", show=False),
    ]

    @dataclass
    class Submitted(Message):
        """The person pressed Enter with this text (the prompt is not cleared here)."""

        prompt: PromptArea
        text: str

    @dataclass
    class MenuMove(Message):
        """Move the completion menu's highlight by `delta`."""

        delta: int

    class MenuAccept(Message):
        """Accept the highlighted completion."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, soft_wrap=True, show_line_numbers=False, tab_behavior="focus", compact=True,
                         placeholder="Message · Enter sends · Ctrl+J newline · / commands · @ files · Ctrl+P palette")
        self.completing = False  # set by the Composer while its menu is open
        self.sent: list[str] = []  # earlier messages, oldest first (not TextArea.history, the undo log)
        self._recalled: int | None = None

    async def _on_key(self, event: events.Key) -> None:
        # TextArea's own key handler inserts a newline on Enter, and it runs before bindings, so
        # these keys are handled here; the bindings above only label them in the footer.
        action = {"enter": self.action_submit, "shift+enter": self.action_newline,
                  "alt+enter": self.action_newline, "ctrl+j": self.action_newline}.get(event.key)
        if action is None:
            await super()._on_key(event)
            return
        event.stop()
        event.prevent_default()
        action()

    # --- actions -------------------------------------------------------------------------------

    def action_submit(self) -> None:
        if self.completing:
            self.post_message(self.MenuAccept())
        else:
            self.post_message(self.Submitted(self, self.text))

    def action_newline(self) -> None:
        start, end = self.selection
        self._replace_via_keyboard("\n", start, end)

    def action_complete_or_focus(self) -> None:
        if self.completing:
            self.post_message(self.MenuAccept())
        else:
            self.screen.focus_next()

    def action_cursor_up(self, select: bool = False) -> None:
        if self.completing and not select:
            self.post_message(self.MenuMove(-1))
        elif not select and self._may_recall():
            self._recall(-1)
        else:
            super().action_cursor_up(select)

    def action_cursor_down(self, select: bool = False) -> None:
        if self.completing and not select:
            self.post_message(self.MenuMove(1))
        elif not select and self._recalled is not None and self._may_recall():
            self._recall(1)
        else:
            super().action_cursor_down(select)

    # --- history -------------------------------------------------------------------------------

    def remember(self, text: str) -> None:
        """Add a sent message to the Up/Down history."""
        if text.strip() and (not self.sent or self.sent[-1] != text):
            self.sent.append(text)
        self._recalled = None

    def _may_recall(self) -> bool:
        if not self.sent:
            return False
        if self._recalled is None:
            return self.text == ""
        return self.text == self.sent[self._recalled]

    def _recall(self, step: int) -> None:
        index = len(self.sent) if self._recalled is None else self._recalled
        index += step
        if index >= len(self.sent):
            self._recalled = None
            self.load_text("")
            return
        self._recalled = max(0, index)
        self.load_text(self.sent[self._recalled])
        self.move_cursor(self.document.end)

    def set_text(self, text: str) -> None:
        """Replace the text (a restored draft, a cleared prompt) and put the cursor at the end."""
        self._recalled = None
        self.load_text(text)
        self.move_cursor(self.document.end)
