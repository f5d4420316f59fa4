"""Finding agent files in a folder and its subfolders, as Claude Code does, within limits.

Claude Code reads `.claude/agents/<group>/x.md` too (collections sort their agents in folders).
The walk stays inside the folder: a file or folder whose real path leaves it (a symlink out) is
refused and said; hidden entries (`.git`, `.github`) are skipped; it goes at most MAX_DEPTH folders
down and reads at most MAX_AGENT_FILES files per folder searched, saying so when it stops.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

MAX_DEPTH = 4  # subfolders below the searched folder: `agents/<collection>/<group>/x.md` needs 2
MAX_AGENT_FILES = 1000  # one collection has ~170; a thousand is far beyond any we have seen


@dataclass
class FoundFiles:
    """The agent files of one folder, and the entries refused (path, reason)."""

    files: list[Path] = field(default_factory=list)
    refused: list[tuple[Path, str]] = field(default_factory=list)


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root)
    except (ValueError, OSError, RuntimeError):  # RuntimeError: a symlink loop
        return False
    return True


def agent_files(folder: Path) -> FoundFiles:
    """The `.md` files under `folder` (sorted, depth first), confined to it."""
    found = FoundFiles()
    try:
        root = folder.resolve(strict=True)
    except (OSError, RuntimeError):
        return found
    if not root.is_dir():
        return found
    pending: list[tuple[Path, int]] = [(folder, 0)]
    seen: set[Path] = set()
    while pending:
        current, depth = pending.pop()
        real = current.resolve()
        if real in seen:
            continue
        seen.add(real)
        try:
            entries = sorted(os.scandir(current), key=lambda e: e.name)
        except OSError:
            continue
        subfolders: list[tuple[Path, int]] = []
        for entry in entries:
            path = Path(entry.path)
            if entry.name.startswith("."):
                continue
            is_dir = entry.is_dir()
            if not (is_dir or entry.name.endswith(".md")):
                continue
            if not _inside(path, root):
                found.refused.append((path, "is a link to outside the folder: not read (copy the file in instead)"))
            elif is_dir:
                if depth + 1 <= MAX_DEPTH:
                    subfolders.append((path, depth + 1))
                else:
                    found.refused.append((path, f"is more than {MAX_DEPTH} folders deep: not searched"))
            elif entry.is_file():
                if len(found.files) >= MAX_AGENT_FILES:
                    found.refused.append((path, f"more than {MAX_AGENT_FILES:,} agent files in this folder: the "
                                                "rest are not read"))
                    return found
                found.files.append(path)
        pending.extend(reversed(subfolders))
    return found
