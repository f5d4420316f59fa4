"""Completion for the plain REPL: slash commands with their one-line help."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prompt_toolkit.completion import Completer, Completion

from backdev.commands import CommandRunner


class SlashCompleter(Completer):
    """Offers `/commands` while the first word is being typed."""

    def __init__(self, runner: CommandRunner) -> None:
        self.runner = runner

    def get_completions(self, document: Any, complete_event: Any) -> Iterator[Completion]:
        text = document.text_before_cursor
        if not text.startswith("/") or " " in text or text.startswith("//"):
            return
        for spec in self.runner.completions(text):
            yield Completion(f"/{spec.name}", start_position=-len(text), display=spec.usage, display_meta=spec.help)
