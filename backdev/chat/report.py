"""A command's answer as tables: what the app shows as tables and a line-mode front end as text.

`/explain` answers with a table per query block and `/schema` with the tables' columns and
indexes. The cells are the server's and the query's words (table and column names, conditions,
comments): untrusted text, which a front end shows literally. `text` is the same answer as aligned
plain text — exactly what the model's tool returns, and what plain mode prints.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ReportTable:
    """One table of a report.

    Attributes:
        title: what the table is (`Query block #1 (filesort)`, `Indexes`).
        header: the column names.
        rows: the cells, one tuple per row, as many as `header`.
        flagged: the rows to call out (a full table scan, a missing index).
        empty: what to say instead of the table when it has no rows.
    """

    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    flagged: frozenset[int] = frozenset()
    empty: str = ""


@dataclass(frozen=True)
class ReportLine:
    """A line after the tables; `warning`: a problem to call out."""

    text: str
    warning: bool = False


@dataclass(frozen=True)
class Report:
    """A command's answer: a title, its tables, the lines after them, and all of it as plain text."""

    title: str
    tables: tuple[ReportTable, ...]
    text: str
    lines: tuple[ReportLine, ...] = field(default_factory=tuple)

    def cleaned(self, clean: Callable[[str], str]) -> Report:
        """The same report with every piece of text passed through `clean` (redaction)."""
        tables = tuple(ReportTable(clean(t.title), tuple(clean(h) for h in t.header),
                                   tuple(tuple(clean(c) for c in row) for row in t.rows), t.flagged, clean(t.empty))
                       for t in self.tables)
        lines = tuple(ReportLine(clean(line.text), line.warning) for line in self.lines)
        return Report(clean(self.title), tables, self.text, lines)


def table_from_rows(title: str, rows: list[list[str]], *, flagged: set[int] | None = None,
                    empty: str = "") -> ReportTable:
    """A table from rows whose first is the header (as `backdev.db.text.align` takes them)."""
    header, *body = rows
    return ReportTable(title, tuple(header), tuple(tuple(row) for row in body), frozenset(flagged or ()), empty)

