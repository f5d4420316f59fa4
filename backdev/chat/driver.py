"""The session driver: what both front ends (and `backdev review`) do, with no UI in it.

A front end gives the driver its input — a typed line, a message, a retry, another session — and
renders what comes back: one stream of `ChatEvent`s per input (`backdev.chat.events`). The person
is asked through the two async callbacks the front end gives at construction: `approve` before
anything writes or runs, `confirm` for a message's missing paths or secret files, its size and cost,
and before a phase is left with work open (`backdev.chat.phase_exit`).

What the driver owns:

- **Commands**: `command(line)` runs a slash command and returns its events, and the turn to
  stream next when there is one (a retry, a review) — carried out here, not in each front end.
- **Messages**: `send(text)` prepares the message (attachments, questions, redaction notes),
  waits until the session is ready, then streams the turn. A message that never left is kept
  (`take_unsent`, and `save_draft` keeps it as the draft).
- **Start-up**: `warm_up()` loads the API client; `read_repository()` (safe in a thread) reads the
  repository and `attach_repository()` (on the driver's own loop) applies it, in one place: its
  tools, its system-prompt block and `/memory` `/overview`. Turns wait for both.
- **Switches and resume**: `open_session`, the notes a switch has, the stored transcript.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from contextlib import aclosing
from typing import TYPE_CHECKING

from backdev.assistant import Assistant, NothingToRetryError, Totals, deny_all
from backdev.chat.events import (ChatEvent, CommandResult, Confirm, MessageSent, Note, NotSent, SessionOpened,
                                 SessionStatus, TranscriptCleared, decline, outcome_events)
from backdev.chat.compact import compact_events
from backdev.chat.guard import SizeGuard
from backdev.chat.transcript import TranscriptItem, sent_messages, transcript_items
from backdev.compose import Startup, Workspace
from backdev.llm.errors import MISSING_KEY
from backdev.llm.events import Usage
from backdev.personas.model import Persona
from backdev.settings import Settings
from backdev.tools.base import Approver
from backdev.workflow.phases.view import WorkflowView
from backdev.welcome import Welcome, welcome_for

if TYPE_CHECKING:  # loaded with the repository and the commands, after the first frame
    from backdev.commands.base import CommandOutcome, CommandRunner, CommandSpec
    from backdev.repo.completion import PathIndex
    from backdev.repo.context import RepoContext
    from backdev.session.listing import SessionRow
    from backdev.workflow.review.request import ReviewRequest, ReviewTarget

WAITING_NOTE = ("Waiting for the API client and the repository to finish loading; your message goes as soon as "
                "they are ready…")


class ChatDriver:
    """One conversation as a person (or a script) drives it; see the module docstring.

    Args:
        startup: the session, opened by `backdev.compose.start_session`.
        workspace: the folder, its settings, personas and safety policy.
        approve: asked before anything writes or runs (default: deny, for nobody to ask).
        confirm: asked about missing paths and secret files (default: no).
        background_start: the front end warms the API client (`warm_up`) and reads the repository
            (`attach_repository`) in the background, and turns wait for both (the app, after its
            first frame). Otherwise turns start at once: the REPL attaches the repository before
            its first prompt, and `backdev review` works without one.
    """

    def __init__(self, startup: Startup, workspace: Workspace, *, approve: Approver = deny_all,
                 confirm: Confirm = decline, background_start: bool = False) -> None:
        self._assistant: Assistant = startup.assistant
        self._workspace = workspace
        self._approve = approve
        self._confirm = confirm
        self.startup_notes: tuple[str, ...] = tuple(startup.notes)
        self.resumed = startup.resumed
        self._repository: RepoContext | None = None
        self._commands: CommandRunner | None = None
        self._provider_ready = asyncio.Event()
        self._repository_ready = asyncio.Event()
        if not background_start:
            self._provider_ready.set()
            self._repository_ready.set()
        self._unsent: str | None = None  # a message shown as sent that has not been stored yet
        self._guard = SizeGuard(self._assistant, confirm)  # size and cost, before a request leaves

    # --- what the session is -------------------------------------------------------------------

    @property
    def settings(self) -> Settings:
        return self._workspace.settings

    @property
    def persona_name(self) -> str:
        return self._assistant.persona.name

    @property
    def model_id(self) -> str:
        return self._assistant.model.model_id

    @property
    def session_id(self) -> str:
        return self._assistant.session.id

    def personas(self) -> list[Persona]:
        """Every persona found (for a picker)."""
        return list(self._workspace.catalog.personas.values())

    def credentials_note(self) -> str | None:
        """What to say at start when no request can succeed without a key (None: nothing)."""
        return None if self._assistant.provider.has_credentials else MISSING_KEY.message

    @property
    def repository_state(self) -> str | None:
        """The repository's branch and state (`main*`), once it is read and when it is a git repository."""
        context = self._repository
        return context.info.label if context is not None and context.info.is_git else None

    @property
    def path_index(self) -> PathIndex | None:
        """The file list for `@` completion, once the repository is read."""
        return self._repository.index if self._repository is not None else None

    def status(self) -> SessionStatus:
        root = self._workspace.root.name
        info = self._repository.info if self._repository is not None else None
        view = self.workflow_view()
        phase = next((p.title for p in view.phases if p.id == view.current), "") if view is not None else ""
        totals = self._assistant.totals()
        return SessionStatus(self.persona_name, self.model_id, f"{root} ({info.label})" if info else root, phase,
                             totals.usage, totals.cost, self._assistant.next_request_tokens(),
                             self._assistant.limits().max_input_tokens)

    def welcome(self) -> Welcome | None:
        """The first screen's welcome (None once the session holds a conversation: its history shows)."""
        if self._assistant.messages():
            return None
        return welcome_for(self.persona_name, self.status().phase or None, self._repository)

    def workflow_view(self) -> WorkflowView | None:
        return self._assistant.workflow_view()

    def phase_line(self) -> str | None:
        """One line with the phase and its checklist progress, or None without a workflow."""
        workflow = self._assistant.workflow
        return workflow.summary_line() if workflow is not None else None

    def totals(self) -> Totals:
        return self._assistant.totals()

    def turn_cost(self, usage: Usage) -> float | None:
        return self._assistant.turn_cost(usage)

    def transcript_items(self) -> list[TranscriptItem]:
        """The current session's stored conversation, as a transcript shows it."""
        return transcript_items(self._assistant.messages())

    def sent_messages(self) -> list[str]:
        """What the person typed in this session, oldest first (for Up/Down)."""
        return sent_messages(self._assistant.messages())

    def draft(self) -> str:
        return self._assistant.draft()

    def sessions(self) -> list[SessionRow]:
        """This folder's saved sessions, newest first, priced with the person's prices."""
        from backdev.session.listing import session_rows  # for the session picker, not the first frame

        return session_rows(self._assistant.store, self._assistant.session.root, self._assistant.price_overrides)

    def session_title(self, session_id: str) -> str:
        return self._assistant.store.get_session(session_id).title

    def delete_session(self, session_id: str) -> None:
        """Delete a saved session (never the current one: ValueError)."""
        if session_id == self.session_id:
            raise ValueError("the current session cannot be deleted")
        self._assistant.store.delete_session(session_id)

    # --- start-up ------------------------------------------------------------------------------

    async def warm_up(self) -> str:
        """Load the API client; returns a sentence when that failed (the first request says it again)."""
        try:
            await self._assistant.provider.warm_up()
        except Exception as exc:  # the first request will report it in its own words
            return f"The API client failed to load ({type(exc).__name__}: {exc})."
        finally:
            self._provider_ready.set()
        await self._assistant.fetch_limits()  # the window, for the gauge and the size checks
        return ""

    def read_repository(self) -> RepoContext:
        """Read the repository (git, the file list, memory, overview); changes nothing, safe in a thread."""
        from backdev.repo.context import open_repo_context  # the repository's modules are not needed for the first frame

        workspace = self._workspace
        return open_repo_context(workspace.cwd, workspace.settings, workspace.policy)

    def attach_repository(self, context: RepoContext | None) -> None:
        """Apply what `read_repository` found (None: it could not be read); turns stop waiting for it."""
        if context is not None:
            self._repository = context
            self._assistant.attach_repository(context)
            from backdev.commands.repository import register_repository_commands  # see `commands`

            register_repository_commands(self.commands, context)
        self._repository_ready.set()

    @staticmethod
    def unreadable(exc: Exception) -> str:
        """The sentence for a repository `read_repository` could not read (the session goes on without it)."""
        return f"Could not read the repository ({type(exc).__name__}: {exc})."

    async def open_repository(self) -> list[str]:
        """Read the repository off the loop and attach it; the notes to show (or why it could not be read)."""
        try:
            context = await asyncio.to_thread(self.read_repository)
        except Exception as exc:  # a broken repository must not stop the conversation
            self.attach_repository(None)
            return [self.unreadable(exc)]
        self.attach_repository(context)
        return list(context.notes)

    @property
    def ready(self) -> bool:
        """The API client and the repository are loaded: a turn starts at once."""
        return self._provider_ready.is_set() and self._repository_ready.is_set()

    @property
    def still_loading(self) -> str:
        """What start-up is still doing, for a status line ("" once a message can leave at once)."""
        loading = [what for what, ready in (("loading the API client", self._provider_ready),
                                            ("reading the repository", self._repository_ready)) if not ready.is_set()]
        return " and ".join(loading) + "…" if loading else ""

    async def _until_ready(self) -> AsyncGenerator[ChatEvent, None]:
        if not self.ready:
            yield Note(WAITING_NOTE)
            await self._provider_ready.wait()
            await self._repository_ready.wait()

    # --- commands ------------------------------------------------------------------------------

    @property
    def commands(self) -> CommandRunner:
        """The slash commands, built on first use: they import the review and report modules, which
        the first frame does not need."""
        if self._commands is None:
            from backdev.commands.base import CommandRunner  # built on first use (see the docstring)
            from backdev.commands.prompt import register_prompt_command
            from backdev.commands.repository import register_repository_commands
            from backdev.commands.session import register_session_commands
            from backdev.commands.workflow import register_workflow_commands

            runner = CommandRunner()
            register_session_commands(runner, self._assistant, self._workspace.catalog)
            register_workflow_commands(runner, self._assistant)
            register_prompt_command(runner, self._assistant)
            if self._repository is not None:
                register_repository_commands(runner, self._repository)
            self._commands = runner
        return self._commands

    def completions(self, prefix: str) -> list[CommandSpec]:
        """Commands whose `/name` starts with `prefix` (which includes the slash), with their help."""
        return self.commands.completions(prefix)

    def has_command(self, name: str) -> bool:
        return name in self.commands.specs

    def refusal_during_turn(self, line: str) -> str | None:
        """Why a command must wait while a reply streams (None: it may run now)."""
        spec = self.commands.spec_for(line)
        return None if spec is None or spec.during_turn else (
            f"/{spec.name} waits until the reply is done: press Esc to cancel it first.")

    def command(self, line: str) -> CommandResult:
        """Run a slash command (`/model opus`); its events, and the turn that follows it if any."""
        return self._carry_out(self.commands.run(line))

    def _carry_out(self, outcome: CommandOutcome) -> CommandResult:
        from backdev.chat.phase_exit import leave_phase  # with the commands (see `commands`)
        from backdev.commands.base import Compact, LeavePhase, Retry, StartReview

        then, turn = outcome.then, None  # the turn that follows, if any
        if isinstance(then, Retry):
            turn = self.retry
        elif isinstance(then, StartReview):
            turn = lambda: self.review(then.request)  # type: ignore[union-attr]  # noqa: E731
        elif isinstance(then, Compact):
            turn = lambda: compact_events(self._assistant, then.instructions)  # type: ignore[union-attr]  # noqa: E731
        elif isinstance(then, LeavePhase):  # asked first: work stays open in the phase it leaves
            turn = lambda: leave_phase(then, self._confirm, self._carry_out)  # type: ignore[arg-type]  # noqa: E731
        return CommandResult(outcome_events(outcome), turn, outcome.error)

    # --- turns ---------------------------------------------------------------------------------

    async def send(self, text: str, typed: str | None = None) -> AsyncGenerator[ChatEvent, None]:
        """Prepare and send one message (`typed`: what the person typed, default `text`)."""
        from backdev.chat.prepare import prepare_outgoing  # reads attachments: not needed for the first frame
        from backdev.repo.attachments import attachment_paths

        typed = text if typed is None else typed
        if not self._repository_ready.is_set():
            # Every message is prepared (attachments read, secrets redacted and the person told) with the
            # repository; the assistant redacts again underneath, whatever happens here.
            if attachment_paths(text):
                yield Note("Reading the repository before attaching files…")
            await self._repository_ready.wait()
        outgoing = await prepare_outgoing(text, typed, self._repository, self.settings, self._confirm)
        if isinstance(outgoing, NotSent):
            yield outgoing
            return
        for note in outgoing.notes:
            yield Note(note)
        if self._provider_ready.is_set():
            await self._assistant.fetch_limits()  # asked once per model and endpoint (backdev.context.limits)
        async for event in self._guard.check(typed, outgoing.blocks, outgoing.text):
            yield event
            if isinstance(event, NotSent):
                return
        self._unsent = typed  # shown as sent from here; kept until it is stored
        yield MessageSent(outgoing.text, typed, outgoing.attachments)
        async for event in self._until_ready():
            yield event
        # `send` stores the message before its first await: from here it is the session's, not a draft.
        self._unsent = None
        async with aclosing(self._assistant.send(outgoing.text, approve=self._approve, extra_blocks=outgoing.blocks,
                                                 meta=outgoing.meta or None)) as events:
            async for event in events:
                yield event

    async def retry(self) -> AsyncGenerator[ChatEvent, None]:
        """Ask the last question again (`/retry`, a Retry button)."""
        async for event in self._until_ready():
            yield event
        async for event in self._guard.check("", None):
            yield Note(event.message, error=True) if isinstance(event, NotSent) else event
            if isinstance(event, NotSent):
                return
        yield Note("⟳ Asking again…")
        try:
            async with aclosing(self._assistant.retry(approve=self._approve)) as events:
                async for event in events:
                    yield event
        except NothingToRetryError as exc:
            yield Note(str(exc), error=True)

    def start_review(self, target: ReviewTarget) -> ReviewRequest:
        """Prepare a review of `target` and enter the review phase (raises ReviewError saying why not)."""
        from backdev.workflow.review.steps import review_workflow, start_review  # see `commands`

        assistant = self._assistant
        workflow = review_workflow(assistant.workflow, assistant.persona.name)
        return start_review(workflow, target, self.settings, self._workspace.policy)

    async def review(self, request: ReviewRequest, *, save: bool = True) -> AsyncGenerator[ChatEvent, None]:
        """Stream a prepared review, then its findings and (when `save`) its report saved after approval."""
        from backdev.chat.review import review_events  # see `commands`

        async for event in self._until_ready():
            yield event
        async with aclosing(review_events(self._assistant, request, approve=self._approve, save=save)) as events:
            async for event in events:
                yield event

    def take_unsent(self) -> str | None:
        """A message that was shown as sent but never stored (its turn was cancelled while it waited), once."""
        unsent, self._unsent = self._unsent, None
        return unsent

    def save_draft(self, typed: str) -> None:
        """Keep what the person typed (or else a message still waiting to be sent) as the session's draft."""
        self._assistant.save_draft(typed if typed.strip() else (self._unsent or ""))

    # --- switching -----------------------------------------------------------------------------

    def open_session(self, session_id: str, *, draft: str = "") -> list[ChatEvent]:
        """Switch to another saved session (its model, persona and workflow); `draft` is kept with the old one."""
        assistant = self._assistant
        if session_id == assistant.session.id:
            return []
        self.save_draft(draft)
        record = assistant.store.get_session(session_id)
        assistant.open_session(record, self._workspace.catalog.personas.get(record.persona))
        rows = assistant.messages()
        events: list[ChatEvent] = [
            TranscriptCleared(),
            SessionOpened(tuple(transcript_items(rows)), tuple(sent_messages(rows)), record.draft),
            Note(f"Resumed the session of {record.title or 'an untitled conversation'!s}."),
        ]
        events += [Note(note) for note in assistant.take_switch_notes()]  # e.g. that session's workflow phase
        return events
