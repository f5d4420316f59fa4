"""The model's thinking as the person sees it: a folded entry in the app, one line in plain mode."""

from __future__ import annotations

from pathlib import Path

import pytest

from backdev.compose import Workspace, open_store, start_session
from backdev.fakeapi import FakeAnthropic
from backdev.llm.events import Thought
from backdev.repl.render import thought_line
from backdev.tui.widgets.entries import ReplyEntry, ThinkingEntry

from .conftest import fake_provider, run_backdev
from .tuikit import build, entries, rendered, started, submit, turn_done, wait_for

# Markup and a control sequence: shown as they are, never interpreted.
THINKS = "First the [bold]model[/] constraints, then [@click=app.quit]the view\x1b]52;c;eA==\x07."


async def test_the_app_folds_the_thinking_before_the_reply_and_unfolds_it_on_a_click(
        workspace: Workspace, fake_api: FakeAnthropic) -> None:
    startup = start_session(workspace, open_store(), fake_provider(fake_api))
    startup.assistant.workflow.switch("design")
    fake_api.enqueue({"type": "text", "text": "A modular monolith.", "thinking": THINKS})
    app = build(startup, workspace)
    async with app.run_test(size=(100, 30)) as pilot:
        chat = await started(pilot)
        await submit(pilot, "design it")
        await turn_done(pilot)
        [entry] = entries(chat, ThinkingEntry)
        header = rendered(entry.query_one(".tool-header"))
        assert not entry.expanded and header.strip().startswith("▸ Thinking…") and "7 words" in header
        assert not entry.query(".tool-detail")  # folded: the thought is not even built
        transcript = list(chat.transcript.children)
        assert transcript.index(entry) < transcript.index(entries(chat, ReplyEntry)[-1])  # thinking first
        await pilot.click(ThinkingEntry)
        await pilot.pause()
        assert entry.expanded
        shown = rendered(entry.query_one(".tool-detail"))
        assert "[bold]model[/]" in shown and "[@click=app.quit]" in shown and "\x1b" not in shown
        assert app.is_running  # the markup bound nothing


def test_plain_mode_shows_the_thinking_as_one_line(project: Path, fake_api: FakeAnthropic) -> None:
    fake_api.enqueue({"type": "text", "text": "A modular monolith.", "thinking": "line one\nline two " + "word " * 40})
    env = {"ANTHROPIC_BASE_URL": fake_api.url, "ANTHROPIC_API_KEY": "test-key"}
    result = run_backdev("chat", "--plain", cwd=project, env=env, input="/phase design\ndesign it\n")
    assert result.returncode == 0, result.stderr
    [line] = [x for x in result.stderr.splitlines() if "Thinking…" in x]
    assert line.startswith("  ∴ Thinking… (44 words): line one line two word") and line.endswith("…")
    assert "A modular monolith." in result.stdout
    assert fake_api.message_requests[-1].body["thinking"] == {"type": "adaptive"}


@pytest.mark.parametrize(("thought", "line"), [
    (Thought("Short."), "∴ Thinking… (1 word): Short."),
    (Thought("", redacted=True), "∴ Thinking… (encrypted by the API)"),
    (Thought("a\x1b[2Jb"), "∴ Thinking… (1 word): a␛[2Jb"),
])
def test_the_plain_line_is_safe_and_short(thought: Thought, line: str) -> None:
    assert thought_line(thought) == line


async def test_the_app_says_the_model_is_thinking_while_it_thinks(workspace: Workspace, fake_api: FakeAnthropic) -> None:
    startup = start_session(workspace, open_store(), fake_provider(fake_api))
    startup.assistant.workflow.switch("review")
    # Slow thinking (one word a chunk), then a stream cut before the block ends.
    fake_api.enqueue({"type": "cut", "text": "", "thinking": "slowly " * 40, "chunk": 7, "delay": 0.05}, {"type": "text", "text": "Done."})
    app = build(startup, workspace)
    async with app.run_test(size=(100, 30)) as pilot:
        chat = await started(pilot)
        await submit(pilot, "review it")
        # Wait for the entry to be laid out: under load it can be in the list before it has a size.
        pending = await wait_for(lambda: [e for e in entries(chat, ThinkingEntry)
                                          if e.pending and "Thinking…" in rendered(e.query_one(".tool-header"))],
                                 what="the pending thinking line on screen")
        assert pending[0].pending
        await turn_done(pilot)
        cut, done = entries(chat, ThinkingEntry)[0], entries(chat, ReplyEntry)[-1]
        assert not cut.pending and "cut off before it ended" in rendered(cut.query_one(".tool-header"))
        assert done.source == "Done."
