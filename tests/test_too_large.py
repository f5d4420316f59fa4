"""A request the API finds too large says which part is large and what to do."""

from __future__ import annotations

import json

from backdev.assistant import drain
from backdev.compose import open_store, start_session
from backdev.fakeapi import FakeAnthropic
from backdev.fakeapi.validate import prompt_tokens
from backdev.llm.provider import to_api_params
from backdev.llm.events import TurnFailed, TurnFinished
from backdev.tools.base import Tool, ToolOutcome, ToolRegistry

from .conftest import assert_all_valid, fake_provider

BIG_FILE = {"type": "text", "text": '<attached file="db/dump.sql" lines="1-90000">\n' + "INSERT ...;\n" * 4000 + "</attached>"}


def assistant_on(api: FakeAnthropic, workspace, room: int, tools=None):  # type: ignore[no-untyped-def]
    """An assistant on a fake whose context window leaves `room` tokens beside the system prompt and tools."""
    assistant = start_session(workspace, open_store(), fake_provider(api), tools=tools).assistant
    base = prompt_tokens(to_api_params(assistant.build_request()))
    api.options.context_window = base + room
    return assistant


async def test_a_large_attachment_is_named_with_what_to_do(workspace) -> None:  # type: ignore[no-untyped-def]
    with FakeAnthropic(api_key="test-key") as api:
        assistant = assistant_on(api, workspace, room=2000)
        events = await drain(assistant.send("why is it slow?", extra_blocks=[BIG_FILE], meta={"attachments": ["db/dump.sql"]}))
        failure = events[-1].failure  # type: ignore[attr-defined]
        assert isinstance(events[-1], TurnFailed) and failure.kind == "too_large"
        assert failure.message.startswith("The attachment @db/dump.sql makes the request too large for the model")
        assert f"tokens > {api.options.context_window} maximum" in failure.message and "@db/dump.sql:1-200" in failure.message
        assert "/" not in failure.outside_chat.replace("db/dump.sql", "")  # no chat command outside a chat
        # The next message goes on its own and fits.
        assert isinstance((await drain(assistant.send("smaller then")))[-1], TurnFinished)
        assert_all_valid(api.invalid_requests, "the fake API")


async def test_a_large_tool_result_is_named(workspace) -> None:  # type: ignore[no-untyped-def]
    with FakeAnthropic(api_key="test-key") as api:
        tools = ToolRegistry()
        tools.register(Tool("read_file", "d", {"type": "object"}, lambda a: ToolOutcome("line\n" * 10_000, "read_file big.log")))
        assistant = assistant_on(api, workspace, room=10**6, tools=tools)
        api.options.max_request_bytes = 2 * len(json.dumps(to_api_params(assistant.build_request()))) + 5000
        api.enqueue({"type": "tool_use", "calls": [{"name": "read_file", "input": {"path": "big.log"}}]})
        events = await drain(assistant.send("what does the log say?"))
        failure = events[-1].failure  # type: ignore[attr-defined]
        assert failure.kind == "too_large" and failure.status == 413
        assert "the result of read_file" in failure.message and "smaller part" in failure.message


async def test_a_long_conversation_says_compact_first_then_a_new_session(workspace) -> None:  # type: ignore[no-untyped-def]
    with FakeAnthropic(api_key="test-key") as api:
        assistant = assistant_on(api, workspace, room=50_000)
        for number in range(60):
            events = await drain(assistant.send(f"question {number}: " + "words " * 800))
            if isinstance(events[-1], TurnFailed):
                break
        failure = events[-1].failure  # type: ignore[attr-defined]
        assert failure.message.startswith("The conversation is too long for the model (400: prompt is too long:")
        assert "/new" in failure.message and "/new" not in failure.outside_chat
        # /compact keeps the session (and its decisions, word for word): it is the first way out.
        assert failure.message.index("/compact") < failure.message.index("/new")
        assert "/compact" not in failure.outside_chat


async def test_a_system_prompt_that_fills_the_window_is_named(workspace) -> None:  # type: ignore[no-untyped-def]
    with FakeAnthropic(api_key="test-key") as api:
        assistant = assistant_on(api, workspace, room=-100)
        failure = (await drain(assistant.send("hi")))[-1].failure  # type: ignore[attr-defined]
        assert failure.message.startswith("The system prompt — the persona, the project memory and the repository overview")
        assert "overview_max_tokens" in failure.message
