"""How the app says a reply stopped before its end (beyond a failure): the output limit."""

from __future__ import annotations

from backdev.compose import Startup, Workspace
from backdev.llm.events import MessageFinished, TextDelta, Usage
from backdev.llm.scripted import ScriptedProvider
from backdev.tui.widgets.entries import ReplyEntry

from .tuikit import build, entries, notes, started, submit, turn_done


async def test_a_reply_stopped_by_the_output_limit_is_kept_and_said_once(
        startup: Startup, workspace: Workspace, scripted: ScriptedProvider) -> None:
    scripted.enqueue([TextDelta("First, add the"),
                      MessageFinished([{"type": "text", "text": "First, add the"}], "max_tokens", Usage(10, 5))])
    app = build(startup, workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        chat = await started(pilot)
        await submit(pilot, "plan it")
        await turn_done(pilot)
        [answer] = entries(chat, ReplyEntry)
        assert answer.source == "First, add the"
        said = [n for n in notes(chat) if "output limit" in n]
        assert len(said) == 1 and "go on" in said[0]
