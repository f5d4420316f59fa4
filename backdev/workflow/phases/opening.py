"""Opening a persona's workflow for a session: load the definition, restore the session's phase state.

The assistant opens the workflow of its persona and session when it starts and again whenever
either changes (`/persona`, `/new`, the app's session picker), so the workflow always belongs to
the current persona and session. A persona without a workflow is a plain chat; a broken workflow
file is a note and a plain chat (nothing the person typed is lost, and the file's error names the
key to fix).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from backdev.personas.model import Persona
from backdev.repo.safety import SafetyPolicy
from backdev.session.store import SessionRecord, SessionStore
from backdev.settings import Settings
from backdev.workflow.phases.definition import WorkflowError, load_workflow
from backdev.workflow.phases.engine import WorkflowSession
from backdev.workflow.phases.state import WorkflowState

STATE_KEY = "workflow"


@dataclass(frozen=True)
class OpenedWorkflow:
    """A session's workflow (None: a plain chat) and notes for the person (a file that failed to load)."""

    workflow: WorkflowSession | None
    notes: tuple[str, ...] = ()


def open_workflow(persona: Persona, session: SessionRecord, store: SessionStore, settings: Settings,
                  policy: SafetyPolicy) -> OpenedWorkflow:
    """The workflow of `persona` in `session`, with the session's saved phase state (see the module docstring)."""
    path = persona.workflow
    if path is None:
        return OpenedWorkflow(None)
    try:
        definition = load_workflow(path)
    except WorkflowError as exc:
        return OpenedWorkflow(None, (f"{exc} This session is a plain chat until the workflow file is fixed.",))
    session_id = session.id
    # Read from the store, not the record: the record may predate ticks made since it was loaded.
    saved = store.get_session(session_id).state.get(STATE_KEY)
    workflow = WorkflowSession(
        definition,
        WorkflowState.from_json(saved, definition),
        root=Path(session.root),
        settings=settings,
        policy=policy,
        save=lambda data: store.set_state(session_id, STATE_KEY, data),
    )
    workflow.activate()
    if saved is None:
        workflow.save()
    return OpenedWorkflow(workflow)
