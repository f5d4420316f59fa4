"""Where the phase's text is sent: inside the conversation, where the phase starts (issue 15).

The system prefix (tools, persona, repository) never changes with the phase, so a phase switch
does not rewrite the cached conversation behind it: the new phase's text (instructions,
checklist, artifacts) is a text block put before the first message the person sends in that
phase, and stays there, byte for byte, in every later request. Measured with
`bench/bench_context.py`: with the text as the last system block a switch kept 13–37% of the
previous request cached; with it in the conversation, all of it (100%). Cache breakpoints alone cannot do this: whatever
follows a changed block is rewritten, and the conversation follows the system blocks.

The announcements are saved in the session's state (`phase_announcements`: the id of the message
that carries each one and its exact text), so a resumed session sends the same prefix. A phase is
announced again only when its text differs from the last announcement (a switch, or a resumed
handoff whose artifacts changed).
"""

from __future__ import annotations

from dataclasses import replace

from backdev.session.store import SessionStore, StoredMessage

STATE_KEY = "phase_announcements"


def announce(store: SessionStore, session_id: str, rows: list[StoredMessage], text: str, *,
             save: bool = True) -> list[dict[str, object]]:
    """The session's announcements, with `text` added on the last message the person sent when it
    differs from the last one announced (saved at once when `save`; else only looked at)."""
    saved: list[dict[str, object]] = list(store.get_session(session_id).state.get(STATE_KEY) or [])
    questions = [r for r in rows if r.role == "user" and r.kind == "message"]
    if text and questions and (not saved or saved[-1]["text"] != text):
        saved.append({"message_id": questions[-1].id, "text": text})
        if save:
            store.set_state(session_id, STATE_KEY, saved)
    return saved


def with_announcements(rows: list[StoredMessage], announcements: list[dict[str, object]]) -> list[StoredMessage]:
    """`rows` with each announcement's text as the first block of the message that carries it."""
    by_id: dict[object, list[str]] = {}
    for note in announcements:
        by_id.setdefault(note["message_id"], []).append(str(note["text"]))
    return [replace(row, content=[*({"type": "text", "text": t} for t in by_id[row.id]), *row.content])
            if row.id in by_id else row for row in rows]
