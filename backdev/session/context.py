"""Rebuild the conversation the model sees from the stored rows.

Rules (each keeps the API's alternation valid and nothing the person received is hidden):

- `failed` and `superseded` rows are not sent (they are shown in the transcript only).
- A `cancelled` or `interrupted` reply is sent as the text that arrived, with a marker saying it
  stopped early, so the model knows what the person saw. Its unfinished tool calls and thinking
  are dropped (they are not valid without their results).
- Consecutive messages of the same role are merged into one.
"""

from __future__ import annotations

from typing import Any

from backdev.session.store import StoredMessage

MARKERS = {
    "cancelled": "[The person cancelled this reply here.]",
    "interrupted": "[This reply was cut off here by a connection problem.]",
}


def _blocks_for(row: StoredMessage) -> list[dict[str, Any]]:
    if row.status in ("failed", "superseded"):
        return []
    if row.status in MARKERS:
        text = row.text.rstrip()
        if not text:
            return []
        return [{"type": "text", "text": f"{text}\n\n{MARKERS[row.status]}"}]
    return [dict(block) for block in row.content]


def api_messages(rows: list[StoredMessage]) -> list[dict[str, Any]]:
    """The API messages for `rows`, in order, merged by role, starting with a user message."""
    messages: list[dict[str, Any]] = []
    for row in rows:
        blocks = _blocks_for(row)
        if not blocks:
            continue
        if messages and messages[-1]["role"] == row.role:
            messages[-1]["content"].extend(blocks)
        else:
            messages.append({"role": row.role, "content": blocks})
    while messages and messages[0]["role"] != "user":
        messages.pop(0)
    return messages
