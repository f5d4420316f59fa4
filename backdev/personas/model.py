"""What a persona is once loaded: the parts of a Claude Code subagent file backdev uses."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Persona:
    """A persona: front matter fields plus the markdown body that becomes the system prompt.

    Attributes:
        name: lowercase letters, digits and hyphens; unique among the personas found.
        description: when to use it (shown in lists and pickers).
        prompt: the markdown body, sent as the first block of the system prompt.
        model: `sonnet`, `opus`, `haiku`, `inherit`, a full model id, or None when not given.
        tools: the tools it may use, or None when the file does not restrict them.
        ignored: front matter keys backdev keeps but does not use (shown by `personas show`).
        path: the file it was read from.
        source: which discovery folder it came from (e.g. `built-in`, `project .claude/agents`).
        notes: anything the person should know about how the file was read.
        workflow: the persona's workflow file (`<stem>.workflow.yaml` beside it), or None for a
            plain chat.
    """

    name: str
    description: str
    prompt: str
    model: str | None
    tools: tuple[str, ...] | None
    ignored: Mapping[str, Any]
    path: Path
    source: str
    notes: tuple[str, ...] = field(default=())
    workflow: Path | None = None

    @property
    def inherits_model(self) -> bool:
        """True when the persona leaves the model to the settings."""
        return self.model is None or self.model == "inherit"


@dataclass(frozen=True)
class PersonaLoadFailure:
    """A persona file that could not be loaded, with the reason and the line it points at."""

    path: Path
    line: int
    reason: str
    source: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.reason}"
