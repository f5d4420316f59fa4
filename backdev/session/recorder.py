"""Writes a turn's messages to the store as the loop's events arrive.

The recorder is where "nothing received is ever lost" is kept: every complete message is written
when it completes, a partial reply is written when its stream breaks (as `superseded` when the
loop retries it, `interrupted` when it gives up) or when the person cancels (`cancelled`), and tool
calls left without results by a cancel get results saying so, so the conversation stays valid.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from backdev.llm.events import (
    AssistantMessage,
    LoopEvent,
    StreamRetrying,
    TextDelta,
    ToolCallFinished,
    ToolResultsMessage,
    TurnFailed,
    TurnFinished,
    Usage,
)
from backdev.session.store import SessionStore, StoredMessage

CANCELLED_TOOL_RESULT = "Not run: the person cancelled the turn."


def tool_summary_lines(calls: tuple[ToolCallFinished, ...] | list[ToolCallFinished]) -> str:
    return "\n".join(call.summary for call in calls)


def _call_meta(call: ToolCallFinished) -> dict[str, Any]:
    return {"id": call.call_id, "name": call.name, "input": call.input, "summary": call.summary, "is_error": call.is_error}


@dataclass
class TurnRecorder:
    """Persists one turn. Feed it every loop event, then `finish_cancelled()` if the turn was cancelled."""

    store: SessionStore
    session_id: str
    turn: int
    model: str
    partial: list[str] = field(default_factory=list)
    pending_calls: list[dict[str, Any]] = field(default_factory=list)
    finished_calls: list[ToolCallFinished] = field(default_factory=list)
    saved: list[StoredMessage] = field(default_factory=list)
    done: bool = False

    def _save(self, **values: Any) -> StoredMessage:
        row = self.store.append_message(self.session_id, turn=self.turn, model=self.model, **values)
        self.saved.append(row)
        return row

    def _partial_text(self) -> str:
        text = "".join(self.partial)
        self.partial.clear()
        return text

    def observe(self, event: LoopEvent) -> None:
        """Record what `event` means for the stored conversation."""
        if isinstance(event, TextDelta):
            self.partial.append(event.text)
        elif isinstance(event, StreamRetrying):
            text = self._partial_text() or event.partial_text
            if text:
                self._save(
                    role="assistant", content=[{"type": "text", "text": text}], text=text, status="superseded",
                    meta={"error": event.failure.message, "retried": True},
                )
        elif isinstance(event, AssistantMessage):
            self.partial.clear()
            self._save(role="assistant", content=event.content, text=event.text, usage=event.usage)
            self.pending_calls = [b for b in event.content if b.get("type") == "tool_use"]
            self.finished_calls = []
        elif isinstance(event, ToolCallFinished):
            self.finished_calls.append(event)
        elif isinstance(event, ToolResultsMessage):
            self._save(
                role="user", kind="tool_results", content=event.content, text=tool_summary_lines(event.calls),
                meta={"tool_calls": [_call_meta(c) for c in event.calls]},
            )
            self.pending_calls = []
            self.finished_calls = []
        elif isinstance(event, TurnFinished):
            self.done = True
        elif isinstance(event, TurnFailed):
            text = self._partial_text() or event.partial_text
            self._save(
                role="assistant", content=[{"type": "text", "text": text}] if text else [], text=text,
                status="interrupted" if text else "failed", usage=event.usage,
                meta={"error": event.failure.message, "kind": event.failure.kind},
            )
            self.done = True

    def finish_cancelled(self) -> None:
        """The person cancelled: answer open tool calls and keep the partial reply, marked."""
        if self.done:
            return
        self.done = True
        if self.pending_calls:
            answered = {c.call_id: c for c in self.finished_calls}
            results = []
            calls: list[ToolCallFinished] = []
            for block in self.pending_calls:
                call = answered.get(block["id"]) or ToolCallFinished(
                    block["id"], block["name"], block.get("input") or {}, f"{block['name']} · cancelled", True,
                )
                calls.append(call)
                content = (
                    f"It ran ({call.summary}), but the person cancelled the turn before its result was sent."
                    if block["id"] in answered
                    else CANCELLED_TOOL_RESULT
                )
                results.append({"type": "tool_result", "tool_use_id": block["id"], "content": content, "is_error": True})
            self._save(
                role="user", kind="tool_results", content=results, text=tool_summary_lines(calls),
                meta={"tool_calls": [_call_meta(c) for c in calls]},
            )
        text = self._partial_text()
        self._save(
            role="assistant", content=[{"type": "text", "text": text}] if text else [], text=text,
            status="cancelled", usage=Usage(), meta={"error": "Cancelled by the person."},
        )
