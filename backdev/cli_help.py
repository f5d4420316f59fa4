"""Help that teaches: the parser class every backdev command uses, and the examples that end each help.

Every parser made under the root one inherits its class (argparse gives subparsers the class of
their parent), so a command added later gets the same formatting without asking for it.
"""

from __future__ import annotations

import argparse
import re
import textwrap


class HelpFormatter(argparse.HelpFormatter):
    """Fills prose paragraphs to the terminal's width, but keeps an indented block as written.

    argparse's own choice is all or nothing (RawDescriptionHelpFormatter keeps every line as
    written); here a description still wraps while the examples below it stay aligned and
    copyable. A paragraph is kept as written when any line after its first is indented.
    """

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        paragraphs = re.split(r"\n\s*\n", text.strip("\n"))
        filled = []
        for paragraph in paragraphs:
            lines = paragraph.splitlines()
            if any(line[:1].isspace() for line in lines[1:]):
                filled.append("\n".join(indent + line for line in lines))
            else:
                filled.append(textwrap.fill(" ".join(paragraph.split()), width, initial_indent=indent,
                                            subsequent_indent=indent))
        return "\n\n".join(filled)

    def add_argument(self, action: argparse.Action) -> None:
        super().add_argument(action)
        # argparse measures a subcommand's name at its group's indent but prints it one level
        # deeper, so a long name ("completion") pushed its help onto a line of its own.
        names = [len(self._format_action_invocation(sub)) for sub in self._iter_indented_subactions(action)]
        if names and action.help is not argparse.SUPPRESS:
            self._action_max_length = max(self._action_max_length,
                                          max(names) + self._current_indent + self._indent_increment)


class Parser(argparse.ArgumentParser):
    """An ArgumentParser with backdev's help formatting (see HelpFormatter)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]


EXAMPLE_WIDTH = 79  # the widest an example line may be before its comment moves above it


def examples(*lines: str) -> str:
    """An epilog of examples: each line a command, optionally followed by `  # what it does`.

    The comments line up beside the commands so the block reads as a table; when that would not
    fit in 80 columns, each comment goes on its own line above its command. Either way every line
    still pastes into a shell.
    """
    commands = [(command, comment) for command, _, comment in (line.partition("  # ") for line in lines)]
    width = max(len(command) for command, _ in commands)
    if all(2 + width + 4 + len(comment) <= EXAMPLE_WIDTH for _, comment in commands):
        body = [f"  {command.ljust(width)}  # {comment}" if comment else f"  {command}" for command, comment in commands]
    else:
        body = [line for command, comment in commands for line in ([f"  # {comment}"] if comment else []) + [f"  {command}"]]
    return ("example:\n" if len(lines) == 1 else "examples:\n") + "\n".join(body)
