"""A command's tables in the transcript (`/explain`: a table per query block; `/schema`).

Every cell is the server's or the query's text (table and column names, conditions, comments),
so each one goes through `safe_line` / `safe_text`: never markup, control characters shown. Rows
the report flags (a full table scan) are marked `⚠` and coloured, and the problems follow the
tables. The keyboard stays in the prompt (a click or Tab focuses a table; a printable key
typed there goes back to the prompt, Esc too).

Widths: when the columns are wider than the screen, the widest give way first (their cells wrap)
down to their header's width, and the widest takes what room is left, so a plan fits an
80-column screen; when even that does not fit (60 columns), the table scrolls sideways.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from backdev.chat.report import Report, ReportTable
from backdev.tui.safe import safe_line, safe_text

MIN_CAP = 10  # a column narrower than its content is still this wide (or as wide as its content)
CELL_PADDING = 2  # DataTable's one column of padding on each side of a cell
SCROLLBAR = 2
FLAG = "⚠ "
FLAG_STYLE = "bold red"


def natural_widths(table: ReportTable) -> list[int]:
    """Each column's widest line (header included)."""
    return [max(len(line) for cell in (table.header[i], *(row[i] for row in table.rows))
                for line in (cell.split("\n") or [""])) + (len(FLAG) if i == 0 and table.flagged else 0)
            for i in range(len(table.header))]


def column_widths(table: ReportTable, width: int) -> list[int]:
    """The widths to give the columns within `width` cells (see the module docstring)."""
    natural = natural_widths(table)
    room = width - CELL_PADDING * len(natural) - SCROLLBAR
    if sum(natural) <= room:
        return natural
    # The widest columns give way first, down to their header and to `MIN_CAP` (narrower cells are
    # hard to read: the table scrolls sideways instead): one cap for all, the largest that fits; what
    # is left over goes to the widest column.
    floors = [min(n, len(h)) for n, h in zip(natural, table.header, strict=True)]
    cap = max(natural)
    while cap > MIN_CAP and sum(max(f, min(n, cap)) for n, f in zip(natural, floors, strict=True)) > room:
        cap -= 1
    widths = [max(f, min(n, cap)) for n, f in zip(natural, floors, strict=True)]
    widest = natural.index(max(natural))
    widths[widest] = min(natural[widest], widths[widest] + max(0, room - sum(widths)))
    return widths


class ReportTableView(DataTable):  # type: ignore[type-arg]
    """One table of a report."""

    DEFAULT_CSS = "ReportTableView { height: auto; max-height: 18; }"

    def __init__(self, table: ReportTable) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, show_cursor=False)
        self.table = table
        self._widths: list[int] | None = None

    def on_mount(self) -> None:
        self.fill()

    def fill(self) -> None:
        width = (self.parent.size.width if self.parent is not None else 0) or 100
        widths = column_widths(self.table, width)
        if widths == self._widths:
            return
        self._widths = widths
        self.clear(columns=True)
        for header, column_width in zip(self.table.header, widths, strict=True):
            self.add_column(safe_line(header, style="bold"), width=column_width)
        for index, row in enumerate(self.table.rows):
            flagged = index in self.table.flagged
            style = FLAG_STYLE if flagged else ""
            shown: list[Text] = [safe_text(cell, style=style) for cell in row]
            if flagged:
                shown[0] = Text(FLAG, style=FLAG_STYLE) + shown[0]
            # A row grows to its wrapped cells (measuring is slow: only a row that needs it is measured).
            fits = all(len(text) <= width and "\n" not in text.plain for text, width in zip(shown, widths, strict=True))
            self.add_row(*shown, height=1 if fits else None)


class ReportEntry(Vertical):
    """A report: its title, each table under its own title, then the lines after them (problems in red)."""

    DEFAULT_CSS = """
    ReportEntry { height: auto; margin: 0 0 1 0; }
    ReportEntry .report-title { text-style: bold; margin: 1 0 0 0; }
    ReportEntry .report-empty { color: $text-muted; }
    """

    def __init__(self, report: Report) -> None:
        super().__init__(classes="entry report")
        self.report = report

    def compose(self) -> ComposeResult:
        yield Static(safe_line(self.report.title, style="bold"), classes="report-heading")
        for table in self.report.tables:
            yield Static(safe_line(table.title), classes="report-title")
            if table.rows:
                yield ReportTableView(table)
            else:
                yield Static(safe_line(table.empty), classes="report-empty")
        if self.report.lines:
            text = Text()
            for number, line in enumerate(self.report.lines):
                if number:
                    text.append("\n")
                text.append_text(safe_text(FLAG + line.text if line.warning else line.text,
                                           style=FLAG_STYLE if line.warning else ""))
            yield Static(text, classes="report-lines")

    def on_resize(self) -> None:
        for view in self.query(ReportTableView):
            view.fill()
