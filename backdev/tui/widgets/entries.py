"""The entries of the transcript: the person's messages, replies, tool calls, errors and notes.

A reply streams through `Markdown.get_stream()`: fragments are appended (and coalesced while the
widget is busy), never re-rendered whole per token. Its markdown source is kept by the widget, so
copying a reply copies the logical text, not wrapped screen lines.

The Markdown widget (with markdown-it and the syntax highlighter, about 20 ms to import) is not
needed for the first frame of a new session: it is imported with the first reply, and the app
preloads it in the background right after the first frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Button, Static
from backdev.tui.safe import safe_text, visible

STATUS_MARKS = {
    "cancelled": "⏹ Cancelled — what arrived is kept; /retry asks again.",
    "interrupted": "⚠ Cut off — what arrived is kept; /retry asks again.",
    "retrying": "⟳ The stream broke here; what arrived is kept and the reply is asked for again…",
    "failed": "⚠ This reply failed.",
}
DETAIL_MAX_LINES = 400


class UserEntry(Static):
    """What the person sent (and the files attached to it)."""

    def __init__(self, text: str, attachments: tuple[str, ...] | list[str] = ()) -> None:
        content = safe_text(text)
        if attachments:
            content.append(visible("\n📎 " + "  ".join(attachments)), style="dim")
        super().__init__(content, classes="entry user")
        self.text = text


class ReplyEntry(Vertical):
    """One reply of the model, streamed or restored, with a mark when it did not complete."""

    def __init__(self, text: str = "", status: str = "complete") -> None:
        super().__init__(classes="entry reply")
        self._initial = text
        self.status = status
        self._stream = None
        self.has_text = bool(text)  # true as soon as a fragment is written (before it is rendered)

    def compose(self) -> ComposeResult:
        from textual.widgets import Markdown

        yield Markdown(self._initial or None)
        mark = Static(STATUS_MARKS.get(self.status, ""), classes="mark", markup=False)
        mark.display = self.status in STATUS_MARKS
        yield mark

    @property
    def markdown(self) -> Any:  # textual.widgets.Markdown
        return self.children[0]

    @property
    def source(self) -> str:
        """The reply's markdown as received."""
        return self.markdown.source if self.is_mounted else self._initial

    @property
    def streaming(self) -> bool:
        return self._stream is not None

    async def write(self, fragment: str) -> None:
        """Append a fragment of the streaming reply."""
        if self._stream is None:
            self._stream = self.markdown.get_stream(self.markdown)
        self.has_text = self.has_text or bool(fragment)
        await self._stream.write(fragment)

    async def finish(self, status: str = "complete") -> None:
        """The stream is over: flush what is pending and mark how it ended."""
        if self._stream is not None:
            stream, self._stream = self._stream, None
            await stream.stop()
        self.set_status(status)

    def set_status(self, status: str) -> None:
        self.status = status
        mark = self.query_one(".mark", Static)
        mark.update(STATUS_MARKS.get(status, ""))
        mark.display = status in STATUS_MARKS
        self.set_class(status in STATUS_MARKS, "-unfinished")


def looks_like_diff(text: str) -> bool:
    lines = text.splitlines()[:40]
    return any(line.startswith("@@") for line in lines) or (
        any(line.startswith("+++ ") for line in lines) and any(line.startswith("--- ") for line in lines)
    )


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
            from rich.syntax import Syntax

            return Syntax(shown, "diff", theme="ansi_dark", word_wrap=True, background_color="default")
        return Text(shown)


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


class EarlierEntry(Button):
    """Stands for the older part of a long session until the person asks to see it."""

    def __init__(self, remaining: int) -> None:
        super().__init__(f"▲ {remaining} earlier entries — show more", id="earlier", compact=True)


Entry = UserEntry | ReplyEntry | ToolEntry | ErrorEntry | NoteEntry

__all__ = ["EarlierEntry", "Entry", "ErrorEntry", "NoteEntry", "ReplyEntry", "ToolEntry", "UserEntry"]
