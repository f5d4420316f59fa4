"""Writes a turn's messages to the store as the loop's events arrive.

The recorder is where "nothing received is ever lost" is kept:

- A reply is saved *while it streams*: its row is written with the first text and rewritten at
  most every `flush_interval` seconds (including after the last text, when the stream pauses),
  marked `interrupted` until it ends — so a process killed mid-reply (kill -9) loses at most that
  last fraction of a second, and what it kept reads as a reply that was cut off.
- The same row then becomes what the reply turned out to be: `complete`, `superseded` (the loop
  asks again), `interrupted` (it gives up), `cancelled` (the person stopped it), or `interrupted`
  because backdev was closed (SIGTERM, SIGHUP: see `backdev.session.closing`).
- Tool calls left without results by a cancel or a close get results saying so, so the
  conversation stays valid; `close_open_calls` does the same on resume for calls left open by a
  process that was killed.
- Money is counted once: each row records the usage of its own API message — the final usage of a
  complete one, what `message_start` reported for one that never finished (those input tokens
  were billed) — never a turn's running total.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field, replace
from typing import Any

from backdev.llm.events import (
    AssistantMessage,
    LoopEvent,
    MessageStarted,
    StreamRetrying,
    TextDelta,
    ToolCallFinished,
    ToolResultsMessage,
    TurnFailed,
    TurnFinished,
    Usage,
)
from backdev.session.closing import closing_reason
from backdev.session.context import NOT_ANSWERED_NOTE, NOT_RUN_CLOSED
from backdev.session.store import SessionStore, Status, StoredMessage

CANCELLED_TOOL_RESULT = "Not run: the person cancelled the turn."
#: Failures that end a turn whose messages are all valid and worth sending on.
KEEPS_THE_TURN = ("tool_rounds",)
#: How often a streaming reply is rewritten, in seconds (what a kill -9 can lose at most).
FLUSH_INTERVAL = 0.25


def tool_summary_lines(calls: tuple[ToolCallFinished, ...] | list[ToolCallFinished]) -> str:
    return "\n".join(call.summary for call in calls)


def _call_meta(call: ToolCallFinished) -> dict[str, Any]:
    return {"id": call.call_id, "name": call.name, "input": call.input, "summary": call.summary, "is_error": call.is_error}


def _text_content(text: str) -> list[dict[str, Any]]:
    return [{"type": "text", "text": text}] if text else []


def closed_error(reason: str) -> str:
    """The note kept with a reply that was streaming when backdev was closed."""
    return f"backdev was closed ({reason}) while this reply streamed; what arrived is kept — /retry asks again."


@dataclass
class TurnRecorder:
    """Persists one turn. Feed it every loop event, then `finish_cancelled()` if the turn was cancelled."""

    store: SessionStore
    session_id: str
    turn: int
    model: str
    flush_interval: float = FLUSH_INTERVAL
    partial: list[str] = field(default_factory=list)
    pending_calls: list[dict[str, Any]] = field(default_factory=list)
    finished_calls: list[ToolCallFinished] = field(default_factory=list)
    saved: list[StoredMessage] = field(default_factory=list)
    done: bool = False
    started_usage: Usage = field(default_factory=Usage)  # what the current message's message_start reported
    streaming_row: int | None = None  # the row holding the current reply while it streams
    _flushed_at: float = 0.0
    _timer: asyncio.TimerHandle | None = None

    # --- writing -------------------------------------------------------------------------------

    def _save(self, **values: Any) -> StoredMessage:
        """Write a message; a reply goes into its streaming row when it has one."""
        reply = values["role"] == "assistant"
        if reply:
            self._cancel_timer()
        if reply and self.streaming_row is not None:
            row_id, self.streaming_row = self.streaming_row, None
            row = self.store.update_message(row_id, content=values["content"], text=values["text"],
                                            status=values.get("status", "complete"), meta=values.get("meta"),
                                            usage=values.get("usage"))
        else:
            row = self.store.append_message(self.session_id, turn=self.turn, model=self.model, **values)
        self.saved.append(row)
        if reply:
            self.started_usage = Usage()
        return row

    def _partial_text(self) -> str:
        text = "".join(self.partial)
        self.partial.clear()
        return text

    def flush(self) -> None:
        """Save the streaming reply as it is now (marked interrupted until it ends)."""
        self._cancel_timer()
        text = "".join(self.partial)
        if not text:
            return
        values: dict[str, Any] = {"content": _text_content(text), "text": text, "status": "interrupted",
                                  "meta": {"error": closed_error("killed"), "kind": "closed", "streaming": True},
                                  "usage": self.started_usage}
        if self.streaming_row is None:
            self.streaming_row = self.store.append_message(self.session_id, turn=self.turn, model=self.model,
                                                           role="assistant", **values).id
        else:
            self.store.update_message(self.streaming_row, **values)
        self._flushed_at = time.monotonic()

    def _text_arrived(self, text: str) -> None:
        self.partial.append(text)
        if self._timer is not None:
            return
        # The first text at once, then at most every flush_interval — and always from the event loop
        # rather than here, so a burst of deltas read in one go (after the loop was busy drawing) is
        # saved whole, and text that arrives just before the stream pauses is saved without waiting
        # for more.
        delay = 0.0 if self.streaming_row is None else max(0.0, self.flush_interval - (time.monotonic() - self._flushed_at))
        try:
            self._timer = asyncio.get_running_loop().call_later(delay, self.flush)
        except RuntimeError:  # no event loop (a synchronous caller): save now
            self.flush()

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    # --- events --------------------------------------------------------------------------------

    def annotated(self, event: LoopEvent) -> LoopEvent:
        """`event`, with the failure of a turn that got no answer saying so (see backdev.session.context).

        A failed reply is not answered unless some of its text arrived (then it is kept as an
        interrupted reply and sent, marked, like any partial one).
        """
        if (isinstance(event, TurnFailed) and event.failure.kind not in KEEPS_THE_TURN + ("missing_key",)
                and not ("".join(self.partial) or event.partial_text).strip()):
            failure = event.failure
            return replace(event, failure=replace(failure, message=f"{failure.message} {NOT_ANSWERED_NOTE}",
                                                  shell_message=failure.outside_chat))
        return event

    def observe(self, event: LoopEvent) -> None:
        """Record what `event` means for the stored conversation."""
        if isinstance(event, MessageStarted):
            self.started_usage = event.usage
        elif isinstance(event, TextDelta):
            self._text_arrived(event.text)
        elif isinstance(event, StreamRetrying):
            text = self._partial_text() or event.partial_text
            if text or self.streaming_row is not None or event.usage != Usage():
                self._save(role="assistant", content=_text_content(text), text=text, status="superseded",
                           usage=event.usage, meta={"error": event.failure.message, "retried": True})
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
            # Stopped at the tool round limit, the turn's work is valid and kept ("continue" goes on from it).
            kept = bool(text) or event.failure.kind in KEEPS_THE_TURN
            self._save(
                role="assistant", content=_text_content(text), text=text,
                status="interrupted" if kept else "failed", usage=event.message_usage,
                meta={"error": event.failure.message, "kind": event.failure.kind},
            )
            self.done = True

    def finish_cancelled(self) -> None:
        """The turn was stopped: answer open tool calls and keep the partial reply, marked.

        Marked `cancelled` when the person stopped it, `interrupted` when backdev was closed.
        """
        if self.done:
            return
        self.done = True
        reason = closing_reason()
        if self.pending_calls:
            answered = {c.call_id: c for c in self.finished_calls}
            results = []
            calls: list[ToolCallFinished] = []
            stopped = "backdev was closed" if reason else "cancelled"
            for block in self.pending_calls:
                call = answered.get(block["id"]) or ToolCallFinished(
                    block["id"], block["name"], block.get("input") or {}, f"{block['name']} · {stopped}", True,
                )
                calls.append(call)
                if block["id"] in answered:
                    who = "backdev was closed" if reason else "the person cancelled the turn"
                    content = f"It ran ({call.summary}), but {who} before its result was sent."
                else:
                    content = NOT_RUN_CLOSED if reason else CANCELLED_TOOL_RESULT
                results.append({"type": "tool_result", "tool_use_id": block["id"], "content": content, "is_error": True})
            self._save(
                role="user", kind="tool_results", content=results, text=tool_summary_lines(calls),
                meta={"tool_calls": [_call_meta(c) for c in calls]},
            )
        text = self._partial_text()
        status: Status = "interrupted" if reason else "cancelled"
        meta = {"error": closed_error(reason), "kind": "closed"} if reason else {"error": "Cancelled by the person."}
        self._save(role="assistant", content=_text_content(text), text=text, status=status,
                   usage=self.started_usage, meta=meta)


def close_open_calls(store: SessionStore, session_id: str) -> list[str]:
    """Answer the tool calls a session ended with, when backdev was closed before they ran.

    The process may end (kill -9, a closed terminal, SIGTERM) while an approval is pending: the
    saved `tool_use` then has no result, and the API refuses any request holding it. On resume,
    each such call gets a result saying it was not run, saved like any other so the transcript shows
    it. Returns one line for the person per call answered.
    """
    rows = [r for r in store.messages(session_id) if r.status != "superseded"]
    if not rows or rows[-1].role != "assistant" or rows[-1].status != "complete":
        return []
    last = rows[-1]
    calls = [b for b in last.content if b.get("type") == "tool_use"]
    if not calls:
        return []
    results = [{"type": "tool_result", "tool_use_id": c["id"], "content": NOT_RUN_CLOSED, "is_error": True} for c in calls]
    finished = [ToolCallFinished(c["id"], c["name"], c.get("input") or {}, f"{c['name']} · not run (backdev was closed)",
                                 True) for c in calls]
    store.append_message(session_id, turn=last.turn, role="user", kind="tool_results", content=results,
                         text=tool_summary_lines(finished), meta={"tool_calls": [_call_meta(c) for c in finished]},
                         model=last.model)
    return [f"{c['name']} was waiting for your answer when backdev was closed: it was not run (the model is told so)."
            for c in calls]
