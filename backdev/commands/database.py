"""The database's slash commands: `/schema [TABLE]` and `/explain SQL` (registered once the repository is read).

They run the same code as the model's tools (the SQL check included: `/explain` refuses a write
just as `explain_query` does) and answer with a `Report`: tables the app shows as tables (a table
per query block), and the tool's own plain text, which plain mode prints. Without a database they
say how to configure one. Both wait on the server (up to the connect timeout when it does not
answer), so their specs say so (`waits`) and the app runs them off its UI thread.
"""

from __future__ import annotations

from collections.abc import Callable

from backdev.chat.report import Report
from backdev.commands.base import CommandOutcome, CommandRunner, CommandSpec
from backdev.db.context import HOW_TO_ENABLE, DatabaseContext

ASKING = "Asking the database…"


def register_database_commands(runner: CommandRunner, context: DatabaseContext | None) -> None:
    """Add `/schema` and `/explain` to `runner`."""

    def run(name: str, ask: Callable[[], Report]) -> CommandOutcome:
        if context is None or context.tools is None:
            why = (context.notes[0] if context is not None and context.notes
                   else f"no database is configured: {HOW_TO_ENABLE}.")
            return CommandOutcome(f"/{name}: {why}", error=True)
        try:
            report = ask()
        except Exception as exc:  # the same refusals and failures the tools report to the model
            return CommandOutcome(str(exc), error=True)
        return CommandOutcome(report.text, report=report)

    def schema(argument: str) -> CommandOutcome:
        return run("schema", lambda: context.tools.schema_report(argument))  # type: ignore[union-attr]

    def explain(argument: str) -> CommandOutcome:
        if not argument:
            return CommandOutcome("Usage: /explain SELECT … (the query is explained, never run).", error=True)
        return run("explain", lambda: context.tools.explain_report(argument))  # type: ignore[union-attr]

    runner.register(CommandSpec("schema", "[TABLE]", "the database's tables, or one table's columns and indexes",
                                waits=ASKING), schema)
    runner.register(CommandSpec("explain", "SQL", "the plan of a SELECT on your database (EXPLAIN, never run)",
                                waits=ASKING), explain)
