"""Thinking and effort per phase: asked in the workflow data, sent only where the model takes them,
kept in the conversation (signed, verbatim, across a resume) and counted as output tokens."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from backdev.assistant import drain
from backdev.compose import open_store, open_workspace, start_session
from backdev.fakeapi import FakeAnthropic
from backdev.fakeapi.thinking import signature_of
from backdev.llm.cost import cost_of
from backdev.llm.events import AssistantMessage, Thought, TurnFinished
from backdev.llm.models import CAPABILITIES, Capabilities
from backdev.llm.reasoning import Reasoning, reasoning_params
from backdev.tools.base import Tool, ToolOutcome, ToolRegistry
from backdev.workflow.phases.definition import WorkflowError, load_workflow, parse_workflow

from .conftest import fake_provider

SHIPPED = Path(__file__).resolve().parent.parent / "personas" / "backend-developer.workflow.yaml"
THINKS = "The serializer must validate the e-mail before the view saves it."


def look_tool() -> ToolRegistry:
    async def look(args: dict[str, Any]) -> ToolOutcome:
        return ToolOutcome("views.py: 12 lines", "look views.py")

    tools = ToolRegistry()
    tools.register(Tool("look", "Look at a file.", {"type": "object"}, look))
    return tools


def session(api: FakeAnthropic, project: Path, monkeypatch: pytest.MonkeyPatch, model: str = "claude-sonnet-5-5",
            **options: Any):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("BACKDEV_MODEL", model)
    return start_session(open_workspace(project), open_store(), fake_provider(api), tools=look_tool(), **options)


# --- what is sent --------------------------------------------------------------------------


@pytest.mark.parametrize(("wish", "caps", "max_tokens", "expected"), [
    (Reasoning(True, "high"), Capabilities(frozenset({"adaptive"}), frozenset({"high"})), 16000,
     {"thinking": {"type": "adaptive"}, "output_config": {"effort": "high"}}),
    # A budget asked for goes to a model that takes one; an adaptive-only model gets adaptive.
    (Reasoning(4000), Capabilities(frozenset({"adaptive", "enabled"})), 16000,
     {"thinking": {"type": "enabled", "budget_tokens": 4000}}),
    (Reasoning(4000), Capabilities(frozenset({"adaptive"})), 16000, {"thinking": {"type": "adaptive"}}),
    # A budget stays below max_tokens (room for the answer), and is left out under the API's 1,024.
    (Reasoning(True), Capabilities(frozenset({"enabled"})), 6000, {"thinking": {"type": "enabled", "budget_tokens": 3000}}),
    (Reasoning(True), Capabilities(frozenset({"enabled"})), 2000, {}),
    # What the model does not take is not sent.
    (Reasoning(True, "xhigh"), Capabilities(frozenset(), frozenset({"high"})), 16000, {}),
    (Reasoning(True, "high"), None, 16000, {}),
    (Reasoning(False, None), Capabilities(frozenset({"adaptive"}), frozenset({"high"})), 16000, {}),
])
def test_the_phase_wish_becomes_what_the_model_takes(wish, caps, max_tokens, expected) -> None:  # type: ignore[no-untyped-def]
    assert reasoning_params(wish, caps, max_tokens) == expected


def test_the_shipped_workflow_thinks_harder_in_design_and_review_only() -> None:
    workflow = load_workflow(SHIPPED)
    asked = {p.id: (p.thinking, p.effort) for p in workflow.phases}
    assert asked == {"requirements": (False, None), "design": (True, "high"), "tdd": (False, None),
                     "review": (True, "high"), "handoff": (False, None)}


@pytest.mark.parametrize(("line", "words"), [
    ("thinking: 500", "budget of at least 1024"),
    ("thinking: lots", "expected true, false or a budget"),
    ("effort: extreme", "expected one of low, medium, high, xhigh, max (got 'extreme')"),
])
def test_a_bad_thinking_or_effort_value_names_the_key(line: str, words: str, tmp_path: Path) -> None:
    text = f"phases:\n  - id: a\n    title: A\n    goal: g\n    instructions: i\n    {line}\n"
    with pytest.raises(WorkflowError) as caught:
        parse_workflow(text, tmp_path / "x.workflow.yaml")
    assert "phases[0] (a)." + line.split(":")[0] in str(caught.value) and words in str(caught.value)


async def test_thinking_and_effort_are_sent_in_the_phases_that_ask_for_them(
        fake_api: FakeAnthropic, project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assistant = session(fake_api, project, monkeypatch).assistant
    fake_api.enqueue({"type": "text", "text": "Which users?"}, {"type": "text", "text": "A modular monolith.", "thinking": THINKS})
    await drain(assistant.send("a signup endpoint"))
    assert "thinking" not in fake_api.message_requests[-1].body  # requirements asks for none
    assistant.workflow.switch("design")
    events = await drain(assistant.send("design it"))
    body = fake_api.message_requests[-1].body
    assert body["thinking"] == {"type": "adaptive"} and body["output_config"] == {"effort": "high"}
    assert Thought(THINKS) in events
    # The capabilities were asked of the Models API, once per model.
    assert [r.path for r in fake_api.requests if r.path.startswith("/v1/models")] == ["/v1/models/claude-sonnet-5-5"]


async def test_a_model_whose_capabilities_say_no_thinking_gets_none(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    no_thinking = {"thinking": {"supported": False, "types": {"enabled": {"supported": False},
                                                              "adaptive": {"supported": False}}},
                   "effort": {"supported": False}}
    with FakeAnthropic(api_key="test-key") as api:
        api.options.capabilities = {"claude-sonnet-5-5": no_thinking}
        assistant = session(api, project, monkeypatch).assistant
        assistant.workflow.switch("design")
        await drain(assistant.send("design it"))
        body = api.message_requests[-1].body
        assert "thinking" not in body and "output_config" not in body  # the API's word beats the table
        assert not api.invalid_requests


async def test_a_gateway_without_the_models_api_uses_the_table(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert CAPABILITIES["claude-haiku-4-5"] == Capabilities(frozenset({"enabled"}))
    with FakeAnthropic(api_key="test-key") as api:
        api.options.models_api = False
        assistant = session(api, project, monkeypatch, model="claude-haiku-4-5").assistant
        assistant.workflow.switch("review")
        await drain(assistant.send("review it"))
        body = api.message_requests[-1].body
        assert body["thinking"] == {"type": "enabled", "budget_tokens": 8000} and "output_config" not in body
        assert not api.invalid_requests


# --- kept in the conversation ----------------------------------------------------------------


async def test_a_tool_round_sends_the_thinking_back_verbatim_and_a_resume_sends_it_too(
        fake_api: FakeAnthropic, project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Budget thinking (a model that takes only `enabled`): the API refuses a tool round whose
    # assistant message lost its thinking block, and any block whose signature does not match.
    startup = session(fake_api, project, monkeypatch, model="claude-haiku-4-5")
    startup.assistant.workflow.switch("design")
    fake_api.enqueue({"type": "tool_use", "thinking": THINKS, "calls": [{"name": "look", "input": {}}]},
                     {"type": "text", "text": "Validate in the serializer."})
    events = await drain(startup.assistant.send("where does validation go?"))
    assert isinstance(events[-1], TurnFinished)
    first = next(e for e in events if isinstance(e, AssistantMessage))
    sent = fake_api.message_requests[-1].body["messages"]
    assert sent[1]["content"] == first.content
    assert sent[1]["content"][0] == {"type": "thinking", "thinking": THINKS, "signature": signature_of(THINKS)}

    resumed = start_session(open_workspace(project), open_store(), fake_provider(fake_api), resume=startup.assistant.session.id)
    await drain(resumed.assistant.send("and the view?"))
    again = fake_api.message_requests[-1].body
    assert again["thinking"]["type"] == "enabled"  # still the design phase
    assert again["messages"][1]["content"][0] == sent[1]["content"][0]


async def test_thinking_tokens_are_output_tokens_in_the_cost(
        fake_api: FakeAnthropic, project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assistant = session(fake_api, project, monkeypatch).assistant
    assistant.workflow.switch("design")
    fake_api.enqueue({"type": "text", "text": "Short answer.", "thinking": THINKS * 20})
    finished = (await drain(assistant.send("design it")))[-1]
    assert isinstance(finished, TurnFinished)
    assert finished.usage.output == fake_api.message_requests[-1].usage["output_tokens"]
    assert finished.usage.output >= len(THINKS * 20) // 4  # the thinking, not only "Short answer."
    without = replace(finished.usage, output=len("Short answer.") // 4)
    extra = cost_of(finished.usage, "claude-sonnet-5-5") - cost_of(without, "claude-sonnet-5-5")  # type: ignore[operator]
    assert extra == pytest.approx((finished.usage.output - without.output) * 10.0 / 1_000_000)  # $10/M output


def test_a_review_budget_expects_the_thinking_it_asks_for() -> None:
    from backdev.llm.provider import Request
    from backdev.workflow.review.budget import EXPECTED_THINKING_TOKENS, Budget

    request = Request("claude-sonnet-5-5", ("system",), messages=({"role": "user", "content": "review"},))
    budget = Budget(1.0)
    more = budget.estimate(replace(request, reasoning=Reasoning(True, "high"))) - budget.estimate(request)
    assert more == pytest.approx(EXPECTED_THINKING_TOKENS * 10.0 / 1_000_000)  # at the output price
