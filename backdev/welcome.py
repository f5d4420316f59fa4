"""The first screen's few lines: who is talking, where the work stands, what backdev read, what to try.

Both front ends show it on a new, empty session (the app as an entry that goes away once the
conversation starts, plain mode as two lines); a resumed session shows its history instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from backdev.repo.context import RepoContext


@dataclass(frozen=True)
class Welcome:
    """What the welcome says.

    Attributes:
        persona: the persona's name.
        phase: the current phase's title (None: the persona has no workflow).
        found: what backdev read in the repository, most telling first (`Django`, `12 models`,
            `MySQL`…), already short.
        test_command: the test command it would run, as arguments (None: none found).
    """

    persona: str
    phase: str | None = None
    found: Sequence[str] = field(default=())
    test_command: Sequence[str] | None = None

    def headline(self) -> str:
        """`backend-developer · Requirements phase: describe the change you want to make.`"""
        if self.phase:
            return f"{self.persona} · {self.phase} phase: describe the change you want to make, and I will guide it."
        return f"{self.persona}: ask anything about this repository."

    def found_line(self) -> str:
        """`Read: Django · DRF · 12 models · MySQL · tests: pytest -q` (or that nothing was recognised)."""
        parts = list(self.found)
        parts.append(f"tests: {' '.join(self.test_command)}" if self.test_command else "tests: none found")
        return "Read: " + " · ".join(parts)

    def lines(self, *, app: bool) -> list[str]:
        """The welcome for the app (three lines) or plain mode (two)."""
        if app:
            return [self.headline(), self.found_line(),
                    "Try /help for the commands, @path to attach a file, Ctrl+P for the command palette."]
        return [self.headline(), f"{self.found_line()} · /help lists the commands, @path attaches a file"]


def welcome_for(persona: str, phase: str | None, context: RepoContext | None) -> Welcome:
    """The welcome for a session, from what reading the repository found (None: not read, or unreadable)."""
    if context is None:
        return Welcome(persona, phase)
    return Welcome(persona, phase, list(context.stack), context.test_command)
