"""Attaching the repository to a session: the one call each front end makes at start.

`attach_repository` opens the repository (from the working folder upward), registers the six
read-only tools, puts project memory and the repository overview into the `project` slot of the
system prompt, and returns what the front end needs: the repository's state for the status line,
notes to show once, the memory report (`/memory`), the overview (`/overview`) and the file index
for `@` completion. It is synchronous and touches no UI, so the Textual app runs it in a thread
worker after its first frame; the plain REPL runs it before the first prompt.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from backdev.repo.completion import PathIndex
from backdev.repo.memory import MemoryReport, load_memory
from backdev.repo.overview import Overview, build_overview
from backdev.repo.repository import RepoInfo, Repository
from backdev.repo.safety import SafetyPolicy
from backdev.repo.tools import repo_tools

if TYPE_CHECKING:
    from backdev.assistant import Assistant
    from backdev.compose import Workspace

log = logging.getLogger(__name__)
NOT_GIT_NOTE = ("Not a git repository: files come from a walk of the folder (skipping .venv, node_modules, "
                "build output…); diff and log need git.")


@dataclass
class ProjectContext:
    """What `attach_repository` found, for the front end.

    Attributes:
        repo: the repository (also set as `assistant.repo`).
        info: branch, detached HEAD, dirty state (`info.label` for a status line).
        notes: lines to show once (e.g. that the folder is not a git repository).
        memory: the memory files looked for and loaded (`/memory`).
        overview: the overview text the model sees (`/overview`).
        index: the file list, ready for `@` completion.
        test_command: the test command the overview names (setting or detected), or None.
        stack: frameworks and tools detected.
        database: the person's database, when one is configured (a `backdev.db.context.DatabaseContext`).
    """

    repo: Repository
    info: RepoInfo
    notes: list[str] = field(default_factory=list)
    memory: MemoryReport | None = None
    overview: str = ""
    index: PathIndex = field(default_factory=lambda: PathIndex([]))
    test_command: list[str] | None = None
    stack: list[str] = field(default_factory=list)
    database: Any = None


def _open(workspace: Workspace, policy: SafetyPolicy, notes: list[str]) -> tuple[Repository, RepoInfo, list[str]]:
    repo = Repository.open(workspace.cwd, policy=policy)
    try:
        return repo, repo.info(), repo.files()
    except Exception as exc:  # git missing or broken: the folder still works without it
        if not repo.is_git:
            raise
        log.warning("git failed, falling back to a folder walk: %s", exc)
        notes.append(f"git could not be run ({type(exc).__name__}): files come from a walk of the folder; "
                     "diff and log are unavailable.")
        repo = Repository(repo.root, None, policy)
        return repo, repo.info(), repo.files()


def attach_repository(assistant: Assistant, workspace: Workspace) -> ProjectContext:
    """Open the repository and give the assistant its tools and project context (see the module docstring).

    Call it once per session start; it is safe to run in a worker thread.
    """
    settings = workspace.settings
    policy = SafetyPolicy.from_settings(settings)
    notes: list[str] = []
    repo, info, files = _open(workspace, policy, notes)
    if not repo.is_git and not notes:
        notes.append(NOT_GIT_NOTE)
    index = PathIndex(files)
    memory = load_memory(repo.root, settings, policy)
    try:
        overview = build_overview(repo, settings, files=files, info=info, start=workspace.cwd)
    except Exception as exc:  # the overview helps; a project it cannot read must not stop the session
        log.exception("repository overview failed")
        notes.append(f"The repository overview could not be built ({type(exc).__name__}: {exc}); the tools still work.")
        overview = Overview("", None, [])
    assistant.repo = repo
    for tool in repo_tools(repo, settings):
        assistant.all_tools.register(tool)
    assistant.set_context("project", "\n\n".join(part for part in (memory.prompt_text(), overview.text) if part))
    from backdev.db.context import attach_database  # the person's own MySQL/MariaDB, when configured

    database = attach_database(assistant, workspace)
    notes.extend(database.notes)
    return ProjectContext(repo, info, notes, memory, overview.text, index, overview.test_command, overview.stack,
                          database)
