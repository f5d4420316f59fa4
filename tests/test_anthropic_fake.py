"""The real `anthropic` SDK over real HTTP against the scripted fake: streaming, caching, faults."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from backdev.assistant import drain
from backdev.compose import open_store, start_session
from backdev.fakeapi import FakeAnthropic
from backdev.llm.anthropic_provider import AnthropicProvider
from backdev.llm.events import (MessageFinished, StreamFailed, StreamRetrying, TextDelta, ToolCallFinished,
                                ToolCallRequested, TurnFailed, TurnFinished)
from backdev.llm.provider import Request
from backdev.repo.context import RepoContext
from backdev.repo.repository import RepoInfo, Repository
from backdev.tools.base import Tool, ToolOutcome, ToolRegistry

from .conftest import cancel_after_deltas, fake_provider

QUESTION = Request(model="claude-sonnet-5-5", system=("persona",),
                   messages=({"role": "user", "content": [{"type": "text", "text": "hi"}]},))


async def stream_all(provider: AnthropicProvider, request: Request = QUESTION) -> list[object]:
    return [event async for event in provider.stream(request)]


def assistant_on(fake_api: FakeAnthropic, workspace, tools=None, **kw):  # type: ignore[no-untyped-def]
    return start_session(workspace, open_store(), fake_provider(fake_api, **kw), tools=tools).assistant


async def test_streamed_reply_arrives_in_deltas(fake_api: FakeAnthropic) -> None:
    fake_api.enqueue({"type": "text", "text": "Hello from the fake API, streamed.", "chunk": 5})
    events = await stream_all(fake_provider(fake_api))
    deltas = [e.text for e in events if isinstance(e, TextDelta)]
    assert len(deltas) == 7 and "".join(deltas) == "Hello from the fake API, streamed."
    assert fake_api.message_requests[0].headers["authorization"] == "Bearer test-key"
    assert fake_api.message_requests[0].body["stream"] is True


async def test_cache_breakpoints_and_a_byte_stable_prefix(fake_api: FakeAnthropic, workspace) -> None:  # type: ignore[no-untyped-def]
    tools = ToolRegistry()
    tools.register(Tool("look", "look at something", {"type": "object", "properties": {}}, lambda a: ToolOutcome("x", "x")))
    assistant = assistant_on(fake_api, workspace, tools)
    root = workspace.root
    assistant.attach_repository(RepoContext(Repository(root), RepoInfo(root, False),
                                            prompt_text="Project overview: a Django app."))
    first = await drain(assistant.send("first question"))
    second = await drain(assistant.send("second question"))
    assert isinstance(first[-1], TurnFinished) and isinstance(second[-1], TurnFinished)
    one, two = (r.body for r in fake_api.message_requests)
    assert one["system"][0]["text"] == assistant.persona.prompt
    assert one["system"][-1]["cache_control"] == {"type": "ephemeral"}
    assert "cache_control" not in one["system"][0]
    assert one["tools"][-1]["cache_control"] == {"type": "ephemeral"}
    assert one["messages"][-1]["content"][-1]["cache_control"] == {"type": "ephemeral"}
    prefix = lambda body: json.dumps([body["tools"], body["system"]], sort_keys=True)  # noqa: E731
    assert prefix(one) == prefix(two)
    # The earlier turn is sent again unchanged (its breakpoint moved to the new tail).
    unmarked = [{k: v for k, v in block.items() if k != "cache_control"} for block in one["messages"][0]["content"]]
    assert unmarked[-1] == {"type": "text", "text": "first question"}
    assert two["messages"][0] == one["messages"][0] | {"content": unmarked}
    assert second[-1].usage.cache_read > 0  # the fake simulates the cache hit on an identical prefix


async def test_tool_use_turn_round_trips_through_the_sdk(fake_api: FakeAnthropic, workspace) -> None:  # type: ignore[no-untyped-def]
    tools = ToolRegistry()
    tools.register(Tool("look", "d", {"type": "object"}, lambda a: ToolOutcome(f"contents of {a['path']}", f"look {a['path']}")))
    assistant = assistant_on(fake_api, workspace, tools)
    fake_api.enqueue({"type": "tool_use", "text": "Let me look.", "calls": [{"name": "look", "input": {"path": "a.py"}}]},
                     {"type": "text", "text": "It defines nothing."})
    events = await drain(assistant.send("what is in a.py?"))
    assert next(e for e in events if isinstance(e, ToolCallFinished)).summary == "look a.py"
    followup = fake_api.message_requests[1].body["messages"]
    assert followup[1]["content"][1] == {"type": "tool_use", "id": followup[1]["content"][1]["id"],
                                         "name": "look", "input": {"path": "a.py"}}
    assert followup[2]["content"][0]["content"] == "contents of a.py"
    kinds = [r.kind for r in assistant.messages()]
    assert kinds == ["message", "message", "tool_results", "message"]


async def test_bad_key_is_reported_in_under_a_second_without_retrying(fake_api: FakeAnthropic) -> None:
    started = time.perf_counter()
    events = await stream_all(fake_provider(fake_api, key="wrong"))
    elapsed = time.perf_counter() - started
    failure = events[-1].failure  # type: ignore[attr-defined]
    assert failure.kind == "auth" and "ANTHROPIC_API_KEY" in failure.message
    assert elapsed < 1.0 and len(fake_api.message_requests) == 1


@pytest.mark.parametrize(
    ("status", "kind", "words"),
    [(429, "rate_limit", "wait a minute"), (529, "overloaded", "overloaded"), (500, "server", "server error (500)")],
)
async def test_retryable_errors_after_the_sdk_retries_become_one_sentence(
    fake_api: FakeAnthropic, status: int, kind: str, words: str
) -> None:
    fake_api.enqueue({"type": "error", "status": status, "times": 3, "retry_after_ms": 5})
    events = await stream_all(fake_provider(fake_api))
    assert isinstance(events[-1], StreamFailed)
    assert events[-1].failure.kind == kind and words in events[-1].failure.message
    assert len(fake_api.message_requests) == 3  # the SDK's own two retries stayed on


async def test_sdk_retry_recovers_from_one_overload(fake_api: FakeAnthropic) -> None:
    fake_api.enqueue({"type": "error", "status": 529, "retry_after_ms": 5}, {"type": "text", "text": "fine now"})
    events = await stream_all(fake_provider(fake_api))
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "fine now"


async def test_connection_refused_names_the_host() -> None:
    provider = AnthropicProvider(api_key="k", base_url="http://127.0.0.1:9", timeout=2, max_retries=0)
    events = await stream_all(provider)
    assert events[-1].failure.kind == "connection" and "127.0.0.1:9" in events[-1].failure.message  # type: ignore[attr-defined]


async def test_timeout_says_how_long_and_what_to_do(fake_api: FakeAnthropic) -> None:
    fake_api.enqueue({"type": "text", "text": "late", "hang": 1.5})
    provider = AnthropicProvider(api_key="test-key", base_url=fake_api.url, timeout=0.3, max_retries=0)
    events = await stream_all(provider)
    failure = events[-1].failure  # type: ignore[attr-defined]
    assert failure.kind == "timeout" and "0.3 s" in failure.message


@pytest.mark.parametrize(
    ("step", "reason"),
    [
        ({"type": "cut", "text": "partial reply text"}, "RemoteProtocolError"),
        ({"type": "early_end", "text": "partial reply text"}, "ended before the API said it was done"),
        ({"type": "inband_error", "text": "partial reply text"}, "overloaded_error mid-reply"),
    ],
)
async def test_every_kind_of_broken_stream_keeps_the_partial_text(fake_api: FakeAnthropic, step: dict, reason: str) -> None:
    fake_api.enqueue(step)
    events = await stream_all(fake_provider(fake_api))
    failed = events[-1]
    assert isinstance(failed, StreamFailed)
    assert failed.failure.kind == "interrupted" and reason in failed.failure.message
    assert failed.partial_text == "partial reply text"


async def test_broken_stream_is_retried_once_then_completes(fake_api: FakeAnthropic, workspace) -> None:  # type: ignore[no-untyped-def]
    assistant = assistant_on(fake_api, workspace)
    fake_api.enqueue({"type": "cut", "text": "first try"}, {"type": "text", "text": "complete answer"})
    events = await drain(assistant.send("q"))
    assert any(isinstance(e, StreamRetrying) for e in events)
    assert isinstance(events[-1], TurnFinished)
    assert [(r.text, r.status) for r in assistant.messages()] == [
        ("q", "complete"), ("first try", "superseded"), ("complete answer", "complete")]


async def test_two_breaks_leave_an_interrupted_reply_that_retry_completes(fake_api: FakeAnthropic, workspace) -> None:  # type: ignore[no-untyped-def]
    assistant = assistant_on(fake_api, workspace)
    fake_api.enqueue({"type": "early_end", "text": "one"}, {"type": "inband_error", "text": "two"})
    events = await drain(assistant.send("q"))
    assert isinstance(events[-1], TurnFailed)
    assert assistant.messages()[-1].status == "interrupted" and assistant.messages()[-1].text == "two"
    fake_api.enqueue({"type": "text", "text": "three"})
    events = await drain(assistant.retry())
    assert isinstance(events[-1], TurnFinished)
    assert fake_api.message_requests[-1].body["messages"][-1]["content"][-1]["text"] == "q"


async def test_cancel_closes_the_connection_and_keeps_the_partial(fake_api: FakeAnthropic, workspace) -> None:  # type: ignore[no-untyped-def]
    assistant = assistant_on(fake_api, workspace)
    fake_api.enqueue({"type": "text", "text": "word " * 400, "chunk": 5, "delay": 0.02})
    received = await cancel_after_deltas(assistant.send("long"), 5)
    last = assistant.messages()[-1]
    assert last.status == "cancelled" and last.text == "".join(received)
    deadline = time.monotonic() + 3
    while fake_api.client_disconnects == 0 and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert fake_api.client_disconnects == 1


async def test_without_a_key_the_message_is_kept_and_the_reason_is_one_line(workspace) -> None:  # type: ignore[no-untyped-def]
    provider = AnthropicProvider(api_key=None)
    assistant = start_session(workspace, open_store(), provider).assistant
    events = await drain(assistant.send("keep me"))
    assert events[-1].failure.kind == "missing_key"  # type: ignore[attr-defined]
    assert "ANTHROPIC_API_KEY" in events[-1].failure.message and "ANTHROPIC_BASE_URL" in events[-1].failure.message  # type: ignore[attr-defined]
    assert [r.text for r in assistant.messages()][0] == "keep me"


async def test_non_streaming_json_answers_like_the_api(fake_api: FakeAnthropic) -> None:
    fake_api.enqueue({"type": "tool_use", "calls": [{"name": "look", "input": {"q": 1}}]})
    client = fake_provider(fake_api).client()
    message = await client.messages.create(model="claude-sonnet-5-5", max_tokens=100,
                                           messages=[{"role": "user", "content": "hi"}])
    assert message.stop_reason == "tool_use" and message.content[0].input == {"q": 1}


async def test_doctor_check_lists_models(fake_api: FakeAnthropic) -> None:
    assert await fake_provider(fake_api).check() == "claude-sonnet-5-5"


@pytest.mark.parametrize(("call", "message"), [
    ({"name": "look", "input": [1, 2]}, "not a JSON object"),
    ({"name": "look", "input_json": '{"path": oops}'}, "not valid JSON"),
])
async def test_a_malformed_tool_input_is_a_tool_error_and_the_turn_goes_on(
        fake_api: FakeAnthropic, workspace, call: dict, message: str) -> None:  # type: ignore[no-untyped-def]
    tools = ToolRegistry()
    tools.register(Tool("look", "d", {"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"]},
                        lambda a: ToolOutcome(f"contents of {a['path']}", f"look {a['path']}")))
    assistant = assistant_on(fake_api, workspace, tools)
    fake_api.enqueue({"type": "tool_use", "text": "Let me look.", "calls": [call]},
                     {"type": "text", "text": "Sorry, I will send an object."})
    events = await drain(assistant.send("what is in a.py?"))
    finished = next(e for e in events if isinstance(e, ToolCallFinished))
    assert finished.is_error and "malformed input" in finished.summary
    assert isinstance(events[-1], TurnFinished) and events[-1].text == "Sorry, I will send an object."
    followup = fake_api.message_requests[1].body["messages"]
    assert isinstance(followup[1]["content"][1]["input"], dict)  # the API only takes an object back
    assert message in followup[2]["content"][0]["content"]


async def test_a_lone_surrogate_in_the_conversation_is_sent_as_a_replacement_character(  # type: ignore[no-untyped-def]
        fake_api: FakeAnthropic, workspace) -> None:
    # Undecodable terminal input or a JSON escape in a tool result can leave a lone surrogate in a
    # str; encoding the request as UTF-8 then failed on every turn, whatever /retry did.
    fake_api.enqueue({"type": "text", "text": "ok"})
    assistant = assistant_on(fake_api, workspace, ToolRegistry())
    events = await drain(assistant.send("bad \ud800 byte"))
    assert isinstance(events[-1], TurnFinished)
    sent = fake_api.message_requests[0].body["messages"][0]["content"][-1]["text"]
    assert sent == "bad \ufffd byte"


async def test_a_rehearsal_reads_a_canned_reply_through_the_sdk_and_sends_nothing(fake_api: FakeAnthropic) -> None:
    provider = AnthropicProvider(api_key="test-key", base_url=fake_api.url, max_retries=0)
    events = await provider.rehearse()
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "# A\nb"
    calls = [e for e in events if isinstance(e, ToolCallRequested)]
    assert [(c.name, c.input) for c in calls] == [("rehearsal", {"path": "a.py"})]
    assert isinstance(events[-1], MessageFinished) and events[-1].stop_reason == "tool_use"
    assert fake_api.requests == []  # in memory: no connection to the API
    assert provider._client is None  # the person's client is not the one that rehearsed
