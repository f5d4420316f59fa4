"""Reading a text file, whole or by line range, within size caps that say what they left out.

The reader streams: it reads line by line only up to the end of the selection, then counts the
remaining lines in 1 MB chunks, so a 10 MB log costs little memory and a few milliseconds. Binary
files (a NUL byte in the first 8,000 bytes, git's own test) are refused; bytes that are not UTF-8
are decoded with U+FFFD and a note.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from backdev.repo.redaction import private_key_line_ranges

BINARY_SNIFF_BYTES = 8000
COUNT_CHUNK = 1 << 20
KEY_SCAN_BYTES = 8 << 20  # how much of a file is searched for private key blocks (see FileSlice.key_lines)

Hint = Callable[[int, int], str]


class NotReadable(Exception):
    """The file cannot be read as text (missing, a folder, binary, or a bad range): one sentence why."""


def default_hint(start: int, end: int) -> str:
    """How the model asks for the lines that were left out."""
    return f"Ask for them with start_line={start} (and end_line)."


@dataclass(frozen=True)
class FileSlice:
    """Some lines of a text file, with what is needed to say which ones.

    Attributes:
        name: the path as shown (relative to the repository).
        lines: the lines shown, without their line endings.
        start: the number of the first line shown (1-based); 0 for an empty file.
        end: the number of the last line shown.
        total_lines: how many lines the file has.
        size: the file's size in bytes.
        notes: what was left out or changed, and how to ask for the rest.
        key_lines: the line ranges of the file's private key blocks (for redaction: the lines shown
            may hold a key's body without its BEGIN line).
    """

    name: str
    lines: list[str]
    start: int
    end: int
    total_lines: int
    size: int
    notes: tuple[str, ...] = ()
    key_lines: tuple[tuple[int, int], ...] = ()

    @property
    def label(self) -> str:
        """`lines 1–240 of 240`, or `empty file`."""
        if self.total_lines == 0:
            return "empty file"
        return f"lines {self.start}–{self.end} of {self.total_lines}"

    def text(self) -> str:
        """The lines shown, each ending with a newline."""
        return "".join(line + "\n" for line in self.lines)

    def numbered(self) -> str:
        """The lines shown, each prefixed by its line number and a tab (`  12\\tcode`)."""
        width = len(str(self.end or 1))
        return "".join(f"{n:>{width}}\t{line}\n" for n, line in enumerate(self.lines, start=self.start))


def _safe_cut(raw: bytes, limit: int) -> bytes:
    """`raw[:limit]` without splitting a UTF-8 sequence at the end."""
    cut = raw[:limit]
    back = 0
    while back < 3 and len(cut) > back and (cut[-1 - back] & 0xC0) == 0x80:
        back += 1
    if back and len(cut) > back and cut[-1 - back] >= 0xC0:
        return cut[: -1 - back]
    return cut


def _strip_eol(raw: bytes) -> bytes:
    if raw.endswith(b"\n"):
        raw = raw[:-1]
    return raw[:-1] if raw.endswith(b"\r") else raw


def _lines(stream: BinaryIO, limit: int) -> Iterator[tuple[bytes, int, int]]:
    """Each line as (its first `limit` bytes, its full length, its line ending's length).

    The rest of a line longer than `limit` is read and skipped, never kept.
    """
    while True:
        raw = stream.readline(limit)
        if not raw:
            return
        head, length = raw, len(raw)
        while not raw.endswith(b"\n") and len(raw) == limit:
            raw = stream.readline(limit)
            length += len(raw)
            if not raw:
                break
        yield head, length, 2 if raw.endswith(b"\r\n") else int(raw.endswith(b"\n"))


def _count_rest(stream: BinaryIO) -> int:
    """Lines left in the stream, counted in chunks (a last line without a newline counts)."""
    count, last = 0, b"\n"
    while chunk := stream.read(COUNT_CHUNK):
        count += chunk.count(b"\n")
        last = chunk[-1:]
    return count + (last != b"\n")


def read_stream(
    stream: BinaryIO,
    name: str,
    *,
    size: int,
    start: int | None = None,
    end: int | None = None,
    max_bytes: int,
    max_lines: int,
    hint: Hint = default_hint,
) -> FileSlice:
    """Read lines `start`..`end` (1-based, inclusive; default: from the top) of a binary stream.

    At most `max_lines` lines and `max_bytes` bytes are returned; a note says which lines were
    left out because of a cap, and `hint(first, last)` says how to ask for them.

    Raises:
        NotReadable: for binary content, or a `start` past the end of the file.
    """
    if b"\0" in stream.read(BINARY_SNIFF_BYTES):
        raise NotReadable(f"{name} is a binary file ({size:,} bytes); only text files are read.")
    stream.seek(0)
    first = max(1, start or 1)
    wanted_last = end if end is not None and end >= first else None
    last_allowed = first + max_lines - 1 if wanted_last is None else min(wanted_last, first + max_lines - 1)
    chosen: list[bytes] = []
    notes: list[str] = []
    used = lineno = 0
    stopped_by = ""  # "lines" or "bytes" when a cap cut the selection short
    for head, length, eol in _lines(stream, max_bytes + 1):
        lineno += 1
        if lineno < first:
            continue
        if lineno > last_allowed:
            if wanted_last is None or lineno <= wanted_last:
                stopped_by = "lines"
            break
        if used + length > max_bytes:
            if chosen:
                stopped_by = "bytes"
                break
            # A first line longer than the whole cap (minified code): show its start.
            notes.append(f"In {name}, line {lineno} is {length - eol:,} bytes long: only its first {max_bytes:,} bytes are shown.")
            chosen.append(_safe_cut(_strip_eol(head), max_bytes))
            used = max_bytes
            continue
        chosen.append(_strip_eol(head))
        used += length
    total = lineno + _count_rest(stream)  # after a break, the lines not read yet; else 0
    if total and first > total:
        raise NotReadable(f"{name} has {total} lines: start_line {first} is past the end.")
    last_shown = first + len(chosen) - 1 if chosen else 0
    if stopped_by:
        upto = total if wanted_last is None else min(wanted_last, total)
        cap = f"at most {max_lines:,} lines" if stopped_by == "lines" else f"at most {max_bytes:,} bytes"
        notes.append(f"Lines {last_shown + 1}–{upto} of {name} were left out ({cap} per read). "
                     + hint(last_shown + 1, min(upto, last_shown + max_lines)))
    stream.seek(0)
    key_lines = tuple(private_key_line_ranges(stream.read(KEY_SCAN_BYTES)))
    data = b"\n".join(chosen)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("utf-8", errors="replace")
        notes.insert(0, f"{name} is not valid UTF-8: it was decoded with replacement characters (\ufffd).")
    return FileSlice(name, text.split("\n") if chosen else [], first if chosen else 0, last_shown, total, size,
                     tuple(notes), key_lines)


def read_bytes(data: bytes, name: str, **caps: object) -> FileSlice:
    """`read_stream` over bytes in memory (a file at a revision)."""
    return read_stream(io.BytesIO(data), name, size=len(data), **caps)  # type: ignore[arg-type]


def read_path(path: Path, name: str, **caps: object) -> FileSlice:
    """`read_stream` over a file of the working tree.

    Raises:
        NotReadable: also when the file vanished since it was listed, or is a folder.
    """
    try:
        with open(path, "rb") as stream:
            return read_stream(stream, name, size=path.stat().st_size, **caps)  # type: ignore[arg-type]
    except FileNotFoundError:
        raise NotReadable(f"{name} no longer exists (deleted since it was listed?): list the files again.") from None
    except IsADirectoryError:
        raise NotReadable(f"{name} is a folder: list its files instead.") from None
    except PermissionError:
        raise NotReadable(f"{name} cannot be read: permission denied.") from None
