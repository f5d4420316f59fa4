"""The workflow attached to an assistant: phase prompt slot, switching, persistence and resume, the view."""

from __future__ import annotations

from pathlib import Path

import pytest

from backdev.compose import Startup, Workspace, open_store, start_session
from backdev.llm.scripted import ScriptedProvider
from backdev.workflow.phases.engine import PhaseNotFound, WorkflowSession
from backdev.workflow.phases.state import TestRun
from backdev.workflow.phases.view import WorkflowView


def workflow_of(startup: Startup) -> WorkflowSession:
    workflow = startup.assistant.workflow
    assert isinstance(workflow, WorkflowSession)
    return workflow


def test_a_session_with_the_builtin_persona_starts_in_requirements(startup: Startup) -> None:
    assistant = startup.assistant
    view = assistant.workflow_view()
    assert isinstance(view, WorkflowView)
    assert [p.id for p in view.phases] == ["requirements", "design", "tdd", "review", "handoff"]
    assert view.current == "requirements"
    assert [i.id for i in view.checklist][:2] == ["scale", "data_volume"] and view.checklist[0].state == "open"
    system = assistant.system_blocks()
    assert system[0] == assistant.persona.prompt
    assert "phase 1 of 5 — Requirements" in system[-1] and "`scale`" in system[-1]
    assert "write_artifact" in system[-1] and "docs/backdev/" in system[-1]
    assert {"update_checklist", "write_artifact", "propose_edit", "run_tests", "report_finding"} <= set(assistant.tools.tools)


def test_a_persona_without_a_workflow_is_a_plain_chat(workspace: Workspace, scripted: ScriptedProvider) -> None:
    folder = workspace.root / ".backdev" / "personas"
    folder.mkdir(parents=True)
    (folder / "plain.md").write_text("---\nname: plain\ndescription: no workflow\n---\nJust chat.\n")
    from backdev.compose import open_workspace

    ws = open_workspace(workspace.root)
    assistant = start_session(ws, open_store(), scripted, persona_name="plain").assistant
    assert assistant.workflow is None and assistant.workflow_view() is None
    assert assistant.system_blocks() == ("Just chat.\n",)
    assert "update_checklist" not in assistant.tools.tools


def test_a_broken_workflow_file_is_a_note_and_a_plain_chat(workspace: Workspace, scripted: ScriptedProvider) -> None:
    folder = workspace.root / ".backdev" / "personas"
    folder.mkdir(parents=True)
    (folder / "mine.md").write_text("---\nname: mine\ndescription: d\n---\nBody.\n")
    (folder / "mine.workflow.yaml").write_text("phases:\n  - {id: a, goal: g, instructions: i}\n")
    from backdev.compose import open_workspace

    startup = start_session(open_workspace(workspace.root), open_store(), scripted, persona_name="mine")
    assert startup.assistant.workflow is None
    assert any("mine.workflow.yaml: phases[0] (a): `title` is missing" in n and "plain chat" in n for n in startup.notes)


def test_switching_changes_the_phase_slot_and_is_saved(startup: Startup) -> None:
    workflow = workflow_of(startup)
    before = startup.assistant.system_blocks()
    assert workflow.switch("design").id == "design"
    after = startup.assistant.system_blocks()
    assert before[:-1] == after[:-1] and before[-1] != after[-1] and "Design" in after[-1]
    assert workflow.advance().id == "tdd"
    saved = startup.assistant.store.get_session(startup.assistant.session.id).state["workflow"]
    assert saved["current"] == "tdd"
    with pytest.raises(PhaseNotFound, match="No phase 'deploy'; the phases are: requirements, design, tdd, review, handoff"):
        workflow.switch("deploy")
    workflow.switch("handoff")
    with pytest.raises(PhaseNotFound, match="last phase"):
        workflow.advance()


def test_phase_state_survives_resume(workspace: Workspace, scripted: ScriptedProvider) -> None:
    store = open_store()
    first = start_session(workspace, store, scripted)
    workflow = workflow_of(first)
    workflow.update_checklist("scale", "done", "2k users, 40 rps peak")
    workflow.switch("tdd")
    workflow.update_checklist("failing_test", "done", "tests/test_refund.py")
    workflow.record_run(TestRun(["pytest"], "", 1, "failed", "1 failed"))
    workflow.record_artifact("docs/backdev/requirements.md")
    store.close()
    resumed = start_session(workspace, open_store(), scripted, resume=first.assistant.session.id)
    view = resumed.assistant.workflow_view()
    assert view is not None and view.current == "tdd"
    assert [(i.id, i.state, i.note) for i in view.checklist][0] == ("failing_test", "done", "tests/test_refund.py")
    assert view.artifacts == ("docs/backdev/requirements.md",)
    assert view.last_test_run is not None and view.last_test_run.startswith("#1 failed · exit 1 · 1 failed")
    assert "phase 3 of 5 — TDD" in resumed.assistant.system_blocks()[-1]
    # The requirements tick is still there when the person goes back.
    workflow_of(resumed).switch("requirements")
    assert workflow_of(resumed).view().checklist[0].note == "2k users, 40 rps peak"


def test_handoff_prompt_carries_the_session_artifacts(startup: Startup) -> None:
    root = Path(startup.assistant.session.root)
    (root / "docs" / "backdev").mkdir(parents=True)
    (root / "docs" / "backdev" / "design.md").write_text("# Design\nUse a modular monolith.\n")
    workflow = workflow_of(startup)
    workflow.record_artifact("docs/backdev/design.md")
    workflow.record_artifact("docs/backdev/gone.md")  # deleted since: skipped
    workflow.switch("handoff")
    text = startup.assistant.system_blocks()[-1]
    assert '<artifact path="docs/backdev/design.md">' in text and "Use a modular monolith." in text
    assert "gone.md" not in text


def test_describe_lists_checklist_states_notes_artifacts_and_last_run(startup: Startup) -> None:
    workflow = workflow_of(startup)
    workflow.update_checklist("scale", "done", "40 rps")
    workflow.update_checklist("compliance", "na", "no personal data")
    workflow.record_run(TestRun(["pytest"], "tests/x.py", 0, "passed", "3 passed"))
    text = workflow.describe()
    assert "Phase 1 of 5: Requirements" in text
    assert "[x] scale" in text and "40 rps" in text and "[-] compliance" in text and "[ ] latency" in text
    assert "#1 passed · exit 0 · 3 passed" in text
    assert workflow.summary_line() == "Requirements · 2/7 checked · last run #1 passed"
