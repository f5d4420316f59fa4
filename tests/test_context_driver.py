"""Issue 15, items 1, 2, 4 and 6 through the driver and the real SDK over the fake API: the fill
gauge, the question before a large message, a tool result cut to fit, `/context`, and the
session's cost limit."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from backdev.assistant import drain
from backdev.chat.driver import ChatDriver
from backdev.chat.events import RANGE, Answer, CostLimit, LargeMessage, MessageSent, Note, NotSent, Question
from backdev.compose import open_workspace
from backdev.fakeapi import FakeAnthropic
from backdev.llm.events import ToolCallFinished, TurnFinished
from backdev.repl.app import PlainRepl
from backdev.settings import load_project_settings
from backdev.tools.base import Tool, ToolOutcome, ToolRegistry

from .conftest import fake_provider, git, start_with, windowed_fake

WINDOW = 40_000


@pytest.fixture
def api() -> Iterator[FakeAnthropic]:
    """The fake API with a 40,000-token window (served by its Models API too)."""
    with windowed_fake(WINDOW) as fake:
        yield fake


class Answers:
    """A front end's confirm callback: gives the answers in order and keeps the questions."""

    def __init__(self, *answers: Answer) -> None:
        self.answers = list(answers)
        self.questions: list[Question] = []

    async def __call__(self, question: Question) -> Answer:
        self.questions.append(question)
        return self.answers.pop(0)


def big_tool(chars: int) -> ToolRegistry:
    registry = ToolRegistry()
    registry.register(Tool("dump_log", "Return the whole test log.", {"type": "object", "properties": {}},
                           lambda _: ToolOutcome("line of the log\n" * (chars // 16), "dump_log · the whole log")))
    return registry


def driver_on(api: FakeAnthropic, folder: Path, *, flags: dict[str, Any] | None = None, confirm: Any = None,
              tools: ToolRegistry | None = None) -> ChatDriver:
    workspace = open_workspace(folder, flags)
    startup = start_with(workspace, fake_provider(api), tools=tools)
    return ChatDriver(startup, workspace, **({"confirm": confirm} if confirm else {}))


async def test_the_gauge_shows_the_window_the_models_api_gives_and_learns_from_usage(api: FakeAnthropic,
                                                                                      project: Path) -> None:
    driver = driver_on(api, project)
    assert await driver.warm_up() == ""
    before = driver.status()
    assert before.context_window == WINDOW and before.context_fill.endswith("of 40k")
    assert [r.path for r in api.requests] == ["/v1/models/claude-sonnet-5-5"]
    api.enqueue({"type": "text", "text": "Hello."})
    events = await drain(driver.send("hi there"))
    assert isinstance(events[-1], TurnFinished)
    # The API's count of the request it answered calibrates the estimate.
    assistant = driver._assistant
    reported = api.message_requests[-1].usage
    assert assistant.last_prompt_tokens == (reported["input_tokens"] + reported["cache_creation_input_tokens"]
                                            + reported["cache_read_input_tokens"])
    assert assistant.calibration.samples == 1
    after = driver.status()
    assert after.context_tokens >= assistant.last_prompt_tokens
    assert len([r for r in api.requests if r.path.startswith("/v1/models/")]) == 1, "the Models API is asked once"


async def test_plain_mode_prints_the_gauge_on_its_status_line(api: FakeAnthropic, project: Path) -> None:
    workspace = open_workspace(project)
    repl = PlainRepl(start_with(workspace, fake_provider(api)), workspace, interactive=False, out=io.StringIO(),
                     err=io.StringIO())
    api.enqueue({"type": "text", "text": "Hello."})
    assert await repl.run(["hi there"]) == 0
    status = [line for line in repl.err.getvalue().splitlines() if line.startswith("  ─ ")]  # type: ignore[attr-defined]
    assert status and "context ▰" in status[-1] and "of 40k" in status[-1]


def big_repo(git_repo: Path) -> Path:
    (git_repo / "big.py").write_text("".join(f"value_{i} = {i}  # a long generated table\n" for i in range(2500)))
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-q", "-m", "big")
    return git_repo


async def test_a_message_whose_attachment_makes_the_request_large_asks_once(api: FakeAnthropic, git_repo: Path) -> None:
    answers = Answers(RANGE, False, True)
    driver = driver_on(api, big_repo(git_repo), confirm=answers)
    driver.attach_repository(driver.read_repository())
    ranged = await drain(driver.send("explain @big.py please"))
    assert isinstance(ranged[-1], NotSent) and ranged[-1].reason == "too_large"
    assert ranged[-1].typed == "explain @big.py:1-200 please"
    [question] = answers.questions
    assert isinstance(question, LargeMessage) and question.attachments[0][0] == "big.py"
    assert question.threshold == WINDOW // 2 and question.request_tokens > question.threshold
    assert "@big.py (≈" in question.problem and "of the model's 40,000-token window" in question.problem
    cancelled = await drain(driver.send("explain @big.py please"))
    assert isinstance(cancelled[-1], NotSent) and cancelled[-1].typed == "explain @big.py please"
    assert api.message_requests == [] and driver._assistant.messages() == [], "nothing left, nothing stored"
    api.enqueue({"type": "text", "text": "It is a table."})
    sent = await drain(driver.send("explain @big.py please"))
    assert any(isinstance(e, MessageSent) for e in sent) and isinstance(sent[-1], TurnFinished)
    assert len(answers.questions) == 3, "one question per message"
    # The narrowed message is small: it leaves without a question.
    api.enqueue({"type": "text", "text": "The first rows."})
    small = await drain(driver.send("explain @big.py:1-200 please"))
    assert isinstance(small[-1], TurnFinished) and len(answers.questions) == 3


async def test_a_tool_result_that_would_fill_the_window_is_cut_with_a_note(api: FakeAnthropic, project: Path) -> None:
    driver = driver_on(api, project, tools=big_tool(WINDOW * 4 * 2))  # twice the window, alone
    await driver.warm_up()
    api.enqueue({"type": "tool_use", "calls": [{"name": "dump_log", "input": {}}]},
                {"type": "text", "text": "The log says it passed."})
    events = await drain(driver.send("what does the log say?"))
    assert isinstance(events[-1], TurnFinished), "the request after the tool fits the window"
    [call] = [e for e in events if isinstance(e, ToolCallFinished)]
    assert call.summary.endswith("cut to fit the context window")
    sent = api.message_requests[-1].body["messages"][-1]["content"][0]["content"]
    assert "backdev cut" in sent and "Ask for less: a line range" in sent
    assert len(sent) <= WINDOW * 0.25 * 4 and sent.startswith("line of the log") and sent.endswith("line of the log\n")


async def test_context_lists_what_fills_the_window_block_by_block(api: FakeAnthropic, project: Path) -> None:
    driver = driver_on(api, project, tools=big_tool(8000))
    await driver.warm_up()
    api.enqueue({"type": "tool_use", "calls": [{"name": "dump_log", "input": {}}]}, {"type": "text", "text": "Done."})
    await drain(driver.send("read the log"))
    [note] = driver.command("/context").events
    assert isinstance(note, Note)
    text = note.text
    assert "of the model's 40,000-token window" in text
    for row in ("tools (", "persona", "phase", "conversation (4 messages)", "total"):
        assert row in text, row
    assert "The largest tool results in the conversation:" in text and "dump_log · message 3" in text
    assert "the API counted" in text
    assert not driver.refusal_during_turn("/context"), "it may run while a reply streams"


async def test_the_session_cost_limit_warns_at_80_percent_and_asks_before_passing_it(api: FakeAnthropic,
                                                                                      project: Path) -> None:
    answers = Answers(False, True)
    driver = driver_on(api, project, flags={"max_session_cost": 1.0}, confirm=answers)
    # claude-sonnet-5-5 input is $2 per million tokens: 400,000 reported input tokens cost $0.80.
    api.enqueue({"type": "text", "text": "One.", "usage": {"input_tokens": 400_000}})
    await drain(driver.send("first"))
    api.enqueue({"type": "text", "text": "Two.", "usage": {"input_tokens": 90_000}})
    second = await drain(driver.send("second"))
    warnings = [e.text for e in second if isinstance(e, Note) and "max_session_cost" in e.text]
    assert len(warnings) == 1 and "81% of its $1.00 limit" in warnings[0] and answers.questions == []
    refused = await drain(driver.send("third"))
    [question] = answers.questions
    assert isinstance(question, CostLimit) and question.limit == 1.0 and question.spent > 0.98
    assert isinstance(refused[-1], NotSent) and refused[-1].reason == "over_budget"
    assert len(api.message_requests) == 2, "nothing was sent"
    api.enqueue({"type": "text", "text": "Three."}, {"type": "text", "text": "Four."})
    assert isinstance((await drain(driver.send("third")))[-1], TurnFinished)
    assert isinstance((await drain(driver.send("fourth")))[-1], TurnFinished)
    assert len(answers.questions) == 2, "a yes holds for the rest of the session; the warning is said once"


def test_a_repository_cannot_set_the_cost_limit_even_trusted(project: Path) -> None:
    (project / ".backdev.yaml").write_text("max_session_cost: 1000\nlarge_request_share: 0.3\n")
    settings = load_project_settings(project, env={})
    assert settings.refused == ("max_session_cost",)
    assert settings.trusted.max_session_cost is None and settings.untrusted.large_request_share == 0.3


async def test_plain_mode_asks_about_a_large_attachment_with_one_key(api: FakeAnthropic, git_repo: Path) -> None:
    from prompt_toolkit.input import create_pipe_input  # the REPL's interactive input, as in test_repl
    from prompt_toolkit.output import DummyOutput

    workspace = open_workspace(big_repo(git_repo))
    startup = start_with(workspace, fake_provider(api))
    api.enqueue({"type": "text", "text": "The first rows."})
    with create_pipe_input() as pipe:
        # Send; [r] attach a range instead (its Enter is taken with it); Enter sends what came back.
        pipe.send_text("explain @big.py please\rr\r\r/quit\r")
        repl = PlainRepl(startup, workspace, interactive=True, prompt_input=pipe, prompt_output=DummyOutput(),
                         out=io.StringIO(), err=io.StringIO())
        await repl.run()
    err = repl.err.getvalue()  # type: ignore[attr-defined]
    assert "mostly because of @big.py (≈" in err and "Not sent: your message is back at the prompt." in err
    assert [r.text for r in startup.assistant.messages() if r.role == "user"] == ["explain @big.py:1-200 please"]
