"""The database's slash commands: `/schema [TABLE]` and `/explain SQL` (registered once the repository is read).

They run the same code as the model's tools (the SQL check included: `/explain` refuses a write
just as `explain_query` does) and return plain text for now. Without a database they say how to
configure one.
"""

from __future__ import annotations

from typing import Any

from backdev.commands.base import CommandOutcome, CommandRunner, CommandSpec
from backdev.db.context import HOW_TO_ENABLE, DatabaseContext


def register_database_commands(runner: CommandRunner, context: DatabaseContext | None) -> None:
    """Add `/schema` and `/explain` to `runner`."""

    def run(tool: str, arguments: dict[str, Any]) -> CommandOutcome:
        if context is None or context.tools is None:
            why = (context.notes[0] if context is not None and context.notes
                   else f"no database is configured: {HOW_TO_ENABLE}.")
            return CommandOutcome(f"/{tool}: {why}", error=True)
        handler = context.tools.db_schema if tool == "schema" else context.tools.explain_query
        try:
            outcome = handler(arguments)
        except Exception as exc:  # the same refusals and failures the tools report to the model
            return CommandOutcome(str(exc), error=True)
        return CommandOutcome(outcome.content, error=outcome.is_error)

    def schema(argument: str) -> CommandOutcome:
        return run("schema", {"table": argument} if argument else {})

    def explain(argument: str) -> CommandOutcome:
        if not argument:
            return CommandOutcome("Usage: /explain SELECT … (the query is explained, never run).", error=True)
        return run("explain", {"sql": argument})

    runner.register(CommandSpec("schema", "[TABLE]", "the database's tables, or one table's columns and indexes"),
                    schema)
    runner.register(CommandSpec("explain", "SQL", "the plan of a SELECT on your database (EXPLAIN, never run)"),
                    explain)
