"""A reply's first line shows at once, however fast the reply arrives (issue 12).

A reply that arrives faster than the screen handles it (an instant stream, already buffered) used
to queue one message per delta: the screen painted only once all of them were handled, so its
first line showed with its last (about 280 ms after the first delta for a 300-line reply).
"""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator
from typing import Any

from backdev.compose import Workspace
from backdev.llm.events import MessageFinished, MessageStarted, ProviderEvent, TextDelta, Usage
from backdev.llm.provider import Request
from backdev.llm.scripted import ScriptedProvider
from backdev.tui.screens.chat import ChatScreen
from backdev.tui.widgets.entries import ReplyEntry

from .conftest import start_with
from .tuikit import Recorder, build, entries, started, submit, turn_done

LINES = [f"Line {n} of the reply, with `code` and **bold** words in it." for n in range(300)]
REPLY = "\n\n".join(LINES)


def fragments(text: str, size: int = 17) -> list[str]:
    return [text[i:i + size] for i in range(0, len(text), size)]


class BusyProvider(ScriptedProvider):
    """Yields a reply's deltas without ever suspending, spending `cost` seconds of CPU on each one:
    the SDK parsing a stream that is already in its buffer."""

    def __init__(self, cost: float = 0.0) -> None:
        super().__init__()
        self.cost = cost
        self.last_delta_at = 0.0

    async def stream(self, request: Request) -> AsyncIterator[ProviderEvent]:
        self.history.append(request)
        yield MessageStarted(Usage(10, 0))
        for piece in fragments(REPLY):
            deadline = time.perf_counter() + self.cost
            while time.perf_counter() < deadline:
                pass
            self.last_delta_at = time.perf_counter()
            yield TextDelta(piece)
        yield MessageFinished([{"type": "text", "text": REPLY}], "end_turn", Usage(10, 10))


def record_screens(app: Any) -> list[tuple[float, str]]:
    """Every screen update the app writes (when, and its text)."""
    from textual._compositor import CompositorUpdate

    shown: list[tuple[float, str]] = []
    original = app._display

    def display(screen: Any, renderable: Any) -> None:
        if isinstance(renderable, CompositorUpdate):
            text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", renderable.render_segments(app.console))
            shown.append((time.perf_counter(), text))
        original(screen, renderable)

    app._display = display
    return shown


async def test_a_reply_that_arrives_at_once_is_handled_in_a_few_messages(workspace: Workspace) -> None:
    provider = BusyProvider()
    recorder = Recorder()
    app = build(start_with(workspace, provider), workspace)
    async with app.run_test(size=(100, 30), message_hook=recorder) as pilot:
        chat = await started(pilot)
        await submit(pilot, "explain")
        await turn_done(pilot)
        texts = [m.event for m in recorder.of(ChatScreen.DriverEvent) if isinstance(m.event, TextDelta)]
        # 1,088 deltas that came faster than the screen could take them: joined while they wait.
        assert len(fragments(REPLY)) > 1000 and len(texts) <= 5
        assert "".join(t.text for t in texts) == REPLY
        [answer] = entries(chat, ReplyEntry)
        assert answer.source == REPLY and answer.status == "complete"


async def screens_of_one_reply(workspace: Workspace, provider: BusyProvider) -> tuple[list[tuple[float, str]], float]:
    """Every screen update while `provider`'s reply is shown, and when its last line first showed."""
    app = build(start_with(workspace, provider), workspace)
    async with app.run_test(size=(100, 30)) as pilot:
        await started(pilot)
        shown = record_screens(app)
        await submit(pilot, "explain")
        await turn_done(pilot)
    return shown, next(t for t, text in shown if "Line 299 of the reply, with" in text)


async def test_the_first_line_shows_while_a_buffered_reply_is_still_being_read(workspace: Workspace) -> None:
    provider = BusyProvider(cost=0.001)  # 1,088 deltas read in about 1.1 s, never letting the loop run
    shown, last = await screens_of_one_reply(workspace, provider)
    # (Any whole line of it: the view follows the tail, so the very first may scroll away.)
    first = next((t for t, text in shown if re.search(r"Line \d+ of the reply, with", text)), None)
    # The screen keeps painting while the worker reads: the first line is up before the last delta.
    assert first is not None and first < provider.last_delta_at < last


async def test_an_instant_reply_shows_its_first_line_before_the_rest_is_handled(workspace: Workspace) -> None:
    # The whole reply already buffered: it is read without a pause.
    shown, last = await screens_of_one_reply(workspace, BusyProvider())
    # Painted once its first line ends, the reply's beginning reaches the screen: handled
    # with what came after it, the view would be at the tail already and never show it.
    first = next((t for t, text in shown if "Line 0 of the r" in text), None)
    assert first is not None and first < last
