"""The session picker: this folder's sessions with date, first message, phase and cost.

Enter resumes the highlighted session; `d` (or Delete) deletes it after a confirmation. The
session in use cannot be deleted from here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from backdev.llm.cost import format_cost, total_of
from backdev.session.store import SessionRecord, SessionStore
from backdev.tui.safe import safe_text, visible


def session_phase(record: SessionRecord) -> str:
    """The workflow phase saved in a session's state (empty when it has none)."""
    state: Any = record.state.get("workflow", record.state.get("phase"))
    if isinstance(state, dict):
        state = state.get("current") or state.get("phase")
    return str(state) if state else ""


class SessionPickerScreen(ModalScreen[str | None]):
    """Dismisses with the id of the session to resume, or None."""

    CSS_PATH = "sessions.tcss"
    BINDINGS = [
        Binding("escape", "dismiss(None)", "Close"),
        Binding("d,delete", "delete", "Delete"),
    ]

    def __init__(self, store: SessionStore, root: str, current: str, *,
                 price_overrides: Mapping[str, Any] | None = None, timezone: dt.tzinfo | None = None) -> None:
        super().__init__()
        self.store, self.root, self.current = store, root, current
        self.price_overrides = price_overrides
        self.timezone = timezone

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Text("Resume a session", style="bold"), id="title")
            yield DataTable(id="sessions", cursor_type="row", zebra_stripes=True)
            yield Static(Text("Enter resumes · d deletes · Esc closes", style="dim"), id="help")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Last activity", "First message", "Phase", "Cost", "Msgs")
        self.fill()
        table.focus()

    def fill(self) -> None:
        table = self.query_one(DataTable)
        table.clear()
        for summary in self.store.list_sessions(self.root):
            record = summary.record
            when = dt.datetime.fromtimestamp(record.updated_at, self.timezone).strftime("%Y-%m-%d %H:%M")
            title = (record.title or "(no message yet)")[:48]
            if record.id == self.current:
                title = "● " + title[:46]
            _, cost = total_of(summary.usage_by_model, self.price_overrides)
            # The title is the first message and the phase comes from stored state: text, never markup.
            table.add_row(when, safe_text(title), safe_text(session_phase(record) or "—"), format_cost(cost),
                          str(summary.messages), key=record.id)
        if not table.row_count:
            self.query_one("#help", Static).update(Text("No saved sessions in this folder yet. Esc closes.", style="dim"))

    def _highlighted(self) -> str | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return row_key.value

    @on(DataTable.RowSelected)
    def _chosen(self, event: DataTable.RowSelected) -> None:
        self.dismiss(event.row_key.value)

    def action_delete(self) -> None:
        from backdev.tui.screens.confirm import ConfirmScreen

        session_id = self._highlighted()
        if session_id is None:
            return
        if session_id == self.current:
            self.notify("This is the session you are in: start or resume another one before deleting it.",
                        severity="warning")
            return
        record = self.store.get_session(session_id)

        def answered(yes: bool | None) -> None:
            if yes:
                self.store.delete_session(session_id)
                self.fill()
                self.notify("Session deleted.")

        question = f"Delete the session “{visible(record.title or 'untitled')}”? Its messages are removed; this cannot be undone."
        self.app.push_screen(ConfirmScreen("Delete a session?", question, yes="Delete"), answered)
