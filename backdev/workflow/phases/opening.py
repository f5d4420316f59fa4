"""Giving an assistant its persona's workflow: load the definition, restore the session's state,
register the workflow tools and put the current phase into the system prompt.

`attach_workflow` is called by `compose.start_session`, and `follow_switch` (an assistant switch
hook) calls it again whenever the persona or the session changes (`/persona`, `/new`, the app's
pickers), so the workflow always belongs to the current persona and session. A persona without a workflow is a plain chat; a broken workflow file is a note and a
plain chat (nothing the person typed is lost, and the file's error names the key to fix).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from backdev.repo.safety import SafetyPolicy
from backdev.workflow.phases.definition import WorkflowError, load_workflow
from backdev.workflow.phases.engine import WorkflowSession
from backdev.workflow.phases.state import WorkflowState
from backdev.workflow.tools import TOOL_NAMES, workflow_tools

if TYPE_CHECKING:
    from backdev.assistant import Assistant

STATE_KEY = "workflow"


def detach_workflow(assistant: Assistant) -> None:
    """Remove the workflow: no tools, no phase slot, `assistant.workflow` None."""
    for name in TOOL_NAMES:
        assistant.all_tools.tools.pop(name, None)
    assistant.set_context("phase", "")
    assistant.workflow = None


def attach_workflow(assistant: Assistant) -> list[str]:
    """Attach the current persona's workflow to `assistant` (see the module docstring).

    Returns:
        Notes for the person (a workflow file that failed to load).
    """
    detach_workflow(assistant)
    path = assistant.persona.workflow
    if path is None:
        return []
    try:
        definition = load_workflow(path)
    except WorkflowError as exc:
        return [f"{exc} This session is a plain chat until the workflow file is fixed."]
    store = assistant.store
    session_id = assistant.session.id
    saved = store.get_session(session_id).state.get(STATE_KEY)
    workflow = WorkflowSession(
        definition,
        WorkflowState.from_json(saved, definition),
        root=Path(assistant.session.root),
        settings=assistant.settings,
        policy=SafetyPolicy.from_settings(assistant.settings),
        save=lambda data: store.set_state(session_id, STATE_KEY, data),
        set_phase_text=lambda text: assistant.set_context("phase", text),
    )
    for tool in workflow_tools(workflow):
        assistant.all_tools.register(tool)
    assistant.workflow = workflow
    workflow.activate()
    if saved is None:
        workflow.save()
    return []


def follow_switch(assistant: Assistant) -> list[str]:
    """The assistant's switch hook: attach the workflow of the new persona or session, and say where it is."""
    notes = attach_workflow(assistant)
    if isinstance(assistant.workflow, WorkflowSession):
        notes.append(f"Workflow: {assistant.workflow.summary_line()} (/phase)")
    return notes
