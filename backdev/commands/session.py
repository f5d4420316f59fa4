"""The session's slash commands: /quit, /persona, /model, /cost, /export, /retry, /new, /sessions.

(/help is the runner's own.) Switching persona or session happens here, through the assistant,
which reopens the workflow of the new persona or session; the notes it has about that (the
workflow's phase) follow the command's own line.
"""

from __future__ import annotations

import datetime as dt

from backdev.assistant import Assistant
from backdev.commands.base import CommandOutcome, CommandRunner, CommandSpec, Retry
from backdev.llm.cost import format_cost, format_usage
from backdev.llm.models import ALIASES, UnknownModelError
from backdev.personas.loader import PersonaCatalog, UnknownPersonaError
from backdev.session.export import export_markdown, export_target


def register_session_commands(runner: CommandRunner, assistant: Assistant, catalog: PersonaCatalog) -> None:
    """Add the session's commands to `runner`."""

    def persona(name: str) -> CommandOutcome:
        if not name:
            current = assistant.persona.name
            lines = [
                f"{'*' if p.name == current else ' '} {p.name} ({p.source}) — {p.description[:70]}"
                for p in catalog.personas.values()
            ]
            return CommandOutcome("\n".join(lines))
        try:
            chosen = catalog.get(name)
        except UnknownPersonaError as exc:
            return CommandOutcome(str(exc), error=True)
        model = assistant.set_persona(chosen)
        notes = "".join(f"\n{n}" for n in (*model.notes, *assistant.take_switch_notes()))
        return CommandOutcome(f"Persona: {chosen.name} · model {model.model_id}{notes}")

    def model(name: str) -> CommandOutcome:
        if not name:
            aliases = ", ".join(f"{a} = {m}" for a, m in ALIASES.items())
            return CommandOutcome(f"Model: {assistant.model.model_id} ({aliases})")
        try:
            chosen = assistant.set_model(name)
        except UnknownModelError as exc:
            return CommandOutcome(str(exc), error=True)
        notes = "".join(f"\n{n}" for n in chosen.notes)
        return CommandOutcome(f"Model: {chosen.model_id}{notes}")

    def cost(_: str) -> CommandOutcome:
        totals = assistant.totals()
        return CommandOutcome(f"Session {assistant.session.id}: {format_usage(totals.usage)} · {format_cost(totals.cost)}")

    def export(argument: str) -> CommandOutcome:
        session = assistant.session
        target = export_target(session, argument)
        text = export_markdown(assistant.store, assistant.store.get_session(session.id), assistant.price_overrides)
        try:
            target.write_text(text, encoding="utf-8")
        except OSError as exc:
            return CommandOutcome(f"Cannot write {target}: {exc.strerror}; give another path: /export PATH.", error=True)
        return CommandOutcome(f"Transcript written to {target}")

    def new(_: str) -> CommandOutcome:
        session = assistant.new_session()
        notes = "".join(f"\n{n}" for n in assistant.take_switch_notes())
        return CommandOutcome(f"New session {session.id}.{notes}", cleared=True)

    def sessions(_: str) -> CommandOutcome:
        rows = assistant.store.list_sessions(assistant.session.root, limit=20)
        if not rows:
            return CommandOutcome("No sessions in this folder yet.")
        current = assistant.session.id
        lines = []
        for row in rows:
            when = dt.datetime.fromtimestamp(row.record.updated_at).strftime("%Y-%m-%d %H:%M")
            mark = "*" if row.record.id == current else " "
            lines.append(f"{mark} {row.record.id}  {when}  {row.messages:>3} msgs  {row.record.title[:50]}")
        lines.append("Resume one with `backdev chat --resume ID`.")
        return CommandOutcome("\n".join(lines))

    for spec, handler in (
        (CommandSpec("quit", "", "leave (the session is saved)", during_turn=True), lambda _: CommandOutcome(quit=True)),
        (CommandSpec("persona", "[NAME]", "switch persona (no name: list them)"), persona),
        (CommandSpec("model", "[NAME]", "switch model: sonnet, opus, haiku or a model id"), model),
        (CommandSpec("cost", "", "tokens and cost of this session", during_turn=True), cost),
        (CommandSpec("export", "[PATH]", "write this session as a markdown transcript", during_turn=True), export),
        (CommandSpec("retry", "", "ask the last question again"), lambda _: CommandOutcome(then=Retry())),
        (CommandSpec("new", "", "start a new session"), new),
        (CommandSpec("sessions", "", "list this folder's sessions", during_turn=True), sessions),
    ):
        runner.register(spec, handler)
