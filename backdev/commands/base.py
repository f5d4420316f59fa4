"""What a slash command is, what it produces, and the runner that dispatches a typed line.

A handler returns a `CommandOutcome`: text to show, and what follows as typed values — the
session changed (`cleared`), the person leaves (`quit`), a review's findings to show
(`findings`), tables (`report`), or a turn to stream next (`then`: `Retry`, `StartReview`, `Compact`,
or `LeavePhase` to ask before a phase is left with work open). The session driver
carries those out; no front end dispatches on names.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from backdev.commands.syntax import command_name
from backdev.workflow.review.findings import ReviewFindings

if TYPE_CHECKING:  # the review modules load with the commands that use them, not with every front end
    from backdev.chat.report import Report
    from backdev.workflow.phases.definition import Phase
    from backdev.workflow.phases.outline import ExitWork
    from backdev.workflow.review.request import ReviewRequest


@dataclass(frozen=True)
class CommandSpec:
    """A slash command: its name, its argument hint and one line of help.

    Attributes:
        during_turn: it may run while a reply streams (it changes nothing the turn is part of).
        waits: it waits on something outside the program (the database), so a front end with a screen
            to keep alive runs it off its UI thread, saying this meanwhile ("" for the others).
        completes_paths: its argument is a repository file, which the front ends complete as typed.
    """

    name: str
    args: str
    help: str
    during_turn: bool = False
    waits: str = ""
    completes_paths: bool = False

    @property
    def usage(self) -> str:
        return f"/{self.name} {self.args}".rstrip()


@dataclass(frozen=True)
class Retry:
    """Ask the last question again (`/retry`)."""


@dataclass(frozen=True)
class StartReview:
    """Stream the review prepared by `/review`."""

    request: ReviewRequest


@dataclass(frozen=True)
class Compact:
    """Summarise the older turns now (`/compact [instructions]`)."""

    instructions: str = ""


@dataclass(frozen=True)
class LeavePhase:
    """Leave the phase `left` for `entering` only once the person says so: `left` leaves `open` work.

    `proceed` makes the move and does the rest of the command (a review's start); its outcome is
    carried out as the command's own (see `backdev.chat.phase_exit`).
    """

    left: Phase
    entering: Phase
    open: ExitWork
    proceed: Callable[[], CommandOutcome]


FollowUp = Retry | StartReview | Compact | LeavePhase


@dataclass(frozen=True)
class CommandOutcome:
    """What a command produced.

    Attributes:
        text: what to show (empty: nothing).
        error: the command failed; `text` says why and what to do.
        cleared: the conversation is another one now (`/new`): what was shown belongs to the old one.
        quit: leave (everything is already saved).
        findings: the last review's findings to show (`/findings`).
        report: tables to show (`/explain`, `/schema`); `text` is the same as plain text.
        then: a turn to stream now.
    """

    text: str = ""
    error: bool = False
    cleared: bool = False
    quit: bool = False
    findings: ReviewFindings | None = None
    report: Report | None = None
    then: FollowUp | None = None


Handler = Callable[[str], CommandOutcome]


class CommandRunner:
    """Runs slash commands; each concern `register`s its own (see the package docstring)."""

    def __init__(self) -> None:
        self.specs: dict[str, CommandSpec] = {}
        self.handlers: dict[str, Handler] = {}
        self.register(CommandSpec("help", "", "list the commands", during_turn=True), self._help)

    def register(self, spec: CommandSpec, handler: Handler) -> None:
        self.specs[spec.name] = spec
        self.handlers[spec.name] = handler

    def completions(self, prefix: str) -> list[CommandSpec]:
        """Commands whose `/name` starts with `prefix` (which includes the slash)."""
        word = prefix.lstrip("/").lower()
        return [spec for name, spec in sorted(self.specs.items()) if name.startswith(word)]

    def spec_for(self, line: str) -> CommandSpec | None:
        """The command a line runs, or None for an unknown one."""
        return self.specs.get(command_name(line))

    def run(self, line: str) -> CommandOutcome:
        """Run one command line such as `/model opus`."""
        name, _, argument = line.strip().lstrip("/").partition(" ")
        handler = self.handlers.get(name.lower())
        if handler is None:
            return CommandOutcome(
                f"Unknown command /{name}: /help lists them (start with // to send a message beginning with /).",
                error=True,
            )
        return handler(argument.strip())

    def _help(self, _: str) -> CommandOutcome:
        width = max(len(spec.usage) for spec in self.specs.values())
        lines = [f"{spec.usage.ljust(width)}  {spec.help}" for _, spec in sorted(self.specs.items())]
        return CommandOutcome("\n".join(lines))


def path_argument(before: str, commands: Callable[[str], Sequence[CommandSpec]]) -> tuple[int, str] | None:
    """The repository path being typed as a command's argument (`/review shop/v`), for completion.

    Args:
        before: the line up to the cursor.
        commands: the runner's completions (a prefix with its slash -> the specs it matches).

    Returns:
        Where the partial path starts in `before` and the text typed so far, or None when the cursor
        is not in the first argument of a command that takes a repository file (an option, `@`, or a
        later word is not completed).
    """
    if not before.startswith("/") or before.startswith("//") or "\n" in before:
        return None
    name, space, argument = before[1:].partition(" ")
    if not space or any(c.isspace() for c in argument) or argument.startswith(("-", "@")):
        return None
    spec = next((s for s in commands(f"/{name}") if s.name == name), None)
    if spec is None or not spec.completes_paths:
        return None
    return len(before) - len(argument), argument
