"""A message made ready to send: its `@path` attachments read, what needs the person asked, notes said.

Paths that do not exist (or may not be attached) are a `MissingPaths` question: send without
them? Secret files are a `SecretFiles` question, with exactly what would be sent. The front end
answers through its `Confirm` callback (a line-mode prompt, a modal, or no when nobody can be
asked); a no is a `NotSent` and nothing is stored. The typed text and every attachment are
redacted (`backdev.repo.attachments`), and the person is told what was.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from backdev.chat.events import Confirm, MissingPaths, NotSent, SecretFiles
from backdev.repo.attachments import PreparedMessage, attachment_paths, prepare_message
from backdev.repo.context import RepoContext
from backdev.settings import Settings

NO_REPOSITORY = ("The repository could not be read, so files cannot be attached: remove the @paths and press "
                 "Enter again.")


@dataclass(frozen=True)
class Outgoing:
    """A message ready to send: its text, its attachment blocks and meta, and lines for the person."""

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    @property
    def attachments(self) -> tuple[str, ...]:
        return tuple(self.meta.get("attachments", ()))


def _missing_message(prepared: PreparedMessage) -> str:
    problems = [f"@{p} does not exist" for p in prepared.missing] + list(prepared.refused)
    return "Not sent: " + "; ".join(problems) + ". Fix the path and press Enter again."


async def prepare_outgoing(text: str, typed: str, repository: RepoContext | None, settings: Settings,
                           confirm: Confirm) -> Outgoing | NotSent:
    """`text` ready to send, or why it was not sent (see the module docstring).

    Args:
        typed: what the person typed (given back in a `NotSent`).
        repository: the session's repository, or None when it could not be read.
        confirm: asks the person the questions the message raises.
    """
    if repository is None:
        if attachment_paths(text):
            return NotSent(typed, "no_repository", NO_REPOSITORY)
        return Outgoing(text)

    def read(**options: Any) -> PreparedMessage:
        return prepare_message(text, repository.repo, settings, **options)

    prepared = await asyncio.to_thread(read)  # files are read off the loop: a front end keeps drawing
    skip = False
    if prepared.missing or prepared.refused:
        question = MissingPaths(prepared.problem(), tuple(prepared.missing), tuple(prepared.refused))
        if not await confirm(question):
            return NotSent(typed, "missing_paths", _missing_message(prepared))
        skip = True
        prepared = await asyncio.to_thread(read, skip_missing=True)
    if prepared.secret_files:
        if not await confirm(SecretFiles(tuple(prepared.secret_files), prepared.confirmation())):
            return NotSent(typed, "secret_files", "Not sent: remove the secret file's @path, or confirm it.")
        prepared = await asyncio.to_thread(read, confirmed_secrets=prepared.secret_files, skip_missing=skip)
    notes = list(prepared.notes)
    if prepared.redactions:
        notes.append(f"🔒 Redacted before sending: {', '.join(prepared.redactions)}")
    return Outgoing(prepared.text, prepared.extra_blocks, prepared.meta, tuple(notes))
