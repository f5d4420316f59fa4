"""The one seam between backdev and a model: `Provider.stream(request) -> AsyncIterator[event]`.

A `Request` holds what a turn sends, already split into the stable prefix (tools, system blocks)
and the conversation. `to_api_params` turns it into Messages API parameters with prompt-caching
breakpoints on the last tool, the last system block and the last block of the conversation.
Because the prefix is built from the same strings every turn, it is byte-identical turn to turn
and the cache keeps hitting.
"""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from backdev.llm.events import ProviderEvent
from backdev.llm.models import Capabilities
from backdev.llm.reasoning import Reasoning, reasoning_params
from backdev.safe_text import without_lone_surrogates

EPHEMERAL: dict[str, str] = {"type": "ephemeral"}


@dataclass(frozen=True)
class Request:
    """Everything one API call sends.

    Attributes:
        model: the model id.
        system: system prompt blocks, most stable first (persona, repository, phase: see backdev.prompt).
        tools: tool definitions (`name`, `description`, `input_schema`), in a stable order.
        messages: the conversation as API messages (content always a list of blocks).
        max_tokens: the largest reply allowed.
        reasoning: the thinking and effort the current phase asks for (sent only where the model
            takes them: see backdev.llm.reasoning).
    """

    model: str
    system: tuple[str, ...]
    tools: tuple[dict[str, Any], ...] = ()
    messages: tuple[dict[str, Any], ...] = ()
    max_tokens: int = 16000
    reasoning: Reasoning | None = None
    metadata: dict[str, Any] = field(default_factory=dict, compare=False)


def to_api_params(request: Request, capabilities: Capabilities | None = None) -> dict[str, Any]:
    """Messages API parameters for `request`, with `cache_control` breakpoints.

    The stored conversation is never modified: only the copy of the last message gets a
    breakpoint, so history stays byte-stable from one turn to the next. `capabilities` are the
    model's: without them no thinking or effort is sent.
    """
    params: dict[str, Any] = {"model": request.model, "max_tokens": request.max_tokens}
    params.update(reasoning_params(request.reasoning, capabilities, request.max_tokens))
    system = [{"type": "text", "text": text} for text in request.system if text]
    if system:
        system[-1]["cache_control"] = EPHEMERAL
        params["system"] = system
    if request.tools:
        tools = [dict(tool) for tool in request.tools]
        tools[-1]["cache_control"] = EPHEMERAL
        params["tools"] = tools
    messages = list(request.messages)
    if messages:
        tail = copy.deepcopy(messages[-1])
        if isinstance(tail.get("content"), str):
            tail["content"] = [{"type": "text", "text": tail["content"]}]
        if tail["content"]:
            tail["content"][-1]["cache_control"] = EPHEMERAL
        messages[-1] = tail
    params["messages"] = messages
    return encodable(params)


def encodable(value: Any) -> Any:
    """`value` with every lone surrogate in its strings replaced by U+FFFD.

    Undecodable terminal input (surrogate escapes) or a `\\ud800` escape in JSON a tool read leaves
    lone surrogates in a str; the request body is UTF-8, so one of them would fail every later
    turn. Values without one are returned as they are (no copy), so the prefix stays byte-stable.
    """
    if isinstance(value, str):
        return without_lone_surrogates(value)
    if isinstance(value, dict):
        cleaned = {key: encodable(item) for key, item in value.items()}
        return value if all(cleaned[key] is value[key] for key in value) else cleaned
    if isinstance(value, (list, tuple)):
        items = [encodable(item) for item in value]
        return value if all(a is b for a, b in zip(items, value)) else type(value)(items)
    return value


class Provider(Protocol):
    """Streams one API message for a request, as events; and what front ends ask of it before that.

    Implementations never raise for API or transport problems: they yield `StreamFailed` with
    the failure and the partial text instead. Cancellation (`asyncio.CancelledError`) does
    propagate, after the connection is closed.
    """

    @property
    def has_credentials(self) -> bool:
        """False when no request can succeed without the person setting a key (said at start)."""
        ...

    async def warm_up(self) -> None:
        """Load what the first request needs (the Anthropic SDK takes ~1.4 s), off the UI thread."""
        ...

    async def check(self) -> str:
        """One cheap request (`backdev doctor`); returns what answered, raises on failure."""
        ...

    def stream(self, request: Request) -> AsyncIterator[ProviderEvent]:
        """Yield `TextDelta`/`ToolCallRequested` as they arrive, then `MessageFinished` or `StreamFailed`."""
        ...
