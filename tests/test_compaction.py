"""Issue 15 item 3 through the driver and the real SDK over the fake API: compaction summarises the
older turns, keeps what matters word for word, happens before a request nears the window, and
survives resume."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from backdev.assistant import drain
from backdev.chat.driver import ChatDriver
from backdev.chat.events import Note
from backdev.compose import open_workspace
from backdev.context.compaction import SUMMARY_HEADER, load_record
from backdev.fakeapi import FakeAnthropic
from backdev.fakeapi.compaction import capabilities_with_compaction
from backdev.fakeapi.server import MODELS
from backdev.llm.events import TurnFinished
from backdev.repl.app import PlainRepl
from backdev.workflow.phases.state import TestRun
from backdev.workflow.review.findings import Finding

from .conftest import assert_all_valid, fake_provider, start_with
from .test_context_driver import big_tool

WINDOW = 20_000
SUMMARY = "The person wants a CSV export; the log was read twice."
ASK = "<conversation>"  # what only the summarising request's first message holds


@pytest.fixture
def api(request: pytest.FixtureRequest) -> Iterator[FakeAnthropic]:
    """The fake; its models take no server-side compaction unless a test's `param` says "server"."""
    server = getattr(request, "param", "summarising") == "server"
    with FakeAnthropic(api_key="test-key", context_window=WINDOW,
                       capabilities=capabilities_with_compaction(*MODELS) if server else None) as fake:
        fake.enqueue({"type": "text", "text": SUMMARY, "match": ASK, "times": 1000})
        yield fake
        assert_all_valid(fake.invalid_requests, "the fake API")


def driver_on(api: FakeAnthropic, folder: Path, *, chars: int = 4000, resume: str | None = None) -> ChatDriver:
    workspace = open_workspace(folder, None)
    startup = start_with(workspace, fake_provider(api), tools=big_tool(chars), resume=resume)
    return ChatDriver(startup, workspace)


async def talk(driver: ChatDriver, api: FakeAnthropic, text: str, *, tool: bool = False) -> list:  # type: ignore[type-arg]
    steps = [{"type": "tool_use", "calls": [{"name": "dump_log", "input": {}}]}] if tool else []
    api.enqueue(*steps, {"type": "text", "text": f"Answer to {text}."})
    events = await drain(driver.send(text))
    assert isinstance(events[-1], TurnFinished), events[-1]
    return events


def conversation_requests(api: FakeAnthropic) -> list:  # type: ignore[type-arg]
    return [r for r in api.message_requests if ASK not in str(r.body["messages"][0])]


async def test_compact_by_hand_sends_the_summary_and_the_kept_turns_only(api: FakeAnthropic, project: Path) -> None:
    driver = driver_on(api, project)
    await driver.warm_up()
    for n in range(4):
        await talk(driver, api, f"question {n}", tool=True)
    spent = driver.totals().usage
    result = driver.command("/compact keep the CSV columns")
    assert result.turn is not None
    notes = [e for e in await drain(result.turn()) if isinstance(e, Note)]
    assert "tokens" in notes[-1].text and "→" in notes[-1].text and not notes[-1].error
    [summarising] = [r for r in api.message_requests if ASK in str(r.body["messages"][0])]
    assert "keep the CSV columns" in str(summarising.body) and "question 0" in str(summarising.body)
    record = load_record(driver._assistant.store, driver.session_id)
    assert record is not None and record.tokens_after < record.tokens_before
    # The summarising request's tokens are counted in the session's totals.
    assert driver.totals().usage.input == spent.input + summarising.usage["input_tokens"]
    await talk(driver, api, "question 4")
    sent = conversation_requests(api)[-1].body
    system = "".join(block["text"] for block in sent["system"])
    assert SUMMARY_HEADER + SUMMARY in system
    texts = str(sent["messages"])
    assert "question 0" not in texts and "question 1" not in texts  # summarised
    assert "question 2" in texts and "question 3" in texts and "question 4" in texts  # kept whole
    assert sent["messages"][0]["role"] == "user"
    # The store keeps every message: the transcript on screen is whole.
    assert any("question 0" in item.text for item in driver.transcript_items() if hasattr(item, "text"))
    # /context shows the two blocks under their labels.
    [context] = driver.command("/context").events
    assert "summary" in context.text and "pinned" in context.text
    assert f"({record.tokens_before:,} → {record.tokens_after:,} tokens)" in context.text


async def test_nothing_to_compact_says_so(api: FakeAnthropic, project: Path) -> None:
    driver = driver_on(api, project)
    await talk(driver, api, "only one")
    events = await drain(driver.command("/compact").turn())
    assert events[-1].error and "Nothing to compact yet" in events[-1].text


@pytest.mark.parametrize("api", ["summarising", "server"], indirect=True)
async def test_every_pinned_item_is_sent_verbatim_after_compaction(api: FakeAnthropic, project: Path) -> None:
    driver = driver_on(api, project)
    await driver.warm_up()  # the Models API says whether the model compacts server-side
    assistant = driver._assistant
    workflow = assistant.workflow
    assert workflow is not None
    requirements = "R1: exports are CSV with a header row.\nOpen question: which delimiter?"
    (project / "docs/backdev").mkdir(parents=True)
    (project / "docs/backdev/requirements.md").write_text(requirements)
    workflow.record_artifact("docs/backdev/requirements.md")
    phase = workflow.phase
    item = phase.checklist[0]
    workflow.update_checklist(item.id, "done", "agreed with the person on 1 Dec")
    workflow.record_run(TestRun(["pytest", "-q"], "", 1, "failed", "1 failed, 3 passed"))
    workflow.add_finding(Finding("app/export.py", 12, "high", "security", "CSV injection", "cells start with ="))
    # An approved edit (its result is no error) and a refused one, as the tool loop stores them.
    store, session = assistant.store, assistant.session.id
    store.append_message(session, turn=store.next_turn(session), role="user", content=[{"type": "text", "text": "edit"}],
                         text="edit")
    calls = [{"type": "tool_use", "id": f"toolu_{n}", "name": "propose_edit", "input": {"path": path}}
             for n, path in enumerate(("app/export.py", "secrets.env"))]
    turn = store.next_turn(session) - 1
    store.append_message(session, turn=turn, role="assistant", content=calls, text="")
    store.append_message(session, turn=turn, role="user", kind="tool_results", text="", content=[
        {"type": "tool_result", "tool_use_id": "toolu_0", "content": "Applied."},
        {"type": "tool_result", "tool_use_id": "toolu_1", "content": "Not applied.", "is_error": True}])
    store.append_message(session, turn=turn, role="assistant", content=[{"type": "text", "text": "Edited."}],
                         text="Edited.")
    for n in range(3):
        await talk(driver, api, f"question {n}")
    await drain(driver.command("/compact").turn())
    server = any("compaction" in r.body for r in api.message_requests)
    served = api.options.capabilities is not None  # the "server" parameter
    assert server == served == (load_record(store, session).block is not None)  # type: ignore[union-attr]
    await talk(driver, api, "after")
    sent = conversation_requests(api)[-1].body
    system = "".join(block["text"] for block in sent["system"])
    assert requirements in system
    assert f"[x] {item.id}: {item.text} — agreed with the person on 1 Dec" in system
    assert "- [high] app/export.py:12 security: CSV injection — cells start with =" in system
    assert "Files changed in this session: app/export.py\n" in system + "\n"
    assert "Last test run: #1 failed · exit 1 · 1 failed, 3 passed (pytest -q)" in system
    for other in workflow.workflow.phases:
        assert f"{other.title}" in system
    # The phase's instructions are never summarised away (after the API's block, when it compacted).
    assert sent["messages"][1 if server else 0]["content"][0]["text"] == assistant.prompt().conversation_text()


async def test_a_long_session_never_passes_the_window_and_resumes_with_the_same_prefix(api: FakeAnthropic,
                                                                                        project: Path) -> None:
    driver = driver_on(api, project, chars=12_000)  # about 3,000 tokens a tool result
    await driver.warm_up()
    automatic = []
    for n in range(14):
        events = await talk(driver, api, f"step {n}: read the log again", tool=True)
        automatic += [e for e in events if isinstance(e, Note) and "neared the context window" in e.text]
    assert automatic, "the session compacted on its own"
    for request in api.message_requests:
        counted = request.usage.get("input_tokens", 0) + request.usage.get("cache_read_input_tokens", 0) \
            + request.usage.get("cache_creation_input_tokens", 0)
        assert counted <= WINDOW
    record = load_record(driver._assistant.store, driver.session_id)
    before = driver._assistant.build_request()
    resumed = driver_on(api, project, chars=12_000, resume=driver.session_id)
    assert load_record(resumed._assistant.store, resumed.session_id) == record  # the record survives resume
    after = resumed._assistant.build_request()
    assert after.system == before.system and after.messages == before.messages
    assert any(SUMMARY in text for text in after.system)
    await resumed.warm_up()
    api.enqueue({"type": "text", "text": "Resumed."})
    await drain(resumed.send("and now?"))
    sent = conversation_requests(api)[-1].body
    assert [b["text"] for b in sent["system"]][: len(after.system)] == list(after.system)


async def test_plain_mode_compacts_by_hand_and_says_the_tokens(api: FakeAnthropic, project: Path) -> None:
    workspace = open_workspace(project)
    repl = PlainRepl(start_with(workspace, fake_provider(api)), workspace, interactive=False, out=io.StringIO(),
                     err=io.StringIO())
    api.enqueue(*({"type": "text", "text": f"Answer {n}."} for n in range(3)))
    assert await repl.run(["one", "two", "three", "/compact"]) == 0
    output = repl.out.getvalue() + repl.err.getvalue()  # type: ignore[attr-defined]
    assert "Compacted the earlier turns into a summary:" in output and " tokens" in output
