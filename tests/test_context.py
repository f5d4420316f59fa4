"""Rebuilding the model's conversation from stored rows."""

from __future__ import annotations

from pathlib import Path

from backdev.session.context import MARKERS, api_messages
from backdev.session.store import SessionStore


def test_rules_for_partial_failed_and_superseded_rows(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "s.db")
    s = store.create_session("/r", "p", "m")

    def add(role: str, text: str, status: str = "complete", kind: str = "message") -> None:
        store.append_message(s.id, turn=1, role=role, kind=kind, content=[{"type": "text", "text": text}],
                             text=text, status=status)  # type: ignore[arg-type]

    add("assistant", "orphan before any question")
    add("user", "q1")
    add("assistant", "half", "superseded")
    add("assistant", "half again", "cancelled")
    add("user", "q2")
    add("assistant", "", "failed")
    add("user", "q3")
    add("assistant", "cut", "interrupted")
    messages = api_messages(store.messages(s.id))
    assert [m["role"] for m in messages] == ["user", "assistant", "user", "assistant"]
    assert messages[1]["content"][0]["text"] == f"half again\n\n{MARKERS['cancelled']}"
    assert [b["text"] for b in messages[2]["content"]] == ["q2", "q3"]  # merged across the failed reply
    assert messages[3]["content"][0]["text"].endswith(MARKERS["interrupted"])
