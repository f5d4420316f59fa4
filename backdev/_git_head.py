"""The commit a git checkout is at, read from the files under `.git` (no git program, no GitPython).

Two callers need it and neither may be slow or depend on anything: the wheel's build hook
(`hatch_build.py`, which loads this file by path, so it imports nothing from backdev) and
`backdev --version` run from a source checkout. It understands what a checkout can look like: a
`.git` folder or a `.git` file pointing elsewhere (worktrees, submodules), a branch in a loose ref
file or in `packed-refs`, and a detached HEAD. Anything else gives None rather than a guess.
"""

from __future__ import annotations

import re
from pathlib import Path

_SHA = re.compile(r"^[0-9a-f]{40}(?:[0-9a-f]{24})?$")  # SHA-1, or SHA-256 repositories
_MAX_REF_DEPTH = 5  # a symbolic ref pointing at another; git itself stops at 5


def head_commit(checkout: Path) -> str | None:
    """The full hash of the commit checked out in `checkout`, or None when it cannot be told.

    Args:
        checkout: the top folder of a work tree (the one holding `.git`).

    Returns:
        The commit hash in lowercase hex, or None: not a checkout, no commit yet, or a layout
        this reader does not know.
    """
    try:
        git_dir = _git_dir(checkout / ".git")
        if git_dir is None:
            return None
        common_dir = _common_dir(git_dir)
        content = (git_dir / "HEAD").read_text(encoding="utf-8").strip()
        for _ in range(_MAX_REF_DEPTH):
            if not content.startswith("ref:"):
                return content if _SHA.match(content) else None
            content = _read_ref(git_dir, common_dir, content[4:].strip())
            if content is None:
                return None
    except (OSError, UnicodeDecodeError):
        return None
    return None


def _git_dir(dot_git: Path) -> Path | None:
    if dot_git.is_dir():
        return dot_git
    if dot_git.is_file():  # "gitdir: <path>" in a worktree or a submodule
        line = dot_git.read_text(encoding="utf-8").strip()
        if line.startswith("gitdir:"):
            target = Path(line[len("gitdir:"):].strip())
            target = target if target.is_absolute() else dot_git.parent / target
            return target if target.is_dir() else None
    return None


def _common_dir(git_dir: Path) -> Path:
    """Where the shared refs live: a linked worktree's git dir names it in `commondir`."""
    pointer = git_dir / "commondir"
    if pointer.is_file():
        target = Path(pointer.read_text(encoding="utf-8").strip())
        return target if target.is_absolute() else (git_dir / target)
    return git_dir


def _read_ref(git_dir: Path, common_dir: Path, ref: str) -> str | None:
    """The content a ref points at (a hash or another `ref:`), loose files first, then packed-refs."""
    if not ref.startswith("refs/") or ".." in ref.split("/"):
        return None
    for folder in (git_dir, common_dir):
        loose = folder / ref
        if loose.is_file():
            return loose.read_text(encoding="utf-8").strip()
    packed = common_dir / "packed-refs"
    if packed.is_file():
        for line in packed.read_text(encoding="utf-8").splitlines():
            sha, _, name = line.partition(" ")
            if name == ref and _SHA.match(sha):
                return sha
    return None
