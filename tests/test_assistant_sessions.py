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
    assert [r.text for r in assistant.history() if r.role == "user"] == ["in the first session", "back again"]
    assert scripted.history[-1].model == "claude-opus-5-5"
