"""Changes to files the person approves first: artifacts under the artifacts folder, and code edits.

A change is prepared (path checked, new text computed) before anything is asked; what the person
approves is its diff. Applying it checks that the file still holds what the diff was computed
from, so an edit the person made while deciding is never overwritten.

Paths come from the model, so they go through `resolve_in_repo` (no `..`, no absolute paths, no
symlinks out of the repository); code edits are also refused for secret files and inside `.git`.

A diff is split at newlines only, so each line of the file is one line of the diff (a carriage
return cannot make a written line look like two, or hide one). A change too large to review on a
screen (over `MAX_REVIEW_BYTES` or `MAX_REVIEW_LINES`) is never diffed or shown whole: the person
sees a summary with the first lines instead, and the diff is never computed (difflib on a 7 MB
rewrite takes minutes). The diff is computed once per change, when first asked for.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from backdev.repo.safety import PathRefused, is_git_internal, is_secret_path, relative_posix, resolve_in_repo
from backdev.workflow.actions.patch import PatchError, apply_unified_diff

MAX_REVIEW_BYTES = 1_000_000  # a change (old + new text) larger than this is summarised, not diffed
MAX_REVIEW_LINES = 20_000  # likewise for lines (old + new), and for the diff itself
SUMMARY_PREVIEW_LINES = 40


class ChangeRefused(ValueError):
    """A change that will not be made; the message says why in one sentence and what to do."""


@dataclass(frozen=True)
class FileChange:
    """A prepared write of `new` over `old` (None: the file does not exist yet)."""

    relative: str
    path: Path
    old: str | None
    new: str

    @property
    def unchanged(self) -> bool:
        return self.old == self.new

    @functools.cached_property
    def _line_counts(self) -> tuple[int, int]:
        return (self.old or "").count("\n"), self.new.count("\n")

    @property
    def too_large(self) -> bool:
        """True when the change is too large to diff and review on a screen (see the module docstring)."""
        size = len(self.old or "") + len(self.new)
        return size > MAX_REVIEW_BYTES or sum(self._line_counts) > MAX_REVIEW_LINES

    @functools.cached_property
    def _diff(self) -> str:
        if self.too_large:
            return ""
        lines = difflib.unified_diff(_lines_with_ends(self.old or ""), _lines_with_ends(self.new),
                                     "/dev/null" if self.old is None else f"a/{self.relative}", f"b/{self.relative}")
        return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)

    def diff(self) -> str:
        """The unified diff (against /dev/null for a new file); empty for a change that is `too_large`."""
        return self._diff

    def review_text(self, *, new_file_as_text: bool = False) -> str:
        """What the person reviews before approving: the diff, or a summary when it is too large.

        Args:
            new_file_as_text: show a new file's text itself rather than a diff against nothing.
        """
        if self.too_large or self._diff.count("\n") > MAX_REVIEW_LINES:
            return self._summary()
        return self.new if new_file_as_text and self.old is None else self._diff

    def _summary(self) -> str:
        old_lines, new_lines = self._line_counts
        before = "a new file" if self.old is None else f"{len(self.old.encode()):,} bytes, {old_lines:,} lines"
        head = lines_of_text(self.new)
        return (f"This change is too large to show here (over {MAX_REVIEW_BYTES:,} bytes or {MAX_REVIEW_LINES:,} lines): "
                f"{self.relative} goes from {before} to {len(self.new.encode()):,} bytes, {new_lines:,} lines.\n"
                f"Deny it and ask for a smaller change, or approve it and review it with `git diff` afterwards.\n\n"
                f"The first {len(head)} lines of the new text:\n" + "\n".join(line[:300] for line in head) + "\n")

    def stats(self) -> str:
        """`+12 −3` for the transcript (`3,000 → 250,000 lines` for a change too large to diff)."""
        if self.too_large:
            old_lines, new_lines = self._line_counts
            return f"{old_lines:,} → {new_lines:,} lines"
        added = removed = 0
        for line in self._diff.split("\n"):
            if line.startswith("+") and not line.startswith("+++"):
                added += 1
            elif line.startswith("-") and not line.startswith("---"):
                removed += 1
        return f"+{added} −{removed}"

    def apply(self) -> None:
        """Write the change.

        Raises:
            ChangeRefused: the file changed since the change was prepared.
        """
        if read_text(self.path, self.relative) != self.old:
            raise ChangeRefused(
                f"{self.relative} changed while the change was waiting for approval; nothing was written. "
                "Read it again and propose the change anew."
            )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("w", encoding="utf-8", newline="") as handle:
            handle.write(self.new)


def _lines_with_ends(text: str) -> list[str]:
    """`text.splitlines(keepends=True)`, but split at newlines only (see the module docstring)."""
    parts = text.split("\n")
    return [part + "\n" for part in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def lines_of_text(text: str, limit: int = SUMMARY_PREVIEW_LINES) -> list[str]:
    """The first `limit` lines of `text` (newline splits only), without reading past them."""
    lines: list[str] = []
    start = 0
    while len(lines) < limit and start < len(text):
        end = text.find("\n", start)
        lines.append(text[start:] if end < 0 else text[start:end])
        start = len(text) if end < 0 else end + 1
    return lines


def read_text(path: Path, relative: str) -> str | None:
    """The file's text, None when it does not exist (ChangeRefused when it is not UTF-8 text)."""
    try:
        return path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise ChangeRefused(f"{relative} is a folder: name a file.") from None
    except UnicodeDecodeError:
        raise ChangeRefused(f"{relative} is not UTF-8 text; backdev only edits text files.") from None


def _resolve(root: Path, user_path: str) -> tuple[Path, str]:
    try:
        path = resolve_in_repo(root, user_path)
    except PathRefused as exc:
        raise ChangeRefused(str(exc)) from None
    return path, relative_posix(root, path)


def editable_path(root: Path, user_path: str, secret_patterns: Iterable[str] = ()) -> tuple[Path, str]:
    """A path the model may edit: inside the repository, outside `.git`, not a secret file.

    Raises:
        ChangeRefused: saying which rule the path breaks.
    """
    path, relative = _resolve(root, user_path)
    if is_git_internal(relative):
        raise ChangeRefused(f"{relative} is inside .git; backdev never edits git's own files.")
    if is_secret_path(relative, secret_patterns):
        raise ChangeRefused(
            f"{relative} looks like a secret file (.env, keys, credentials); backdev does not edit it. "
            "Tell the person what to change there and let them do it."
        )
    return path, relative


def prepare_edit(root: Path, user_path: str, *, content: str | None = None, diff: str | None = None,
                 secret_patterns: Iterable[str] = ()) -> FileChange:
    """The change `propose_edit` asks to make: new content, or a unified diff applied to the file.

    Raises:
        ChangeRefused: outside the repository, a secret file, inside `.git`, not text, neither or
            both of content and diff, a diff that does not apply, or no change at all.
    """
    path, relative = editable_path(root, user_path, secret_patterns)
    if (content is None) == (diff is None):
        raise ChangeRefused("Give either `content` (the whole new file) or `diff` (a unified diff), not both or neither.")
    old = read_text(path, relative)
    if diff is not None:
        try:
            new = apply_unified_diff(old or "", diff)
        except PatchError as exc:
            raise ChangeRefused(str(exc)) from None
    else:
        new = content or ""
    if new == old:
        raise ChangeRefused(f"That leaves {relative} unchanged; nothing to propose.")
    return FileChange(relative, path, old, new)


def artifacts_folder(root: Path, artifacts_dir: str) -> tuple[str, Path]:
    """The `artifacts_dir` setting checked: a folder inside the repository and outside `.git`.

    Returns:
        the folder relative to the root (`.` for the root itself) and its real path.

    Raises:
        ChangeRefused: naming the setting and what to set it to.
    """
    folder = artifacts_dir.strip().rstrip("/") or "."
    fix = "set artifacts_dir to a folder inside the repository, such as docs/backdev"
    if folder.startswith(("/", "~")):
        raise ChangeRefused(f"artifacts_dir {folder} is not a path inside the repository: {fix}.")
    try:
        path = resolve_in_repo(root, folder)
    except PathRefused:
        raise ChangeRefused(f"artifacts_dir {folder} leads outside the repository: {fix}.") from None
    relative = relative_posix(root, path)
    if is_git_internal(relative) or is_git_internal(folder):
        raise ChangeRefused(f"artifacts_dir {folder} is inside .git, git's own folder: {fix}.")
    return folder, path


def prepare_artifact(root: Path, artifacts_dir: str, name: str, markdown: str) -> FileChange:
    """The change `write_artifact` asks to make: `name` (a `.md` path) under the artifacts folder.

    Raises:
        ChangeRefused: a name that leaves the artifacts folder or is not markdown.
    """
    folder, folder_path = artifacts_folder(root, artifacts_dir)
    clean = name.strip().replace("\\", "/")
    if clean.startswith(folder + "/"):
        clean = clean[len(folder) + 1 :]  # the model often repeats the folder
    pure = PurePosixPath(clean)
    if not clean or pure.is_absolute() or ".." in pure.parts or clean.startswith("~"):
        raise ChangeRefused(f"{name!r} is not an artifact name: give a relative path such as `requirements.md` "
                            "or `adr/0001-cache.md`.")
    if not pure.suffix:
        clean += ".md"
    elif pure.suffix != ".md":
        raise ChangeRefused(f"{name!r}: artifacts are markdown files ending in .md.")
    path, relative = _resolve(root, f"{folder}/{clean}")
    if folder_path not in path.parents or is_git_internal(relative):
        raise ChangeRefused(f"{name!r} resolves outside the artifacts folder {folder}/; it is refused.")
    text = markdown if markdown.endswith("\n") else markdown + "\n"
    return FileChange(relative, path, read_text(path, relative), text)
