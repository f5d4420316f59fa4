"""The tool-use loop over the scripted provider: approvals, round limit, retries, broken tools."""

from __future__ import annotations

import pytest

from backdev.llm.events import (
    AssistantMessage,
    StreamRetrying,
    TextDelta,
    ToolCallFinished,
    ToolResultsMessage,
    TurnFailed,
    TurnFinished,
)
from backdev.llm.loop import ToolLoop
from backdev.llm.provider import Request
from backdev.llm.scripted import ScriptedProvider, broken, reply, tool_call
from backdev.tools.base import ApprovalRequest, Decision, Tool, ToolOutcome, ToolRegistry

QUESTION = Request(model="m", system=("persona",), messages=({"role": "user", "content": [{"type": "text", "text": "q"}]},))


def registry(log: list[str]) -> ToolRegistry:
    tools = ToolRegistry()
    tools.register(Tool("look", "reads", {"type": "object"}, lambda args: ToolOutcome(f"seen {args['x']}", "look ok")))
    tools.register(Tool(
        "write", "writes", {"type": "object"},
        lambda args: (log.append(args["x"]), ToolOutcome("written", f"write {args['x']}"))[1],
        approval=lambda args: ApprovalRequest("write", "write", f"write {args['x']}", f"+{args['x']}"),
    ))
    tools.register(Tool("boom", "fails", {"type": "object"}, lambda args: 1 / 0))
    return tools


async def run(loop: ToolLoop) -> list[object]:
    return [event async for event in loop.run(QUESTION)]


class Approver:
    def __init__(self, *answers: Decision) -> None:
        self.answers = list(answers)
        self.asked: list[ApprovalRequest] = []

    async def __call__(self, action: ApprovalRequest) -> Decision:
        self.asked.append(action)
        return self.answers.pop(0)


async def test_plain_reply_streams_and_finishes(scripted: ScriptedProvider) -> None:
    scripted.enqueue(reply("Hello world, this is a reply."))
    events = await run(ToolLoop(scripted, ToolRegistry(), Approver()))
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "Hello world, this is a reply."
    assert isinstance(events[-1], TurnFinished) and events[-1].text == "Hello world, this is a reply."


async def test_read_only_tool_runs_without_asking_and_result_goes_back(scripted: ScriptedProvider) -> None:
    scripted.enqueue(tool_call("look", {"x": "a.py"}, text="Let me look."), reply("Done."))
    approver = Approver()
    events = await run(ToolLoop(scripted, registry([]), approver))
    assert approver.asked == []
    results = next(e for e in events if isinstance(e, ToolResultsMessage))
    assert results.content[0]["content"] == "seen a.py"
    second = scripted.history[1].messages
    assert [m["role"] for m in second] == ["user", "assistant", "user"]
    assert second[2]["content"][0]["type"] == "tool_result"


async def test_denied_write_changes_nothing_and_model_is_told(scripted: ScriptedProvider) -> None:
    written: list[str] = []
    scripted.enqueue(tool_call("write", {"x": "f"}), reply("ok"))
    events = await run(ToolLoop(scripted, registry(written), Approver(Decision.DENY)))
    assert written == []
    call = next(e for e in events if isinstance(e, ToolCallFinished))
    assert call.is_error and "denied" in call.summary
    assert "denied" in scripted.history[1].messages[-1]["content"][0]["content"]


async def test_approve_for_session_is_remembered(scripted: ScriptedProvider) -> None:
    written: list[str] = []
    scripted.enqueue(tool_call("write", {"x": "1"}), tool_call("write", {"x": "2"}), reply("ok"))
    approver = Approver(Decision.APPROVE_SESSION)
    grants: set[str] = set()
    await run(ToolLoop(scripted, registry(written), approver, grants=grants))
    assert written == ["1", "2"] and len(approver.asked) == 1 and grants == {"write"}


async def test_round_limit_stops_and_keeps_history_valid(scripted: ScriptedProvider) -> None:
    scripted.enqueue(*[tool_call("look", {"x": str(i)}) for i in range(5)])
    events = await run(ToolLoop(scripted, registry([]), Approver(), max_rounds=2))
    assert isinstance(events[-1], TurnFailed) and events[-1].failure.kind == "tool_rounds"
    assert len(scripted.history) == 3
    last_results = [e for e in events if isinstance(e, ToolResultsMessage)][-1]
    assert last_results.content[0]["is_error"] is True  # every tool_use got a result


async def test_broken_stream_is_retried_once_automatically(scripted: ScriptedProvider) -> None:
    scripted.enqueue(broken("Half a rep"), reply("The whole reply."))
    events = await run(ToolLoop(scripted, ToolRegistry(), Approver()))
    retry = next(e for e in events if isinstance(e, StreamRetrying))
    assert retry.partial_text == "Half a rep"
    assert isinstance(events[-1], TurnFinished) and events[-1].text == "The whole reply."


async def test_second_break_ends_the_turn_with_the_partial_text(scripted: ScriptedProvider) -> None:
    scripted.enqueue(broken("one"), broken("two"))
    events = await run(ToolLoop(scripted, ToolRegistry(), Approver()))
    assert isinstance(events[-1], TurnFailed)
    assert events[-1].failure.kind == "interrupted" and events[-1].partial_text == "two"


@pytest.mark.parametrize(("name", "summary"), [("boom", "boom failed"), ("nope", "no such tool")])
async def test_broken_or_unknown_tool_is_an_error_result_not_a_crash(scripted: ScriptedProvider, name: str, summary: str) -> None:
    scripted.enqueue(tool_call(name, {}), reply("ok"))
    events = await run(ToolLoop(scripted, registry([]), Approver()))
    call = next(e for e in events if isinstance(e, ToolCallFinished))
    assert call.is_error and summary in call.summary
    assert isinstance(events[-1], TurnFinished)
    assert any(isinstance(e, AssistantMessage) for e in events)
