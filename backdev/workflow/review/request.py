"""What a review sends: the files with line numbers, or the changes (a diff plus the changed files).

`/review PATH`, `/review --diff`, `/review --base BRANCH` and `backdev review` all build a
`ReviewRequest` here; the review phase's instructions and standards are in the system prompt, so
the message itself is just the code. Line numbers are those of the working tree, which is what
findings point at.

Paths go through `resolve_in_repo`; secret files are never sent (named files are refused, changed
ones are left out of the diff and the contents, with a note).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from backdev.repo.reading import NotReadable
from backdev.repo.repository import Repository
from backdev.repo.safety import PathRefused, SafetyPolicy, is_secret_path
from backdev.settings import Settings
from backdev.workflow.review.changes import ChangesUnavailable, changes_for_review
from backdev.workflow.review.paths import PathsError, exclusion_patterns, expand_paths, is_excluded

MAX_FILES = 40
#: The most files `backdev review` takes, reviewed in parts (see review.parts).
MAX_SPLIT_FILES = 400


class ReviewError(ValueError):
    """A review that cannot be prepared; one sentence saying what to do."""


@dataclass(frozen=True)
class ReviewTarget:
    """What to review: files, or uncommitted changes (`diff`), or the changes since `base`."""

    paths: tuple[str, ...] = ()
    diff: bool = False
    base: str | None = None


@dataclass
class ReviewRequest:
    """A review ready to send as one message."""

    scope: str
    slug: str
    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: Every file findings may point at (the named files, or every changed file that still exists).
    in_scope: list[str] = field(default_factory=list)

    @property
    def meta(self) -> dict[str, Any]:
        return {"review": {"scope": self.scope, "files": self.files, "notes": self.notes}}


def parse_review_argument(argument: str) -> ReviewTarget:
    """`/review` arguments: `PATH...`, `--diff`, or `--base BRANCH`.

    Raises:
        ReviewError: nothing named, an unknown option, or a mix of the three forms.
    """
    try:
        words = shlex.split(argument)
    except ValueError as exc:
        raise ReviewError(f"Cannot read the arguments ({exc}): /review PATH, /review --diff or /review --base BRANCH.") from None
    paths: list[str] = []
    diff = False
    base = None
    while words:
        word = words.pop(0)
        if word == "--diff":
            diff = True
        elif word == "--base":
            if not words:
                raise ReviewError("--base needs a branch or commit: /review --base main.")
            base = words.pop(0)
        elif word.startswith("--base="):
            base = word.split("=", 1)[1]
        elif word.startswith("-"):
            raise ReviewError(f"Unknown option {word}: /review PATH, /review --diff or /review --base BRANCH.")
        else:
            paths.append(word)
    return check_target(ReviewTarget(tuple(paths), diff, base))


def check_target(target: ReviewTarget) -> ReviewTarget:
    """The target, or ReviewError when it names nothing or mixes files, --diff and --base."""
    forms = sum((bool(target.paths), target.diff, target.base is not None))
    if forms == 0:
        raise ReviewError("Name what to review: a file (such as app/views.py), --diff (uncommitted changes) or --base BRANCH.")
    if forms > 1:
        raise ReviewError("Review files, --diff or --base BRANCH, one at a time.")
    return target


def read_numbered(root: Path, relative: str, settings: Settings, policy: SafetyPolicy) -> tuple[str, list[str]]:
    """A file's lines with their numbers (as the read_file tool shows them, which findings refer
    to), redacted, within the read caps; and notes on what was cut or redacted.

    Raises:
        ReviewError: not a file, or not text.
    """
    try:
        piece = Repository(root, None, policy).read(relative, max_bytes=settings.read_max_bytes,
                                                    max_lines=settings.read_max_lines)
    except (PathRefused, NotReadable) as exc:
        raise ReviewError(str(exc)) from None
    shown, kinds = policy.clean_slice(piece)
    # The read's own truncation note tells the model how to ask for more; the person is told plainly.
    notes = [f"{relative}: {note}" for note in piece.notes if "left out" not in note]
    if piece.end < piece.total_lines:
        notes.insert(0, f"{relative}: only the first {piece.end} lines were sent (read_max_lines / read_max_bytes).")
    if kinds:
        notes.append(f"{relative}: secret-looking values were redacted ({', '.join(kinds)}).")
    return shown.numbered().rstrip("\n"), notes


def _file_block(relative: str, body: str) -> dict[str, Any]:
    return {"type": "text", "text": f'<file path="{relative}">\n{body}\n</file>'}


def slug_of(text: str) -> str:
    """`app/views.py` → `app-views-py` (for the review artifact's name)."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "review"


def review_files(root: Path, paths: tuple[str, ...] | list[str], settings: Settings, policy: SafetyPolicy, *,
                 cwd: Path | None = None, max_files: int = MAX_FILES) -> ReviewRequest:
    """A review of the named files, folders or globs (relative to `cwd`, the root by default; see `paths`).

    Raises:
        ReviewError: a path outside the repository, missing, binary or a secret file; too many files.
    """
    try:
        files, notes = expand_paths(root, (cwd or root).resolve(), paths, settings, policy)
    except PathsError as exc:
        raise ReviewError(str(exc)) from None
    if len(files) > max_files:
        raise ReviewError(f"Those paths name {len(files)} files; review at most {max_files} at a time "
                          "(name fewer files or folders).")
    if not files:
        raise ReviewError("Those paths name only secret files: name the files to review.")
    blocks = []
    for relative in files:
        body, file_notes = read_numbered(root, relative, settings, policy)
        blocks.append(_file_block(relative, body))
        notes += file_notes
    scope = ", ".join(files) if len(files) <= 3 else f"{files[0]} and {len(files) - 1} more files"
    names = " and ".join(f"`{f}`" for f in files) if len(files) <= 3 else f"these {len(files)} files"
    text = f"Review {names}. Line numbers are shown beside the code."
    return ReviewRequest(scope, slug_of(files[0] if len(files) == 1 else f"{files[0]}-and-{len(files) - 1}-more"),
                         text, blocks, files, notes, in_scope=list(files))


def review_changes(root: Path, settings: Settings, policy: SafetyPolicy, *, base: str | None = None,
                   max_files: int = MAX_FILES) -> ReviewRequest:
    """A review of the uncommitted changes (`base` None) or of everything since the merge base with `base`.

    Raises:
        ReviewError: not a git repository, an unknown base, or no changes.
    """
    secret = lambda path: is_secret_path(path, settings.secret_files)  # noqa: E731
    patterns = exclusion_patterns(settings)
    own = lambda path: is_excluded(path, patterns)  # noqa: E731
    try:
        changed, diff = changes_for_review(root, policy, base=base, exclude=lambda p: secret(p) or own(p))
    except ChangesUnavailable as exc:
        raise ReviewError(str(exc)) from None
    scope = "uncommitted changes" if base is None else f"changes since the merge base with {base}"
    notes = [f"{path}: a secret file, left out of the review." for path in changed if secret(path)]
    left_out = [path for path in changed if own(path) and not secret(path)]
    if left_out:
        notes.append(f"Left out backdev's own files ({', '.join(left_out[:5])}{' …' if len(left_out) > 5 else ''}); "
                     "the review_exclude setting changes that.")
    reviewable = [path for path in changed if not secret(path) and not own(path)]
    if not reviewable:
        raise ReviewError(f"There are no {scope} to review." if not changed else
                          f"The only {scope} are in secret files or backdev's own files.")
    blocks: list[dict[str, Any]] = [{"type": "text", "text": f'<diff scope="{scope}">\n{diff.rstrip()}\n</diff>'}]
    files: list[str] = []
    for relative in reviewable:
        if len(files) >= max_files:
            notes.append(f"Only the first {max_files} changed files were sent in full; the diff covers the rest.")
            break
        if not (root / relative).is_file():
            continue  # deleted: the diff shows it
        try:
            body, file_notes = read_numbered(root, relative, settings, policy)
        except ReviewError as exc:
            notes.append(str(exc))
            continue
        blocks.append(_file_block(relative, body))
        files.append(relative)
        notes += file_notes
    in_scope = [path for path in reviewable if (root / path).is_file()]
    text = (f"Review the {scope} ({len(reviewable)} file{'s' if len(reviewable) != 1 else ''}). The diff comes first, then "
            "each changed file as it is now, with line numbers: report findings at those line numbers.")
    return ReviewRequest(scope, slug_of("diff" if base is None else f"since-{base}"), text, blocks, files, notes,
                         in_scope=in_scope)


def prepare_review(root: Path, target: ReviewTarget, settings: Settings, policy: SafetyPolicy, *,
                   cwd: Path | None = None, split: bool = False) -> ReviewRequest:
    """The review request for a target (see `review_files` and `review_changes`); paths are relative
    to `cwd`, and files are read with the session's `policy`.

    `split`: the request will be reviewed in parts (`backdev review`), so up to `MAX_SPLIT_FILES`
    files are taken instead of `MAX_FILES` (what one message can hold).
    """
    limit = MAX_SPLIT_FILES if split else MAX_FILES
    if target.paths:
        return review_files(root, target.paths, settings, policy, cwd=cwd, max_files=limit)
    return review_changes(root, settings, policy, base=target.base, max_files=limit)
