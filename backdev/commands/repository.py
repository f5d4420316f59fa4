"""The repository's slash commands, registered once it is read: `/memory`, `/overview`, and the
database's `/schema` and `/explain` (the database is opened with the repository)."""

from __future__ import annotations

from backdev.commands.base import CommandOutcome, CommandRunner, CommandSpec
from backdev.commands.database import register_database_commands
from backdev.repo.context import RepoContext


def register_repository_commands(runner: CommandRunner, context: RepoContext) -> None:
    """Add `/memory`, `/overview`, `/schema` and `/explain` to `runner`."""

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
    register_database_commands(runner, context.database)
