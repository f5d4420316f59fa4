"""The entries of the transcript: the person's messages, replies, tool calls, errors and notes.

A reply (`ReplyEntry`, in widgets/reply.py) paints its markdown block by block, so that its cost
on screen does not grow with its length.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Button, Static
from backdev.tui.safe import safe_text, visible

from backdev.tui.widgets.reply import STATUS_MARKS, ReplyEntry

DETAIL_MAX_LINES = 400


class UserEntry(Static):
    """What the person sent (and the files attached to it)."""

    def __init__(self, text: str, attachments: tuple[str, ...] | list[str] = ()) -> None:
        content = safe_text(text)
        if attachments:
            content.append(visible("\n📎 " + "  ".join(attachments)), style="dim")
        super().__init__(content, classes="entry user")
        self.text = text
        self.attachments = tuple(attachments)


def looks_like_diff(text: str) -> bool:
    lines = text.splitlines()[:40]
    return any(line.startswith("@@") for line in lines) or (
        any(line.startswith("+++ ") for line in lines) and any(line.startswith("--- ") for line in lines)
    )


class ExpansionClosed(Message):
    """An entry's detail was hidden again (a tool line, a finding): the screen gives the keyboard back to the prompt."""


class ToolEntry(Vertical, can_focus=True):
    """A tool call as one line (`read_file app/views.py · 240 lines`); Enter or a click expands it."""

    BINDINGS = [Binding("enter,space", "toggle", "Expand", show=False)]
    expanded: reactive[bool] = reactive(False)

    def __init__(self, summary: str, detail: str = "", *, is_error: bool = False, pending: bool = False,
                 call_id: str = "") -> None:
        super().__init__(classes="entry tool")
        self.summary = summary
        self.detail = detail
        self.is_error = is_error
        self.pending = pending
        self.call_id = call_id

    def compose(self) -> ComposeResult:
        yield Static(self._header(), classes="tool-header")

    def _header(self) -> Text:
        arrow = "·" if self.pending else ("▾" if self.expanded else "▸")
        icon = "⚠" if self.is_error else "⚙"
        text = Text(f"{arrow} {icon} ")
        text.append(visible(self.summary))
        if self.pending:
            text.append("  running…", style="dim italic")
        return text

    def finish(self, summary: str, detail: str, is_error: bool) -> None:
        """The call ran: show its one-line summary (the detail appears when expanded)."""
        self.summary, self.detail, self.is_error, self.pending = summary, detail, is_error, False
        self.set_class(is_error, "-error")
        self.query_one(".tool-header", Static).update(self._header())

    def on_click(self) -> None:
        self.action_toggle()

    def action_toggle(self) -> None:
        if not self.pending:
            self.expanded = not self.expanded
            if not self.expanded:
                self.post_message(ExpansionClosed())

    def watch_expanded(self, expanded: bool) -> None:
        if not self.is_mounted:
            return
        self.query_one(".tool-header", Static).update(self._header())
        found = self.query(".tool-detail")
        if found:
            found.first().display = expanded
        elif expanded:
            # Built on first expansion only: a long session holds many tool calls.
            self.mount(Static(self._detail_renderable(), classes="tool-detail"))

    def _detail_renderable(self) -> object:
        lines = (self.detail or "(no output)").splitlines()
        shown = visible("\n".join(lines[:DETAIL_MAX_LINES]))
        if len(lines) > DETAIL_MAX_LINES:
            shown += f"\n… {len(lines) - DETAIL_MAX_LINES} more lines (the model saw them all)"
        if looks_like_diff(shown):
            from rich.syntax import Syntax  # only for a diff

            return Syntax(shown, "diff", theme="ansi_dark", word_wrap=True, background_color="default")
        return Text(shown)


class ThinkingEntry(ToolEntry):
    """The model's thinking before its reply, folded to one line; Enter or a click unfolds it."""

    def __init__(self, text: str = "", *, redacted: bool = False, pending: bool = False) -> None:
        super().__init__("Thinking…", text, pending=pending)
        self.add_class("thinking")
        self.redacted = redacted

    def thought(self, text: str, redacted: bool) -> None:
        """The thinking block is complete: fold it to its one line."""
        self.redacted = redacted
        self.finish("Thinking…", text, False)

    def _header(self) -> Text:
        if self.pending:
            return Text("· Thinking…", style="dim italic")
        text = Text(f"{'▾' if self.expanded else '▸'} Thinking…  ", style="italic")
        words = len(self.detail.split())
        if self.redacted or words:
            text.append("encrypted by the API" if self.redacted else f"{words:,} word{'s' if words != 1 else ''}",
                        style="dim")
        else:
            text.append("cut off before it ended", style="dim")
        return text

    def _detail_renderable(self) -> object:
        return safe_text(self.detail or "(the API sent this thinking encrypted: there is nothing to show)",
                         style="dim italic")


class ErrorEntry(Vertical):
    """A failure, said in one sentence with what to do, and a Retry button when asking again may help."""

    @dataclass
    class RetryRequested(Message):
        entry: ErrorEntry

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(classes="entry error")
        self.message = message
        self.retryable = retryable

    def compose(self) -> ComposeResult:
        yield Static(safe_text("⚠ " + self.message), classes="error-text")
        if self.retryable:
            yield Button("Retry", id="retry", compact=True, variant="warning")

    @on(Button.Pressed, "#retry")
    def _retry(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.RetryRequested(self))

    def disable_retry(self) -> None:
        """A newer turn started: this error's retry no longer applies."""
        for button in self.query(Button):
            button.remove()


class NoteEntry(Static):
    """Something backdev says: command output, start-up notes, waiting."""

    def __init__(self, text: str, *, error: bool = False) -> None:
        super().__init__(safe_text(text), classes="entry note" + (" -error" if error else ""))
        self.text = text
        self.error = error


class WelcomeEntry(Static):
    """The first screen's few lines (backdev.welcome); the chat screen removes it once the conversation starts."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__(self._text(lines), classes="entry welcome", id="welcome")

    @staticmethod
    def _text(lines: list[str]) -> Text:
        # A persona's name and the stack come from files the repository may have written.
        text = safe_text(lines[0], style="bold") if lines else Text()
        for line in lines[1:]:
            text.append("\n" + visible(line), style="dim")
        return text

    def show(self, lines: list[str]) -> None:
        self.update(self._text(lines))


class EarlierEntry(Button):
    """Stands for the older part of a long session until the person asks to see it."""

    def __init__(self, remaining: int) -> None:
        super().__init__(self.text_for(remaining), id="earlier", compact=True)

    @staticmethod
    def text_for(remaining: int) -> str:
        return f"▲ {remaining} earlier entries — show more"

    def set_remaining(self, remaining: int) -> None:
        self.label = self.text_for(remaining)


Entry = UserEntry | ReplyEntry | ToolEntry | ErrorEntry | NoteEntry

__all__ = ["STATUS_MARKS", "EarlierEntry", "Entry", "ErrorEntry", "NoteEntry", "ReplyEntry", "ToolEntry", "UserEntry"]
