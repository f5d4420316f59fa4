"""What the git operations need of a repository, below `repository.py`, `history.py` and `search.py`.

`Repository` (repository.py) implements `RepoHandle` and calls the diff, log and grep functions
of history.py and search.py with itself; those modules see it only through this protocol, so
the three import in one direction and never in a circle.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from backdev.repo.safety import SafetyPolicy


class RepoError(Exception):
    """A git operation that cannot be done as asked; the message says why and what to do."""


class RepoHandle(Protocol):
    """A repository (or plain folder) as the git operations see it."""

    root: Path
    git_repo: Any  # a `git.Repo`, or None outside git
    policy: SafetyPolicy

    def require_git(self, what: str) -> Any:
        """The `git.Repo`, or RepoError saying that `what` needs git."""
        ...

    def files(self) -> list[str]:
        """The file list (tracked plus untracked, not ignored), sorted."""
        ...
