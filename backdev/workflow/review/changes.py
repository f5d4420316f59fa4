"""The changed files and their diff, for `--diff` and `--base` reviews, from `backdev.repo`.

`--diff` is every uncommitted change against HEAD (staged, unstaged and untracked files, each
file once); `--base B` is everything the branch changes since its merge base with B (commits and
uncommitted work on top). The repository module leaves secret files out of diffs and redacts
secret-looking values; `exclude` additionally keeps the review's own exclusions (secret files,
backdev's artifacts and transcripts) out of the diff, file by file.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from backdev.repo.repository import RepoError, Repository
from backdev.repo.safety import SafetyPolicy


class ChangesUnavailable(ValueError):
    """No changes can be computed here: not a git repository, no commits, or an unknown base."""


def changes_for_review(root: Path, policy: SafetyPolicy, *, base: str | None,
                       exclude: Callable[[str], bool]) -> tuple[list[str], str]:
    """The changed paths, and the diff of those not excluded.

    Raises:
        ChangesUnavailable: with one sentence saying what to do instead.
    """
    repo = Repository.open(root, policy=policy)
    if not repo.is_git:
        raise ChangesUnavailable("--diff and --base need a git repository; name the files to review instead.")
    try:
        if base is None:
            changed = repo.changed_files("path")
            diff = "\n".join(repo.diff("path", path=p) for p in changed if not exclude(p))
        else:
            changed = repo.changed_files("base", base=base)
            diff = drop_sections(repo.diff("base", base=base), [p for p in changed if exclude(p)])
    except RepoError as exc:
        raise ChangesUnavailable(str(exc)) from None
    return changed, diff


def drop_sections(diff: str, paths: list[str]) -> str:
    """`diff` without the file sections of `paths` (matched on the `diff --git a/… b/…` header)."""
    if not paths:
        return diff
    headers = {f"diff --git a/{p} b/{p}" for p in paths}
    sections = re.split(r"(?m)^(?=diff --git )", diff)
    return "".join(s for s in sections if s.split("\n", 1)[0] not in headers)
