"""Exact-replacement edits in the shape of Anthropic's text-editor tool, and change sets.

The commands are the text editor's: `view` (numbered lines), `str_replace` (`old_str` must occur
exactly once), `create` (a file that does not exist yet) and `insert` (after line `insert_line`,
0 for the top). Claude is trained on these and sends them more reliably than a unified diff.

Several edits, to one file or many, make one `ChangeSet`: each file's edits are applied in order
to its text in memory, the person sees one diff of every file and approves it once, and
`ChangeSet.apply` writes all the files or none: if any file changed since it was read, nothing is
written, and a write that fails half-way puts back the files already written.

Every refusal says how to fix the call (view the file, add context, use `create`...), because the
model reads it and tries again.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from backdev.workflow.actions.edits import ChangeRefused, FileChange, editable_path, read_text

EDIT_COMMANDS = ("str_replace", "create", "insert")
NEARBY_LINES = 3  # lines either side of the closest match shown when `old_str` is not found


def _line_of(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def _occurrences(text: str, needle: str) -> list[int]:
    found, start = [], text.find(needle)
    while start >= 0:
        found.append(start)
        start = text.find(needle, start + 1)
    return found


def numbered(text: str, first: int = 1) -> str:
    """Lines prefixed with their number and a tab, as the text editor's `view` shows them."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return "\n".join(f"{number:6}\t{line}" for number, line in enumerate(lines, start=first))


def _closest(text: str, old: str) -> str:
    """The lines of `text` around the line most like the first line of `old`, numbered."""
    lines = text.split("\n")
    wanted = next((line.strip() for line in old.split("\n") if line.strip()), "")
    stripped = [line.strip() for line in lines]
    close = difflib.get_close_matches(wanted, stripped, n=1, cutoff=0.5) if wanted else []
    if not close:
        return ""
    at = stripped.index(close[0])
    start = max(at - NEARBY_LINES, 0)
    return numbered("\n".join(lines[start : at + NEARBY_LINES + 1]), start + 1)


def str_replace(text: str, relative: str, old: str, new: str) -> str:
    """`text` with the one occurrence of `old` replaced by `new`.

    Raises:
        ChangeRefused: `old` empty, not found (with the nearest lines), or found more than once
            (with the lines where).
    """
    if not old:
        raise ChangeRefused("old_str is empty: copy the exact text to replace from the file (view it first), "
                            "or use insert to add lines or create for a new file.")
    if "\r\n" in text and "\r\n" not in old:
        old, new = old.replace("\n", "\r\n"), new.replace("\n", "\r\n")  # the model writes \n; keep the file's endings
    places = _occurrences(text, old)
    if not places:
        nearby = _closest(text, old)
        hint = (f" The closest lines are:\n{nearby}\n" if nearby else " ")
        raise ChangeRefused(f"old_str was not found in {relative}.{hint}"
                            f"View {relative} (command view) and copy the text exactly, whitespace and indentation included.")
    if len(places) > 1:
        lines = ", ".join(str(_line_of(text, at)) for at in places[:20])
        raise ChangeRefused(f"old_str occurs {len(places)} times in {relative} (at lines {lines}): include more of the "
                            "surrounding lines in old_str so that it matches exactly once.")
    at = places[0]
    return text[:at] + new + text[at + len(old) :]


def insert(text: str, relative: str, after: Any, new: str) -> str:
    """`text` with `new` inserted after line `after` (0: at the top).

    Raises:
        ChangeRefused: a line number that is not an integer or lies outside the file.
    """
    lines = text.split("\n")
    count = len(lines) - 1 if text.endswith("\n") or not text else len(lines)
    if isinstance(after, bool) or not isinstance(after, int) or not 0 <= after <= count:
        raise ChangeRefused(f"insert_line must be a line number from 0 (the top) to {count} (the end of {relative}), "
                            f"not {after!r}: view the file to find the line.")
    ending = "\r\n" if "\r\n" in text else "\n"
    body = new.replace("\r\n", "\n").replace("\n", ending)
    if body and not body.endswith(ending):
        body += ending
    if after == count and text and not text.endswith("\n"):
        return text + ending + body.removesuffix(ending)
    offset = sum(len(line) + 1 for line in lines[:after])
    return text[:offset] + body + text[offset:]


def apply_command(text: str | None, relative: str, edit: Mapping[str, Any]) -> str:
    """The new text of a file after one edit command (`text` None: the file does not exist).

    Raises:
        ChangeRefused: an unknown command, a missing argument, or an edit that does not fit the file.
    """
    command = edit.get("command")
    if command == "create":
        if text is not None:
            raise ChangeRefused(f"{relative} already exists: change it with str_replace or insert (view it first).")
        if not isinstance(edit.get("file_text"), str):
            raise ChangeRefused("create needs file_text, the whole content of the new file.")
        return str(edit["file_text"])
    if command not in EDIT_COMMANDS:
        raise ChangeRefused(f"{command!r} is not an edit command here: use str_replace, create or insert.")
    if text is None:
        raise ChangeRefused(f"{relative} does not exist: use create with file_text to make it.")
    if command == "insert":
        new = edit.get("insert_text", edit.get("new_str"))
        if not isinstance(new, str):
            raise ChangeRefused("insert needs insert_text (the lines to add) and insert_line.")
        return insert(text, relative, edit.get("insert_line"), new)
    old, new = edit.get("old_str"), edit.get("new_str", "")
    if not isinstance(old, str) or not isinstance(new, str):
        raise ChangeRefused("str_replace needs old_str (the exact text now in the file) and new_str (its replacement).")
    return str_replace(text, relative, old, new)


@dataclass(frozen=True)
class ChangeSet:
    """Edits to one or more files, reviewed as one diff and written together or not at all."""

    changes: tuple[FileChange, ...]

    @property
    def paths(self) -> list[str]:
        return [change.relative for change in self.changes]

    def title(self) -> str:
        """One line for the approval and the transcript, e.g. `edit 3 files: a.py, b.py, c.py (+4 −2)`."""
        if len(self.changes) == 1:
            change = self.changes[0]
            return f"{'create' if change.old is None else 'edit'} {change.relative} ({change.stats()})"
        return f"edit {len(self.changes)} files: {', '.join(self.paths)} ({self.stats()})"

    def stats(self) -> str:
        added = removed = 0
        for change in self.changes:
            if change.too_large:
                return "; ".join(f"{c.relative} {c.stats()}" for c in self.changes)
            plus, minus = change.stats().lstrip("+").split(" −")
            added, removed = added + int(plus), removed + int(minus)
        return f"+{added} −{removed}"

    def review_text(self) -> str:
        """Every file's diff (or summary), one after the other: what the person approves."""
        return "\n".join(change.review_text() for change in self.changes)

    def subset(self, paths: Iterable[str]) -> ChangeSet:
        """The changes to `paths` only (the person approved those files, one by one)."""
        keep = set(paths)
        return ChangeSet(tuple(change for change in self.changes if change.relative in keep))

    def apply(self) -> None:
        """Write every file, or none.

        Raises:
            ChangeRefused: a file changed since it was read (nothing is written), or a write failed
                (the files already written are put back).
        """
        stale = [change.relative for change in self.changes if read_text(change.path, change.relative) != change.old]
        if stale:
            raise ChangeRefused(f"{', '.join(stale)} changed while the change set was waiting for approval; nothing was "
                                "written. View the files again and propose the change set anew.")
        written: list[FileChange] = []
        try:
            for change in self.changes:
                change.path.parent.mkdir(parents=True, exist_ok=True)
                _write(change.path, change.new)
                written.append(change)
        except OSError as exc:
            for change in written:  # put back what was written, so the repository is as it was
                change.path.unlink() if change.old is None else _write(change.path, change.old)
            raise ChangeRefused(f"Writing failed ({exc.strerror or exc}); nothing was changed.") from None


def _write(path: Path, text: str) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(text)


def prepare_change_set(root: Path, edits: Iterable[Mapping[str, Any]], *,
                       secret_patterns: Iterable[str] = ()) -> ChangeSet:
    """The change set the edits make, each file's edits applied in the order given.

    Raises:
        ChangeRefused: naming the edit (by its position) that cannot be made, and how to fix it.
    """
    patterns = tuple(secret_patterns)
    order: list[str] = []
    originals: dict[str, tuple[Path, str | None]] = {}
    texts: dict[str, str | None] = {}
    items = list(edits)
    if not items:
        raise ChangeRefused("The change set is empty: give each edit in changes as {command, path, ...}.")
    for number, edit in enumerate(items, start=1):
        where = f"Edit {number} of {len(items)}: " if len(items) > 1 else ""
        try:
            if not isinstance(edit, Mapping):
                raise ChangeRefused("each edit is an object such as {command: str_replace, path, old_str, new_str}.")
            path, relative = editable_path(root, str(edit.get("path") or ""), patterns)
            if relative not in originals:
                originals[relative] = (path, read_text(path, relative))
                texts[relative] = originals[relative][1]
                order.append(relative)
            texts[relative] = apply_command(texts[relative], relative, edit)
        except ChangeRefused as exc:
            raise ChangeRefused(f"{where}{exc}" + (" Nothing in the change set was proposed." if where else "")) from None
    changes = tuple(FileChange(relative, originals[relative][0], originals[relative][1], texts[relative] or "")
                    for relative in order if texts[relative] != originals[relative][1])
    if not changes:
        raise ChangeRefused("That leaves every file unchanged; nothing to propose.")
    return ChangeSet(changes)
