"""What to offer while the person types: `/commands` at the start, repository paths after `@`.

Pure logic (no widgets), so it is tested directly; the composer shows the result in a menu.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:
    from backdev.commands.base import CommandSpec

PATH_LIMIT = 12


@dataclass(frozen=True)
class Candidate:
    """One entry of the menu: what is inserted, what is shown, and its one-line help."""

    value: str
    label: str
    help: str = ""


@dataclass(frozen=True)
class Completion:
    """Candidates for the text between `start` and `end` (the cursor)."""

    kind: Literal["command", "path"]
    start: int
    end: int
    candidates: tuple[Candidate, ...]

    def apply(self, text: str, candidate: Candidate) -> tuple[str, int]:
        """The text with `candidate` accepted, and where the cursor goes."""
        return text[: self.start] + candidate.value + text[self.end :], self.start + len(candidate.value)


class PathSource(Protocol):
    """Anything with `complete(query, limit) -> list[str]` (a `PathIndex`)."""

    def complete(self, query: str, limit: int = 50) -> list[str]: ...


class Completer:
    """Finds the completion for the word at the cursor.

    Args:
        commands: `CommandRunner.completions` (prefix including the slash -> specs).
        paths: the repository's path index, once it is loaded (None before).
    """

    def __init__(self, commands: Callable[[str], Sequence[CommandSpec]], paths: PathSource | None = None) -> None:
        self.commands = commands
        self.paths = paths

    def complete(self, text: str, cursor: int) -> Completion | None:
        before = text[:cursor]
        if before.startswith("/") and not before.startswith("//") and not any(c.isspace() for c in before):
            specs = self.commands(before)
            found = tuple(Candidate(f"/{s.name} ", s.usage, s.help) for s in specs)
            return Completion("command", 0, cursor, found) if found else None
        from backdev.commands.base import path_argument  # loaded with the driver already

        typed = path_argument(before, self.commands)  # `/review shop/v`: the argument is the path
        if typed is not None:
            if self.paths is None:
                return None
            start, partial = typed
            found = tuple(Candidate(f"{p} ", p) for p in self.paths.complete(partial, PATH_LIMIT))
            return Completion("path", start, cursor, found) if found else None
        word_start = max(before.rfind(" "), before.rfind("\n"), before.rfind("\t")) + 1
        word = before[word_start:]
        if not word.startswith("@") or self.paths is None:
            return None
        found = tuple(Candidate(f"@{p} ", p) for p in self.paths.complete(word[1:], PATH_LIMIT))
        return Completion("path", word_start, cursor, found) if found else None
