"""Completion for the plain REPL: slash commands with their one-line help, and `@path` over the file list."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from prompt_toolkit.completion import Completer, Completion, merge_completers

from backdev.commands.base import CommandSpec, path_argument
from backdev.repo.completion import PathIndex

# The `@word` being typed at the cursor (after the start, whitespace or an opening bracket/quote).
AT_WORD = re.compile(r"(?:^|(?<=[\s(\[{\"']))@([^\s@`]*)$")
PATH_COMPLETIONS = 20


class SlashCompleter(Completer):
    """Offers `/commands` while the first word is being typed.

    Args:
        commands: the driver's `completions` (prefix including the slash -> specs).
    """

    def __init__(self, commands: Callable[[str], list[CommandSpec]]) -> None:
        self.commands = commands

    def get_completions(self, document: Any, complete_event: Any) -> Iterator[Completion]:
        text = document.text_before_cursor
        if not text.startswith("/") or " " in text or text.startswith("//"):
            return
        for spec in self.commands(text):
            yield Completion(f"/{spec.name}", start_position=-len(text), display=spec.usage, display_meta=spec.help)


class AtPathCompleter(Completer):
    """Offers repository paths after `@`, fuzzily (`@shsrl`) and after a partial path (`@shop/se`).

    `index` is asked on each keystroke: it is None until the repository has been read.
    """

    def __init__(self, index: Callable[[], PathIndex | None]) -> None:
        self.index = index

    def get_completions(self, document: Any, complete_event: Any) -> Iterator[Completion]:
        match = AT_WORD.search(document.text_before_cursor)
        index = self.index()
        if match is None or index is None:
            return
        query = match.group(1)
        for path in index.complete(query, PATH_COMPLETIONS):
            yield Completion(path, start_position=-len(query), display=path,
                             display_meta="folder: attaches its listing" if path.endswith("/") else "")


class ArgumentPathCompleter(Completer):
    """Offers repository paths as the argument of a command that takes one (`/review shop/v`)."""

    def __init__(self, commands: Callable[[str], list[CommandSpec]], index: Callable[[], PathIndex | None]) -> None:
        self.commands = commands
        self.index = index

    def get_completions(self, document: Any, complete_event: Any) -> Iterator[Completion]:
        typed = path_argument(document.text_before_cursor, self.commands)
        index = self.index()
        if typed is None or index is None:
            return
        partial = typed[1]
        for path in index.complete(partial, PATH_COMPLETIONS):
            yield Completion(path, start_position=-len(partial), display=path)


def repl_completer(commands: Callable[[str], list[CommandSpec]], index: Callable[[], PathIndex | None]) -> Completer:
    """Slash commands, `@` paths and the path argument of a command, together."""
    return merge_completers([SlashCompleter(commands), AtPathCompleter(index), ArgumentPathCompleter(commands, index)])
