"""The plain REPL's input history file, with secrets redacted before they are written.

prompt-toolkit's `FileHistory` appends every line the person enters to a file in the data folder.
A pasted key or a `DB_PASSWORD=...` line would stay there in the clear; this history writes the
redacted text instead (the same rules as what reaches the model, always on: a history file is at
rest). Within the running session, Up still recalls the line as it was typed.

Answers to questions (an approval's y/a/n, "Send it? [y/n]") are not input: they are read with
the history set aside, so they neither fill the file nor come back with Up.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

from prompt_toolkit.history import FileHistory, History

from backdev.repo.redaction import redact


class RedactingFileHistory(FileHistory):
    """A `FileHistory` that stores each line with its secret-looking values replaced."""

    def store_string(self, string: str) -> None:
        super().store_string(redact(string).text)


class _Forgetful(History):
    """A history that keeps nothing."""

    def load_history_strings(self) -> list[str]:  # type: ignore[override]
        return []

    def store_string(self, string: str) -> None:
        pass

    def append_string(self, string: str) -> None:
        pass

    async def load(self) -> AsyncGenerator[str, None]:
        return
        yield  # an async generator that yields nothing


async def ask_outside_history(session: Any, question: str) -> str:
    """`session.prompt_async(question)` with its history set aside for this one answer."""
    buffer = session.default_buffer
    saved, buffer.history = buffer.history, _Forgetful()
    try:
        return str(await session.prompt_async(question))
    finally:
        buffer.history = saved
