"""The tool-use loop: stream a message, run the tools it asks for, send the results, repeat.

The loop knows nothing about any UI. Anything that writes or runs goes through the injected
`approve` callback first; what the person grants "for this session" is remembered in the
`grants` set the caller owns. A round limit stops a model that keeps calling tools.

A message whose stream breaks mid-reply is asked for once more automatically (the partial text
is reported in `StreamRetrying`, so nothing received is lost); a second break ends the turn.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import aclosing
from dataclasses import dataclass, field, replace
from typing import Any

from backdev.context.budget import cut_tool_result
from backdev.llm.events import (
    AssistantMessage,
    Failure,
    LoopEvent,
    MessageFinished,
    MessageStarted,
    Notice,
    StreamFailed,
    StreamRetrying,
    TextDelta,
    ThinkingStarted,
    Thought,
    ToolCallFinished,
    ToolCallRequested,
    ToolResultsMessage,
    TurnFailed,
    TurnFinished,
    Usage,
)
from backdev.llm.provider import Provider, Request
from backdev.tools.base import Approver, Decision, Tool, ToolOutcome, ToolRegistry

AUTO_RETRIES_MID_STREAM = 1


def text_of(content: list[dict[str, Any]]) -> str:
    """The visible text of a message's content blocks."""
    return "".join(block.get("text", "") for block in content if block.get("type") == "text")


@dataclass
class ToolLoop:
    """Runs one turn of the conversation, tools included.

    Attributes:
        provider: where messages come from.
        tools: the tools on offer.
        approve: asked before any tool that writes or runs.
        max_rounds: how many times the model may call tools in one turn.
        grants: approval grants for this session (tool names), shared with the caller.
        max_result_tokens: a tool result larger than this is cut before it is sent, with a note
            on how to ask for less (None: never cut; see backdev.context.budget).
        guard: asked before each call (before its input is checked or the person asked); an
            outcome it returns refuses the call (a tool the current phase does not use).
        fit: asked before each request of the turn, its tool rounds included: the request to send
            (older tool results left out when it nears the window) and a line to show, or None
            (backdev.context.fit).
    """

    provider: Provider
    tools: ToolRegistry
    approve: Approver
    max_rounds: int = 25
    grants: set[str] = field(default_factory=set)
    max_result_tokens: int | None = None
    guard: Callable[[Tool], ToolOutcome | None] | None = None
    fit: Callable[[Request], tuple[Request, str | None]] | None = None

    async def run(self, request: Request) -> AsyncIterator[LoopEvent]:
        """Yield the turn's events; the last one is `TurnFinished` or `TurnFailed`."""
        messages = list(request.messages)
        total = Usage()
        rounds = 0
        while True:
            finished: MessageFinished | None = None
            to_send = replace(request, messages=tuple(messages))
            if self.fit is not None:
                to_send, note = self.fit(to_send)
                if note:
                    yield Notice(note)
            async with aclosing(self._stream_with_retry(to_send)) as stream:
                async for event in stream:
                    if isinstance(event, MessageFinished):
                        finished = event
                    elif isinstance(event, TurnFailed):
                        # The row of the failed message records its own usage; the event also says the turn's.
                        yield replace(event, usage=total + event.usage, message_usage=event.usage)
                        return
                    else:
                        yield event
            assert finished is not None
            total = total + finished.usage
            text = text_of(finished.content)
            yield AssistantMessage(finished.content, text, finished.stop_reason, finished.usage)
            messages.append({"role": "assistant", "content": finished.content})
            calls = [b for b in finished.content if b.get("type") == "tool_use"]
            if finished.stop_reason != "tool_use" or not calls:
                if finished.stop_reason == "max_tokens":  # else it reads as finished, mid-sentence
                    yield Notice(f"The reply stopped at the output limit ({request.max_tokens:,} tokens, max_tokens): "
                                 "say “go on” to have it continue, or raise max_tokens in your config.", error=True)
                yield TurnFinished(text, finished.stop_reason, total)
                return
            rounds += 1
            over_limit = rounds > self.max_rounds
            results = []
            done: list[ToolCallFinished] = []
            for call in calls:
                if over_limit:
                    outcome = ToolOutcome(
                        "Not run: the limit of tool calls for this turn was reached. Summarise what you have.",
                        f"{call['name']} not run (tool round limit)",
                        is_error=True,
                    )
                else:
                    outcome = await self._call(call)
                sent = cut_tool_result(outcome.content, call["name"], self.max_result_tokens)
                finished_call = ToolCallFinished(
                    call["id"], call["name"], call.get("input") or {},
                    outcome.summary + (" · cut to fit the context window" if sent is not outcome.content else ""),
                    outcome.is_error, outcome.detail or outcome.content,
                )
                done.append(finished_call)
                yield finished_call
                result: dict[str, Any] = {"type": "tool_result", "tool_use_id": call["id"], "content": sent}
                if outcome.is_error:
                    result["is_error"] = True
                results.append(result)
            yield ToolResultsMessage(results, tuple(done))
            messages.append({"role": "user", "content": results})
            if over_limit:
                yield TurnFailed(
                    Failure(
                        "tool_rounds",
                        f"The model used all {self.max_rounds} tool rounds of this turn: say “continue” to let "
                        "it go on, or raise `max_tool_rounds` in your config.",
                        shell_message=f"The model used all {self.max_rounds} tool rounds: raise `max_tool_rounds` "
                                      "in your config.",
                    ),
                    usage=total,
                )
                return

    async def _stream_with_retry(self, request: Request) -> AsyncIterator[Any]:
        """One message, with one automatic retry when the stream breaks mid-reply."""
        attempt = 0
        while True:
            failed: StreamFailed | None = None
            async with aclosing(self.provider.stream(request)) as events:
                async for event in events:
                    if isinstance(event, StreamFailed):
                        failed = event
                    elif isinstance(event, (MessageStarted, TextDelta, ThinkingStarted, Thought, ToolCallRequested, MessageFinished)):
                        yield event
            if failed is None:
                return
            if failed.failure.kind == "interrupted" and attempt < AUTO_RETRIES_MID_STREAM:
                attempt += 1
                yield StreamRetrying(failed.failure, failed.partial_text, attempt, failed.usage)
                continue
            yield TurnFailed(failed.failure, failed.partial_text, failed.usage)
            return

    async def _call(self, call: dict[str, Any]) -> ToolOutcome:
        name = call["name"]
        arguments = call.get("input", {})
        tool = self.tools.get(name)
        if tool is None:
            return ToolOutcome(f"There is no tool named {name}.", f"{name}: no such tool", is_error=True)
        refused = self.guard(tool) if self.guard is not None else None
        if refused is not None:
            return refused
        malformed = tool.check(arguments)
        if malformed is not None:
            return malformed
        if tool.approval is not None:
            # Off the event loop: preparing a change (reading files, a diff) must not freeze a front end.
            action = await asyncio.to_thread(tool.approval, arguments)
            if action is not None and action.grant_key not in self.grants:
                decision = await self.approve(action)
                if not decision.approved:
                    return ToolOutcome(
                        "The person denied this action; nothing was changed. Ask how they want to proceed.",
                        f"{action.title} · denied",
                        is_error=True,
                    )
                if decision is Decision.APPROVE_SESSION:
                    self.grants.add(action.grant_key)
        return await tool.run(arguments)
