"""The lines of a script on stdin (`printf 'hi\\n' | backdev chat --plain`), read safely.

Lines are read in a daemon thread and handed to the event loop, so the loop stays free between
lines: a SIGTERM or SIGHUP that arrives while backdev waits for the next line is handled at once
(see `backdev.session.closing`), and the blocked read never holds up the exit. Bytes that are not
UTF-8 never stop the script: the line is kept, with those bytes shown as U+FFFD, and a note says so.
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from collections.abc import AsyncIterator, Callable


def decode_line(raw: bytes, number: int) -> tuple[str, str]:
    """A line of input as text (without its line ending), and a note when it was not valid UTF-8."""
    raw = raw.rstrip(b"\n").rstrip(b"\r")
    try:
        return raw.decode("utf-8"), ""
    except UnicodeDecodeError:
        return raw.decode("utf-8", errors="replace"), (
            f"note: line {number} of the input is not valid UTF-8; the bytes that are not are shown as �, "
            "and the message is sent with the rest as it is.")


def _reader(fd: int, loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[bytes | None]) -> None:
    """Read `fd` to its end, handing each line to the loop.

    It reads the file descriptor itself, not `sys.stdin.buffer`: a daemon thread blocked inside a
    buffered reader holds its lock, and an interpreter that exits meanwhile (after a SIGTERM) aborts
    on that lock ("could not acquire lock … at interpreter shutdown").
    """
    def hand(item: bytes | None) -> None:
        try:
            loop.call_soon_threadsafe(queue.put_nowait, item)
        except RuntimeError:  # the loop has closed: backdev is exiting
            raise SystemExit from None

    pending = b""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        *lines, pending = (pending + chunk).split(b"\n")
        for line in lines:
            hand(line + b"\n")
    if pending:
        hand(pending)
    hand(None)


def _stdin_fd() -> int | None:
    try:
        return sys.stdin.fileno() if sys.stdin is not None else None
    except (OSError, ValueError):  # closed, or not a real file
        return None


async def script_lines(say: Callable[[str], None], fd: int | None = None) -> AsyncIterator[str]:
    """Yield the lines read from `fd` (stdin by default) as text; notes go to `say`."""
    source = fd if fd is not None else _stdin_fd()
    if source is None:  # stdin closed (`<&-`): an empty script
        return
    queue: asyncio.Queue[bytes | None] = asyncio.Queue()
    threading.Thread(target=_reader, args=(source, asyncio.get_running_loop(), queue), name="stdin-lines",
                     daemon=True).start()
    number = 0
    while (raw := await queue.get()) is not None:
        number += 1
        text, note = decode_line(raw, number)
        if note:
            say(f"  {note}")
        yield text
