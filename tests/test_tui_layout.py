"""What the app keeps when space is short, and what it says when something fails."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App, ComposeResult

from backdev.chat.events import SessionStatus
from backdev.llm.events import Usage
from backdev.tui.codeblocks import code_blocks
from backdev.tui.widgets.findings import FindingsEntry
from backdev.tui.widgets.status import StatusInfo, status_text
from backdev.workflow.review.findings import Finding

from .tuikit import rendered

INFO = StatusInfo(SessionStatus("backend-developer", "claude-sonnet-5-5", "shop (main*)", "Design",
                                Usage(input=1200, output=30, cache_write=640, cache_read=800), 0.0139), "streaming…")


def test_the_status_bar_shows_everything_when_it_fits_cache_writes_included() -> None:
    line = status_text(INFO, width=200).plain
    for part in ("streaming…", "backend-developer", "claude-sonnet-5-5", "shop (main*)", "Design", "$0.0139",
                 "in 1,200", "out 30", "cache read 800", "write 640"):
        assert part in line, part


@pytest.mark.parametrize("width", [40, 60, 80])
def test_a_narrow_status_bar_keeps_state_phase_and_cost_and_drops_the_rest_first(width: int) -> None:
    line = status_text(INFO, width=width).plain
    assert len(line) <= width
    for kept in ("streaming…", "Design", "$0.0139"):
        assert kept in line, (width, line)
    assert "…" not in line.replace("streaming…", "")  # whole fields dropped, never a field cut in half


def test_copying_a_code_block_counts_its_lines_as_the_preview_does() -> None:
    [block] = code_blocks("```python\nprint(1)\n```\n")
    assert block.line_count == 1 and "1 line " in block.preview


class Host(App[None]):
    def __init__(self, widget: object) -> None:
        super().__init__()
        self.widget = widget

    def compose(self) -> ComposeResult:
        yield self.widget  # type: ignore[misc]


TITLE = "The order list view runs one query per order to fetch its customer (an N+1)"


@pytest.mark.parametrize("width", [56, 78, 120])
async def test_the_findings_title_column_takes_the_remaining_width_and_wraps(width: int) -> None:
    entry = FindingsEntry([Finding("shop/views.py", 12, "high", "performance", TITLE, "d", "s"),
                           Finding("shop/models.py", 3, "low", "performance", "Missing index", "d", "s")],
                          scope="shop/views.py")
    entry.styles.width = width  # as beside the side panel
    app = Host(entry)
    async with app.run_test(size=(140, 30)) as pilot:
        await pilot.pause()
        table = entry.query_one("FindingsTable")
        shown = rendered(table)
        assert max(len(line) for line in shown.splitlines()) <= width
        words = " ".join(shown.split())
        assert TITLE in words or all(w in words for w in TITLE.split()), (width, shown)
        assert "Missing index" in words


async def test_a_screenshot_that_cannot_be_saved_says_why(tmp_path: Path) -> None:
    from backdev.tui.app import BackdevApp

    blocked = tmp_path / "file-not-folder"
    blocked.write_text("x")
    notes: list[str] = []

    class ShotHost(Host):
        deliver_screenshot = BackdevApp.deliver_screenshot

        def notify(self, message: str, **kwargs: object) -> None:  # type: ignore[override]
            notes.append(message)

    from textual.widgets import Static

    app = ShotHost(Static("x"))
    async with app.run_test(size=(60, 20)) as pilot:
        app.deliver_screenshot(path=str(blocked))
        await pilot.pause()
    assert notes and "not saved" in notes[0] and str(blocked) in notes[0] and "Not a directory" in notes[0]
    saved: list[str] = []
    app2 = ShotHost(Static("x"))
    async with app2.run_test(size=(60, 20)) as pilot:
        notes.clear()
        app2.deliver_screenshot(path=str(tmp_path))
        await pilot.pause()
        saved = list(tmp_path.glob("*.svg"))
    assert saved and "Screenshot saved to" in notes[0]


@pytest.mark.parametrize("size", [(120, 40), (80, 24), (60, 20)])
async def test_the_session_picker_shows_every_column_with_the_message_taking_the_rest(
        size: tuple[int, int], startup, workspace) -> None:  # type: ignore[no-untyped-def]
    from backdev.compose import open_store
    from backdev.tui.screens.sessions import SessionPickerScreen

    from .tuikit import build, started, wait_for

    store = open_store()
    long_first = "Why is the order list so slow when a customer has more than two hundred orders in the shop?"
    record = store.create_session(str(workspace.root), "backend-developer", "claude-sonnet-5-5")
    store.append_message(record.id, turn=1, role="user", content=[{"type": "text", "text": long_first}], text=long_first)
    app = build(startup, workspace)
    async with app.run_test(size=size) as pilot:
        await started(pilot)
        await pilot.press("ctrl+r")
        picker = await wait_for(lambda: isinstance(app.screen, SessionPickerScreen) and app.screen, what="the picker")
        await pilot.pause()
        shown = rendered(picker.query_one("#sessions"))
        header = shown.splitlines()[0]
        wanted = ["Last activity", "First message", "Cost"] + (["Phase", "Msgs"] if size[0] >= 80 else [])
        for column in wanted:
            assert column in header, (size, header)
        assert len(header.rstrip()) <= size[0]
        row = next(line for line in shown.splitlines() if "Why is the order" in line)
        assert "$" in row or "n/a" in row  # the cost column is on screen
        assert "Why is the order" in row
