"""Issue 15 in the app: the context gauge in the status bar, and the picker before a large message."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import OptionList

from backdev.chat.events import SessionStatus
from backdev.compose import open_store, open_workspace, start_session
from backdev.fakeapi import FakeAnthropic
from backdev.tui.screens.choice import ChoiceScreen
from backdev.tui.widgets.status import StatusBar, StatusInfo, status_text

from .conftest import fake_provider
from .test_context_driver import big_repo
from .tuikit import build, notes, started, submit, turn_done, wait_for


def test_the_gauge_keeps_its_place_on_a_narrow_status_bar() -> None:
    info = StatusInfo(SessionStatus("backend-developer", "claude-sonnet-5-5", "shop (main)", "Design",
                                    context_tokens=30_000, context_window=200_000))
    wide = str(status_text(info, 200))
    assert "context ▰▱▱▱▱ 15% of 200k" in wide
    narrow = str(status_text(info, 90))  # the model's id gives way first, then the gauge, before the repository
    assert "15% of 200k" in narrow and "claude-sonnet-5-5" not in narrow and "shop (main)" in narrow


async def test_the_status_bar_shows_the_fill_and_a_large_attachment_asks_in_a_picker(git_repo: Path) -> None:
    with FakeAnthropic(api_key="test-key", context_window=40_000) as api:
        workspace = open_workspace(big_repo(git_repo))
        app = build(start_session(workspace, open_store(), fake_provider(api)), workspace)
        async with app.run_test(size=(160, 30)) as pilot:
            chat = await started(pilot)
            await wait_for(lambda: "of 40k" in str(chat.query_one(StatusBar).render()), what="the gauge")
            await submit(pilot, "explain @big.py please")
            picker = await wait_for(lambda: isinstance(app.screen, ChoiceScreen) and app.screen, what="the picker")
            assert "@big.py (≈" in picker.title_text
            assert picker.query_one(OptionList).get_option_at_index(0).id == "range"
            await pilot.press("enter")
            await wait_for(lambda: chat.prompt.text == "explain @big.py:1-200 please", what="the narrowed message")
        assert api.message_requests == []


async def test_compact_in_the_app_says_the_tokens_before_and_after(project: Path) -> None:
    with FakeAnthropic(api_key="test-key", context_window=40_000) as api:
        api.enqueue({"type": "text", "text": "The summary.", "match": "<conversation>"},
                    *({"type": "text", "text": f"Answer {n}."} for n in range(3)))
        workspace = open_workspace(project)
        app = build(start_session(workspace, open_store(), fake_provider(api)), workspace)
        async with app.run_test(size=(160, 30)) as pilot:
            chat = await started(pilot)
            for n in range(3):
                await submit(pilot, f"question {n}")
                await turn_done(pilot)
            await submit(pilot, "/compact")
            line = await wait_for(lambda: next((n for n in notes(chat) if n.startswith("Compacted")), None),
                                  what="the compaction line")
            assert "→" in line and "tokens" in line
            assert any("question 0" in str(entry.render()) for entry in chat.transcript.children), "the transcript is whole"
