"""Reading the person's repository in the background, after the first frame.

`load_project` is the one place the app reads the repository: `attach_repository` opens it,
registers the read tools, puts the project memory and overview into the system prompt, and
returns `.info`, `.notes` and the `@` path `.index`.

It runs in a thread worker (git and file walks block), so it must not touch widgets.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported when the project is loaded, after the first frame
    from backdev.assistant import Assistant
    from backdev.compose import Workspace
    from backdev.repo.context import ProjectContext
    from backdev.repo.repository import RepoInfo


def load_project(assistant: Assistant, workspace: Workspace) -> ProjectContext:
    """Read the repository and attach it to the assistant (see `backdev.repo.context`)."""
    from backdev.repo.context import attach_repository

    return attach_repository(assistant, workspace)


def repo_label(root_name: str, info: RepoInfo | None) -> str:
    """`shop (main*)` for the status bar; just the folder name until the repository is read."""
    if info is None:
        return root_name
    return f"{root_name} ({info.label})"
