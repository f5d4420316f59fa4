"""Sessions as a picker lists them: when, the first message, the phase, the cost, the message count."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from backdev.llm.cost import total_of
from backdev.session.store import SessionRecord, SessionStore


def session_phase(record: SessionRecord) -> str:
    """The workflow phase saved in a session's state (empty when it has none)."""
    state: Any = record.state.get("workflow", record.state.get("phase"))
    if isinstance(state, dict):
        state = state.get("current") or state.get("phase")
    return str(state) if state else ""


@dataclass(frozen=True)
class SessionRow:
    """One saved session, as listed.

    Attributes:
        cost: in dollars, priced with the person's prices (None when a model's price is unknown).
    """

    id: str
    updated_at: float
    title: str
    phase: str
    cost: float | None
    messages: int


def session_rows(store: SessionStore, root: str, price_overrides: Mapping[str, Any] | None = None) -> list[SessionRow]:
    """The sessions of the folder `root`, newest first."""
    rows = []
    for summary in store.list_sessions(root):
        record = summary.record
        _, cost = total_of(summary.usage_by_model, price_overrides)
        rows.append(SessionRow(record.id, record.updated_at, record.title, session_phase(record), cost, summary.messages))
    return rows
