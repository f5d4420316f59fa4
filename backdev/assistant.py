"""The assistant: one conversation — persona, model, tools and prompt, turns, switches, accounting.

It is the core's model of a session; front ends never hold it: they drive a `ChatDriver`
(backdev.chat), which owns what a person does (commands, preparing a message, approvals) and calls
the assistant. A turn (`send`, `retry`) is an async iterator of events, always consumed inside
`contextlib.aclosing(...)` so that a cancelled turn is recorded at once. Everything a turn
produces is saved as it happens by a `TurnRecorder`; the person's message is committed before the
request leaves. What writes or runs is approved through the `approve` callback the caller passes
to each turn.

Its typed, optional parts: the repository (`attach_repository`, once it has been read) and the
workflow of its persona and session (opened here, and again whenever either changes). What the
model is sent — system blocks and tools — is assembled from them in one place, `backdev.prompt`.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import aclosing
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from backdev.context.compaction import (
    CompactionRecord, as_sent, kept_rows, load_record, opening, rehomed, server_compacts, spent_by_model)
from backdev.context.calibration import load_calibration, save_calibration
from backdev.context.estimate import estimate_request_tokens, reported_prompt_tokens
from backdev.context.limits import ModelLimits, fetch_limits, model_limits
from backdev.llm.cost import cost_of, overrides_from_settings, total_of
from backdev.llm.events import AssistantMessage, LoopEvent, Notice, Usage
from backdev.llm.models import ModelChoice, resolve_model
from backdev.llm.provider import Provider, Request
from backdev.llm.reasoning import Reasoning
from backdev.personas.model import Persona
from backdev.prompt import AssembledPrompt, SystemBlock, assemble_prompt
from backdev.repo.redaction import redact
from backdev.repo.safety import SafetyPolicy
from backdev.session.context import api_messages, take_left_out_note
from backdev.session.recorder import TurnRecorder, close_open_calls
from backdev.session.store import SessionRecord, SessionStore, StoredMessage
from backdev.settings import Settings
from backdev.tools.base import ApprovalRequest, Approver, Decision, Tool, ToolAccess, ToolRegistry
from backdev.workflow.phases.announce import announce, with_announcements
from backdev.workflow.phases.engine import WorkflowSession
from backdev.workflow.phases.opening import open_workflow
from backdev.workflow.phases.tools import phase_guard
from backdev.workflow.phases.view import WorkflowView
from backdev.workflow.tools import workflow_tools

if TYPE_CHECKING:  # the repository's modules load when the repository is read, after the first frame
    from backdev.repo.context import RepoContext


class NothingToRetryError(RuntimeError):
    """There is no turn to ask again."""


async def deny_all(action: ApprovalRequest) -> Decision:
    """The approver when nobody can be asked: nothing writes or runs unasked."""
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
    """One conversation with one persona, saved in a session.

    Args:
        policy: the session's secret rules (built once, from the settings, by `compose`).
        tools: tools of the session's own, offered before the repository's and the workflow's.
        access: ToolAccess.NO_APPROVAL for an unattended session (only tools that never ask).
    """

    def __init__(
        self,
        *,
        settings: Settings,
        persona: Persona,
        provider: Provider,
        store: SessionStore,
        session: SessionRecord,
        policy: SafetyPolicy,
        tools: ToolRegistry | None = None,
        model: ModelChoice | None = None,
        access: ToolAccess = ToolAccess.ALL,
    ) -> None:
        self.settings = settings
        self.persona = persona
        self.provider = provider
        self.store = store
        self.session = session
        self.policy = policy
        self.access = access
        self.model = model or resolve_model(session.model)
        self.grants: set[str] = set()
        self.price_overrides = overrides_from_settings(settings.prices)
        self.repository: RepoContext | None = None
        self.workflow: WorkflowSession | None = None
        self._own_tools = tools or ToolRegistry()
        self._workflow_tools: list[Tool] = []
        # The API's count over the local estimate, learnt from every reply and kept with the session.
        self.calibration = load_calibration(store, session.id)
        self.last_prompt_tokens = 0  # what the API counted for the last request sent
        # What the last switch had to say (at start: a workflow file that failed to load).
        self.switch_notes: list[str] = self._open_workflow(announce=False)

    # --- parts ---------------------------------------------------------------------------------

    def attach_repository(self, context: RepoContext) -> None:
        """Give the session the repository: its read tools and its block of the system prompt."""
        self.repository = context

    def _open_workflow(self, *, announce: bool) -> list[str]:
        """Open the workflow of the current persona and session; notes for the person."""
        opened = open_workflow(self.persona, self.session, self.store, self.settings, self.policy)
        self.workflow = opened.workflow
        self._workflow_tools = workflow_tools(opened.workflow) if opened.workflow is not None else []
        notes = list(opened.notes)
        if announce and self.workflow is not None:
            notes.append(f"Workflow: {self.workflow.summary_line()} (/phase)")
        return notes

    # --- the prompt and the request ------------------------------------------------------------

    def prompt(self) -> AssembledPrompt:
        """The system blocks and tools of the next request (see backdev.prompt); after a compaction,
        its `summary` and `pinned` blocks last (backdev.context.compaction)."""
        workflow = self.workflow
        record = self._compaction()
        compacted = tuple(SystemBlock(name, name, text) for name, text in record.blocks()) if record else ()
        prompt = assemble_prompt(
            persona=self.persona,
            repository_text=self.repository.prompt_text if self.repository is not None else "",
            phase=(workflow.phase.id, workflow.phase_text) if workflow is not None else None,
            tool_parts=(self._own_tools.tools.values(),
                        self.repository.tools if self.repository is not None else (), self._workflow_tools),
            access=self.access,
        )
        return replace(prompt, system=(*prompt.system, *compacted)) if compacted else prompt

    @property
    def tools(self) -> ToolRegistry:
        """The tools on offer in the next request."""
        return self.prompt().tools

    def system_blocks(self) -> tuple[str, ...]:
        """Every block of the prompt, the phase's last (it is sent in the conversation, not as system)."""
        return tuple(block.text for block in self.prompt().system)

    def build_request(self, prompt: AssembledPrompt | None = None, *, sending: bool = False) -> Request:
        """The request for the next API call, from the stored conversation.

        Only a request that is `sending` records where a new phase's text is announced; sizing,
        /context and /prompt look without moving it onto a message already sent.
        """
        prompt = prompt or self.prompt()
        phase = self.workflow.phase if self.workflow is not None else None
        return Request(
            model=self.model.model_id,
            system=prompt.system_texts(),
            tools=prompt.tool_specs(),
            # After a server-side compaction, the API's block first, in place of the turns it summarised.
            messages=(*opening(self._compaction()), *api_messages(self._announced(prompt, save=sending))),
            max_tokens=self.settings.max_tokens,
            # The phase's thinking and effort; the provider sends what the model takes of them.
            reasoning=Reasoning(phase.thinking, phase.effort) if phase is not None else None,
        )

    def _compaction(self) -> CompactionRecord | None:
        """The session's last compaction as the current model is sent it (see `as_sent`)."""
        record = load_record(self.store, self.session.id)
        return as_sent(record, bool(record and record.block) and server_compacts(self.limits(), self.provider))

    # --- size ---------------------------------------------------------------------------------

    def limits(self) -> ModelLimits:
        """The current model's window and limits, as known without asking (see `fetch_limits`)."""
        return model_limits(self.model.model_id, getattr(self.provider, "base_url", None))

    async def fetch_limits(self) -> ModelLimits:
        """The current model's limits, asking the Models API the first time (once per endpoint and model)."""
        return await fetch_limits(self.provider, self.model.model_id)

    def estimate(self, request: Request) -> int:
        """`request`'s prompt tokens, estimated locally and calibrated by what the API counted so far."""
        raw = estimate_request_tokens(system=request.system, tools=request.tools, messages=request.messages)
        return self.calibration.apply(raw)

    def next_request_tokens(self, extra_content: list[dict[str, Any]] | None = None) -> int:
        """The estimated size of the next request, with a message of `extra_content` added when given."""
        request = self.build_request()
        if extra_content:
            request = replace(request, messages=(*request.messages, {"role": "user", "content": extra_content}))
        return self.estimate(request)

    def _announced(self, prompt: AssembledPrompt, *, save: bool) -> list[StoredMessage]:
        """The stored messages with the phase's text before the first message of each phase."""
        rows = self.messages()
        notes = announce(self.store, self.session.id, rows, prompt.conversation_text(), save=save)
        kept = kept_rows(rows, load_record(self.store, self.session.id))  # the rest is summarised
        return with_announcements(kept, rehomed(notes, kept))

    def workflow_view(self) -> WorkflowView | None:
        """What the side panel and `/phase` show; None when the persona has no workflow."""
        return self.workflow.view() if self.workflow is not None else None

    # --- turns ---------------------------------------------------------------------------------

    def messages(self) -> list[StoredMessage]:
        """The session's stored messages, oldest first."""
        return self.store.messages(self.session.id)

    async def send(self, text: str, *, approve: Approver = deny_all, extra_blocks: list[dict[str, Any]] | None = None,
                   meta: dict[str, Any] | None = None) -> AsyncGenerator[LoopEvent, None]:
        """Save the person's message, then stream the turn's events.

        Args:
            text: what the person typed (shown in the transcript).
            approve: asked before anything writes or runs.
            extra_blocks: further content blocks sent with it once (attachments).
            meta: recorded with the message (attachment names, redaction notes).
        """
        text, extra_blocks, meta = self._redacted(text, extra_blocks or [], meta or {})
        turn = self.store.next_turn(self.session.id)
        content = [{"type": "text", "text": text}, *extra_blocks]
        self.store.append_message(self.session.id, turn=turn, role="user", content=content, text=text, meta=meta or None)
        # A message that got no answer is not sent again (see backdev.session.context): say so, once.
        note = take_left_out_note(self.store, self.messages())
        if note:
            yield Notice(note)
        async for event in self._run_turn(turn, approve):
            yield event

    def _redacted(self, text: str, blocks: list[dict[str, Any]], meta: dict[str, Any]
                  ) -> tuple[str, list[dict[str, Any]], dict[str, Any]]:
        """The message with secret-looking values replaced, whatever the caller did before.

        The driver prepares messages with `backdev.repo.attachments.prepare_message`, which redacts
        and tells the person; this is the guarantee underneath: nothing unredacted reaches the
        model or the session store (redacting twice changes nothing).
        """
        cleaned = self.policy.clean(text)
        kinds = set(cleaned.kinds)
        safe_blocks = []
        for block in blocks:
            if block.get("type") == "text":
                piece = self.policy.clean(block["text"])
                kinds.update(piece.kinds)
                block = {**block, "text": piece.text}
            safe_blocks.append(block)
        if kinds:
            meta = {**meta, "redactions": sorted(kinds | set(meta.get("redactions", ())))}
        return cleaned.text, safe_blocks, meta

    async def retry(self, *, approve: Approver = deny_all) -> AsyncGenerator[LoopEvent, None]:
        """Ask the last turn again.

        After an interrupted, failed or cancelled turn, its unfinished replies are superseded
        (kept, not sent) and the model continues from the last complete message. After a complete
        turn, its replies are superseded and the question is asked afresh.

        Raises:
            NothingToRetryError: when the session has no message yet.
        """
        rows = self.messages()
        questions = [r for r in rows if r.role == "user" and r.kind == "message"]
        if not questions:
            raise NothingToRetryError("There is nothing to retry yet: type a message first.")
        last_turn = questions[-1].turn
        replies = [r for r in rows if r.turn == last_turn and r.id > questions[-1].id]
        unfinished = [r for r in replies if r.status in ("interrupted", "failed", "cancelled")]
        to_supersede = unfinished or [r for r in replies if r.status == "complete"]
        for row in to_supersede:
            self.store.set_status(row.id, "superseded")
        async for event in self._run_turn(last_turn, approve):
            yield event

    async def _run_turn(self, turn: int, approve: Approver) -> AsyncGenerator[LoopEvent, None]:
        from backdev.context.fit import RequestFitter  # loaded by the first turn: the first frame does without
        from backdev.llm.loop import ToolLoop
        recorder = TurnRecorder(self.store, self.session.id, turn, self.model.model_id)
        prompt = self.prompt()
        window = self.limits().max_input_tokens
        # Every phase is offered every tool (the cached prefix stays the same); the phase's own list is enforced here.
        guard = phase_guard(self.workflow, exempt=set(self._own_tools.tools)) if self.workflow is not None else None
        fitter = RequestFitter(self.estimate, window)  # the size check before each round (backdev.context.fit)
        loop = ToolLoop(self.provider, prompt.tools, approve, self.settings.max_tool_rounds, self.grants,
                        max_result_tokens=int(window * self.settings.tool_result_share), guard=guard, fit=fitter.fit)
        request = self.build_request(prompt, sending=True)
        try:
            async with aclosing(loop.run(request)) as events:
                async for event in events:
                    event = recorder.annotated(event)
                    recorder.observe(event)
                    if isinstance(event, AssistantMessage):  # it answers the request the fitter let go last
                        self._calibrate(fitter.last or request, event.usage)
                    yield event
        finally:
            # Cancelled (task cancel or aclose) before the turn ended: keep what arrived, marked.
            if not recorder.done:
                recorder.finish_cancelled()

    def _calibrate(self, request: Request, usage: Usage) -> None:
        reported = reported_prompt_tokens(usage)
        if reported:
            self.last_prompt_tokens = reported
            raw = estimate_request_tokens(system=request.system, tools=request.tools, messages=request.messages)
            self.calibration.observe(raw, reported)
            save_calibration(self.store, self.session.id, self.calibration)

    # --- switching -----------------------------------------------------------------------------

    def set_model(self, name: str) -> ModelChoice:
        """Use another model from the next turn (raises UnknownModelError for a bad name)."""
        self.model = resolve_model(name)
        self.store.update_session(self.session.id, model=self.model.model_id)
        return self.model

    def set_persona(self, persona: Persona) -> ModelChoice:
        """Use another persona (and its workflow) from the next turn; its model applies unless the person chose one."""
        self.persona = persona
        self.store.update_session(self.session.id, persona=persona.name)
        model = self.set_model(choose_model(self.settings, persona).model_id)
        self.switch_notes = self._open_workflow(announce=True)
        return model

    def new_session(self) -> SessionRecord:
        """Start a fresh session in the same folder with the same persona and model."""
        self.session = self.store.create_session(self.session.root, self.persona.name, self.model.model_id)
        self.grants.clear()
        self.switch_notes = self._open_workflow(announce=True)
        return self.session

    def open_session(self, record: SessionRecord, persona: Persona | None = None) -> None:
        """Continue another saved session (the app's session picker) from the next turn.

        Its own model applies, and its persona when given; grants made "for this session" do not
        carry over to another session.
        """
        self.session = record
        close_open_calls(self.store, record.id)  # calls left open when backdev was killed: the transcript shows them
        self.grants.clear()
        self.model = resolve_model(record.model)
        self.calibration = load_calibration(self.store, record.id)
        if persona is not None:
            self.persona = persona
        self.switch_notes = self._open_workflow(announce=True)

    def take_switch_notes(self) -> list[str]:
        """What the last switch had to say (e.g. the new workflow's phase), once; only the latest
        switch's (what an earlier one said is out of date)."""
        notes, self.switch_notes = self.switch_notes, []
        return notes

    def save_draft(self, text: str) -> None:
        """Keep what the person has typed but not sent (restored on resume), secrets redacted: it is at rest."""
        self.store.update_session(self.session.id, draft=redact(text).text)

    def draft(self) -> str:
        """The session's stored draft (read from the store, not a stale copy)."""
        return self.store.get_session(self.session.id).draft

    # --- accounting ----------------------------------------------------------------------------

    def totals(self) -> Totals:
        """Usage and cost of the whole session, its compactions included (None cost when a model's price is unknown)."""
        by_model = self.store.usage_by_model(self.session.id)
        for model, spent in spent_by_model(load_record(self.store, self.session.id)).items():
            by_model[model] = by_model.get(model, Usage()) + spent
        usage, cost = total_of(by_model, self.price_overrides)
        return Totals(usage, cost)

    def turn_cost(self, usage: Usage) -> float | None:
        return cost_of(usage, self.model.model_id, self.price_overrides)


async def drain(events: AsyncGenerator[Any, None]) -> list[Any]:
    """Collect every event of a turn (tests and non-interactive use)."""
    async with aclosing(events) as stream:
        return [event async for event in stream]


__all__ = ["Assistant", "NothingToRetryError", "Totals", "choose_model", "deny_all", "drain"]
