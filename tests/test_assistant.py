"""The assistant over the scripted provider: persistence, cancel, retry, switching, totals."""

from __future__ import annotations

import asyncio

import pytest

from backdev.assistant import NothingToRetryError, choose_model, drain
from backdev.compose import Startup, Workspace
from backdev.llm.events import TextDelta, TurnFinished, Usage
from backdev.llm.models import ALIASES
from backdev.llm.scripted import ScriptedProvider, broken, reply, tool_call
from backdev.session.context import MARKERS
from backdev.settings import Settings

from .conftest import cancel_after_deltas, start_with


async def test_the_question_is_saved_before_the_request_leaves(startup: Startup, scripted: ScriptedProvider) -> None:
    seen: list[list[str]] = []
    original = scripted.stream

    async def spy(request):  # type: ignore[no-untyped-def]
        seen.append([r.text for r in startup.assistant.messages()])
        async for event in original(request):
            yield event

    scripted.stream = spy  # type: ignore[method-assign]
    await drain(startup.assistant.send("hello"))
    assert seen == [["hello"]]
    rows = startup.assistant.messages()
    assert [(r.role, r.status) for r in rows] == [("user", "complete"), ("assistant", "complete")]


async def test_request_prefix_is_byte_identical_between_turns(startup: Startup, scripted: ScriptedProvider) -> None:
    await drain(startup.assistant.send("one"))
    await drain(startup.assistant.send("two"))
    first, second = scripted.history
    assert first.system == second.system and first.tools == second.tools
    assert second.messages[: len(first.messages)] == first.messages


async def test_cancel_mid_stream_keeps_what_arrived_marked_cancelled(startup: Startup, scripted: ScriptedProvider) -> None:
    scripted.enqueue([TextDelta("The first part "), TextDelta("arrived"), 30.0, *reply("never")])
    await cancel_after_deltas(startup.assistant.send("long one"), 2)
    last = startup.assistant.messages()[-1]
    assert (last.role, last.status, last.text) == ("assistant", "cancelled", "The first part arrived")
    # The next question carries the partial reply, marked, so the model knows what was seen.
    await drain(startup.assistant.send("go on"))
    sent = scripted.history[-1].messages
    assert sent[1]["content"][0]["text"].endswith(MARKERS["cancelled"])


async def test_cancel_during_a_tool_round_answers_the_open_call(workspace: Workspace, scripted: ScriptedProvider) -> None:
    from backdev.tools.base import Tool, ToolOutcome, ToolRegistry

    async def slow(args):  # type: ignore[no-untyped-def]
        await asyncio.sleep(30)
        return ToolOutcome("x", "x")

    tools = ToolRegistry()
    tools.register(Tool("slow", "d", {"type": "object"}, slow))
    startup = start_with(workspace, scripted, tools=tools)
    scripted.enqueue(tool_call("slow", {}))
    task = asyncio.create_task(drain(startup.assistant.send("use the tool")))
    while len(startup.assistant.messages()) < 2:
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    rows = startup.assistant.messages()
    assert [(r.role, r.kind, r.status) for r in rows] == [
        ("user", "message", "complete"), ("assistant", "message", "complete"),
        ("user", "tool_results", "complete"), ("assistant", "message", "cancelled"),
    ]
    await drain(startup.assistant.send("next"))  # the conversation is still valid for the API
    sent = scripted.history[-1].messages
    assert sent[2]["content"][0]["type"] == "tool_result" and sent[2]["content"][0]["is_error"]


async def test_interrupted_reply_is_kept_and_retry_supersedes_it(startup: Startup, scripted: ScriptedProvider) -> None:
    scripted.enqueue(broken("par"), broken("partial"))
    events = await drain(startup.assistant.send("q"))
    assert events[-1].failure.kind == "interrupted"
    statuses = [(r.text, r.status) for r in startup.assistant.messages()]
    assert statuses == [("q", "complete"), ("par", "superseded"), ("partial", "interrupted")]
    scripted.enqueue(reply("full answer"))
    events = await drain(startup.assistant.retry())
    assert isinstance(events[-1], TurnFinished)
    rows = startup.assistant.messages()
    assert [r.status for r in rows] == ["complete", "superseded", "superseded", "complete"]
    (only,) = scripted.history[-1].messages  # the question alone: neither the broken nor the cut reply
    assert only["role"] == "user" and only["content"][-1] == {"type": "text", "text": "q"}


async def test_retry_after_a_complete_reply_asks_afresh(startup: Startup, scripted: ScriptedProvider) -> None:
    with pytest.raises(NothingToRetryError):
        await drain(startup.assistant.retry())
    await drain(startup.assistant.send("q"))
    await drain(startup.assistant.retry())
    assert [r.status for r in startup.assistant.messages()] == ["complete", "superseded", "complete"]


async def test_totals_sum_every_reply_and_price_them(startup: Startup, scripted: ScriptedProvider) -> None:
    scripted.enqueue(reply("a", usage=Usage(1000, 100, 0, 0)), reply("b", usage=Usage(0, 0, 0, 1000)))
    await drain(startup.assistant.send("1"))
    await drain(startup.assistant.send("2"))
    totals = startup.assistant.totals()
    assert totals.usage == Usage(1000, 100, 0, 1000)
    assert totals.cost == pytest.approx((1000 * 2 + 100 * 10 + 1000 * 0.2) / 1e6)


def test_explicit_model_beats_persona_model(startup: Startup) -> None:
    persona = startup.assistant.persona  # model: sonnet
    assert choose_model(Settings(), persona).model_id == ALIASES["sonnet"]
    chosen = Settings().with_overrides({"model": "opus"}, "command line")
    assert choose_model(chosen, persona).model_id == ALIASES["opus"]


async def test_switching_model_and_new_session(startup: Startup, scripted: ScriptedProvider) -> None:
    assistant = startup.assistant
    assistant.set_model("haiku")
    await drain(assistant.send("x"))
    assert scripted.history[-1].model == ALIASES["haiku"]
    first = assistant.session.id
    assistant.new_session()
    assert assistant.session.id != first and assistant.messages() == []
    assert assistant.store.get_session(first).model == ALIASES["haiku"]


async def test_secrets_typed_into_a_message_never_reach_the_model_or_the_store(startup: Startup, scripted: ScriptedProvider) -> None:
    # Whatever the front end did first, the core redacts what it sends and stores.
    await drain(startup.assistant.send("my key is AKIAIOSFODNN7EXAMPLE, why does boto fail?",
                                       extra_blocks=[{"type": "text", "text": "token ghp_abcdefghijklmnopqrstuvwxyz0123456789"}]))
    sent = str(scripted.history[0].messages)
    stored = startup.assistant.messages()[0]
    for place in (sent, str(stored.content), stored.text):
        assert "AKIAIOSFODNN7EXAMPLE" not in place and "ghp_abcdefghijklmnopqrstuvwxyz0123456789" not in place
    assert "[REDACTED:aws-access-key]" in stored.text
    assert set(stored.meta["redactions"]) >= {"aws-access-key", "github-token"}
