"""How the plain REPL prints a turn: text as it streams, then (in a terminal) the reply as markdown.

While a reply streams, its raw text is written as it arrives — readable by a screen reader and
through a pipe. When it completes in a terminal, and it still fits on the screen, the raw text is
replaced in place by the markdown rendering (rich, which Textual already brings); otherwise the raw
text stays, which is itself readable markdown.

Everything from the model or the repository goes through `backdev.safe_text`: both streams are
`SafeStream`s, so control characters are shown, never emitted; only the printer's own redraw and
rich's styling reach the raw stream, and rich renders already-sanitised text with links shown as
text (no OSC 8 hyperlinks whose target the model chose).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from typing import TextIO

from backdev.chat.events import ChatEvent, FindingsShown, MessageSent, Note
from backdev.llm.cost import format_cost, format_usage
from backdev.llm.events import (
    Notice,
    StreamRetrying,
    TextDelta,
    Thought,
    ToolCallFinished,
    ToolCallRequested,
    TurnFailed,
    TurnFinished,
    Usage,
)
from backdev.safe_text import one_line, safe_stream, visible


def rows_used(text: str, columns: int) -> int:
    """Terminal rows `text` occupies when wrapped at `columns`."""
    from prompt_toolkit.utils import get_cwidth  # only in a terminal

    columns = max(1, columns)
    return sum(max(1, -(-get_cwidth(line) // columns)) for line in text.split("\n"))


def thought_line(event: Thought, width: int = 72) -> str:
    """The one line a thinking block gets in plain mode: its length and how it starts."""
    if event.redacted or not event.text.strip():
        return "∴ Thinking… (encrypted by the API)"
    words = len(event.text.split())
    start = one_line(" ".join(event.text.split()))
    return f"∴ Thinking… ({words:,} word{'s' if words != 1 else ''}): {start[:width]}{'…' if len(start) > width else ''}"


@dataclass
class TurnPrinter:
    """Prints the events of one turn to `out`; notes and errors go to `err`."""

    out: TextIO
    err: TextIO
    markdown: bool = True
    streamed: list[str] = field(default_factory=list)
    failed: bool = False
    # Failures said once per run (a script's missing key), shared by the run's printers: the
    # same sentence for every piped line buried the replies.
    said_once: set[str] | None = None

    def __post_init__(self) -> None:
        self.out = safe_stream(self.out)
        self.err = safe_stream(self.err)

    @property
    def is_terminal(self) -> bool:
        return self.out.isatty()

    def handle(self, event: ChatEvent) -> None:
        if isinstance(event, TextDelta):
            self.streamed.append(event.text)
            self.out.write(event.text)
            self.out.flush()
        elif isinstance(event, ToolCallRequested):
            self._end_text()
        elif isinstance(event, Thought):
            self._end_text()
            self.err.write(f"  {thought_line(event)}\n")
            self.err.flush()
        elif isinstance(event, ToolCallFinished):
            flag = "  ⚠" if event.is_error else ""
            self.err.write(f"  ⚙ {one_line(event.summary)}{flag}\n")
            self.err.flush()
        elif isinstance(event, StreamRetrying):
            self._end_text(render=False)
            self.err.write(f"  ⟳ {event.failure.message} Asking again automatically…\n")
        elif isinstance(event, TurnFinished):
            self._end_text()
        elif isinstance(event, (Notice, Note)):
            self._end_text()
            self.err.write("  " + ("⚠ " if event.error else "") + event.text + "\n")
            self.err.flush()
        elif isinstance(event, FindingsShown):
            self.err.write(event.text + "\n")
            self.err.flush()
        elif isinstance(event, MessageSent) and event.attachments:
            self.err.write(f"  📎 {', '.join(event.attachments)}\n")
            self.err.flush()
        elif isinstance(event, TurnFailed):
            self.failed = True
            self._end_text(render=False)
            kind = event.failure.kind
            # A cut-off reply's own sentence says what arrived is kept: one notice, not two. Other
            # failures that end a reply mid-way do not say it, so it is added to the same line.
            kept = " (the reply above is incomplete; it is kept)" if event.partial_text and kind != "interrupted" else ""
            if self.said_once is not None and kind == "missing_key":
                if kind in self.said_once:
                    return
                self.said_once.add(kind)
            self.err.write(f"  ⚠ {event.failure.message}{kept}\n")
            self.err.flush()

    def cancelled(self) -> None:
        self._end_text(render=False)
        self.err.write("  ⏹ Cancelled — what arrived is kept, marked cancelled. /retry asks again.\n")
        self.err.flush()

    def closed(self) -> None:
        """backdev is being closed (SIGTERM, SIGHUP) in the middle of a reply."""
        self._end_text(render=False)
        self.err.write("  ⏹ backdev was closed — what arrived is kept, marked interrupted; /retry asks again next time.\n")
        self.err.flush()

    def _end_text(self, *, render: bool = True) -> None:
        text = visible("".join(self.streamed))  # as it was shown while it streamed
        self.streamed.clear()
        if not text:
            return
        if render and self.markdown and self.is_terminal:
            size = shutil.get_terminal_size()
            rows = rows_used(text, size.columns)
            if rows < size.lines:
                raw = self.out.raw  # the printer's own escapes: move up over the raw text, clear below
                raw.write("\r" + (f"\x1b[{rows - 1}A" if rows > 1 else "") + "\x1b[J")
                from rich.console import Console  # only to render a finished reply in a terminal
                from rich.markdown import Markdown

                Console(file=raw, width=size.columns, force_terminal=True).print(Markdown(text, hyperlinks=False))
                raw.flush()
                return
        self.out.write("\n" if text.endswith("\n") else "\n\n")
        self.out.flush()

    def status(self, usage: Usage, turn_cost: float | None, session_cost: float | None, context_fill: str = "") -> None:
        """The line after each reply: tokens and cost of the turn and the session, and how full the
        context window is (`context_fill`, the driver's gauge)."""
        gauge = f" · {context_fill}" if context_fill else ""
        self.err.write(f"  ─ {format_usage(usage)} · {format_cost(turn_cost)} (session {format_cost(session_cost)})"
                       f"{gauge}\n")
        self.err.flush()
