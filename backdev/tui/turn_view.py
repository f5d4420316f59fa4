"""How the events of a turn appear in the transcript (runs in the chat screen's handlers).

Text deltas stream into one reply entry per API message; the model's thinking is one folded
"Thinking…" entry before the text it led to; a tool call appears as a one-line entry
that fills in when the tool has run; a broken stream, a failure or a cancel marks the reply it
cut short, and a failure adds an error entry with a retry button.
"""

from __future__ import annotations

from typing import Any

from backdev.llm.events import (
    AssistantMessage,
    LoopEvent,
    Notice,
    StreamRetrying,
    TextDelta,
    ThinkingStarted,
    Thought,
    ToolCallFinished,
    ToolCallRequested,
    TurnFailed,
    TurnFinished,
)
from backdev.tui.widgets.entries import ErrorEntry, ReplyEntry, ThinkingEntry, ToolEntry
from backdev.tui.widgets.transcript import Transcript


def call_line(name: str, arguments: dict[str, Any]) -> str:
    """`read_file backdev/api/views.py` — the line shown while a tool runs."""
    first = next((v for v in arguments.values() if isinstance(v, str) and v.strip()), "")
    first = " ".join(first.split())
    return f"{name} {first[:80]}{'…' if len(first) > 80 else ''}".strip()


class TurnView:
    """Applies one turn's events to the transcript, in order."""

    def __init__(self, transcript: Transcript) -> None:
        self.transcript = transcript
        self.reply: ReplyEntry | None = None
        self.pending_tools: dict[str, ToolEntry] = {}
        self.thinking: ThinkingEntry | None = None

    async def apply(self, event: LoopEvent) -> None:
        if isinstance(event, TextDelta):
            if self.reply is None:
                self.reply = await self.transcript.start_reply()
            await self.reply.write(event.text)
        elif isinstance(event, ThinkingStarted):
            await self._close()  # thinking comes before the text it leads to: folded, in its place
            self.thinking = ThinkingEntry(pending=True)
            await self.transcript.add(self.thinking)
        elif isinstance(event, Thought):
            entry, self.thinking = self.thinking, None
            if entry is None:
                await self._close()
                entry = ThinkingEntry(pending=True)
                await self.transcript.add(entry)
            entry.thought(event.text, event.redacted)
        elif isinstance(event, ToolCallRequested):
            await self._close()
            entry = ToolEntry(call_line(event.name, event.input), pending=True, call_id=event.call_id)
            self.pending_tools[event.call_id] = entry
            await self.transcript.add(entry)
        elif isinstance(event, ToolCallFinished):
            entry = self.pending_tools.pop(event.call_id, None)
            if entry is None:
                entry = ToolEntry(event.summary, call_id=event.call_id)
                await self.transcript.add(entry)
            entry.finish(event.summary, event.detail, event.is_error)
        elif isinstance(event, StreamRetrying):
            await self._close("retrying")
        elif isinstance(event, (AssistantMessage, TurnFinished, Notice)):
            await self._close()  # the chat screen shows a Notice's text
        elif isinstance(event, TurnFailed):
            reply = await self._close("interrupted")
            if reply is not None and reply.has_text:
                # The error just below says it was cut off, why, and offers Retry: one notice, not two.
                # (The mark stays for a stored session shown again, where no error follows.)
                reply.query_one(".mark").display = False
            await self.transcript.add(ErrorEntry(event.failure.message, retryable=event.failure.retryable))

    async def cancelled(self) -> None:
        """The person cancelled: mark what arrived (it is kept) and any tool left running."""
        for entry in self.pending_tools.values():
            entry.finish(f"{entry.summary} · cancelled", "", True)
        self.pending_tools.clear()
        if self.reply is not None and self.reply.has_text:
            await self._close("cancelled")
        else:
            await self._close()
            await self.transcript.note("⏹ Cancelled before any reply arrived; /retry asks again.")

    async def _close(self, status: str = "complete") -> ReplyEntry | None:
        thinking, self.thinking = self.thinking, None
        if thinking is not None:  # the stream broke or was cancelled mid-thought: nothing of it is kept
            thinking.thought("", False)
        reply, self.reply = self.reply, None
        if reply is not None:
            await reply.finish(status if reply.has_text else "complete")
        return reply
