"""A stored session as transcript items, for resuming (no widgets: each front end builds its own).

Superseded rows (a partial reply that was asked again) are in the store and the export but not
shown, so a resumed transcript reads as the conversation went on. Tool results are shown as the
one-line entries they were, with the result as their detail.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from backdev.session.context import unanswered_turns
from backdev.session.store import StoredMessage

ItemKind = Literal["user", "reply", "tool", "error", "note"]  # notes: only of a live transcript put away


@dataclass(frozen=True)
class TranscriptItem:
    """One transcript entry of a stored session."""

    kind: ItemKind
    text: str
    status: str = "complete"
    detail: str = ""
    is_error: bool = False
    attachments: tuple[str, ...] = ()


def _result_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(b.get("text", "") for b in content if isinstance(b, dict))
    return ""


def transcript_items(rows: list[StoredMessage]) -> list[TranscriptItem]:
    """The transcript items for `rows`, in order (both front ends show a resumed session from these).

    A message that got no answer (see `backdev.session.context.unanswered_turns`) has the status
    `not answered`.
    """
    unanswered = unanswered_turns(rows)
    items: list[TranscriptItem] = []
    for row in rows:
        if row.status == "superseded":
            continue
        if row.role == "user" and row.kind == "message":
            items.append(TranscriptItem("user", row.text, "not answered" if row.turn in unanswered else "complete",
                                        attachments=tuple(row.meta.get("attachments") or ())))
        elif row.kind == "tool_results":
            results = {b.get("tool_use_id"): _result_text(b.get("content")) for b in row.content}
            for call in row.meta.get("tool_calls") or []:
                items.append(TranscriptItem("tool", call.get("summary", call.get("name", "tool")),
                                         detail=results.get(call.get("id"), ""), is_error=bool(call.get("is_error"))))
        elif row.role == "assistant":
            if row.text:
                items.append(TranscriptItem("reply", row.text, row.status))
            if row.status in ("failed", "interrupted") and row.meta.get("error"):
                items.append(TranscriptItem("error", row.meta["error"], row.status))
    return items


def recent_start(items: list[TranscriptItem], window: int, char_budget: int) -> int:
    """Where the part of `items` to build first begins: at most `window` items and about
    `char_budget` characters of text (rendering markdown costs by its size), but never fewer than
    the last two items, so the last exchange always shows."""
    start, chars = len(items), 0
    while start > 0:
        chars += len(items[start - 1].text)
        taken = len(items) - start
        if taken >= 2 and (taken >= window or chars > char_budget):
            break
        start -= 1
    return start


def sent_messages(rows: list[StoredMessage]) -> list[str]:
    """What the person typed, oldest first (the prompt's Up/Down history)."""
    return [row.text for row in rows if row.role == "user" and row.kind == "message" and row.text]
