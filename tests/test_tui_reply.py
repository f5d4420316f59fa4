"""The reply view: markdown painted block by block, at the speed of the stream, safely."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import pytest
from textual.app import App, ComposeResult
from textual.containers import VerticalScroll

from backdev.tui.widgets import markdown_blocks
from backdev.tui.widgets.markdown_blocks import display_text, split_blocks
from backdev.tui.widgets.reply import FRAME_RATE, ReplyEntry

from .tuikit import wait_for

RICH_REPLY = """# The order list

The view runs **one query per order** and `order.customer` is *lazy*; see
[the docs](https://docs.djangoproject.com/en/5.0/ref/models/querysets/).

## What to change

- `select_related("customer")` for the JOIN
- an index on `orders(customer_id)`
  that keeps the sort cheap

1. measure
2. fix

> A test pins the number of queries.

| query | before | after |
|-------|--------|-------|
| list  | 201    | 1     |

---

```python
def order_list(request):
    return Order.objects.select_related("customer")
```

Done.
"""


def long_reply(sections: int = 25) -> str:
    return "".join(f"## Section {n}\n\nProse for section {n}, with `code` and **bold**.\n\n"
                   f"- a point\n- another point\n\n```python\nx = {n}\n```\n\n" for n in range(sections))


class OneReply(App[None]):
    CSS = "VerticalScroll { scrollbar-gutter: stable; }"  # as the transcript: one width

    def __init__(self, text: str = "") -> None:
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield ReplyEntry(self.text)


async def stream(entry: ReplyEntry, text: str, size: int = 7) -> None:
    for k in range(0, len(text), size):
        await entry.write(text[k : k + size])
        await asyncio.sleep(0)


# --- splitting ---------------------------------------------------------------------------------


def test_every_block_but_the_last_is_finished() -> None:
    blocks, rest = split_blocks("# Title\n\nFirst para.\n\nSecond, still")
    assert [b.text for b in blocks] == ["# Title", "First para."]
    assert rest == "Second, still"
    final, rest = split_blocks("# Title\n\nFirst para.\n\nSecond, done.", final=True)
    assert [b.text for b in final][-1] == "Second, done." and rest == ""


@pytest.mark.parametrize("size", [1, 3, 7, 50, 400])
def test_blocks_cut_while_streaming_are_the_blocks_of_the_whole(size: int) -> None:
    text = display_text(RICH_REPLY + long_reply(3))
    done, tail = [], ""
    for k in range(0, len(text), size):
        blocks, tail = split_blocks(tail + text[k : k + size])
        done.extend(blocks)
    blocks, _ = split_blocks(tail, final=True)
    done.extend(blocks)
    assert [b.text for b in done] == [b.text for b in split_blocks(text, final=True)[0]]


def test_an_open_fence_stays_one_growing_block() -> None:
    blocks, rest = split_blocks("Intro.\n\n```python\ndef f():\n\n    return 1\n")
    assert [b.text for b in blocks] == ["Intro."] and rest.startswith("```python")


def test_control_characters_are_made_visible() -> None:
    assert display_text("a\x1b[31mb\x07\r\nc\x9b\rd\u202e") == "a␛[31mb␇\nc<U+009B>␍d<U+202E>"


async def test_a_line_end_cut_between_two_deltas_stays_a_line_end() -> None:
    app = OneReply()
    async with app.run_test(size=(100, 20)) as pilot:
        entry = app.query_one(ReplyEntry)
        for piece in ("first\r", "\n\r", "\nsecond\r"):
            await entry.write(piece)
        await entry.finish()
        await pilot.pause()
        assert entry.body.shown_text() == "first\n\nsecond␍"  # two CRLFs: two paragraphs, no ␍ between


# --- painting ----------------------------------------------------------------------------------


async def test_finished_blocks_are_painted_once_and_the_cost_does_not_grow(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from backdev.tui.widgets.reply import ReplyBody

    painted: list[str] = []  # every text painted: growing blocks and finished ones
    finished: Counter[int] = Counter()  # paints of each finished block
    original_paint, original_lines = markdown_blocks.Painter.paint, ReplyBody._lines_of

    def paint(self, text: str, width: int):  # type: ignore[no-untyped-def]
        painted.append(text)
        return original_paint(self, text, width)

    def lines_of(self, block):  # type: ignore[no-untyped-def]
        if self._width not in block.painted:
            finished[id(block)] += 1
        return original_lines(self, block)

    monkeypatch.setattr(markdown_blocks.Painter, "paint", paint)
    monkeypatch.setattr(ReplyBody, "_lines_of", lines_of)
    text = long_reply(40)
    app = OneReply()
    async with app.run_test(size=(100, 40)) as pilot:
        entry = app.query_one(ReplyEntry)
        await stream(entry, text, size=5)
        await entry.finish()
        await pilot.pause()
        blocks = entry.body._blocks
        assert entry.source == text and len(blocks) == 160
        await wait_for(lambda: len(finished) == len(blocks), what="every block painted")
        assert set(finished.values()) == {1} and len(finished) == len(blocks)  # each block once, at one width
        assert max(map(len, painted)) < 200  # never the whole reply: only the block being written
        assert "Section 39" in entry.body.shown_text() and "x = 0" in entry.body.shown_text()


async def test_a_burst_of_deltas_costs_a_few_paints_and_the_first_shows_at_once() -> None:
    app = OneReply()
    async with app.run_test(size=(100, 40)) as pilot:
        entry = app.query_one(ReplyEntry)
        await entry.write("Hello")
        assert entry.body.paints == 1 and entry.body.shown_text() == "Hello"  # painted without waiting
        started = time.monotonic()
        for _ in range(500):
            await entry.write(" more")
        frames = (time.monotonic() - started) * FRAME_RATE
        assert entry.body.paints <= 2 + frames  # one paint a frame at most, however many deltas
        await asyncio.sleep(0.1)
        assert entry.body.shown_text().count("more") == 500
        await entry.finish()
        await pilot.pause()


async def test_markdown_keeps_its_look() -> None:
    app = OneReply(RICH_REPLY)
    async with app.run_test(size=(100, 60)) as pilot:
        await pilot.pause()
        body = app.query_one(ReplyEntry).body
        shown = " ".join(body.shown_text().split(" "))
        flat = " ".join(shown.split())
        for seen in ("The order list", "What to change", "• select_related(\"customer\") for the JOIN", "1 measure",
                     "the docs (https://docs.djangoproject.com/en/5.0/ref/models/querysets/)",
                     "▌ A test pins", "query", "201", "def order_list(request):", "Done."):
            assert seen in flat, seen
        assert "**" not in shown and "```" not in shown and "#" not in shown
        segments = [s for line in body.painted_lines for s in line]
        keyword = next(s for s in segments if s.text == "def")
        plain = next(s for s in segments if "Done." in s.text)
        assert keyword.style.color != plain.style.color  # code is highlighted
        heading = next(s for s in segments if "The order list" in s.text)
        assert heading.style.bold
        code = next(s for s in segments if s.text.strip() == "order.customer")
        assert code.style.bgcolor is not None  # inline code stands out
        assert not any(s.style and (s.style.link or s.style.meta) for s in segments)  # links never clickable


async def test_reply_text_is_never_console_markup_and_escapes_never_reach_the_terminal() -> None:
    hostile = "Look [b]here[/b] [@click=app.quit]quit[/] and \x1b[2J\x1b]8;;http://x\x07link"
    app = OneReply()
    async with app.run_test(size=(100, 20)) as pilot:
        entry = app.query_one(ReplyEntry)
        await stream(entry, hostile, size=3)
        await entry.finish()
        await pilot.pause()
        shown = entry.body.shown_text()
        assert "[b]here[/b] [@click=app.quit]quit[/]" in shown and "␛[2J" in shown
        assert not any("\x1b" in s.text or "\x07" in s.text for line in entry.body.painted_lines for s in line)
        assert not any(s.style and s.style.meta for line in entry.body.painted_lines for s in line)
        assert entry.source == hostile  # kept as received, for copying
        assert app.is_running  # the click action was never bound


async def test_a_new_width_paints_again() -> None:
    app = OneReply("word " * 60)
    async with app.run_test(size=(100, 20)) as pilot:
        await pilot.pause()
        body = app.query_one(ReplyEntry).body
        wide = body.line_count
        await pilot.resize_terminal(50, 20)
        await pilot.pause()
        assert body.line_count > wide and all(line.cell_length <= 50 for line in body.painted_lines)


async def test_a_long_reply_that_arrived_at_once_shows_its_end_first_and_the_rest_follows() -> None:
    text = long_reply(60)
    app = OneReply()
    async with app.run_test(size=(100, 30)) as pilot:
        entry = app.query_one(ReplyEntry)
        for k in range(0, len(text), 40):  # all of it before the first layout
            entry._parts.append(text[k : k + 40])
            entry.body._tail += text[k : k + 40]
        entry._streaming = True
        await entry.finish()
        body = entry.body
        painted = [b for b in body._blocks if body._width in b.painted]
        assert body._blocks[-1] in painted and len(painted) < len(body._blocks) // 2  # the end, not the start
        await wait_for(lambda: all(body._width in b.painted for b in body._blocks), what="the rest painted")
        await pilot.pause()
        exact = sum(len(b.painted[body._width]) for b in body._blocks) + len(body._blocks) - 1
        assert body.line_count == exact and "Section 0" in body.render_line(0).text


class TranscriptApp(App[None]):
    """The transcript alone, filling the screen."""

    CSS = "Transcript { height: 1fr; }"

    def compose(self) -> ComposeResult:
        from backdev.tui.widgets.transcript import Transcript

        yield Transcript()


async def test_older_replies_let_go_of_their_lines_and_paint_again_when_looked_at() -> None:
    from backdev.tui.widgets.transcript import KEEP_PAINTED, Transcript

    app = TranscriptApp()
    async with app.run_test(size=(100, 30)) as pilot:
        transcript = app.query_one(Transcript)
        for n in range(KEEP_PAINTED + 3):
            reply = await transcript.start_reply()
            await reply.write(long_reply(2).replace("Section", f"Reply {n} section"))
            await reply.finish()
            await pilot.pause()
        first = transcript.replies()[0].body
        height = first.line_count
        assert not first.painted_lines and all(first._width in b.heights for b in first._blocks)
        assert all(r.body.painted_lines for r in transcript.replies()[-KEEP_PAINTED:])
        transcript.scroll_home(animate=False)
        await pilot.pause()
        assert first.painted_lines and first.line_count == height  # painted again, and nothing moved
        assert "Reply 0 section 0" in first.render_line(0).text


async def test_scrolling_back_through_a_long_session_keeps_only_the_replies_near_the_view_painted() -> None:
    # Painted lines are most of what a long session holds, and a full collection walks all of them:
    # scrolled back through 12 long replies, each painted on the way, the collector paused the
    # screen for longer each time. Replies far from what is on screen let go of their lines again.
    from backdev.tui.widgets.transcript import Transcript

    app = TranscriptApp()
    async with app.run_test(size=(100, 30)) as pilot:
        transcript = app.query_one(Transcript)
        for n in range(12):
            reply = await transcript.start_reply()
            await reply.write(long_reply(8).replace("Section", f"Reply {n} section"))
            await reply.finish()
        await pilot.pause()
        while transcript.scroll_y > 0:  # up a page at a time, as PageUp does
            transcript.scroll_page_up(animate=False)
            await pilot.pause()
        await pilot.pause(0.3)
        painted = [n for n, r in enumerate(transcript.replies()) if r.body.painted_lines]
        assert painted and painted[0] == 0 and len(painted) <= 4, painted
        # Textual keeps a copy of every line each widget drew, the entry's own background too:
        # those of the replies let go of are dropped with them.
        lines = sum(r.body.line_count for r in transcript.replies())
        drawn = sum(len(r._styles_cache._cache) + len(r.body._styles_cache._cache) for r in transcript.replies())
        assert drawn <= lines // 2, (drawn, lines)
        first = transcript.replies()[0].body
        assert "Reply 0 section 0" in first.render_line(0).text
        transcript.scroll_end(animate=False)
        await pilot.pause(0.3)
        painted = [n for n, r in enumerate(transcript.replies()) if r.body.painted_lines]
        assert painted and painted[-1] == 11 and len(painted) <= 4, painted


async def test_the_sweep_knows_where_each_entry_is_without_asking_the_compositor(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # Scrolled, the sweep looks where every reply is. The compositor answers that for an entry off
    # screen by arranging every widget of the screen again (3-5 ms after each scroll, up to 25 ms
    # in the bench's scrolling case); the transcript works it out from its entries' heights.
    from pathlib import Path

    from textual.widget import Widget

    import backdev.tui.screens
    from backdev.tui.widgets.entries import NoteEntry, ToolEntry, UserEntry
    from backdev.tui.widgets.transcript import Transcript

    class RealStyles(TranscriptApp):  # the chat screen's margins, which collapse where entries meet
        CSS_PATH = Path(backdev.tui.screens.__file__).parent / "chat.tcss"

    app = RealStyles()
    async with app.run_test(size=(80, 24)) as pilot:
        transcript = app.query_one(Transcript)
        for n in range(6):
            await transcript.add(UserEntry(f"question {n}"))
            reply = await transcript.start_reply()
            await reply.write(long_reply(3).replace("Section", f"Reply {n} section"))
            await reply.finish()
            await transcript.add(ToolEntry(f"read_file shop/{n}.py"), NoteEntry(f"note {n}"))
        hidden = NoteEntry("not shown")
        hidden.display = False
        await transcript.add(hidden)
        await pilot.pause()
        transcript.scroll_to(y=transcript.max_scroll_y // 2, animate=False)
        await pilot.pause()
        expected = {child: (child.virtual_region.y, child.virtual_region.bottom)
                    for child in transcript.children if child.display}
        assert {child: (top, bottom) for child, top, bottom in transcript.entry_spans()} == expected

        asked: list[Widget] = []
        where = Widget.virtual_region
        monkeypatch.setattr(Widget, "virtual_region", property(lambda self: asked.append(self) or where.fget(self)))
        transcript._release_far_replies()
        assert asked == []
        painted = [n for n, r in enumerate(transcript.replies()) if r.body.painted_lines]
        assert painted and len(painted) < 6, painted  # the sweep still let the far ones go


async def test_a_long_session_keeps_a_bounded_number_of_entries_built_and_loses_none() -> None:
    from backdev.tui.widgets.entries import EarlierEntry, NoteEntry, ToolEntry, UserEntry
    from backdev.tui.widgets.transcript import Transcript

    class Session(App[None]):
        CSS = "Transcript { height: 1fr; }"

        def compose(self) -> ComposeResult:
            yield Transcript(window=6)

    app = Session()
    async with app.run_test(size=(100, 30)) as pilot:
        transcript = app.query_one(Transcript)
        for n in range(20):
            await transcript.add(UserEntry(f"question {n}", ["app/views.py"] if n == 0 else []))
            reply = await transcript.start_reply()
            await reply.write(f"Answer **{n}**.")
            await reply.finish("cancelled" if n == 1 else "complete")
            await transcript.add(ToolEntry(f"read_file f{n}.py", "contents", is_error=n == 2))
            await transcript.note(f"note {n}", error=n == 3)
            await pilot.pause()
        built = [c for c in transcript.children if not isinstance(c, EarlierEntry)]
        assert len(built) <= 12 and transcript.hidden_count == 80 - len(built)
        assert transcript.replies()[-1].source == "Answer **19**."
        while transcript.hidden_count:
            await transcript.show_earlier()
        await pilot.pause()
        users = list(transcript.query(UserEntry))
        assert [u.text for u in users] == [f"question {n}" for n in range(20)] and users[0].attachments == ("app/views.py",)
        replies = transcript.replies()
        assert [r.source for r in replies][:2] == ["Answer **0**.", "Answer **1**."] and replies[1].status == "cancelled"
        assert list(transcript.query(ToolEntry))[2].is_error and list(transcript.query(NoteEntry))[3].error


async def test_the_cyclic_collector_waits_while_a_reply_streams() -> None:
    import gc

    assert gc.isenabled()
    app = OneReply()
    async with app.run_test(size=(100, 20)) as pilot:
        entry = app.query_one(ReplyEntry)
        await entry.write("Streaming")
        assert not gc.isenabled()  # a full collection here would stall the screen
        await entry.finish()
        assert not gc.isenabled()  # not before the last frame is shown
        await wait_for(gc.isenabled, what="the collector back")
        await pilot.pause()


async def test_a_new_reply_does_not_parse_the_themes_styles_again(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # Each reply has its own painter; parsing a style against the theme's variables tokenises all of
    # them (~4 ms a style here), which made the first layout of every reply 50-70 ms slower.
    import textual.markup

    calls: list[str] = []
    original = textual.markup.parse_style

    def counting(style, variables=None):  # type: ignore[no-untyped-def]
        calls.append(style)
        return original(style, variables)

    monkeypatch.setattr(textual.markup, "parse_style", counting)
    monkeypatch.setattr(markdown_blocks, "_PARSED_STYLES", {})  # as in a new process
    app = OneReply("# Title\n\nSome `code` and a [link](https://example.com).\n\n```python\nx = 1\n```\n")
    async with app.run_test(size=(80, 20)) as pilot:
        entry = app.query_one(ReplyEntry)
        await pilot.pause()
        assert "Title" in entry.body.shown_text() and calls  # the first painter parses what it needs
        from backdev.tui.widgets.markdown_blocks import Painter

        calls.clear()
        second = Painter(entry.body)
        assert second.paint("```python\nx = 1\n```", 60) and calls == []
        app.theme = "textual-light" if app.current_theme.dark else "textual-dark"  # another theme: parsed afresh
        await pilot.pause()
        Painter(entry.body)
        assert calls
