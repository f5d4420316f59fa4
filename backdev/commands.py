"""Slash commands, shared by both front ends.

The commands are defined once here, with their one-line help (used for completion in both UIs),
and most of them run here too. What needs the front end — streaming a retry, clearing the screen
for a new session, quitting — comes back as an `action` the front end carries out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from backdev.assistant import Assistant
from backdev.llm.cost import format_cost, format_usage
from backdev.llm.models import ALIASES, UnknownModelError
from backdev.personas.loader import PersonaCatalog, UnknownPersonaError
from backdev.session.export import export_markdown, export_target

Action = Literal["quit", "retry", "new", "switched", "review"]


@dataclass(frozen=True)
class CommandSpec:
    """A slash command: its name, its argument hint and one line of help."""

    name: str
    args: str
    help: str

    @property
    def usage(self) -> str:
        return f"/{self.name} {self.args}".rstrip()


@dataclass(frozen=True)
class CommandOutcome:
    """What a command produced: text to show, and an action for the front end."""

    text: str = ""
    action: Action | None = None
    error: bool = False
    argument: str = ""


Handler = Callable[[str], CommandOutcome]


def is_command(line: str) -> bool:
    """A line is a command when it starts with one `/` followed by a letter (`//` sends a literal `/`)."""
    return len(line) > 1 and line[0] == "/" and line[1].isalpha()


def unescape_message(line: str) -> str:
    """`//path` sends the message `/path`."""
    return line[1:] if line.startswith("//") else line


class CommandRunner:
    """Runs slash commands against an assistant; other parts of backdev may `register` more."""

    def __init__(self, assistant: Assistant, catalog: PersonaCatalog) -> None:
        self.assistant = assistant
        self.catalog = catalog
        self.specs: dict[str, CommandSpec] = {}
        self.handlers: dict[str, Handler] = {}
        for spec, handler in (
            (CommandSpec("help", "", "list the commands"), self._help),
            (CommandSpec("quit", "", "leave (the session is saved)"), lambda _: CommandOutcome(action="quit")),
            (CommandSpec("persona", "[NAME]", "switch persona (no name: list them)"), self._persona),
            (CommandSpec("model", "[NAME]", "switch model: sonnet, opus, haiku or a model id"), self._model),
            (CommandSpec("cost", "", "tokens and cost of this session"), self._cost),
            (CommandSpec("export", "[PATH]", "write this session as a markdown transcript"), self._export),
            (CommandSpec("retry", "", "ask the last question again"), lambda _: CommandOutcome(action="retry")),
            (CommandSpec("new", "", "start a new session"), self._new),
            (CommandSpec("sessions", "", "list this folder's sessions"), self._sessions),
        ):
            self.register(spec, handler)

    def register(self, spec: CommandSpec, handler: Handler) -> None:
        self.specs[spec.name] = spec
        self.handlers[spec.name] = handler

    def completions(self, prefix: str) -> list[CommandSpec]:
        """Commands whose `/name` starts with `prefix` (which includes the slash)."""
        word = prefix.lstrip("/").lower()
        return [spec for name, spec in sorted(self.specs.items()) if name.startswith(word)]

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

    # --- handlers ------------------------------------------------------------------------------

    def _help(self, _: str) -> CommandOutcome:
        width = max(len(spec.usage) for spec in self.specs.values())
        lines = [f"{spec.usage.ljust(width)}  {spec.help}" for _, spec in sorted(self.specs.items())]
        return CommandOutcome("\n".join(lines))

    def _persona(self, name: str) -> CommandOutcome:
        if not name:
            current = self.assistant.persona.name
            lines = [
                f"{'*' if p.name == current else ' '} {p.name} ({p.source}) — {p.description[:70]}"
                for p in self.catalog.personas.values()
            ]
            return CommandOutcome("\n".join(lines))
        try:
            persona = self.catalog.get(name)
        except UnknownPersonaError as exc:
            return CommandOutcome(str(exc), error=True)
        model = self.assistant.set_persona(persona)
        notes = "".join(f"\n{n}" for n in (*model.notes, *self.assistant.take_switch_notes()))
        return CommandOutcome(f"Persona: {persona.name} · model {model.model_id}{notes}", action="switched")

    def _model(self, name: str) -> CommandOutcome:
        if not name:
            aliases = ", ".join(f"{a} = {m}" for a, m in ALIASES.items())
            return CommandOutcome(f"Model: {self.assistant.model.model_id} ({aliases})")
        try:
            model = self.assistant.set_model(name)
        except UnknownModelError as exc:
            return CommandOutcome(str(exc), error=True)
        notes = "".join(f"\n{n}" for n in model.notes)
        return CommandOutcome(f"Model: {model.model_id}{notes}", action="switched")

    def _cost(self, _: str) -> CommandOutcome:
        totals = self.assistant.totals()
        return CommandOutcome(f"Session {self.assistant.session.id}: {format_usage(totals.usage)} · {format_cost(totals.cost)}")

    def _export(self, argument: str) -> CommandOutcome:
        session = self.assistant.session
        target = export_target(session, argument)
        text = export_markdown(self.assistant.store, self.assistant.store.get_session(session.id),
                               self.assistant.price_overrides)
        try:
            target.write_text(text, encoding="utf-8")
        except OSError as exc:
            return CommandOutcome(f"Cannot write {target}: {exc.strerror}; give another path: /export PATH.", error=True)
        return CommandOutcome(f"Transcript written to {target}")

    def _new(self, _: str) -> CommandOutcome:
        session = self.assistant.new_session()
        notes = "".join(f"\n{n}" for n in self.assistant.take_switch_notes())
        return CommandOutcome(f"New session {session.id}.{notes}", action="new")

    def _sessions(self, _: str) -> CommandOutcome:
        rows = self.assistant.store.list_sessions(self.assistant.session.root, limit=20)
        if not rows:
            return CommandOutcome("No sessions in this folder yet.")
        current = self.assistant.session.id
        lines = []
        for row in rows:
            when = dt.datetime.fromtimestamp(row.record.updated_at).strftime("%Y-%m-%d %H:%M")
            mark = "*" if row.record.id == current else " "
            lines.append(f"{mark} {row.record.id}  {when}  {row.messages:>3} msgs  {row.record.title[:50]}")
        lines.append("Resume one with `backdev chat --resume ID`.")
        return CommandOutcome("\n".join(lines))
