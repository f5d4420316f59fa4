"""The tool-use loop over the scripted provider: approvals, round limit, retries, broken tools."""

from __future__ import annotations

import pytest

from backdev.llm.events import (
    AssistantMessage,
    MessageFinished,
    Notice,
    StreamRetrying,
    TextDelta,
    ToolCallFinished,
    ToolResultsMessage,
    TurnFailed,
    TurnFinished,
    Usage,
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


def strict_registry(log: list[str]) -> ToolRegistry:
    tools = ToolRegistry()
    schema = {"type": "object", "properties": {"path": {"type": "string"}, "line": {"type": "integer"}},
              "required": ["path"]}
    tools.register(Tool("read", "reads", schema, lambda args: ToolOutcome(f"read {args['path']}", "read ok")))
    tools.register(Tool("write", "writes", schema, lambda args: ToolOutcome("written", "write ok"),
                        approval=lambda args: (log.append(args["path"]),
                                               ApprovalRequest("write", "write", args["path"], "+x"))[1]))
    return tools


@pytest.mark.parametrize(("arguments", "message"), [
    ([1, 2], "not a JSON object"),
    ("just a string", "not a JSON object"),
    ("INVALID_JSON", "not valid JSON"),
    ({}, "missing the required key `path`"),
    ({"path": 3}, "`path` must be a string"),
    ({"path": "a.py", "line": "ten"}, "`line` must be an integer"),
])
async def test_a_tool_input_that_does_not_fit_is_a_tool_error_and_the_turn_goes_on(
        scripted: ScriptedProvider, arguments: object, message: str) -> None:
    from backdev.tools.base import as_tool_input, invalid_json_input

    if arguments == "INVALID_JSON":
        arguments = invalid_json_input('{"path": oops}')
    asked: list[str] = []
    scripted.enqueue(tool_call("write", as_tool_input(arguments)), tool_call("read", as_tool_input(arguments)),
                     reply("Sorry, fixed."))
    approver = Approver()
    events = await run(ToolLoop(scripted, strict_registry(asked), approver))
    calls = [e for e in events if isinstance(e, ToolCallFinished)]
    assert [c.is_error for c in calls] == [True, True]
    results = [e for e in events if isinstance(e, ToolResultsMessage)]
    assert message in results[0].content[0]["content"] and message in results[1].content[0]["content"]
    assert asked == [] and approver.asked == []  # nothing is prepared or asked for a malformed call
    assert isinstance(events[-1], TurnFinished) and events[-1].text == "Sorry, fixed."
    sent_back = scripted.history[1].messages[-2]["content"][-1]
    assert isinstance(sent_back["input"], dict)  # the conversation stays valid for the API


async def test_approvals_are_prepared_off_the_event_loop_thread(scripted: ScriptedProvider) -> None:
    import threading

    threads: list[threading.Thread] = []
    tools = ToolRegistry()
    tools.register(Tool("write", "writes", {"type": "object"}, lambda args: ToolOutcome("ok", "ok"),
                        approval=lambda args: (threads.append(threading.current_thread()),
                                               ApprovalRequest("write", "write", "w", "+x"))[1]))
    scripted.enqueue(tool_call("write", {}), reply("done"))
    await run(ToolLoop(scripted, tools, Approver(Decision.APPROVE_ONCE)))
    assert threads and threads[0] is not threading.main_thread()  # a 7 MB diff must not freeze the app


async def test_a_reply_stopped_by_the_output_limit_says_so_and_how_to_go_on(scripted: ScriptedProvider) -> None:
    # Without a word the reply simply ended mid-sentence, as if the model had finished.
    scripted.enqueue([TextDelta("The plan: first, add the"),
                      MessageFinished([{"type": "text", "text": "The plan: first, add the"}], "max_tokens", Usage(10, 5))])
    events = await run(ToolLoop(scripted, ToolRegistry(), Approver()))
    [notice] = [e for e in events if isinstance(e, Notice)]
    assert "output limit" in notice.text and str(QUESTION.max_tokens) in notice.text.replace(",", "")
    assert "go on" in notice.text and "max_tokens" in notice.text
    assert isinstance(events[-1], TurnFinished) and events[-1].stop_reason == "max_tokens"


async def test_a_finished_reply_gets_no_such_notice(scripted: ScriptedProvider) -> None:
    scripted.enqueue(reply("Done."))
    assert not [e for e in await run(ToolLoop(scripted, ToolRegistry(), Approver())) if isinstance(e, Notice)]
