"""The repository's slash commands: `/memory` and `/overview` (registered once the repository is read)."""

from __future__ import annotations

from backdev.commands.base import CommandOutcome, CommandRunner, CommandSpec
from backdev.repo.context import RepoContext


def register_repository_commands(runner: CommandRunner, context: RepoContext) -> None:
    """Add `/memory` and `/overview` to `runner`."""

    def memory(_: str) -> CommandOutcome:
        if context.memory is None:
            return CommandOutcome("No project memory was read.")
        return CommandOutcome(context.memory.describe())

    def overview(_: str) -> CommandOutcome:
        if not context.overview:
            return CommandOutcome("There is no repository overview for this session (see the notes at start).")
        return CommandOutcome(context.overview)

    runner.register(CommandSpec("memory", "", "show the project memory files read at start (CLAUDE.md...)",
                                during_turn=True), memory)
    runner.register(CommandSpec("overview", "", "show the repository overview the model sees", during_turn=True),
                    overview)
