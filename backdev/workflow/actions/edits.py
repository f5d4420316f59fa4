"""Changes to files the person approves first: artifacts under the artifacts folder, and code edits.

A change is prepared (path checked, new text computed) before anything is asked; what the person
approves is its diff. Applying it checks that the file still holds what the diff was computed
from, so an edit the person made while deciding is never overwritten.

Paths come from the model, so they go through `resolve_in_repo` (no `..`, no absolute paths, no
symlinks out of the repository); code edits are also refused for secret files and inside `.git`.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from backdev.repo.safety import PathRefused, is_secret_path, relative_posix, resolve_in_repo
from backdev.workflow.actions.patch import PatchError, apply_unified_diff


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

    def diff(self) -> str:
        """The unified diff (against /dev/null for a new file)."""
        before = (self.old or "").splitlines(keepends=True)
        after = self.new.splitlines(keepends=True)
        lines = difflib.unified_diff(before, after, "/dev/null" if self.old is None else f"a/{self.relative}",
                                     f"b/{self.relative}")
        return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)

    def stats(self) -> str:
        """`+12 −3` for the transcript."""
        added = removed = 0
        for line in self.diff().splitlines():
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


def prepare_edit(root: Path, user_path: str, *, content: str | None = None, diff: str | None = None,
                 secret_patterns: Iterable[str] = ()) -> FileChange:
    """The change `propose_edit` asks to make: new content, or a unified diff applied to the file.

    Raises:
        ChangeRefused: outside the repository, a secret file, inside `.git`, not text, neither or
            both of content and diff, a diff that does not apply, or no change at all.
    """
    path, relative = _resolve(root, user_path)
    if ".git" in PurePosixPath(relative).parts:
        raise ChangeRefused(f"{relative} is inside .git; backdev never edits git's own files.")
    if is_secret_path(relative, secret_patterns):
        raise ChangeRefused(
            f"{relative} looks like a secret file (.env, keys, credentials); backdev does not edit it. "
            "Tell the person what to change there and let them do it."
        )
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


def prepare_artifact(root: Path, artifacts_dir: str, name: str, markdown: str) -> FileChange:
    """The change `write_artifact` asks to make: `name` (a `.md` path) under the artifacts folder.

    Raises:
        ChangeRefused: a name that leaves the artifacts folder or is not markdown.
    """
    folder = artifacts_dir.strip().strip("/") or "."
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
    folder_path, _ = _resolve(root, folder)
    path, relative = _resolve(root, f"{folder}/{clean}")
    if folder_path not in path.parents:
        raise ChangeRefused(f"{name!r} resolves outside the artifacts folder {folder}/; it is refused.")
    text = markdown if markdown.endswith("\n") else markdown + "\n"
    return FileChange(relative, path, read_text(path, relative), text)
