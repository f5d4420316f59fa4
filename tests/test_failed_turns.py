"""A failed turn never poisons the conversation: its message is kept, marked, and not sent again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from backdev.assistant import drain
from backdev.compose import open_store, start_session
from backdev.fakeapi import FakeAnthropic
from backdev.llm.events import Notice, TurnFailed, TurnFinished
from backdev.session.context import NOT_ANSWERED_NOTE
from backdev.session.export import export_markdown

from .conftest import fake_provider, run_backdev


def user_texts(body: dict[str, Any]) -> list[list[str]]:
    """What the person wrote in each user message (a phase's announcement before it left out)."""
    return [[b["text"] for b in m["content"] if b["type"] == "text" and not b["text"].startswith("# Workflow: phase")]
            for m in body["messages"] if m["role"] == "user"]


async def test_after_a_failure_each_new_message_is_sent_on_its_own(fake_api: FakeAnthropic, workspace) -> None:  # type: ignore[no-untyped-def]
    assistant = start_session(workspace, open_store(), fake_provider(fake_api)).assistant
    fake_api.enqueue({"type": "error", "status": 400, "message": "something in it is refused"})
    failed = await drain(assistant.send("bad"))
    assert isinstance(failed[-1], TurnFailed) and failed[-1].failure.message.endswith(NOT_ANSWERED_NOTE)
    assert NOT_ANSWERED_NOTE not in failed[-1].failure.outside_chat
    second = await drain(assistant.send("second"))
    third = await drain(assistant.send("third"))
    assert isinstance(second[-1], TurnFinished) and isinstance(third[-1], TurnFinished)
    bodies = [r.body for r in fake_api.message_requests]
    assert user_texts(bodies[1]) == [["second"]]
    assert user_texts(bodies[2]) == [["second"], ["third"]]
    # The transcript says once that the failed message is left out.
    notes = [e.text for e in second if isinstance(e, Notice)]
    assert len(notes) == 1 and "“bad” got no answer" in notes[0] and "marked not answered" in notes[0]
    assert not [e for e in third if isinstance(e, Notice)]
    # It is kept, and shown as not answered.
    rows = assistant.messages()
    assert rows[0].text == "bad" and rows[1].status == "failed"
    assert "_(not answered)_" in export_markdown(assistant.store, assistant.session)


async def test_retry_sends_the_failed_message_again(fake_api: FakeAnthropic, workspace) -> None:  # type: ignore[no-untyped-def]
    assistant = start_session(workspace, open_store(), fake_provider(fake_api)).assistant
    await drain(assistant.send("first"))
    fake_api.enqueue({"type": "error", "status": 500, "times": 3})
    await drain(assistant.send("flaky"))
    events = await drain(assistant.retry())
    assert isinstance(events[-1], TurnFinished)
    assert user_texts(fake_api.message_requests[-1].body) == [["first"], ["flaky"]]
    events = await drain(assistant.send("then"))
    assert not [e for e in events if isinstance(e, Notice)]  # it was answered in the end: nothing left out
    assert user_texts(fake_api.message_requests[-1].body) == [["first"], ["flaky"], ["then"]]


def test_piped_chat_recovers_after_a_failed_message(project: Path, fake_api: FakeAnthropic) -> None:
    """The issue's own reproduction: all three used to fail, the last request one user turn holding all three."""
    env = {"ANTHROPIC_BASE_URL": fake_api.url, "ANTHROPIC_API_KEY": "test-key"}
    result = run_backdev("chat", "--plain", cwd=project, env=env, input="bad [[error:400]]\nsecond\nthird\n")
    assert result.returncode == 1  # one reply failed
    assert "you said: second" in result.stdout and "you said: third" in result.stdout
    assert result.stderr.count("got no answer, so it is left out") == 1
    assert user_texts(fake_api.message_requests[-1].body) == [["second"], ["third"]]


async def test_a_call_left_open_by_a_killed_process_is_answered_on_resume(fake_api: FakeAnthropic, workspace) -> None:  # type: ignore[no-untyped-def]
    store = open_store()
    record = store.create_session(str(workspace.root), "backend-developer", "claude-sonnet-5-5")
    # What a process killed while an approval was pending leaves behind.
    store.append_message(record.id, turn=1, role="user", content=[{"type": "text", "text": "fix it"}], text="fix it")
    store.append_message(record.id, turn=1, role="assistant", text="I will edit.", content=[
        {"type": "text", "text": "I will edit."},
        {"type": "tool_use", "id": "toolu_open", "name": "propose_edit", "input": {"path": "a.py"}}])
    startup = start_session(workspace, store, fake_provider(fake_api), resume=record.id)
    assert any("propose_edit was waiting for your answer when backdev was closed" in n for n in startup.notes)
    rows = startup.assistant.messages()
    assert rows[-1].kind == "tool_results" and rows[-1].meta["tool_calls"][0]["summary"].endswith("not run (backdev was closed)")
    # Resuming again changes nothing; the next message makes a valid request (the fixture checks it).
    start_session(workspace, store, fake_provider(fake_api), resume=record.id)
    events = await drain(startup.assistant.send("what now?"))
    assert isinstance(events[-1], TurnFinished)
    sent = fake_api.message_requests[-1].body["messages"]
    assert sent[2]["content"][0]["tool_use_id"] == "toolu_open"
    assert "backdev was closed before the person answered" in sent[2]["content"][0]["content"]
