"""The person's repository: its root, branch and state, and its file list.

GitPython is imported on first use (about 0.12 s), never at import. A folder that is not a git
repository still works: its files come from a plain walk that skips the usual build and tool
folders.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Folders never listed outside git (inside git, .gitignore decides).
DEFAULT_IGNORED_DIRS = frozenset({
    ".git", "node_modules", ".venv", "venv", "env", "__pycache__", ".mypy_cache", ".pytest_cache",
    ".ruff_cache", ".tox", ".nox", "build", "dist", ".eggs", "target", ".idea", ".vscode", ".cache",
    "htmlcov", ".next", "coverage",
})


@dataclass(frozen=True)
class RepoInfo:
    """What the status bar and the overview say about the repository."""

    root: Path
    is_git: bool
    branch: str | None = None
    detached: bool = False
    commit: str | None = None
    dirty: bool = False
    has_commits: bool = False

    @property
    def label(self) -> str:
        """`main`, `main*` when dirty, `detached@1a2b3c4`, `no commits`, or `not a git repo`."""
        if not self.is_git:
            return "not a git repo"
        if not self.has_commits:
            return f"{self.branch or 'no branch'} (no commits)"
        name = f"detached@{(self.commit or '')[:7]}" if self.detached else (self.branch or "?")
        return name + ("*" if self.dirty else "")


def _import_git() -> Any:
    os.environ.setdefault("GIT_PYTHON_REFRESH", "quiet")  # no git binary: an error later, not at import
    import git

    return git


class Repository:
    """A git repository (or a plain folder) rooted at `root`."""

    def __init__(self, root: Path, git_repo: Any | None = None) -> None:
        self.root = root
        self.git_repo = git_repo

    @classmethod
    def open(cls, folder: Path) -> Repository:
        """The repository containing `folder` (searching upward), or the folder itself if none."""
        git = _import_git()
        try:
            repo = git.Repo(folder, search_parent_directories=True)
        except (git.InvalidGitRepositoryError, git.NoSuchPathError):
            return cls(Path(folder).resolve(), None)
        root = Path(repo.working_tree_dir or folder).resolve()
        return cls(root, repo)

    @property
    def is_git(self) -> bool:
        return self.git_repo is not None

    def info(self) -> RepoInfo:
        if self.git_repo is None:
            return RepoInfo(self.root, False)
        repo = self.git_repo
        has_commits = repo.head.is_valid()
        detached = repo.head.is_detached
        branch = None if detached else repo.head.reference.name
        commit = repo.head.commit.hexsha if has_commits else None
        dirty = repo.is_dirty(untracked_files=True)
        return RepoInfo(self.root, True, branch, detached, commit, dirty, has_commits)

    def files(self) -> list[str]:
        """Tracked files plus untracked files that are not ignored, as sorted POSIX paths."""
        if self.git_repo is None:
            return walk_files(self.root)
        git = self.git_repo.git
        tracked = git.ls_files("-z").split("\0")
        untracked = git.ls_files("--others", "--exclude-standard", "-z").split("\0")
        return sorted({p for p in (*tracked, *untracked) if p})


def walk_files(root: Path) -> list[str]:
    """Every file under `root`, skipping DEFAULT_IGNORED_DIRS (for folders that are not repositories)."""
    found: list[str] = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in DEFAULT_IGNORED_DIRS)
        base = Path(folder).relative_to(root)
        found.extend((base / name).as_posix() for name in names)
    return sorted(found)
