"""Text from outside the program, made safe for a terminal: control characters shown, never emitted.

Everything backdev did not write itself — model replies, tool output, file names and contents,
session rows, config values — may carry bytes a terminal obeys: ESC starts CSI, OSC and DCS
sequences (clear the screen, move the cursor, set the title with OSC 0/2, hide a link with OSC 8,
write the clipboard with OSC 52), a lone carriage return overwrites the line, and bidi overrides
reorder what is shown ("Trojan Source"). `visible()` turns each such character into a visible
stand-in, so the text reads as it was typed and nothing in it is carried out:

- C0 controls (U+0000–U+001F) except tab and newline, and DEL, become their Unicode control
  pictures: ESC → `␛`, a lone CR → `␍`, NUL → `␀`, BEL → `␇`, DEL → `␡`. Once ESC is `␛`,
  the rest of a sequence (`[2J`, `]52;c;…`) is plain printable text, shown as it is.
- C1 controls (U+0080–U+009F, including the one-byte CSI U+009B and OSC U+009D), bidi
  embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069), the line and paragraph
  separators (U+2028, U+2029) and lone surrogates become `<U+XXXX>`.
- A CR right before a newline is a line ending (CRLF files) and stays: it cannot hide anything.

Bidi marks (U+200E, U+200F, U+061C) and zero-width joiners are left alone: right-to-left text
and emoji need them, and they cannot reorder text across a line the way overrides do.

`one_line()` does the same and also shows newlines and tabs (`␊`, `␉`), for places where one
value must stay on one row (a title in a list, a path in a summary). `SafeStream` wraps a text
stream so that every `write()` goes through `visible()`; the program's own escape sequences (the
REPL's markdown redraw, rich's colours) are written to its `raw` stream.

This module is the core's only sanitiser: front ends build their `Text`/`Content` from
`visible()` (the app) or write through `SafeStream` (the plain REPL and every subcommand).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

# Every character a terminal may act on, plus the bidi controls that reorder what it shows.
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029\ud800-\udfff]|\r(?!\n)")
_UNSAFE_ONE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029\ud800-\udfff]")


def _stand_in(char: str) -> str:
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)  # the control pictures block mirrors C0 one to one
    if code == 0x7F:
        return "\u2421"  # ␡
    return f"<U+{code:04X}>"


def _replace(match: re.Match[str]) -> str:
    return _stand_in(match.group(0))


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def without_lone_surrogates(text: str) -> str:
    """`text` with each lone surrogate (undecodable input, a `\\ud800` JSON escape) as U+FFFD.

    Not for terminals (`visible` shows them) but for what must encode as UTF-8: the request body
    and the session store. Returns `text` itself when it has none.
    """
    return _LONE_SURROGATE.sub("\ufffd", text) if _LONE_SURROGATE.search(text) else text


def visible(text: str) -> str:
    """`text` with every character a terminal would act on shown as a visible stand-in.

    Newlines and tabs stay; so does the CR of a CRLF line ending. See the module docstring for
    the stand-ins. Text without such characters is returned as it is (the common, fast case).
    """
    if not _UNSAFE.search(text):
        return text
    return _UNSAFE.sub(_replace, text)


def one_line(text: str) -> str:
    """`visible(text)` that also shows newlines and tabs (`␊`, `␉`), so it fills one row."""
    if not _UNSAFE_ONE_LINE.search(text):
        return text
    return _UNSAFE_ONE_LINE.sub(_replace, text)


def is_safe(text: str) -> bool:
    """True when `text` holds nothing `visible()` would change."""
    return _UNSAFE.search(text) is None


def lines_of(text: str) -> list[str]:
    """`text` split at newlines only (`str.splitlines` also breaks at CR, FF, U+2028…, which
    would show one written line as two)."""
    return text.split("\n")


class SafeStream:
    """A text stream whose `write()` shows control characters instead of emitting them.

    Attributes:
        raw: the wrapped stream, for the program's own escape sequences.
    """

    def __init__(self, raw: TextIO) -> None:
        self.raw = raw
        self._pending_cr = False  # a write that ended in CR: a line ending if the next begins with LF

    def write(self, text: str) -> int:
        if self._pending_cr:
            self._pending_cr = False
            text = "\r" + text
        if text.endswith("\r"):
            self._pending_cr = True
            text = text[:-1]
        if text:
            self.raw.write(visible(text))
        return len(text)

    def flush(self) -> None:
        if self._pending_cr:  # nothing followed: a lone CR, shown
            self._pending_cr = False
            self.raw.write(_stand_in("\r"))
        self.raw.flush()

    def isatty(self) -> bool:
        return bool(getattr(self.raw, "isatty", lambda: False)())

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:  # encoding, fileno, getvalue…: as the wrapped stream
        return getattr(self.raw, name)


def safe_stream(stream: TextIO) -> SafeStream:
    """`stream` wrapped in a SafeStream (a SafeStream is returned as it is)."""
    return stream if isinstance(stream, SafeStream) else SafeStream(stream)


@contextmanager
def safe_stdio() -> Iterator[None]:
    """`sys.stdout` and `sys.stderr` as SafeStreams for the duration (for the plain subcommands).

    Not for the front ends that draw the screen themselves (Textual, prompt-toolkit): their own
    escape sequences go to the terminal, and they sanitise what they show.
    """
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = safe_stream(sys.stdout), safe_stream(sys.stderr)
    try:
        yield
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        sys.stdout, sys.stderr = saved
