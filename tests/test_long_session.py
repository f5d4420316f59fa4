"""Issue 15's own check: a scripted 600-turn session through the driver and the real SDK over the
fake API (a small window, large tool results) never sends a request over the window, compacts
more than once, re-sends every pinned item word for word in the first request after each
compaction, and a resumed session sends the same prefix."""

from __future__ import annotations

import time
from dataclasses import replace
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from backdev.assistant import drain
from backdev.chat.driver import ChatDriver
from backdev.compose import open_workspace
from backdev.context.compaction import PINNED_HEADER, load_record
from backdev.fakeapi import FakeAnthropic
from backdev.fakeapi.validate import prompt_tokens
from backdev.llm.events import StreamFailed, TurnFinished
from backdev.workflow.phases.state import TestRun
from backdev.workflow.review.findings import Finding

from .conftest import fake_provider, start_with, windowed_fake
from .test_context_driver import big_tool

WINDOW = 24_000
TURNS = 600
ASK = "<conversation>"  # only the summarising request's first message holds it


@pytest.fixture
def api() -> Iterator[FakeAnthropic]:
    with windowed_fake(WINDOW) as fake:
        fake.enqueue({"type": "text", "text": "Summary: CSV export, decisions kept in the pinned block.", "match": ASK,
                      "times": 10_000})
        yield fake


def driver_on(api: FakeAnthropic, folder: Path, resume: str | None = None) -> ChatDriver:
    workspace = open_workspace(folder, None)
    startup = start_with(workspace, fake_provider(api), tools=big_tool(12_000), resume=resume)  # ≈3,000 tokens a log
    return ChatDriver(startup, workspace)


def system_text(body: dict[str, Any]) -> str:
    return "".join(block["text"] for block in body["system"])


class Session:
    """The scripted session: its turns, and what must be pinned at each point of it."""

    def __init__(self, api: FakeAnthropic, project: Path) -> None:
        self.api, self.project = api, project
        self.driver = driver_on(api, project)
        self.expected: list[str] = []  # the pinned items so far, word for word
        self.verified: set[str] = set()  # those found in the first request after a compaction
        self.compactions = 0

    @property
    def workflow(self) -> Any:
        return self.driver._assistant.workflow

    def artifact(self, name: str, text: str) -> None:
        path = self.project / "docs/backdev" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        self.workflow.record_artifact(f"docs/backdev/{name}")
        self.expected.append(text)

    def edited(self, path: str) -> None:
        """An approved `propose_edit`, stored as the tool loop stores it."""
        assistant = self.driver._assistant
        store, session = assistant.store, assistant.session.id
        turn = store.next_turn(session)
        store.append_message(session, turn=turn, role="user", content=[{"type": "text", "text": f"edit {path}"}],
                             text=f"edit {path}")
        store.append_message(session, turn=turn, role="assistant", text="", content=[
            {"type": "tool_use", "id": f"toolu_edit_{turn}", "name": "propose_edit", "input": {"path": path}}])
        store.append_message(session, turn=turn, role="user", kind="tool_results", text="", content=[
            {"type": "tool_result", "tool_use_id": f"toolu_edit_{turn}", "content": "Applied."}])
        store.append_message(session, turn=turn, role="assistant", content=[{"type": "text", "text": "Edited."}],
                             text="Edited.")

    def evolve(self, n: int) -> None:
        """Change what the session knows along the way (each kind of pinned item, at its own turn)."""
        workflow = self.workflow
        if n == 10:
            self.artifact("requirements.md", "# Requirements\n\nAnswers: 2 M rows a day; p95 under 200 ms.\n"
                                             "Assumptions: UTC timestamps.\nOpen questions: which CSV delimiter?\n")
        elif n == 120:
            self.artifact("adr/0001-use-mysql-partitions.md", "# ADR 0001: partition exports by day\n\n"
                                                               "Decision: RANGE partitions on created_at.\n")
        elif n == 200:
            item = workflow.phase.checklist[0]
            workflow.update_checklist(item.id, "done", "agreed on turn 200")
            self.expected.append(f"[x] {item.id}: {item.text} — agreed on turn 200")
        elif n == 260:
            workflow.record_run(TestRun(["pytest", "-q"], "", 1, "failed", "1 failed, 3 passed"))
            self.expected.append("Last test run: #1 failed · exit 1 · 1 failed, 3 passed (pytest -q)")
        elif n == 330:
            workflow.add_finding(Finding("app/export.py", 12, "high", "security", "CSV injection", "cells start with ="))
            self.expected.append("- [high] app/export.py:12 security: CSV injection — cells start with =")
        elif n == 400:
            self.edited("app/export.py")
            self.edited("app/tests/test_export.py")
            self.expected.append("Files changed in this session: app/export.py, app/tests/test_export.py")
        elif n == 470:
            workflow.record_run(TestRun(["pytest", "-q"], "", 0, "passed", "4 passed"))
            self.expected.remove("Last test run: #1 failed · exit 1 · 1 failed, 3 passed (pytest -q)")
            self.expected.append("Last test run: #2 passed · exit 0 · 4 passed (pytest -q)")

    async def turn(self, n: int) -> None:
        api = self.api
        seen = len(api.message_requests)
        tool = n % 5 == 0  # a large tool result every fifth turn
        steps = [{"type": "tool_use", "calls": [{"name": "dump_log", "input": {}}]}] if tool else []
        api.enqueue(*steps, {"type": "text", "text": f"Answer to step {n}: noted."})
        events = await drain(self.driver.send(f"step {n}: go on with the export" + (", read the log" if tool else "")))
        assert isinstance(events[-1], TurnFinished), (n, events[-1])
        new = api.message_requests[seen:]
        summarising = [i for i, r in enumerate(new) if ASK in str(r.body["messages"][0])]
        if summarising:
            self.compactions += 1
            first_after = next(r for r in new[summarising[-1] + 1:] if ASK not in str(r.body["messages"][0]))
            system = system_text(first_after.body)
            record = load_record(self.driver._assistant.store, self.driver.session_id)
            assert record is not None and PINNED_HEADER + record.pinned in system
            for item in self.expected:
                assert item in system, (n, item)
            self.verified.update(self.expected)


def without_breakpoints(value: Any) -> Any:
    """`value` without its `cache_control` markers (they move to the newest message on every turn)."""
    if isinstance(value, dict):
        return {k: without_breakpoints(v) for k, v in value.items() if k != "cache_control"}
    return [without_breakpoints(v) for v in value] if isinstance(value, list) else value


async def resume_and_check(session: Session, n: int) -> None:
    api = session.api
    old = session.driver._assistant
    before, ratio = old.build_request(), old.calibration.ratio
    last = api.message_requests[-1].body
    session.driver = driver_on(api, session.project, resume=session.driver.session_id)
    resumed = session.driver._assistant
    after = resumed.build_request()
    assert after.system == before.system and after.messages == before.messages
    # What the API counted so far still calibrates the estimate (the gauge and the compaction point).
    assert ratio != 1.0 and resumed.calibration.ratio == pytest.approx(ratio)
    await session.driver.warm_up()
    compactions = session.compactions
    await session.turn(n)
    assert session.compactions == compactions, "pick a resume turn with no compaction in it"
    sent = api.message_requests[-1].body
    assert sent["system"] == last["system"] and sent["tools"] == last["tools"]
    assert without_breakpoints(sent["messages"][: len(last["messages"])]) == without_breakpoints(last["messages"])


async def test_a_600_turn_session_fits_the_window_and_keeps_every_pinned_item(api: FakeAnthropic,
                                                                              project: Path) -> None:
    started = time.monotonic()
    session = Session(api, project)
    await session.driver.warm_up()
    for n in range(TURNS):
        session.evolve(n)
        if n == TURNS // 2:  # resume mid-session: the next request continues the same prefix
            await resume_and_check(session, n)
            continue
        await session.turn(n)
    assert session.compactions >= 3, session.compactions
    assert len(session.expected) == 6
    assert len(session.verified) == 7  # each item (both test runs) was re-sent after a compaction
    # Never over the window: the fake refuses such a request with the API's 400; none was refused.
    requests = api.message_requests
    assert all(r.status == 200 for r in requests), [r.problem for r in requests if r.status != 200][:3]
    assert max(prompt_tokens(r.body) for r in requests) <= WINDOW
    # …and the check is on: the session sized itself by this window, and one token more is refused.
    assistant = session.driver._assistant
    assert assistant.limits().max_input_tokens == WINDOW
    big = replace(assistant.build_request(), messages=({"role": "user", "content": "x" * 4 * WINDOW},))
    [failed] = [e async for e in assistant.provider.stream(big)]
    assert isinstance(failed, StreamFailed) and failed.failure.kind == "too_large", failed
    assert api.message_requests[-1].status == 400 and "prompt is too long" in api.message_requests[-1].problem
    # The transcript stays whole.
    assert [i.text for i in session.driver.transcript_items() if i.kind == "user"][0].startswith("step 0:")
    print(f"{TURNS} turns, {len(requests)} requests, {session.compactions} compactions, "
          f"{time.monotonic() - started:.1f} s")


async def test_the_calibration_survives_resume(api: FakeAnthropic, project: Path) -> None:
    driver = driver_on(api, project)
    await driver.warm_up()
    counted = 3 * driver._assistant.next_request_tokens()  # a gateway that counts three times the estimate
    api.enqueue({"type": "text", "text": "Counted high.", "usage": {"input_tokens": counted}})
    await drain(driver.send("how large is this?"))
    learnt = driver._assistant.calibration
    assert learnt.ratio > 2 and learnt.samples == 1
    resumed = driver_on(api, project, resume=driver.session_id)._assistant
    assert (resumed.calibration.ratio, resumed.calibration.samples) == (learnt.ratio, learnt.samples)
    assert resumed.next_request_tokens() == driver._assistant.next_request_tokens()
    # Switching back to the session in a running app (the session picker) reads it too.
    other = driver_on(api, project)._assistant
    other.open_session(other.store.get_session(driver.session_id))
    assert other.calibration.ratio == learnt.ratio
