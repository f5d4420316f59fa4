"""Paths as a shell gives them, and what `--diff` / `--base` leave out.

`backdev review` is run from any folder of the repository, often by shell completion or a CI
script: a path is taken relative to the current folder (`cd shop && backdev review views.py`),
an absolute path inside the repository is fine, a folder means the files under it, and a glob
(`'shop/*.py'`, `'**/views.py'`, quoted so the shell leaves it) the files it matches. Only
files the repository lists (tracked, or untracked and not ignored) come from a folder or a glob;
a file named outright is reviewed even when ignored. Secret files are never sent: named, they
are refused; inside a folder or a glob, they are left out with a note.

`--diff` and `--base` leave out backdev's own output by default: the artifacts folder and
exported transcripts (`backdev-session-*.md`). The `review_exclude` setting replaces that list
(`{artifacts_dir}` stands for the artifacts folder; an empty list excludes nothing).
"""

from __future__ import annotations

import fnmatch
import os
from pathlib import Path

from backdev.repo.repository import Repository
from backdev.repo.safety import PathRefused, SafetyPolicy, is_secret_path, relative_posix, resolve_in_repo
from backdev.settings import Settings

GLOB_CHARS = frozenset("*?[")


class PathsError(ValueError):
    """A path that cannot be reviewed; one sentence saying what to do."""


def _relative_to_root(root: Path, cwd: Path, raw: str) -> str:
    """`raw` (relative to `cwd`, or absolute) as a clean path relative to the (resolved) repository root."""
    # `..` is normalised lexically first, so a path that leaves the repository says so plainly.
    absolute = Path(os.path.normpath(Path(raw) if Path(raw).is_absolute() else cwd / raw))
    try:
        relative = absolute.relative_to(root)
    except ValueError:
        try:  # a folder reached through a symlink (/tmp → /private/tmp)
            relative = absolute.resolve().relative_to(root)
        except ValueError:
            raise PathsError(f"{raw} is outside the repository ({root}): name files inside it.") from None
    return relative.as_posix() if relative.parts else "."


def _matches(pattern: str, path: str) -> bool:
    """fnmatch with `**/` also matching no folder at all (`**/views.py` matches `views.py`)."""
    if fnmatch.fnmatchcase(path, pattern):
        return True
    return pattern.startswith("**/") and fnmatch.fnmatchcase(path, pattern[3:])


def expand_paths(root: Path, cwd: Path, raw_paths: tuple[str, ...] | list[str], settings: Settings,
                 policy: SafetyPolicy) -> tuple[list[str], list[str]]:
    """The files the paths name, relative to the repository root, each once; and notes.

    Raises:
        PathsError: a path outside the repository, missing, matching nothing, or a secret file.
    """
    root = root.resolve()
    listed: list[str] | None = None
    files: list[str] = []
    notes: list[str] = []

    def repository_files() -> list[str]:
        nonlocal listed
        if listed is None:
            listed = Repository.open(root, policy=policy).files()
        return listed

    def add(relative: str, named: bool) -> None:
        if is_secret_path(relative, settings.secret_files):
            if named:
                raise PathsError(f"{relative} looks like a secret file; backdev does not send it to the model.")
            notes.append(f"{relative}: a secret file, left out of the review.")
        elif relative not in files:
            files.append(relative)

    for raw in raw_paths:
        relative = _relative_to_root(root, cwd, raw.strip())
        if GLOB_CHARS & set(relative):
            matched = [p for p in repository_files() if _matches(relative, p)]
            if not matched:
                raise PathsError(f"No file of the repository matches {raw}: check the pattern.")
            for path in matched:
                add(path, named=False)
            continue
        try:
            resolved = resolve_in_repo(root, relative) if relative != "." else root
        except PathRefused as exc:
            raise PathsError(str(exc)) from None
        if resolved.is_dir():
            prefix = "" if resolved == root else relative_posix(root, resolved) + "/"
            under = [p for p in repository_files() if p.startswith(prefix)]
            if not under:
                raise PathsError(f"{raw} is a folder with no files the repository lists: name files instead.")
            for path in under:
                add(path, named=False)
        elif resolved.exists():
            add(relative_posix(root, resolved), named=True)
        else:
            raise PathsError(f"There is no {raw} in {cwd}: check the path.")
    return files, notes


def exclusion_patterns(settings: Settings) -> list[str]:
    """The globs `--diff` and `--base` leave out (the `review_exclude` setting, see the module docstring)."""
    artifacts = settings.artifacts_dir.strip("/") or "."
    return [p.replace("{artifacts_dir}", artifacts) for p in settings.review_exclude]


def is_excluded(path: str, patterns: list[str]) -> bool:
    """True when `path` (relative to the root) matches one of the exclusion globs, or lies under a folder one names."""
    for pattern in patterns:
        if _matches(pattern, path):
            return True
        if pattern.endswith("/**") and path.startswith(pattern[:-2]):
            return True
    return False
