"""`@path` attachments: the files a message names, read safely and sent once with that message.

`prepare_message` finds `@path` tokens, reads each file (or lists a folder) inside the repository,
and returns the extra content blocks to send. Paths that do not exist, or are refused, are listed
in `missing`/`refused`: the front end must not send until the person fixes or confirms them. Secret
files (`.env`, keys...) are listed in `secret_files` and only included once the person confirms
them by name (`confirmed_secrets`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from backdev.repo.repository import Repository
from backdev.repo.safety import PathRefused, is_secret_path, relative_posix, resolve_in_repo
from backdev.settings import Settings

# `@` at the start or after whitespace, then a path (no spaces); trailing punctuation is not part of it.
ATTACHMENT_PATTERN = re.compile(r"(?:(?<=\s)|^)@([^\s@]+?)(?=[,;:!?)\]]*(?:\s|$))")


@dataclass(frozen=True)
class PreparedMessage:
    """A message ready to send, or the reasons it must wait."""

    text: str
    extra_blocks: list[dict[str, Any]] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    secret_files: list[str] = field(default_factory=list)
    redactions: list[str] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        """True when nothing needs fixing or confirming."""
        return not (self.missing or self.refused or self.secret_files)


def attachment_paths(text: str) -> list[str]:
    """The `@path` tokens in a message, in order, without duplicates."""
    seen: dict[str, None] = {}
    for match in ATTACHMENT_PATTERN.finditer(text):
        seen.setdefault(match.group(1).rstrip("/") or match.group(1), None)
    return list(seen)


def prepare_message(
    text: str, repo: Repository, settings: Settings, *, confirmed_secrets: Iterable[str] = ()
) -> PreparedMessage:
    """Read every `@path` of `text` into content blocks (see the module docstring)."""
    confirmed = set(confirmed_secrets)
    blocks: list[dict[str, Any]] = []
    names: list[str] = []
    missing: list[str] = []
    refused: list[str] = []
    secrets: list[str] = []
    for raw in attachment_paths(text):
        try:
            path = resolve_in_repo(repo.root, raw)
        except PathRefused as exc:
            refused.append(f"{raw}: {exc}")
            continue
        if not path.exists():
            missing.append(raw)
            continue
        relative = relative_posix(repo.root, path)
        if path.is_dir():
            listing = [f for f in repo.files() if f.startswith(relative.rstrip("/") + "/") or relative == "."]
            body = "\n".join(listing[: settings.list_max_files])
            blocks.append({"type": "text", "text": f"<attached folder=\"{relative}\">\n{body}\n</attached>"})
            names.append(relative + "/")
            continue
        if is_secret_path(relative, settings.secret_files) and relative not in confirmed:
            secrets.append(relative)
            continue
        content = path.read_bytes()[: settings.read_max_bytes].decode("utf-8", errors="replace")
        blocks.append({"type": "text", "text": f"<attached file=\"{relative}\">\n{content}\n</attached>"})
        names.append(relative)
    return PreparedMessage(text, blocks, {"attachments": names} if names else {}, missing, refused, secrets)
