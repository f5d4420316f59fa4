"""The changed files and their diff, for `--diff` and `--base` reviews.

This is the one place the workflow asks git for changes. The repository-context work provides
`Repository.changed_files(scope, base=...)` and `Repository.diff(scope, base=..., path=...)`;
when both are on the same branch, `changes_for_review` becomes a thin call to those two methods
with the same contract (changed paths; the diff of the paths not excluded).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path


class ChangesUnavailable(ValueError):
    """No changes can be computed here: not a git repository, no commits, or an unknown base."""


def changes_for_review(root: Path, *, base: str | None, exclude: Callable[[str], bool]) -> tuple[list[str], str]:
    """The changed paths and the diff of those not excluded (secret files are never diffed).

    With `base` None: the uncommitted changes, staged and unstaged, against HEAD. With a base: the
    working tree against the merge base of `base` and HEAD (the branch's commits and any
    uncommitted work on top). Untracked files that are not ignored count as changed in both; they
    appear in the diff as new files whose content follows in full.

    Raises:
        ChangesUnavailable: with one sentence saying what to do instead.
    """
    from backdev.repo.repository import Repository

    repo = Repository.open(root)
    if repo.git_repo is None:
        raise ChangesUnavailable("--diff and --base need a git repository; name the files to review instead.")
    import git as gitpython

    runner = repo.git_repo.git
    has_commits = repo.git_repo.head.is_valid()
    if base is None:
        against = ["HEAD"] if has_commits else ["--cached"]
    else:
        if not has_commits:
            raise ChangesUnavailable("The repository has no commits yet, so there is no merge base: use --diff.")
        try:
            against = [runner.merge_base(base, "HEAD").strip()]
        except gitpython.GitCommandError:
            raise ChangesUnavailable(
                f"No branch or commit named {base!r} that shares history with HEAD: check `git branch -a`."
            ) from None
    tracked = [p for p in runner.diff(*against, "--name-only", "-z").split("\0") if p]
    untracked = [p for p in runner.ls_files("--others", "--exclude-standard", "-z").split("\0") if p]
    changed = sorted({*tracked, *untracked})
    keep = [p for p in tracked if not exclude(p)]
    parts = [runner.diff(*against, "--", *keep)] if keep else []
    parts += [f"--- /dev/null\n+++ b/{p}\n(new file, not yet added to git: its full content follows)"
              for p in untracked if not exclude(p)]
    return changed, "\n".join(part for part in parts if part)
