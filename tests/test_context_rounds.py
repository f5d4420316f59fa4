"""Issue 15: the size check between the tool rounds of one turn. Results that pile up within a turn
must not take a request past the window: the oldest are left out of what is sent (said once), the
newest stays whole, the store keeps everything; through the driver and the real SDK over the fake."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from backdev.assistant import drain
from backdev.chat.driver import ChatDriver
from backdev.compose import open_workspace
from backdev.context.estimate import estimate_value_tokens
from backdev.context.fit import LEFT_OUT, fit_messages
from backdev.fakeapi import FakeAnthropic
from backdev.fakeapi.validate import prompt_tokens
from backdev.llm.events import Notice, ToolResultsMessage, TurnFinished

from .conftest import fake_provider, start_with, windowed_fake
from .test_context_driver import big_tool

WINDOW = 20_000
ROUNDS = 9


@pytest.fixture
def api() -> Iterator[FakeAnthropic]:
    with windowed_fake(WINDOW) as fake:
        yield fake


def driver_on(api: FakeAnthropic, folder: Path) -> ChatDriver:
    workspace = open_workspace(folder, None)
    return ChatDriver(start_with(workspace, fake_provider(api), tools=big_tool(12_000)), workspace)


def log_rounds(api: FakeAnthropic, rounds: int) -> None:
    api.enqueue(*({"type": "tool_use", "calls": [{"name": "dump_log", "input": {}}]} for _ in range(rounds)),
                {"type": "text", "text": "The log says the export test fails."})


async def test_tool_rounds_that_pile_up_in_one_turn_never_pass_the_window(api: FakeAnthropic, project: Path) -> None:
    driver = driver_on(api, project)
    await driver.warm_up()
    log_rounds(api, ROUNDS)  # ≈3,000 tokens a result: nine of them are more than the window
    events = await drain(driver.send("read the log until you find it"))
    assert isinstance(events[-1], TurnFinished), events[-1]
    requests = api.message_requests
    assert len(requests) == ROUNDS + 1 and all(r.status == 200 for r in requests), [r.problem for r in requests]
    assert max(prompt_tokens(r.body) for r in requests) <= WINDOW
    notices = [e for e in events if isinstance(e, Notice) and "left out" in e.text]
    assert len(notices) == 1, notices  # said once, however many rounds it takes
    last = requests[-1].body["messages"]
    results = [b for m in last for b in m["content"] if b.get("type") == "tool_result"]
    assert len(results) == ROUNDS
    assert LEFT_OUT in str(results[0]["content"]) and LEFT_OUT not in str(results[-1]["content"])
    assert "line of the log" in str(results[-1]["content"])  # the newest result is sent whole
    # The store keeps every result whole (only what is sent shrinks).
    stored = [r for r in driver._assistant.messages() if r.kind == "tool_results"]
    assert len(stored) == ROUNDS and all(LEFT_OUT not in str(r.content) for r in stored)
    assert sum(isinstance(e, ToolResultsMessage) for e in events) == ROUNDS
    # The next turn goes too (compacted or fitted, never refused).
    log_rounds(api, 1)
    events = await drain(driver.send("and once more"))
    assert isinstance(events[-1], TurnFinished), events[-1]
    assert all(r.status == 200 for r in api.message_requests)


async def test_many_results_of_one_round_are_fitted_too(api: FakeAnthropic, project: Path) -> None:
    driver = driver_on(api, project)
    await driver.warm_up()
    # Seven results of one round, each under the per-result cut but together past the window.
    api.enqueue({"type": "tool_use", "calls": [{"name": "dump_log", "input": {}}] * 7},
                {"type": "text", "text": "Read."})
    events = await drain(driver.send("read it seven times at once"))
    assert isinstance(events[-1], TurnFinished), events[-1]
    assert all(r.status == 200 for r in api.message_requests)
    results = api.message_requests[-1].body["messages"][-1]["content"]
    assert LEFT_OUT in str(results[0]["content"]) and "line of the log" in str(results[-1]["content"])


def test_a_request_under_the_budget_is_sent_unchanged() -> None:
    messages = [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]
    assert fit_messages(messages, lambda m: 10, 100) == (messages, 0)


def test_results_are_left_out_until_the_whole_request_fits() -> None:
    """The system prompt counts too: what is left out is judged by the whole request's size."""
    def result(n: int) -> dict:  # type: ignore[type-arg]
        return {"type": "tool_result", "tool_use_id": f"toolu_{n}", "content": "x" * 8_000}  # ≈2,000 tokens

    messages = [{"role": "user", "content": [{"type": "text", "text": "go"}]}]
    for n in range(3):
        messages += [{"role": "assistant", "content": [{"type": "tool_use", "id": f"toolu_{n}", "name": "t", "input": {}}]},
                     {"role": "user", "content": [result(n)]}]

    def size(sent: list) -> int:  # type: ignore[type-arg]
        return 5_000 + estimate_value_tokens(sent)  # a 5,000-token system prompt and tools

    fitted, left_out = fit_messages(messages, size, 8_000)
    assert size(fitted) <= 8_000 and left_out == 2
    assert LEFT_OUT in str(fitted[2]) and LEFT_OUT in str(fitted[4]) and LEFT_OUT not in str(fitted[6])
    assert LEFT_OUT not in str(messages)  # what was given is not changed
