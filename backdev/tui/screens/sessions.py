"""The session picker: this folder's sessions with date, first message, phase and cost.

Enter resumes the highlighted session; `d` (or Delete) deletes it after a confirmation. The
session in use cannot be deleted from here.
"""

from __future__ import annotations

import datetime as dt

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from backdev.chat.driver import ChatDriver
from backdev.llm.cost import format_cost


class SessionPickerScreen(ModalScreen[str | None]):
    """Dismisses with the id of the session to resume, or None."""

    CSS_PATH = "sessions.tcss"
    BINDINGS = [
        Binding("escape", "dismiss(None)", "Close"),
        Binding("d,delete", "delete", "Delete"),
    ]

    def __init__(self, driver: ChatDriver, *, timezone: dt.tzinfo | None = None) -> None:
        super().__init__()
        self.driver = driver
        self.current = driver.session_id
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
        for row in self.driver.sessions():
            when = dt.datetime.fromtimestamp(row.updated_at, self.timezone).strftime("%Y-%m-%d %H:%M")
            title = (row.title or "(no message yet)")[:48]
            if row.id == self.current:
                title = "● " + title[:46]
            table.add_row(when, Text(title), row.phase or "—", format_cost(row.cost), str(row.messages), key=row.id)
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
        from backdev.tui.screens.confirm import ConfirmScreen  # modals load on first use

        session_id = self._highlighted()
        if session_id is None:
            return
        if session_id == self.current:
            self.notify("This is the session you are in: start or resume another one before deleting it.",
                        severity="warning")
            return
        title = self.driver.session_title(session_id)

        def answered(yes: bool | None) -> None:
            if yes:
                self.driver.delete_session(session_id)
                self.fill()
                self.notify("Session deleted.")

        question = f"Delete the session “{title or 'untitled'}”? Its messages are removed; this cannot be undone."
        self.app.push_screen(ConfirmScreen("Delete a session?", question, yes="Delete"), answered)
