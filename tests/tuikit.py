"""Helpers for driving the Textual app under Pilot (shared by the TUI test modules)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from textual.message import Message

from backdev.compose import Startup, Workspace
from backdev.tui.factory import make_app


class Recorder:
    """Collects every message the app handles (`run_test(message_hook=...)`)."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    def __call__(self, message: Message) -> None:
        self.messages.append(message)

    def of(self, kind: type) -> list[Any]:
        return [m for m in self.messages if isinstance(m, kind)]

    def events(self) -> list[Any]:
        """The driver's events the turn worker posted, in order."""
        from backdev.tui.screens.chat import ChatScreen

        return [m.event for m in self.of(ChatScreen.DriverEvent)]


def build(startup: Startup, workspace: Workspace, **options: Any) -> Any:
    return make_app(startup, workspace, **options)


async def wait_for(condition: Callable[[], Any], timeout: float = 10.0, what: str = "condition") -> Any:
    """Poll `condition` on the event loop (pilot.pause would wait for idle queues, which a
    streaming reply never leaves)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


async def started(pilot: Any) -> Any:
    """Wait until the background start-up (provider, repository) is done; returns the chat screen."""
    app = pilot.app
    await wait_for(lambda: app.ready_for_turns, what="start-up")
    await pilot.pause()
    return app.chat


async def submit(pilot: Any, text: str) -> None:
    """Type `text` into the prompt (set directly: key by key is slow) and press Enter."""
    chat = pilot.app.chat
    chat.prompt.set_text(text)
    chat.prompt.focus()
    await pilot.press("enter")


async def move_on(pilot: Any) -> None:
    """Answer "Move on" when leaving a phase with work open asks (the session starts in Requirements)."""
    await wait_for(lambda: type(pilot.app.screen).__name__ == "ConfirmScreen", what="the leave-phase question")
    await pilot.press("y")


async def turn_done(pilot: Any, timeout: float = 15.0) -> None:
    """Wait until the running turn is over and its messages are handled."""
    chat = pilot.app.chat
    await wait_for(lambda: not chat.busy, timeout, "the turn to end")
    await pilot.pause()


#: A reply long and slow enough to act on while it streams (cancel it, close the app).
LONG_REPLY = {"type": "text", "text": "word " * 400, "chunk": 5, "delay": 0.02}


async def ask_for_a_long_reply(pilot: Any, chat: Any) -> None:
    """Send a message answered by `LONG_REPLY` (queued by the caller) and wait until its text shows."""
    from backdev.tui.widgets.entries import ReplyEntry

    await submit(pilot, "a long answer please")
    await wait_for(lambda: entries(chat, ReplyEntry) and entries(chat, ReplyEntry)[0].has_text, what="first text")


def entries(chat: Any, kind: type) -> list[Any]:
    return list(chat.transcript.query(kind))


def notes(chat: Any) -> list[str]:
    from backdev.tui.widgets.entries import NoteEntry

    return [n.text for n in chat.transcript.query(NoteEntry)]


def rendered(widget: Any) -> str:
    """The text a widget shows on screen (whatever renders it: Text, Syntax, Markdown)."""
    from textual.geometry import Region

    lines = widget.render_lines(Region(0, 0, widget.size.width, widget.size.height))
    return "\n".join(strip.text.rstrip() for strip in lines)
