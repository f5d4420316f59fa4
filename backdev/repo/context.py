"""The repository's part of a session: what the model may read and what it is told about the project.

`open_repo_context` opens the repository (from the working folder upward), builds the six
read-only tools, reads the project memory and the repository overview (together the system
prompt's repository block), and returns them with what front ends show: the repository's state
for the status line, notes to show once, the memory report (`/memory`), the overview
(`/overview`) and the file index for `@` completion. It changes nothing and touches no UI, so it
may run in a worker thread; the session driver attaches the result on its own loop
(`ChatDriver.attach_repository`), in one place.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from backdev.repo.completion import PathIndex
from backdev.repo.memory import MemoryReport, load_memory
from backdev.repo.overview import Overview, build_overview
from backdev.repo.repository import RepoInfo, Repository
from backdev.repo.safety import SafetyPolicy
from backdev.repo.tools import repo_tools
from backdev.settings import Settings
from backdev.tools.base import Tool

if TYPE_CHECKING:
    from backdev.db.context import DatabaseContext

log = logging.getLogger(__name__)
NOT_GIT_NOTE = ("Not a git repository: files come from a walk of the folder (skipping .venv, node_modules, "
                "build output…); diff and log need git.")


@dataclass
class RepoContext:
    """What `open_repo_context` found.

    Attributes:
        repo: the repository, read through the session's safety policy.
        info: branch, detached HEAD, dirty state (`info.label` for a status line).
        tools: the six read-only tools, then the database's when one is configured, in a fixed order.
        prompt_text: the system prompt's repository block (memory, then the overview).
        notes: lines to show once (e.g. that the folder is not a git repository).
        memory: the memory files looked for and loaded (`/memory`).
        overview: the overview text the model sees (`/overview`).
        index: the file list, ready for `@` completion.
        test_command: the test command the overview names (setting or detected), or None.
        stack: frameworks and tools detected.
        database: the person's database (its state says whether one is configured and answers).
    """

    repo: Repository
    info: RepoInfo
    tools: list[Tool] = field(default_factory=list)
    prompt_text: str = ""
    notes: list[str] = field(default_factory=list)
    memory: MemoryReport | None = None
    overview: str = ""
    index: PathIndex = field(default_factory=lambda: PathIndex([]))
    test_command: list[str] | None = None
    stack: list[str] = field(default_factory=list)
    database: DatabaseContext | None = None


def _open(cwd: Path, policy: SafetyPolicy, notes: list[str]) -> tuple[Repository, RepoInfo, list[str]]:
    repo = Repository.open(cwd, policy=policy)
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


def open_repo_context(cwd: Path, settings: Settings, policy: SafetyPolicy) -> RepoContext:
    """Open the repository around `cwd` and read what the session needs of it (see the module docstring).

    Safe to run in a worker thread: it changes nothing outside what it returns.
    """
    notes: list[str] = []
    repo, info, files = _open(cwd, policy, notes)
    if not repo.is_git and not notes:
        notes.append(NOT_GIT_NOTE)
    index = PathIndex(files)
    memory = load_memory(repo.root, settings, policy)
    try:
        overview = build_overview(repo, settings, files=files, info=info, start=cwd)
    except Exception as exc:  # the overview helps; a project it cannot read must not stop the session
        log.exception("repository overview failed")
        notes.append(f"The repository overview could not be built ({type(exc).__name__}: {exc}); the tools still work.")
        overview = Overview("", None, [])
    prompt_text = "\n\n".join(part for part in (memory.prompt_text(), overview.text) if part)
    from backdev.db.context import open_database  # the person's own MySQL/MariaDB, when configured (its driver)

    database = open_database(settings, policy, lambda: repo)
    notes.extend(database.notes)
    tools = repo_tools(repo, settings) + (database.tools.tools() if database.tools is not None else [])
    return RepoContext(repo, info, tools, prompt_text, notes, memory, overview.text, index, overview.test_command,
                       overview.stack, database)
