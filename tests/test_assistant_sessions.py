"""Switching the assistant to another saved session (what the TUI's session picker does)."""

from __future__ import annotations

from backdev.assistant import drain
from backdev.compose import Startup
from backdev.llm.scripted import ScriptedProvider


async def test_open_session_continues_that_session_with_its_model(startup: Startup, scripted: ScriptedProvider) -> None:
    assistant = startup.assistant
    await drain(assistant.send("in the first session"))
    first = assistant.session
    assistant.set_model("opus")
    assistant.grants.add("write_artifact")
    assistant.new_session()
    assistant.set_model("haiku")
    await drain(assistant.send("in the second session"))

    assistant.grants.add("run_tests")
    assistant.open_session(assistant.store.get_session(first.id))
    assert assistant.session.id == first.id and assistant.model.model_id == "claude-opus-5-5"
    assert assistant.grants == set()
    await drain(assistant.send("back again"))
    assert [r.text for r in assistant.messages() if r.role == "user"] == ["in the first session", "back again"]
    assert scripted.history[-1].model == "claude-opus-5-5"


def test_the_workflow_follows_every_switch_of_session_or_persona(startup) -> None:  # type: ignore[no-untyped-def]
    assistant = startup.assistant
    first = assistant.session
    assistant.workflow.switch("design")
    assistant.new_session()
    assert assistant.workflow.view().current == "requirements"  # a new session starts at the beginning
    assert any(n.startswith("Workflow: Requirements") for n in assistant.take_switch_notes())
    assistant.new_session()  # its notes are superseded by the next switch's, never piled up
    assistant.open_session(assistant.store.get_session(first.id))
    assert assistant.workflow.view().current == "design"  # the picked session's own phase state
    assert [n for n in assistant.take_switch_notes() if n.startswith("Workflow:")] == [
        "Workflow: " + assistant.workflow.summary_line() + " (/phase)"]
    assert assistant.take_switch_notes() == []  # taken once
    assert assistant.system_blocks()[-1].count("Design") > 0
