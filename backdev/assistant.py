"""The assistant: persona + model + tools + provider + session store, as one object both UIs drive.

A front end calls `send(text)` (or `retry()`) and iterates the events of the turn, always inside
`contextlib.aclosing(...)` so that a cancelled turn is recorded at once. Everything a turn
produces is saved as it happens by a `TurnRecorder`; the person's message is committed before the
request leaves.

The system prompt is assembled from ordered *slots*: the persona's prompt first, then whatever the
other parts of backdev set (`project` context, the current `phase`). A slot only changes when
`set_context` is called with different text, so the prefix stays byte-identical between turns and
prompt caching keeps hitting.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any

from backdev.llm.cost import cost_of, overrides_from_settings, total_of
from backdev.llm.events import LoopEvent, Notice, Usage
from backdev.llm.loop import ToolLoop
from backdev.llm.models import ModelChoice, resolve_model
from backdev.llm.provider import Provider, Request
from backdev.personas.model import Persona
from backdev.repo.redaction import redact
from backdev.repo.safety import SafetyPolicy
from backdev.session.context import api_messages, take_left_out_note
from backdev.session.recorder import TurnRecorder, close_open_calls
from backdev.session.store import SessionRecord, SessionStore, StoredMessage
from backdev.settings import Settings
from backdev.tools.base import ApprovalRequest, Approver, Decision, ToolRegistry
from backdev.workflow.phases.view import WorkflowView

# Slots of the system prompt after the persona, most stable first.
CONTEXT_SLOTS = ("project", "phase")


class NothingToRetryError(RuntimeError):
    """There is no turn to ask again."""


async def deny_all(action: ApprovalRequest) -> Decision:
    """The approver used when a front end gives none: nothing writes or runs unasked."""
    return Decision.DENY


def choose_model(settings: Settings, persona: Persona) -> ModelChoice:
    """The model for a persona: an explicitly configured model wins, then the persona's, then the default.

    "Explicitly configured" means set anywhere but the built-in defaults (a config file,
    `BACKDEV_MODEL`, or `--model`), so the person's own choice is never overridden by a persona.
    """
    if settings.source_of("model") == "default" and not persona.inherits_model:
        return resolve_model(persona.model or settings.model)
    return resolve_model(settings.model)


@dataclass
class Totals:
    """Tokens and dollars so far in the session."""

    usage: Usage
    cost: float | None


class Assistant:
    """One conversation with one persona, saved in a session."""

    def __init__(
        self,
        *,
        settings: Settings,
        persona: Persona,
        provider: Provider,
        store: SessionStore,
        session: SessionRecord,
        tools: ToolRegistry | None = None,
        approve: Approver | None = None,
        model: ModelChoice | None = None,
    ) -> None:
        self.settings = settings
        self.persona = persona
        self.provider = provider
        self.store = store
        self.session = session
        self.all_tools = tools or ToolRegistry()
        self.approve: Approver = approve or deny_all
        self.model = model or resolve_model(session.model)
        self.grants: set[str] = set()
        self._context: dict[str, str] = {}
        # Set once the repository has been read (in the background by the TUI): see backdev.repo.
        self.repo: Any = None
        # The session's workflow state, when the persona has a workflow: see backdev.workflow.
        self.workflow: Any = None
        # Called after the persona or the session changes, so what belongs to them follows
        # (the workflow registers one in compose); each returns lines for the person.
        self.switch_hooks: list[Callable[[Assistant], list[str]]] = []
        self.switch_notes: list[str] = []
        self.price_overrides = overrides_from_settings(settings.prices)

    # --- the system prompt and the request -----------------------------------------------------

    @property
    def tools(self) -> ToolRegistry:
        """The tools this persona may use (its `tools:` list, or all)."""
        return self.all_tools.restricted_to(self.persona.tools)

    def set_context(self, slot: str, text: str) -> None:
        """Set one slot of the system prompt (`project` or `phase`); empty text clears it."""
        if slot not in CONTEXT_SLOTS:
            raise ValueError(f"unknown context slot {slot!r}")
        if text:
            self._context[slot] = text
        else:
            self._context.pop(slot, None)

    def system_blocks(self) -> tuple[str, ...]:
        return (self.persona.prompt, *(self._context[s] for s in CONTEXT_SLOTS if s in self._context))

    def build_request(self) -> Request:
        """The request for the next API call, from the stored conversation."""
        return Request(
            model=self.model.model_id,
            system=self.system_blocks(),
            tools=self.tools.specs(),
            messages=tuple(api_messages(self.history())),
            max_tokens=self.settings.max_tokens,
        )

    def workflow_view(self) -> WorkflowView | None:
        """What the side panel and `/phase` show; None when the persona has no workflow."""
        return self.workflow.view() if self.workflow is not None else None

    # --- turns ---------------------------------------------------------------------------------

    def history(self) -> list[StoredMessage]:
        return self.store.messages(self.session.id)

    async def send(self, text: str, *, extra_blocks: list[dict[str, Any]] | None = None,
                   meta: dict[str, Any] | None = None) -> AsyncIterator[LoopEvent]:
        """Save the person's message, then stream the turn's events.

        Args:
            text: what the person typed (shown in the transcript).
            extra_blocks: further content blocks sent with it once (attachments).
            meta: recorded with the message (attachment names, redaction notes).
        """
        text, extra_blocks, meta = self._redacted(text, extra_blocks or [], meta or {})
        turn = self.store.next_turn(self.session.id)
        content = [{"type": "text", "text": text}, *extra_blocks]
        self.store.append_message(self.session.id, turn=turn, role="user", content=content, text=text, meta=meta or None)
        # A message that got no answer is not sent again (see backdev.session.context): say so, once.
        note = take_left_out_note(self.store, self.history())
        if note:
            yield Notice(note)
        async for event in self._run_turn(turn):
            yield event

    def _redacted(self, text: str, blocks: list[dict[str, Any]], meta: dict[str, Any]
                  ) -> tuple[str, list[dict[str, Any]], dict[str, Any]]:
        """The message with secret-looking values replaced, whatever the front end did before.

        Front ends normally prepare messages with `backdev.repo.attachments.prepare_message`, which
        redacts and tells the person; this is the guarantee underneath: nothing unredacted reaches
        the model or the session store (redacting twice changes nothing).
        """
        policy = SafetyPolicy.from_settings(self.settings)
        cleaned = policy.clean(text)
        kinds = set(cleaned.kinds)
        safe_blocks = []
        for block in blocks:
            if block.get("type") == "text":
                piece = policy.clean(block["text"])
                kinds.update(piece.kinds)
                block = {**block, "text": piece.text}
            safe_blocks.append(block)
        if kinds:
            meta = {**meta, "redactions": sorted(kinds | set(meta.get("redactions", ())))}
        return cleaned.text, safe_blocks, meta

    async def retry(self) -> AsyncIterator[LoopEvent]:
        """Ask the last turn again.

        After an interrupted, failed or cancelled turn, its unfinished replies are superseded
        (kept, not sent) and the model continues from the last complete message. After a complete
        turn, its replies are superseded and the question is asked afresh.

        Raises:
            NothingToRetryError: when the session has no message yet.
        """
        rows = self.history()
        questions = [r for r in rows if r.role == "user" and r.kind == "message"]
        if not questions:
            raise NothingToRetryError("There is nothing to retry yet: type a message first.")
        last_turn = questions[-1].turn
        replies = [r for r in rows if r.turn == last_turn and r.id > questions[-1].id]
        unfinished = [r for r in replies if r.status in ("interrupted", "failed", "cancelled")]
        to_supersede = unfinished or [r for r in replies if r.status == "complete"]
        for row in to_supersede:
            self.store.set_status(row.id, "superseded")
        async for event in self._run_turn(last_turn):
            yield event

    async def _run_turn(self, turn: int) -> AsyncIterator[LoopEvent]:
        recorder = TurnRecorder(self.store, self.session.id, turn, self.model.model_id)
        loop = ToolLoop(self.provider, self.tools, self.approve, self.settings.max_tool_rounds, self.grants)
        try:
            async with aclosing(loop.run(self.build_request())) as events:
                async for event in events:
                    event = recorder.annotated(event)
                    recorder.observe(event)
                    yield event
        finally:
            # Cancelled (task cancel or aclose) before the turn ended: keep what arrived, marked.
            if not recorder.done:
                recorder.finish_cancelled()

    # --- switching -----------------------------------------------------------------------------

    def set_model(self, name: str) -> ModelChoice:
        """Use another model from the next turn (raises UnknownModelError for a bad name)."""
        self.model = resolve_model(name)
        self.store.update_session(self.session.id, model=self.model.model_id)
        return self.model

    def set_persona(self, persona: Persona) -> ModelChoice:
        """Use another persona from the next turn; its model applies unless the person chose one."""
        self.persona = persona
        self.store.update_session(self.session.id, persona=persona.name)
        model = self.set_model(choose_model(self.settings, persona).model_id)
        self._switched()
        return model

    def new_session(self) -> SessionRecord:
        """Start a fresh session in the same folder with the same persona and model."""
        self.session = self.store.create_session(self.session.root, self.persona.name, self.model.model_id)
        self.grants.clear()
        self._switched()
        return self.session

    def open_session(self, record: SessionRecord, persona: Persona | None = None) -> None:
        """Continue another saved session (the TUI's session picker) from the next turn.

        Its own model applies, and its persona when given; grants made "for this session" do not
        carry over to another session.
        """
        self.session = record
        close_open_calls(self.store, record.id)  # calls left open when backdev was killed: the transcript shows them
        self.grants.clear()
        self.model = resolve_model(record.model)
        if persona is not None:
            self.persona = persona
        self._switched()

    def _switched(self) -> None:
        """Run the switch hooks (the workflow follows the persona and the session) and keep their notes
        (only the latest switch's: what an earlier switch said is out of date)."""
        self.switch_notes = [note for hook in self.switch_hooks for note in hook(self)]

    def take_switch_notes(self) -> list[str]:
        """What the last switch had to say (e.g. the new workflow's phase), once."""
        notes, self.switch_notes = self.switch_notes, []
        return notes

    def save_draft(self, text: str) -> None:
        """Keep what the person has typed but not sent (restored on resume), secrets redacted: it is at rest."""
        self.store.update_session(self.session.id, draft=redact(text).text)

    # --- accounting ----------------------------------------------------------------------------

    def totals(self) -> Totals:
        """Usage and cost of the whole session (None cost when a model's price is unknown)."""
        usage, cost = total_of(self.store.usage_by_model(self.session.id), self.price_overrides)
        return Totals(usage, cost)

    def turn_cost(self, usage: Usage) -> float | None:
        return cost_of(usage, self.model.model_id, self.price_overrides)


async def drain(events: AsyncIterator[LoopEvent]) -> list[LoopEvent]:
    """Collect every event of a turn (tests and non-interactive use)."""
    async with aclosing(events) as stream:
        return [event async for event in stream]


__all__ = ["Assistant", "NothingToRetryError", "Totals", "choose_model", "deny_all", "drain"]
