"""Applying a unified diff for one file, as a model writes it (no `patch` binary, no shell).

Hunks are matched on their context and removed lines, at the line the header names or, when the
file has moved on, at the nearest place they match exactly. No fuzz: a hunk that does not match is
an error that says which one, so a wrong edit is never applied half-way. Line endings are compared
without their `\\n`/`\\r\\n` and the file's own ending is kept. Lines are split at newlines only: a
carriage return, form feed or U+2028 inside a line stays in that line (`str.splitlines` would
break it in two, so the diff shown and the file written would disagree).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

HUNK_HEADER = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_HEADER_PREFIXES = ("diff ", "index ")


def split_lines(text: str) -> list[str]:
    """The lines of `text` without their `\\n` or `\\r\\n` endings, split at newlines only."""
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


class PatchError(ValueError):
    """A diff that cannot be applied; the message names the hunk and what did not match."""


@dataclass
class Hunk:
    old_start: int
    lines: list[tuple[str, str]] = field(default_factory=list)  # (" " | "-" | "+", text without EOL)

    @property
    def before(self) -> list[str]:
        return [text for tag, text in self.lines if tag in " -"]

    @property
    def after(self) -> list[str]:
        return [text for tag, text in self.lines if tag in " +"]


def parse_hunks(diff: str) -> list[Hunk]:
    """The hunks of a single-file unified diff (hunk line counts are not trusted: models miscount).

    Raises:
        PatchError: no hunks, or headers for more than one file.
    """
    hunks: list[Hunk] = []
    files = 0
    lines = split_lines(diff)
    for index, raw in enumerate(lines):
        header = HUNK_HEADER.match(raw)
        if header:
            hunks.append(Hunk(int(header.group(1))))
            continue
        following = lines[index + 1] if index + 1 < len(lines) else ""
        # `--- a/x` followed by `+++ b/x` starts a file; a lone `--- ...` inside a hunk is a removed `-- ...` line.
        if raw.startswith("--- ") and following.startswith("+++ "):
            files += 1
            if files > 1:
                raise PatchError("The diff changes more than one file: send one propose_edit per file.")
            continue
        if raw.startswith("+++ ") and index > 0 and lines[index - 1].startswith("--- "):
            continue
        if not hunks or raw.startswith(_HEADER_PREFIXES) or raw.startswith("\\"):
            continue  # text before the first hunk, `diff`/`index` lines, "\ No newline at end of file"
        tag, text = (raw[0], raw[1:]) if raw and raw[0] in " -+" else (" ", raw)  # blank context lines lose their space
        hunks[-1].lines.append((tag, text))
    if not hunks:
        raise PatchError("The diff has no hunks (lines starting with `@@ -a,b +c,d @@`): "
                         "send a unified diff or the whole new content.")
    return hunks


def _matches(lines: list[str], at: int, expected: list[str]) -> bool:
    return at + len(expected) <= len(lines) and lines[at : at + len(expected)] == expected


def apply_unified_diff(old: str, diff: str) -> str:
    """`old` with the diff applied (see the module docstring).

    Raises:
        PatchError: naming the hunk that does not match.
    """
    ending = "\r\n" if "\r\n" in old else "\n"
    had_final_newline = old.endswith(("\n", "\r\n")) or not old
    lines = split_lines(old)
    out: list[str] = []
    position = 0
    offset = 0
    for number, hunk in enumerate(parse_hunks(diff), start=1):
        expected = hunk.before
        # The header's line, shifted by how far earlier hunks landed from their own headers.
        base = max(hunk.old_start - 1 if expected else hunk.old_start, 0)
        start = base + offset
        if expected:
            candidates = [i for i in range(position, len(lines) - len(expected) + 1) if _matches(lines, i, expected)]
            if not candidates:
                first = expected[0].strip()[:60]
                raise PatchError(
                    f"Hunk {number} (@@ -{hunk.old_start}) does not match the file: its lines starting "
                    f"{first!r} are not there. Read the file again and send a new diff or the whole content."
                )
            at = min(candidates, key=lambda i: abs(i - start))
        else:
            at = min(max(start, position), len(lines))
        out.extend(lines[position:at])
        out.extend(hunk.after)
        position = at + len(expected)
        offset = at - base
    out.extend(lines[position:])
    text = ending.join(out)
    return text + ending if out and had_final_newline else text
