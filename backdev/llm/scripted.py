"""A scripted provider for fast tests of the loop and the assistant: enqueue, then read `history`.

Each `enqueue` call queues the events of one API message; `stream` pops one per call and
records the request it was given. A float in a script pauses that many seconds (to test
cancellation mid-stream). With nothing queued, it echoes the last user text.

Like the fake API, it checks every request as the real API would (`backdev.fakeapi.validate`):
an invalid one is answered with the API's 400 and kept in `invalid`, which the tests check.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import deque
from collections.abc import AsyncIterator, Iterable
from typing import Any

from backdev.llm.events import Failure, MessageFinished, ProviderEvent, StreamFailed, TextDelta, ToolCallRequested, Usage
from backdev.llm.errors import interrupted
from backdev.llm.provider import Request, to_api_params

_ids = itertools.count(1)


def reply(text: str, *, chunk: int = 8, usage: Usage | None = None) -> list[ProviderEvent]:
    """The events of a plain text reply, split into `chunk`-character deltas."""
    deltas: list[ProviderEvent] = [TextDelta(text[i : i + chunk]) for i in range(0, len(text), chunk)]
    return deltas + [MessageFinished([{"type": "text", "text": text}], "end_turn", usage or Usage(10, len(text)))]


def tool_call(name: str, arguments: dict[str, Any], *, text: str = "", call_id: str | None = None) -> list[ProviderEvent]:
    """The events of a message that asks for one tool call (optionally after some text)."""
    call_id = call_id or f"toolu_{next(_ids):04d}"
    content: list[dict[str, Any]] = []
    events: list[ProviderEvent] = []
    if text:
        events.append(TextDelta(text))
        content.append({"type": "text", "text": text})
    content.append({"type": "tool_use", "id": call_id, "name": name, "input": arguments})
    events.append(ToolCallRequested(call_id, name, arguments))
    events.append(MessageFinished(content, "tool_use", Usage(10, 5)))
    return events


def broken(text: str) -> list[ProviderEvent]:
    """A message whose stream breaks after `text` arrived."""
    return [TextDelta(text), StreamFailed(interrupted("the connection broke"), text)]


class ScriptedProvider:
    """A provider that plays back queued scripts and records every request."""

    def __init__(self) -> None:
        self.scripts: deque[list[Any]] = deque()
        self.history: list[Request] = []
        self.invalid: list[str] = []

    @property
    def has_credentials(self) -> bool:
        return True

    async def warm_up(self) -> None:
        """Nothing to load."""

    async def check(self) -> str:
        return "scripted"

    def enqueue(self, *scripts: Iterable[Any]) -> None:
        for script in scripts:
            self.scripts.append(list(script))

    async def stream(self, request: Request) -> AsyncIterator[ProviderEvent]:
        # the fake API's request checks: only tests use the scripted provider
        from backdev.fakeapi.validate import request_problem

        self.history.append(request)
        problem = request_problem(to_api_params(request))
        if problem:
            self.invalid.append(problem)
            yield StreamFailed(Failure("bad_request", f"The API refused the request (400: {problem}).", 400, False))
            return
        script = self.scripts.popleft() if self.scripts else reply(f"echo: {_last_user_text(request)}")
        for item in script:
            if isinstance(item, (int, float)):
                await asyncio.sleep(item)
                continue
            yield item


def _last_user_text(request: Request) -> str:
    for message in reversed(request.messages):
        texts = [b.get("text", "") for b in message["content"] if b.get("type") == "text"]
        if message["role"] == "user" and texts:
            return texts[-1]  # the person's own text is the last block (a phase's announcement comes first)
    return ""
