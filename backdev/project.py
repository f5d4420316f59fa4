"""Which folder is "the project": the repository root above the working folder, or the folder itself.

This is the cheap walk used at start-up (no git import): sessions and project config are keyed
by it. The repository module reads the repository itself through GitPython.
"""

from __future__ import annotations

from pathlib import Path


def find_project_root(start: Path) -> Path:
    """The nearest folder at or above `start` holding `.git` (a folder, or a file for worktrees
    and submodules); `start` itself when there is none."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return start
