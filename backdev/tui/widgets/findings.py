"""A review's findings as a table in the transcript: severity, category, file:line, title.

Most severe first. `s` (or a click on a column header) sorts by another column; Enter on a row
shows that finding's detail and suggestion below the table (Enter again hides it).
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from backdev.tui.safe import safe_line, safe_text, visible
from backdev.tui.widgets.entries import ExpansionClosed
from backdev.workflow.review.findings import Finding, severity_rank, sort_findings

COLUMNS = ("severity", "category", "location", "title")
SEVERITY_STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "dim"}
CELL_PADDING = 2  # DataTable's one column of padding on each side of a cell
SCROLLBAR = 2
MIN_TITLE = 16


def sort_key(column: str):  # type: ignore[no-untyped-def]
    """The key that orders findings by `column` (severity: most severe first)."""
    if column == "severity":
        return lambda f: (-severity_rank(f.severity), f.path, f.line)
    if column == "location":
        return lambda f: (f.path, f.line)
    return lambda f: (getattr(f, column).lower(), -severity_rank(f.severity))


def detail_text(finding: Finding) -> Text:
    text = Text()
    # Everything in a finding was written by the model: appended as text, controls made visible.
    text.append(visible(f"{finding.severity.upper()} · {finding.category} · {finding.location}\n"),
                style=SEVERITY_STYLE.get(finding.severity, ""))
    text.append(visible(finding.title) + "\n", style="bold")
    if finding.detail:
        text.append(visible(finding.detail) + "\n")
    if finding.suggestion:
        text.append("Suggestion: ", style="bold")
        text.append(visible(finding.suggestion))
    return text


class FindingsTable(DataTable):  # type: ignore[type-arg]
    """The table itself (a DataTable with a sort key)."""

    BINDINGS = [Binding("s", "next_sort", "Sort")]

    def action_next_sort(self) -> None:
        entry = self.parent
        if isinstance(entry, FindingsEntry):
            entry.sort_by(COLUMNS[(COLUMNS.index(entry.sorted_by) + 1) % len(COLUMNS)])


class FindingsEntry(Vertical):
    """The findings of a review, sortable, each expandable to its detail and suggestion."""

    DEFAULT_CSS = """
    FindingsEntry { height: auto; margin: 0 0 1 0; }
    FindingsEntry FindingsTable { height: auto; max-height: 16; }
    FindingsEntry #finding-detail { padding: 0 1; border-left: thick $warning; }
    """

    def __init__(self, findings: list[Finding] | tuple[Finding, ...], scope: str = "") -> None:
        super().__init__()
        self.findings = sort_findings(findings)
        self.scope = scope
        self.sorted_by = "severity"
        self.expanded: Finding | None = None

    def compose(self) -> ComposeResult:
        count = len(self.findings)
        yield Static(safe_text(f"Findings of the review of {self.scope}: {count}" if self.scope else f"Findings: {count}",
                               style="bold"))
        yield FindingsTable(cursor_type="row", zebra_stripes=True)
        detail = Static("", id="finding-detail")
        detail.display = False
        yield detail

    def on_mount(self) -> None:
        self._fill()

    def on_resize(self) -> None:
        self._fill()

    def _widths(self) -> list[int]:
        """Column widths: the short columns as wide as their content (capped), the title the rest.

        A title is the longest cell by far; left to its natural width, it ran off the table and a
        narrow transcript showed five characters of it. Given the remaining width it wraps instead.
        """
        cells = {
            "severity": [f.severity for f in self.findings],
            "category": [f.category for f in self.findings],
            "location": [f.location for f in self.findings],
        }
        fixed = [min(max([len(c.title()), *map(len, values)]), cap)
                 for (c, values), cap in zip(cells.items(), (8, 16, 32), strict=True)]
        room = (self.size.width or 100) - sum(fixed) - CELL_PADDING * len(COLUMNS) - SCROLLBAR
        return [*fixed, max(MIN_TITLE, room)]

    def _fill(self) -> None:
        table = self.query_one(FindingsTable)
        widths = self._widths()
        if getattr(self, "_shown_widths", None) == widths and table.row_count == len(self.findings):
            return
        self._shown_widths = widths
        table.clear(columns=True)
        for column, width in zip(COLUMNS, widths, strict=True):
            table.add_column(column.title(), width=width)
        for index, finding in enumerate(self.findings):
            # height=None: the row grows to the wrapped title.
            table.add_row(safe_line(finding.severity, style=SEVERITY_STYLE.get(finding.severity, "")),
                          safe_line(finding.category), safe_line(finding.location), safe_text(finding.title),
                          key=str(index), height=None)

    def sort_by(self, column: str) -> None:
        """Order the rows by `column` (one of COLUMNS)."""
        self.sorted_by = column
        self.findings = sorted(self.findings, key=sort_key(column))
        self._shown_widths = None
        self._fill()

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        self.sort_by(COLUMNS[event.column_index])

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        finding = self.findings[int(event.row_key.value or 0)]
        detail = self.query_one("#finding-detail", Static)
        if self.expanded == finding and detail.display:
            detail.display = False
            self.expanded = None
            self.post_message(ExpansionClosed())
            return
        self.expanded = finding
        detail.update(detail_text(finding))
        detail.display = True
