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
from backdev.tui.safe import safe_line, visible


# Widths of the short columns; the first message takes the rest of the table's width.
FIXED_COLUMNS = {"Last activity": 16, "Phase": 12, "Cost": 8, "Msgs": 4}
DROPPABLE = ("Phase", "Msgs")  # in the order they give way to the first message
MIN_TITLE = 16
DIALOG_WIDTH, DIALOG_FRAME = 100, 6  # border 2, padding 2, the table's scrollbar 2


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
        self.fill()
        self.query_one(DataTable).focus()

    def on_resize(self) -> None:
        if self.query_one(DataTable).columns:
            self.fill()

    def _columns(self) -> tuple[list[str], int]:
        """The short columns that fit, and the width the first message gets (the rest of the table).

        Below about 24 columns of room for the message, Phase is dropped, then Msgs: the date, the
        message and the cost are what tell sessions apart.
        """
        # The dialog is `width: 100; max-width: 95%` with a border and padding (sessions.tcss); computed
        # from the terminal, not measured, because the first fill comes before the first layout.
        total = min(DIALOG_WIDTH, int(self.app.size.width * 0.95)) - DIALOG_FRAME
        columns = list(FIXED_COLUMNS)
        while True:
            room = total - sum(FIXED_COLUMNS[c] for c in columns) - 2 * (len(columns) + 1)
            if room >= MIN_TITLE or not any(c in DROPPABLE for c in columns):
                return columns, max(MIN_TITLE // 2, room)
            columns.remove(next(c for c in DROPPABLE if c in columns))

    def fill(self) -> None:
        table = self.query_one(DataTable)
        table.clear(columns=True)
        columns, width = self._columns()
        table.add_column("Last activity", width=FIXED_COLUMNS["Last activity"], key="when")
        table.add_column("First message", width=width, key="title")
        for column in columns[1:]:
            table.add_column(column, width=FIXED_COLUMNS[column], key=column.lower())
        for row in self.driver.sessions():
            when = dt.datetime.fromtimestamp(row.updated_at, self.timezone).strftime("%Y-%m-%d %H:%M")
            title = row.title or "(no message yet)"
            if row.id == self.current:
                title = "● " + title
            if len(title) > width:
                title = title[: width - 1] + "…"
            # The title is the first message and the phase comes from stored state: text, never markup.
            cells = {"Phase": safe_line(row.phase or "—"), "Cost": format_cost(row.cost), "Msgs": str(row.messages)}
            table.add_row(when, safe_line(title), *(cells[c] for c in columns[1:]), key=row.id)
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

        question = f"Delete the session “{visible(title or 'untitled')}”? Its messages are removed; this cannot be undone."
        self.app.push_screen(ConfirmScreen("Delete a session?", question, yes="Delete"), answered)
