"""Rebuild the conversation the model sees from the stored rows: always one the API accepts.

Rules (each keeps the conversation valid, and nothing the person received is hidden from them —
the transcript shows every row; these rules only decide what is *sent*):

- A turn whose reply failed — its last reply is `failed`, or no reply was saved at all (backdev
  was killed while it waited), or nothing of the model's arrived (cancelled at once, an empty
  reply) — is *not answered*. It
  is kept and shown, but left out of what is sent, unless it is the last turn: the one being sent
  or asked again by `/retry` now. So a failure never repeats itself on the next message.
- `failed` and `superseded` rows are not sent.
- A `cancelled` or `interrupted` reply is sent as the text that arrived, with a marker saying it
  stopped early, so the model knows what the person saw. Its unfinished tool calls and thinking
  are dropped (they are not valid without their results).
- Every `tool_use` is answered at the start of the next user message: by its saved result, or,
  when backdev was closed before the call ran (no result was ever saved), by a result saying so.
  A `tool_result` that answers no call of the message before it is dropped.
- Empty messages and empty text blocks are dropped; consecutive messages of the same role are
  merged into one (tool results first); the conversation starts with the person's message.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from backdev.session.store import SessionStore, StoredMessage

MARKERS = {
    "cancelled": "[The person cancelled this reply here.]",
    "interrupted": "[This reply was cut off here by a connection problem.]",
    "closed": "[This reply was cut off here: backdev was closed while it streamed.]",
}

#: Added to the failure of a turn that got no answer (what is kept, and what happens next).
NOT_ANSWERED_NOTE = "Your message is kept, marked not answered; a new message is sent without it."

#: The result of a tool call that never ran: the process ended while it waited for the person.
NOT_RUN_CLOSED = "Not run: backdev was closed before the person answered, so this call was not run."


def _replies(rows: Iterable[StoredMessage]) -> list[StoredMessage]:
    return [r for r in rows if r.role == "assistant" and r.status != "superseded"]


def turn_answered(rows: list[StoredMessage]) -> bool:
    """Whether the model answered the turn made of `rows` (a partial or cancelled answer counts)."""
    replies = _replies(rows)
    if not replies or replies[-1].status == "failed":
        return False
    # Cancelled or cut off before anything arrived, or an empty reply: nothing of the model's answers it.
    return any(_blocks_for(r) for r in replies)


def _turns(rows: list[StoredMessage]) -> dict[int, list[StoredMessage]]:
    turns: dict[int, list[StoredMessage]] = {}
    for row in rows:
        turns.setdefault(row.turn, []).append(row)
    return turns


def unanswered_turns(rows: list[StoredMessage]) -> set[int]:
    """The turns the model did not answer (see the module docstring), the last one included."""
    return {turn for turn, members in _turns(rows).items() if not turn_answered(members)}


def left_out_questions(rows: list[StoredMessage]) -> list[StoredMessage]:
    """The person's messages that are not sent any more: unanswered, and not in the last turn."""
    if not rows:
        return []
    last = max(r.turn for r in rows)
    skipped = unanswered_turns(rows) - {last}
    return [r for r in rows if r.turn in skipped and r.role == "user" and r.kind == "message"]


def _marker(row: StoredMessage) -> str:
    if row.status == "interrupted" and row.meta.get("kind") == "closed":
        return MARKERS["closed"]
    return MARKERS[row.status]


def _blocks_for(row: StoredMessage) -> list[dict[str, Any]]:
    if row.status in ("failed", "superseded"):
        return []
    if row.status in MARKERS:
        text = row.text.rstrip()
        if not text:
            return []
        return [{"type": "text", "text": f"{text}\n\n{_marker(row)}"}]
    return [dict(block) for block in row.content if _sendable(block)]


def _sendable(block: dict[str, Any]) -> bool:
    """False for a text block the API would refuse (empty, or only whitespace)."""
    return block.get("type") != "text" or bool(str(block.get("text", "")).strip())


def _calls(message: dict[str, Any] | None) -> list[str]:
    if message is None or message["role"] != "assistant":
        return []
    return [b["id"] for b in message["content"] if b.get("type") == "tool_use"]


def _answer(calls: list[str], blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A user message's blocks with each of `calls` answered first, in order, and stray results dropped."""
    results = {b.get("tool_use_id"): b for b in blocks if b.get("type") == "tool_result"}
    answered = [results.get(call) or {"type": "tool_result", "tool_use_id": call, "content": NOT_RUN_CLOSED,
                                      "is_error": True} for call in calls]
    return answered + [b for b in blocks if b.get("type") != "tool_result"]


def _normalised(pieces: Iterable[tuple[str, list[dict[str, Any]]]]) -> list[dict[str, Any]]:
    """Messages from (role, blocks) pieces, with the rules of the module docstring applied."""
    out: list[dict[str, Any]] = []
    for role, blocks in pieces:
        if not blocks:
            continue
        if role == "user":
            if out and out[-1]["role"] == "user":
                blocks = out.pop()["content"] + blocks
            blocks = _answer(_calls(out[-1] if out else None), blocks)
            if blocks:
                out.append({"role": "user", "content": blocks})
        elif not out:
            continue  # the conversation starts with the person's message
        elif out[-1]["role"] == "assistant" and not _calls(out[-1]):
            out[-1]["content"].extend(blocks)
        else:
            if out[-1]["role"] == "assistant":  # its calls were never answered: answer them in between
                out.append({"role": "user", "content": _answer(_calls(out[-1]), [])})
            out.append({"role": "assistant", "content": blocks})
    if _calls(out[-1] if out else None):
        out.append({"role": "user", "content": _answer(_calls(out[-1]), [])})
    return out


def api_messages(rows: list[StoredMessage]) -> list[dict[str, Any]]:
    """The API messages for `rows`, in order: valid for the API whatever the rows hold."""
    skipped = {r.turn for r in left_out_questions(rows)}
    return _normalised((row.role, _blocks_for(row)) for row in rows if row.turn not in skipped)


def left_out_note(questions: list[StoredMessage]) -> str:
    """What the transcript says (once) when unanswered messages stop being sent."""
    if len(questions) == 1:
        text = " ".join(questions[0].text.split())
        shown = text if len(text) <= 60 else text[:59] + "…"
        return (f"Your earlier message “{shown}” got no answer, so it is left out of what the model sees: this "
                "message is sent on its own (the earlier one stays in the transcript, marked not answered).")
    return (f"Your {len(questions)} earlier messages that got no answer are left out of what the model sees: this "
            "message is sent on its own (they stay in the transcript, marked not answered).")


def take_left_out_note(store: SessionStore, rows: list[StoredMessage]) -> str | None:
    """`left_out_note` for the unanswered messages not mentioned yet, marking them as mentioned (so the
    transcript says it once per message)."""
    fresh = [q for q in left_out_questions(rows) if not q.meta.get("left_out_noted")]
    for question in fresh:
        store.update_meta(question.id, left_out_noted=True)
    return left_out_note(fresh) if fresh else None
