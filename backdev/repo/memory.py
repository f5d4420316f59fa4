"""Project memory: the instructions a project (and the person) keep for assistants.

Read at session start into the system prompt, in this order (general first, most specific last):
the user config folder's `instructions.md`, then `CLAUDE.md`, `AGENTS.md` and
`.backdev/instructions.md` at the repository root. Each is capped at `memory_max_bytes` (cut at a
line break, with a note saying so), secret-looking values are redacted, and a repository file
that is a link out of the repository is refused. `/memory` shows what was loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from backdev import paths
from backdev.repo.redaction import Redacted
from backdev.repo.safety import PathRefused, SafetyPolicy, resolve_in_repo
from backdev.settings import Settings

REPO_MEMORY_FILES = ("CLAUDE.md", "AGENTS.md", ".backdev/instructions.md")
USER_LABEL = "instructions.md (your config folder)"

Status = Literal["loaded", "missing", "refused"]


@dataclass(frozen=True)
class MemoryFile:
    """One memory file and what became of it."""

    label: str
    path: Path
    status: Status
    size: int = 0
    text: str = ""
    capped: bool = False
    note: str = ""
    redactions: tuple[str, ...] = ()

    @property
    def shown_bytes(self) -> int:
        return len(self.text.encode())


@dataclass(frozen=True)
class MemoryReport:
    """Every memory file looked for, loaded or not."""

    files: tuple[MemoryFile, ...]
    cap: int

    def loaded(self) -> list[MemoryFile]:
        return [f for f in self.files if f.status == "loaded"]

    def prompt_text(self) -> str:
        """The system-prompt section (empty when nothing was loaded)."""
        loaded = self.loaded()
        if not loaded:
            return ""
        parts = ["# Project instructions\nThese come from the project's own files and the person's config; "
                 "follow them where they apply."]
        for memory in loaded:
            part = f"## From {memory.label}\n{memory.text.rstrip()}"
            if memory.capped:
                part += (f"\n[{memory.label} is {memory.size:,} bytes: only its first {memory.shown_bytes:,} bytes "
                         "were loaded (memory_max_bytes).]")
            parts.append(part)
        return "\n\n".join(parts)

    def describe(self) -> str:
        """What `/memory` shows."""
        lines = ["Project memory (read at session start into the system prompt):"]
        for memory in self.files:
            if memory.status == "missing":
                lines.append(f"  · {memory.label} · not found")
                continue
            if memory.status == "refused":
                lines.append(f"  ✗ {memory.label} · refused: {memory.note}")
                continue
            details = [f"{memory.size:,} bytes"]
            if memory.capped:
                details.append(f"capped: first {memory.shown_bytes:,} bytes loaded")
            if memory.redactions:
                details.append(f"redacted: {Redacted('', memory.redactions).summary()}")
            lines.append(f"  ✓ {memory.label} · {' · '.join(details)}")
        lines.append(f"Each file is capped at {self.cap:,} bytes (memory_max_bytes). "
                     f"Your own instructions.md lives in {paths.config_dir()}.")
        return "\n".join(lines)


def _read(label: str, path: Path, cap: int, policy: SafetyPolicy) -> MemoryFile:
    try:
        size = path.stat().st_size
        with open(path, "rb") as stream:
            data = stream.read(cap + 1)
    except (FileNotFoundError, NotADirectoryError):
        return MemoryFile(label, path, "missing")
    except OSError as exc:
        return MemoryFile(label, path, "refused", note=f"cannot be read ({exc.strerror})")
    if b"\0" in data:
        return MemoryFile(label, path, "refused", size, note="it is a binary file")
    capped = size > cap
    if capped:
        data = data[:cap]
        if b"\n" in data:
            data = data[: data.rfind(b"\n") + 1]  # whole lines only
    cleaned = policy.clean(data.decode("utf-8", errors="replace"))
    return MemoryFile(label, path, "loaded", size, cleaned.text, capped, redactions=cleaned.kinds)


def load_memory(root: Path, settings: Settings, policy: SafetyPolicy) -> MemoryReport:
    """Read every memory file (see the module docstring), redacted with the session's `policy`."""
    cap = settings.memory_max_bytes
    found = [_read(USER_LABEL, paths.config_dir() / "instructions.md", cap, policy)]
    for name in REPO_MEMORY_FILES:
        try:
            path = resolve_in_repo(root, name)
        except PathRefused as exc:
            found.append(MemoryFile(name, root / name, "refused", note=str(exc)))
            continue
        found.append(_read(name, path, cap, policy))
    return MemoryReport(tuple(found), cap)
