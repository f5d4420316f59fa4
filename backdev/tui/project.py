"""Reading the person's repository in the background, after the first frame.

`load_project` is the one place the app reads the repository. Until the repository-context work
lands it opens the repository and builds the `@` path index itself; at merge this body becomes
`return attach_repository(assistant, workspace)` (which also registers the read tools and puts
the project memory and overview into the system prompt) — the returned object has the same
`.info`, `.notes` and `.index`.

It runs in a thread worker (git and file walks block), so it must not touch widgets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported when the project is loaded, after the first frame
    from backdev.assistant import Assistant
    from backdev.compose import Workspace
    from backdev.repo.completion import PathIndex
    from backdev.repo.repository import RepoInfo


@dataclass
class LoadedProject:
    """What the app needs once the repository has been read."""

    info: RepoInfo | None
    index: PathIndex
    notes: list[str] = field(default_factory=list)


def load_project(assistant: Assistant, workspace: Workspace) -> Any:
    """Open the repository at the workspace root, attach it to the assistant, index its files."""
    from backdev.repo.completion import PathIndex
    from backdev.repo.repository import Repository

    repo = Repository.open(workspace.root)
    info = repo.info()
    notes = [] if info.is_git else ["This folder is not a git repository: its files are read from disk."]
    assistant.repo = repo
    return LoadedProject(info, PathIndex(repo.files()), notes)


def repo_label(root_name: str, info: RepoInfo | None) -> str:
    """`shop (main*)` for the status bar; just the folder name until the repository is read."""
    if info is None:
        return root_name
    return f"{root_name} ({info.label})"
