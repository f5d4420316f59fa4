"""Small text helpers shared by the schema and plan reports."""

from __future__ import annotations


def align(rows: list[list[str]], *, ragged_last: bool = False) -> list[str]:
    """Rows as lines of aligned columns, indented by two spaces; `ragged_last` leaves the last column unpadded."""
    count = len(rows[0]) - (1 if ragged_last else 0)
    widths = [max(len(row[i]) for row in rows) for i in range(count)]
    return ["  " + "  ".join([cell.ljust(widths[i]) for i, cell in enumerate(row[:count])] + row[count:]).rstrip()
            for row in rows]


def human_bytes(count: int) -> str:
    """`17.5 MB` (powers of 1024, as the server's own sizes are)."""
    size = float(count)
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if size < 1024 or unit == "TB":
            return f"{size:,.0f} {unit}" if unit == "bytes" else f"{size:,.1f} {unit}"
        size /= 1024
    return f"{count} bytes"
