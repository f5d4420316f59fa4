"""A reply is saved as it streams, and a close (SIGTERM, SIGHUP) keeps it marked interrupted."""

from __future__ import annotations

import asyncio
import signal

import pytest

from backdev.assistant import drain
from backdev.compose import Startup, Workspace, open_store, start_session
from backdev.llm.events import MessageFinished, TextDelta, Usage
from backdev.llm.scripted import ScriptedProvider, reply, tool_call
from backdev.session import closing
from backdev.session.context import NOT_RUN_CLOSED, api_messages
from backdev.session.store import SessionStore
from backdev.tools.base import ApprovalRequest, Decision, Tool, ToolOutcome, ToolRegistry

from .conftest import cancel_after_deltas


def on_disk(startup: Startup) -> list[tuple[str, str]]:
    """What another process would read from the database right now (its own connection)."""
    other = SessionStore(startup.assistant.store.path)
    try:
        return [(r.status, r.text) for r in other.messages(startup.assistant.session.id) if r.role == "assistant"]
    finally:
        other.close()


async def test_a_streaming_reply_is_on_disk_before_it_ends(startup: Startup, scripted: ScriptedProvider) -> None:
    scripted.enqueue([TextDelta("first part, "), 0.3, TextDelta("second part, "), 0.3, TextDelta("third."), 30.0,
                      MessageFinished([{"type": "text", "text": "never"}], "end_turn", Usage())])
    task = asyncio.create_task(drain(startup.assistant.send("long")))
    await asyncio.sleep(0.1)
    assert on_disk(startup) == [("interrupted", "first part, ")]  # the first text is written at once
    await asyncio.sleep(0.75)
    # The rest within a flush interval of arriving, even though the stream has paused since.
    assert on_disk(startup) == [("interrupted", "first part, second part, third.")]
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert on_disk(startup) == [("cancelled", "first part, second part, third.")]


async def test_a_completed_streamed_reply_is_one_row(startup: Startup, scripted: ScriptedProvider) -> None:
    scripted.enqueue(reply("word " * 200, chunk=5, usage=Usage(40, 200)))
    await drain(startup.assistant.send("q"))
    rows = startup.assistant.messages()
    assert [(r.role, r.status) for r in rows] == [("user", "complete"), ("assistant", "complete")]
    assert rows[1].text == "word " * 200 and rows[1].usage == Usage(40, 200) and not rows[1].meta


async def test_closing_while_streaming_keeps_the_reply_marked_interrupted(startup: Startup, scripted: ScriptedProvider) -> None:
    scripted.enqueue([TextDelta("half of "), TextDelta("it"), 30.0, *reply("never")])
    events = startup.assistant.send("q")
    closing.mark_closing(signal.SIGTERM)
    await cancel_after_deltas(events, 2)
    last = startup.assistant.messages()[-1]
    assert (last.status, last.text, last.meta["kind"]) == ("interrupted", "half of it", "closed")
    assert "backdev was closed (SIGTERM)" in last.meta["error"] and "/retry" in last.meta["error"]
    closing.reset()
    await drain(startup.assistant.send("go on"))  # sent marked as cut off by the close
    assert "backdev was closed while it streamed" in scripted.history[-1].messages[1]["content"][0]["text"]


async def test_closing_while_an_approval_is_pending_answers_the_call(workspace: Workspace, scripted: ScriptedProvider) -> None:
    asked = asyncio.Event()

    async def approve(action: ApprovalRequest) -> Decision:
        asked.set()
        await asyncio.sleep(30)
        return Decision.DENY

    tools = ToolRegistry()
    tools.register(Tool("write", "d", {"type": "object"}, lambda a: ToolOutcome("x", "x"),
                        approval=lambda a: ApprovalRequest("write", "write", "write a file", "diff")))
    startup = start_session(workspace, open_store(), scripted, tools=tools)
    scripted.enqueue(tool_call("write", {}))
    task = asyncio.create_task(drain(startup.assistant.send("write it", approve=approve)))
    await asyncio.wait_for(asked.wait(), 5)
    closing.mark_closing(signal.SIGHUP)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    rows = startup.assistant.messages()
    assert rows[2].kind == "tool_results" and rows[2].content[0]["content"] == NOT_RUN_CLOSED
    assert rows[2].meta["tool_calls"][0]["summary"] == "write · backdev was closed"
    assert api_messages(rows)[-1]["content"][0]["content"] == NOT_RUN_CLOSED
