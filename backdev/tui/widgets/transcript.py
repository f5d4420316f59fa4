"""The transcript: a scrolling column of entries that follows the tail only while at the bottom.

Following the tail is Textual's anchor: the view sticks to the bottom as content grows until the
person scrolls up, and sticks again once they scroll back down, so reading an earlier reply is
never yanked away by a streaming one.

A resumed session can hold thousands of entries; only the last ones are built at first (at most
`window` entries and about `char_budget` characters: rendering markdown costs by its size; old
replies are rendered whole, never streamed). The rest come a batch at a time from the "earlier
entries" button at the top, or by themselves when the person scrolls to the top.
"""

from __future__ import annotations

from collections.abc import Iterator

from textual import on
from textual.containers import VerticalScroll
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Button

from backdev.chat.transcript import TranscriptItem, recent_start
from backdev.tui.widgets.entries import EarlierEntry, ErrorEntry, NoteEntry, ReplyEntry, ToolEntry, UserEntry


KEEP_PAINTED = 4  # the newest replies that keep their painted lines
# Scrolled back, the replies within this many screens above and below the view keep theirs; the
# others let go (looked at, at most this often while scrolling, in seconds).
KEEP_NEAR_SCREENS = 2
SWEEP_EVERY = 0.2


def entry_for(item: TranscriptItem) -> Widget:
    """The widget that shows a stored item."""
    if item.kind == "user":
        return UserEntry(item.text, item.attachments)
    if item.kind == "reply":
        return ReplyEntry(item.text, item.status)
    if item.kind == "tool":
        return ToolEntry(item.text, item.detail, is_error=item.is_error)
    if item.kind == "note":
        return NoteEntry(item.text, error=item.is_error)
    return ErrorEntry(item.text, retryable=False)


def item_for(widget: Widget) -> TranscriptItem | None:
    """The item an entry can be built again from (None: not an entry to put away)."""
    if isinstance(widget, UserEntry):
        return TranscriptItem("user", widget.text, attachments=widget.attachments)
    if isinstance(widget, ReplyEntry) and not widget.streaming:
        return TranscriptItem("reply", widget.source, widget.status)
    if isinstance(widget, ToolEntry) and not widget.pending:
        return TranscriptItem("tool", widget.summary, detail=widget.detail, is_error=widget.is_error)
    if isinstance(widget, ErrorEntry):
        return TranscriptItem("error", widget.message)
    if isinstance(widget, NoteEntry):
        return TranscriptItem("note", widget.text, is_error=widget.error)
    if type(widget).__name__ == "ReportEntry":  # (its module loads with the first table) built again as its text
        return TranscriptItem("note", widget.report.text)  # type: ignore[attr-defined]
    return None


class Transcript(VerticalScroll):
    """Every entry of the conversation shown so far."""

    # The scrollbar's room is kept whether it shows or not: a width that changes when the reply
    # outgrows the screen would make every reply paint itself again.
    DEFAULT_CSS = "Transcript { scrollbar-gutter: stable; }"

    def __init__(self, *, window: int = 40, char_budget: int = 8000, id: str | None = None) -> None:
        super().__init__(id=id)
        self.window = window
        self.char_budget = char_budget
        self._older: list[TranscriptItem] = []
        self._loading = False
        self._more_asked = False
        self._sweep: Timer | None = None

    def on_mount(self) -> None:
        self.anchor()

    async def add(self, *widgets: Widget) -> None:
        """Append entries at the bottom."""
        await self.mount_all(widgets)
        await self._put_away_oldest()

    async def start_reply(self) -> ReplyEntry:
        entry = ReplyEntry()
        await self.mount(entry)
        await self._put_away_oldest()
        # Memory stays flat over a long session: replies well above the newest let go of their
        # painted lines (they paint again if scrolled back to; their heights stay, so nothing moves).
        for older in self.replies()[:-KEEP_PAINTED]:
            older.release()
        return entry

    async def note(self, text: str, *, error: bool = False) -> NoteEntry:
        entry = NoteEntry(text, error=error)
        await self.mount(entry)
        await self._put_away_oldest()
        return entry

    async def _put_away_oldest(self) -> None:
        """A long session keeps at most about 2 x `window` entries built: memory stays flat.

        While the person follows the tail, the oldest entries past that go back to the items the
        "earlier entries" button (or scrolling to the top) builds again; nothing is lost.
        """
        entries = [child for child in self.children if not isinstance(child, EarlierEntry)]
        if len(entries) <= 2 * self.window or self._loading or not self.is_vertical_scroll_end:
            return
        away: list[Widget] = []
        items: list[TranscriptItem] = []
        for widget in entries[: len(entries) - self.window]:
            item = item_for(widget)
            if item is None:
                break  # keep order: never put away what is newer than something kept
            away.append(widget)
            items.append(item)
        if not away:
            return
        self._older.extend(items)
        await self.remove_children(away)
        found = self.query(EarlierEntry)
        if found:
            found.first().set_remaining(len(self._older))
        else:
            await self.mount(EarlierEntry(len(self._older)), before=0)

    async def clear(self) -> None:
        self._older = []
        await self.remove_children()
        self.anchor()

    # --- history -------------------------------------------------------------------------------

    async def show_history(self, items: list[TranscriptItem]) -> None:
        """Show a stored conversation: the last `window` items now, the rest on request."""
        start = recent_start(items, self.window, self.char_budget)
        self._older, recent = items[:start], items[start:]
        widgets: list[Widget] = [entry_for(item) for item in recent]
        if self._older:
            widgets.insert(0, EarlierEntry(len(self._older)))
        await self.mount_all(widgets)
        self.anchor()

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if new == 0 and old > 0 and self._older:
            self.run_worker(self.show_earlier(), group="earlier")  # scrolled to the top: bring more
        if self._sweep is None:
            self._sweep = self.set_timer(SWEEP_EVERY, self._release_far_replies)

    def _release_far_replies(self) -> None:
        """Let replies far from the view go of their painted lines (they paint again when looked at).

        Painted lines are most of what a long session holds, and the cyclic collector walks all
        of them: scrolled back through fifty long replies, each painted on the way, its passes
        grew to half a second. Kept near the view, what is painted stays about three screens' worth.
        """
        self._sweep = None
        height = self.size.height
        top = self.scroll_y - KEEP_NEAR_SCREENS * height
        bottom = self.scroll_y + (KEEP_NEAR_SCREENS + 1) * height
        for entry, entry_top, entry_bottom in self.entry_spans():
            if isinstance(entry, ReplyEntry) and (entry_bottom < top or entry_top > bottom) \
                    and entry.body.is_painted and not entry.streaming:
                entry.release()

    def entry_spans(self) -> Iterator[tuple[Widget, int, int]]:
        """Each shown entry with its first line and the line after its last, in the transcript.

        Worked out from the entries' sizes at the last layout, as Textual's vertical layout places
        them (where two entries meet, the larger of their margins), because the compositor answers
        `virtual_region` for an entry off screen by arranging every widget of the screen again.
        """
        shown = [child for child in self.children if child.display]
        y = shown[0].styles.margin.top if shown else 0
        for entry, below in zip(shown, [*shown[1:], None]):
            height = entry.outer_size.height
            yield entry, y, y + height
            y += height + max(entry.styles.margin.bottom, below.styles.margin.top if below is not None else 0)

    @on(Button.Pressed, "#earlier")
    async def _earlier_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        await self.show_earlier()

    async def show_earlier(self) -> None:
        """Build the next batch of older entries above the ones shown.

        Asked again while a batch is being built (a press of the button while scrolling to the top
        brought one), it builds one more right after: no request for more is lost.
        """
        if self._loading:
            self._more_asked = True
            return
        self._loading = True
        try:
            self._more_asked = True
            while self._more_asked and self._older:
                self._more_asked = False
                await self._show_batch()
        finally:
            self._loading = False

    async def _show_batch(self) -> None:
        button = self.query_one(EarlierEntry)
        start = recent_start(self._older, self.window, self.char_budget)
        batch, self._older = self._older[start:], self._older[:start]
        children = list(self.children)
        position = children.index(button) + 1
        first_shown = children[position] if position < len(children) else None
        await self.mount_all([entry_for(item) for item in batch], after=button)
        if self._older:
            button.set_remaining(len(self._older))
        else:
            await button.remove()
        if first_shown is not None:
            # Keep the entry the person was looking at in place, above it the new ones.
            self.call_after_refresh(self.scroll_to_widget, first_shown, top=True, animate=False)

    @property
    def hidden_count(self) -> int:
        """Entries of a long session not built yet."""
        return len(self._older)

    # --- queries -------------------------------------------------------------------------------

    def replies(self) -> list[ReplyEntry]:
        return list(self.query(ReplyEntry))

    def last_reply_text(self) -> str | None:
        """The markdown of the newest reply that has any text."""
        for reply in reversed(self.replies()):
            if reply.source.strip():
                return reply.source
        return None

    def tool_entry(self, call_id: str) -> ToolEntry | None:
        for entry in self.query(ToolEntry):
            if entry.call_id == call_id:
                return entry
        return None

    def retire_errors(self) -> None:
        """A new turn started: older errors no longer offer a retry."""
        for entry in self.query(ErrorEntry):
            entry.disable_retry()
