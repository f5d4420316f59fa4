"""The slash commands of repository context: `/memory` and `/overview` (both front ends), and the database's."""

from __future__ import annotations

from backdev.commands import CommandOutcome, CommandRunner, CommandSpec
from backdev.repo.context import ProjectContext


def register_repo_commands(runner: CommandRunner, context: ProjectContext) -> None:
    """Add `/memory` and `/overview` to a front end's command runner."""

    def memory(_: str) -> CommandOutcome:
        if context.memory is None:
            return CommandOutcome("No project memory was read.")
        return CommandOutcome(context.memory.describe())

    def overview(_: str) -> CommandOutcome:
        if not context.overview:
            return CommandOutcome("There is no repository overview for this session (see the notes at start).")
        return CommandOutcome(context.overview)

    runner.register(CommandSpec("memory", "", "show the project memory files read at start (CLAUDE.md...)"), memory)
    runner.register(CommandSpec("overview", "", "show the repository overview the model sees"), overview)
    from backdev.db.commands import register_db_commands  # /schema and /explain

    register_db_commands(runner, context.database)
