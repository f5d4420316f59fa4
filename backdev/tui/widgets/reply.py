"""A reply of the model: markdown whose cost on screen does not grow with its length.

`ReplyBody` is a line-API widget (it paints only the lines asked for, and one widget stands for
the whole reply however many blocks it has). Finished blocks are painted once into strips and
kept; only the block being written is painted again, at most `FRAME_RATE` times a second however
fast the deltas come: a burst of deltas costs one paint, and the first delta of a reply is painted
at once. A change of width (or theme) paints every block again, once.

The markdown source is kept as received, so copying a reply copies the logical text, not
wrapped screen lines.
"""

from __future__ import annotations

import asyncio
import time
from bisect import bisect_right

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.geometry import Size
from textual.strip import Strip
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Static

from backdev.tui.collector import collector as _collector
from backdev.tui.widgets.markdown_blocks import Block, Painter, display_text, split_blocks

GAP = 1  # blank lines between two blocks

FRAME_RATE = 40  # paints a second at most while streaming (the terminal's refresh is about 60)

STATUS_MARKS = {
    "cancelled": "⏹ Cancelled — what arrived is kept; /retry asks again.",
    "interrupted": "⚠ Cut off — what arrived is kept; /retry asks again.",
    "retrying": "⟳ The stream broke here; what arrived is kept and the reply is asked for again…",
    "failed": "⚠ This reply failed.",
}


class ReplyBody(Widget):
    """The markdown of one reply, painted block by block (see the module docstring).

    Lines are asked for by position: each finished block has a first line (`_starts`), from its
    painted height or, until it is painted, an estimate. A layout paints the blocks nearest the end
    first (where a view that follows the stream looks) until a screenful is painted, and the rest
    a few at a time on a timer, so that a long reply that arrived all at once shows its end without
    waiting for its beginning; a line asked for in a block not painted yet paints that block.
    """

    # The blank line after a reply is the one Textual's Markdown leaves after its last block.
    DEFAULT_CSS = "ReplyBody { height: auto; width: 1fr; margin: 0 0 1 0; }"

    def __init__(self, text: str = "") -> None:
        super().__init__()
        self._blocks: list[Block] = []
        self._tail = ""  # display text of the block(s) still being written
        self._cr = ""  # a carriage return at the end of the last fragment
        self._tail_lines: list[Strip] = []
        self._width = 0
        self._starts: list[int] = []  # first line of each finished block, at `_width`
        self._finished_lines = 0  # lines of the finished blocks with the gaps between them
        self._painter: Painter | None = None
        self._timer: Timer | None = None
        self._filler: Timer | None = None
        self._painted_at = 0.0
        self.paints = 0  # how many times the growing block was painted (for tests and benchmarks)
        if text:
            self._blocks, _ = split_blocks(display_text(text), final=True)

    # --- feeding -------------------------------------------------------------------------------

    def feed(self, fragment: str) -> None:
        """Add streamed text; it is painted within one frame."""
        fragment, self._cr = self._cr + fragment, ""
        if fragment.endswith("\r"):  # a CRLF cut in two: its CR waits for the next fragment
            fragment, self._cr = fragment[:-1], "\r"
        self._tail += display_text(fragment)
        if self._timer is not None:
            return  # a paint is due: this fragment joins it
        wait = self._painted_at + 1 / FRAME_RATE - time.monotonic()
        if wait <= 0:
            self._paint_tail()
        else:
            self._timer = self.set_timer(wait, self._paint_tail)

    def close(self) -> None:
        """The stream is over: the last block is finished too."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self._tail += display_text(self._cr)
        self._cr = ""
        blocks, self._tail = split_blocks(self._tail, final=True)
        self._freeze(blocks)
        self._tail_lines = []
        self._changed()

    def _paint_tail(self) -> None:
        self._timer = None
        self._painted_at = time.monotonic()
        blocks, self._tail = split_blocks(self._tail)
        self._freeze(blocks)
        self._tail_lines = self._paint_text(self._tail)
        self.paints += 1
        self._changed()

    def _freeze(self, blocks: list[Block]) -> None:
        if not blocks:
            return
        self._blocks.extend(blocks)
        if self._width:
            self._paint_visible_first()  # new blocks are at the end: in view while the stream is followed
        else:
            self._place()

    # --- painting ------------------------------------------------------------------------------

    @property
    def painter(self) -> Painter:
        if self._painter is None:
            self._painter = Painter(self)
        return self._painter

    def _paint_text(self, text: str) -> list[Strip]:
        if not self._width or not self.is_attached:
            return []
        return self.painter.paint(text, self._width)

    def _lines_of(self, block: Block) -> list[Strip]:
        """The block's lines at the current width, painted now if they were not yet."""
        lines = block.painted.get(self._width)
        if lines is None:
            lines = self._paint_text(block.text)
            if self.is_attached and self._width:
                # A layout may ask for two widths in turn (with and without a scrollbar): keep both.
                block.painted = {**dict(list(block.painted.items())[-1:]), self._width: lines}
                block.heights[self._width] = len(lines)
        return lines

    def _height_of(self, block: Block) -> int:
        if self._width in block.heights:
            return block.heights[self._width]
        return estimate_height(block, self._width)

    @property
    def is_painted(self) -> bool:
        """True while any finished block holds painted lines."""
        return any(block.painted for block in self._blocks)

    def release(self) -> None:
        """Let go of the painted lines (a reply far up a long session); heights are kept, so nothing
        moves, and a block is painted again when it is next looked at."""
        if self._filler is not None:
            self._filler.stop()
            self._filler = None
        for block in self._blocks:
            block.painted = {}
        self.refresh()  # and Textual's own copy of the lines on screen

    def _place(self) -> None:
        """Work out where each finished block starts (painted heights, else estimates)."""
        starts, y = [], 0
        for block in self._blocks:
            height = self._height_of(block)
            if height and y:
                y += GAP
            starts.append(y)
            y += height
        self._starts, self._finished_lines = starts, y

    def _paint_visible_first(self) -> None:
        """Paint the last blocks until a screenful is painted; the rest on a timer."""
        wanted = (self.screen.size.height if self.is_attached else 40) * 2
        painted = 0
        for block in reversed(self._blocks):
            if painted >= wanted:
                break
            painted += len(self._lines_of(block)) + GAP
        self._place()
        if any(self._width not in block.heights for block in self._blocks) and self._filler is None:
            self._filler = self.set_interval(1 / FRAME_RATE, self._fill)

    def _fill(self) -> None:
        """Paint some of the blocks not painted yet (nearest the end first), for about 8 ms."""
        deadline = time.monotonic() + 0.008
        for block in reversed(self._blocks):
            if self._width not in block.heights:
                self._lines_of(block)
                if time.monotonic() > deadline:
                    break
        else:
            if self._filler is not None:
                self._filler.stop()
                self._filler = None
        self._place_and_relayout()

    def _repaint_all(self, width: int) -> None:
        self._width = width
        self._paint_visible_first()
        self._tail_lines = self._paint_text(self._tail)

    @property
    def _gap_before_tail(self) -> int:
        return GAP if self._finished_lines and self._tail_lines else 0

    @property
    def line_count(self) -> int:
        return self._finished_lines + self._gap_before_tail + len(self._tail_lines)

    def _ensure_width(self, width: int) -> None:
        if width != self._width and width > 0:
            self._repaint_all(width)

    def _changed(self) -> None:
        if self.is_attached:
            self.refresh(layout=True)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._painter = None  # the theme changed: colours are painted in
        for block in self._blocks:
            block.painted, block.heights = {}, {}
        if self._width:
            self._repaint_all(self._width)

    # --- Textual's line API --------------------------------------------------------------------

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        self._ensure_width(width)
        return self.line_count

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return container.width

    def render_line(self, y: int) -> Strip:
        self._ensure_width(self.size.width)
        if y < self._finished_lines:
            index = bisect_right(self._starts, y) - 1
            block = self._blocks[index]
            if self._width not in block.painted:
                known = self._width in block.heights
                self._lines_of(block)
                if not known:
                    self.call_later(self._place_and_relayout)  # its height was an estimate
            lines = block.painted.get(self._width, [])
            row = y - self._starts[index]
            return lines[row] if 0 <= row < len(lines) else Strip.blank(0)
        y -= self._finished_lines + self._gap_before_tail
        if 0 <= y < len(self._tail_lines):
            return self._tail_lines[y]
        return Strip.blank(0)

    def _place_and_relayout(self) -> None:
        before = self._finished_lines
        self._place()
        if self._finished_lines != before:
            self._changed()
        else:
            self.refresh()

    # --- what the screen shows -----------------------------------------------------------------

    def shown_text(self) -> str:
        """The text of every line (all painted), for tests: what a person would read."""
        self._ensure_width(self.size.width or self._width)
        for block in self._blocks:
            self._lines_of(block)
        self._place()
        return "\n".join(self.render_line(y).text.rstrip() for y in range(self.line_count))

    @property
    def painted_lines(self) -> list[Strip]:
        """Every finished block's painted lines (for tests)."""
        return [line for block in self._blocks for line in block.painted.get(self._width, [])]


def estimate_height(block: Block, width: int) -> int:
    """About how many lines a block not painted yet will take (corrected once it is painted)."""
    if width <= 0:
        return 0
    lines = block.text.split("\n")
    rows = sum(max(1, -(-len(line) // width)) for line in lines)
    if block.kind in ("fence", "code_block"):
        return len(lines) + (0 if block.kind == "code_block" else -2) + 2  # fences out, padding in
    return rows


class ReplyEntry(Vertical):
    """One reply of the model, streamed or restored, with a mark when it did not complete."""

    DEFAULT_CSS = "ReplyEntry { height: auto; }"

    def __init__(self, text: str = "", status: str = "complete") -> None:
        super().__init__(classes="entry reply")
        self._parts = [text] if text else []
        self.status = status
        self._streaming = False
        self.has_text = bool(text)  # true as soon as a fragment is written (before it is painted)
        self.body = ReplyBody(text)
        self._yielded_at = 0.0

    def compose(self) -> ComposeResult:
        yield self.body
        mark = Static(STATUS_MARKS.get(self.status, ""), classes="mark", markup=False)
        mark.display = self.status in STATUS_MARKS
        yield mark

    @property
    def source(self) -> str:
        """The reply's markdown as received."""
        if len(self._parts) > 1:
            self._parts = ["".join(self._parts)]
        return self._parts[0] if self._parts else ""

    def release(self) -> None:
        """Let go of the painted lines: the body's, and the copies Textual keeps of each line drawn
        (of the body and of this entry's own background: one per line of its height, ever drawn)."""
        self.body.release()
        self.refresh()

    @property
    def streaming(self) -> bool:
        return self._streaming

    async def write(self, fragment: str) -> None:
        """Append a fragment of the streaming reply (painted within one frame)."""
        if not fragment:
            return
        if not self._streaming:
            _collector.hold()
        self._streaming = True
        self.has_text = True
        self._parts.append(fragment)
        self.body.feed(fragment)
        # Deltas that arrive faster than they are shown queue up as messages, and a message pump
        # with messages waiting never lets the screen's refresh run: let it, once a frame.
        now = time.monotonic()
        if now - self._yielded_at >= 1 / FRAME_RATE:
            self._yielded_at = now
            await asyncio.sleep(0)

    async def finish(self, status: str = "complete") -> None:
        """The stream is over: paint what is pending and mark how it ended."""
        if self._streaming:
            self._streaming = False
            self.body.close()
            _collector.release(self)
        self.set_status(status)

    def on_unmount(self) -> None:
        if self._streaming:  # removed (or the app closed) mid-stream
            self._streaming = False
            _collector.drop()
        else:
            _collector.settle()

    def set_status(self, status: str) -> None:
        self.status = status
        mark = self.query_one(".mark", Static)
        mark.update(STATUS_MARKS.get(status, ""))
        mark.display = status in STATUS_MARKS
        self.set_class(status in STATUS_MARKS, "-unfinished")
