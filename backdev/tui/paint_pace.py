"""When the turn's worker, reading a reply faster than the screen shows it, lets the screen paint.

Textual paints a screen only once its message queue is empty, and a reply already buffered (an
instant stream) is read without the worker ever suspending: without pauses its first line would
show with its last. The worker pauses for a paint when a message's first line ends (so it shows
whole, at once), or a frame after its first words while that line is still open, and then every
`KEEP_PAINTING` while text keeps coming. A first line so long that a frame's worth of it could fill
the screen (a fast machine reads thousands of characters of a buffered reply in a frame) gets its
first paint once it holds `FIRST_PAINT_CHARS`: its start is on screen before it scrolls away.
"""

from __future__ import annotations

from backdev.tui.widgets.reply import FRAME_RATE

KEEP_PAINTING = 0.1  # seconds: how often a reply read without a pause still reaches the screen
FIRST_PAINT_CHARS = 400  # a message's first paint comes by then: a few lines, half a 60x20 screen at most


class PaintPacer:
    """Says, delta by delta, when the screen should paint before more of the reply is read."""

    def __init__(self) -> None:
        self.message_started()

    def message_started(self) -> None:
        """A new API message: its first line gets its own paint again."""
        self._next: float | None = None
        self._first_line_open = True
        self._before_first_paint: int | None = 0  # characters taken; None once the message painted

    def wants_paint(self, text: str, now: float) -> bool:
        """Whether to paint now, `text` (a delta) having just been posted to the screen."""
        if self._next is None:  # the message's first words: a frame for its first line to end
            self._next = now + 1 / FRAME_RATE
        if self._first_line_open and "\n" in text:
            return True
        if self._before_first_paint is not None:
            self._before_first_paint += len(text)
            if self._before_first_paint >= FIRST_PAINT_CHARS:
                return True
        return now >= self._next

    def painted(self, text: str, now: float) -> None:
        """The screen painted after `text` (at `now`): the next paint is due a frame later while the
        first line is still open, else `KEEP_PAINTING` later."""
        self._before_first_paint = None
        if "\n" in text:
            self._first_line_open = False
        self._next = now + (1 / FRAME_RATE if self._first_line_open else KEEP_PAINTING)
