"""Builds the pieces a front end needs — settings, personas, safety policy, store, provider, assistant.

The CLI, the tests and the benchmarks all start backdev through these functions (as Posting's
`make_posting` does), so what is tested is what runs. A front end then drives the started session
through a `backdev.chat.ChatDriver`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from backdev import paths
from backdev.assistant import Assistant, choose_model
from backdev.llm.anthropic_provider import AnthropicProvider
from backdev.llm.models import resolve_model
from backdev.llm.provider import Provider
from backdev.personas.loader import PersonaCatalog
from backdev.project import find_project_root
from backdev.repo.safety import SafetyPolicy
from backdev.session.recorder import close_open_calls
from backdev.session.store import SessionStore
from backdev.settings import Settings
from backdev.tools.base import ToolAccess, ToolRegistry

if TYPE_CHECKING:
    from backdev.llm.worker_process import ApiWorker
    from backdev.trust import ProjectReview, TrustChoice


@dataclass
class Workspace:
    """Where backdev was started and what it found there.

    Attributes:
        policy: the secret rules of these settings, built once here and passed down to everything
            that reads or sends (the repository, attachments, reviews, test output, the assistant).
    """

    cwd: Path
    root: Path
    settings: Settings
    catalog: PersonaCatalog
    policy: SafetyPolicy
    # What the repository's configuration was refused, or ignored for want of trust (said at start).
    notes: list[str] = field(default_factory=list)
    review: ProjectReview | None = None  # what its configuration changes, with and without trust
    trusted: bool = False  # True when nothing of the repository's configuration is held back


@dataclass
class Startup:
    """A ready assistant and the lines the front end should say before the first prompt."""

    assistant: Assistant
    notes: list[str] = field(default_factory=list)
    resumed: bool = False


def open_workspace(cwd: Path, flags: dict[str, Any] | None = None, *, trust: TrustChoice = None) -> Workspace:
    """Find the project, merge the settings and discover the personas (raises SettingsError).

    The repository's configuration applies only as far as it is trusted (`backdev.trust`):
    `trust` None uses what the person trusted before; True trusts it for this run; a callable
    asks the person (only when something would change) and remembers a yes.
    """
    from backdev.trust import decide_trust, review_project  # hashes the project's files: only when a session opens

    root = find_project_root(cwd)
    review = review_project(root, flags=flags)
    trusted = decide_trust(review, trust)
    settings = review.settings(trusted)
    catalog = review.personas(trusted)
    return Workspace(cwd.resolve(), root, settings, catalog, SafetyPolicy.from_settings(settings),
                     notes=review.notes(trusted) + catalog.shadow_notes(), review=review, trusted=trusted)


def open_store() -> SessionStore:
    """The user's session store (the file is created on first use, not here)."""
    return SessionStore(paths.session_db_path())


def provider_arguments(settings: Settings) -> dict[str, Any]:
    """What an `AnthropicProvider` is built from, for these settings."""
    return {"api_key": settings.api_key, "base_url": settings.base_url, "timeout": settings.timeout,
            "max_retries": settings.max_retries, "auth_token": settings.auth_token, "headers": settings.headers}


def make_provider(settings: Settings) -> Provider:
    """The Anthropic provider for these settings (the SDK itself is imported on first use)."""
    return AnthropicProvider(**provider_arguments(settings))


def make_chat_provider(settings: Settings, worker: ApiWorker | None) -> Provider:
    """A chat's provider: its calls go to `worker` (see `backdev.llm.worker_provider`), in-process without one."""
    from backdev.llm.worker_provider import WorkerProvider  # only a chat has one

    return WorkerProvider(worker, **provider_arguments(settings))


def start_session(
    workspace: Workspace,
    store: SessionStore,
    provider: Provider,
    *,
    persona_name: str | None = None,
    resume: str | bool | None = None,
    tools: ToolRegistry | None = None,
    access: ToolAccess = ToolAccess.ALL,
) -> Startup:
    """Open a session (a new one, the latest of this folder, or a given id) and build its assistant.

    Args:
        persona_name: the persona to use (default: the `persona` setting); ignored on resume
            unless given explicitly.
        resume: an id (or prefix) to resume, True for this folder's latest session, None for new.
        tools: tools of the session's own (tests), offered before the repository's and the workflow's.
        access: ToolAccess.NO_APPROVAL for an unattended session (`backdev review`).

    Raises:
        UnknownPersonaError: the persona asked for does not exist.
        SessionNotFoundError: the session asked for does not exist.
        UnknownModelError: the model asked for is not a model name.
    """
    settings = workspace.settings
    notes: list[str] = list(workspace.notes)
    record = None
    if isinstance(resume, str):
        record = store.get_session(resume)
    elif resume:
        record = store.latest_session(str(workspace.root))
        if record is None:
            notes.append("No earlier session in this folder: starting a new one.")
    if record is not None:
        notes.extend(close_open_calls(store, record.id))  # calls left open when backdev was killed
        name = persona_name or record.persona
        if name in workspace.catalog.personas:
            persona = workspace.catalog.get(name)
        else:
            persona = workspace.catalog.get(settings.persona)
            notes.append(f"The session's persona {name!r} is not found any more; using {persona.name}.")
        # The session keeps its model unless the person asked for one now.
        explicit = settings.source_of("model") == "command line"
        model = resolve_model(settings.model) if explicit else resolve_model(record.model)
        if model.model_id != record.model or persona.name != record.persona:
            store.update_session(record.id, model=model.model_id, persona=persona.name)
            record = store.get_session(record.id)
    else:
        persona = workspace.catalog.get(persona_name or settings.persona)
        model = choose_model(settings, persona)
        record = store.create_session(str(workspace.root), persona.name, model.model_id)
    notes.extend(model.notes)
    assistant = Assistant(
        settings=settings, persona=persona, provider=provider, store=store, session=record,
        policy=workspace.policy, tools=tools, model=model, access=access,
    )
    # The persona's workflow was opened with it (phase state restored on resume); a broken file is a note.
    notes.extend(assistant.take_switch_notes())
    # Resumed when the session has a turn already (a count, not the whole history: the front end loads that).
    return Startup(assistant, notes, resumed=resume is not None and store.next_turn(record.id) > 1)
