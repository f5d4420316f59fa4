"""The Anthropic Messages API provider, over the official SDK's `AsyncAnthropic` streaming.

This is the only module that imports `anthropic`, and it does so lazily: the import costs about
1.4 s here, so front ends call `warm_up()` in the background after their first frame.

A stream can end badly in three ways the SDK does not retry, and all three keep the partial
text and report `interrupted`: the body is cut mid-chunk (`httpx2.RemoteProtocolError`), the body
ends cleanly before `message_stop` (no exception, no stop reason), or an in-band SSE `error`
event arrives (`APIStatusError` with status 200). A server that answers a streaming request with
plain JSON (some gateways ignore `stream: true`) is reported as exactly that.

Credentials: the API key goes as `x-api-key` (what the API and many gateways read) and, as the SDK
sends it, as `Authorization: Bearer`; `ANTHROPIC_AUTH_TOKEN` is sent as the Bearer token (with the
key, if also set, as `x-api-key`). The person's `headers:` setting adds any other header.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Mapping
from typing import Any

from backdev.llm.errors import MISSING_KEY, classify_exception, interrupted, not_a_stream
from backdev.llm.events import (
    MessageFinished,
    MessageStarted,
    ProviderEvent,
    StreamFailed,
    TextDelta,
    ThinkingStarted,
    Thought,
    ToolCallRequested,
    Usage,
)
from backdev.llm.models import CAPABILITIES, Capabilities, capabilities_from_api
from backdev.llm.provider import Request, to_api_params
from backdev.llm.too_large import explain_too_large, is_too_large
from backdev.tools.base import as_tool_input, invalid_json_input

log = logging.getLogger(__name__)

# Local servers and gateways reached through ANTHROPIC_BASE_URL often need no key, but the SDK
# refuses to send a request without one.
_PLACEHOLDER_KEY = "backdev-no-key"
#: The beta of on-demand server-side compaction: the `compaction` parameter and the blocks it returns.
COMPACT_BETA = "compact-2026-09-04"


def carries_compaction(params: Mapping[str, Any]) -> bool:
    """Whether a request's messages hold a compaction block (it then goes to the beta endpoint)."""
    return any(isinstance(block, dict) and block.get("type") == "compaction"
               for message in params.get("messages") or () for block in message.get("content") or ()
               if isinstance(message.get("content"), list))


def _usage_of(message: Any) -> Usage:
    usage = getattr(message, "usage", None)
    if usage is None:
        return Usage()
    return Usage(
        input=usage.input_tokens or 0,
        output=usage.output_tokens or 0,
        cache_write=getattr(usage, "cache_creation_input_tokens", None) or 0,
        cache_read=getattr(usage, "cache_read_input_tokens", None) or 0,
    )


_BAD_TOOL_JSON = "Unable to parse tool parameter JSON"


def _after_bad_tool_json(exc: Exception, stream: Any) -> MessageFinished | None:
    """The message so far, its last tool call's input marked as invalid JSON, when the SDK gave up on it.

    The SDK raises (and ends the stream) when a tool input's JSON cannot be parsed. Nothing after
    that block can arrive, so the message ends there and the loop answers the call with a tool
    error; None for any other failure.
    """
    snapshot = stream._current_snapshot_or_none() if stream is not None else None
    if not (isinstance(exc, ValueError) and _BAD_TOOL_JSON in str(exc)) or snapshot is None or not snapshot.content:
        return None
    blocks = [block_to_api(b) for b in snapshot.content]
    if blocks[-1].get("type") != "tool_use":
        return None
    blocks[-1]["input"] = invalid_json_input(str(exc).partition("JSON: ")[2])
    return MessageFinished(blocks, "tool_use", _usage_of(snapshot))


def block_to_api(block: Any) -> dict[str, Any]:
    """A content block of a received message, as the dict to send back in the conversation."""
    kind = block.type
    if kind == "text":
        return {"type": "text", "text": block.text}
    if kind == "tool_use":
        return {"type": "tool_use", "id": block.id, "name": block.name, "input": as_tool_input(block.input)}
    if kind == "thinking":
        return {"type": "thinking", "thinking": block.thinking, "signature": block.signature}
    if kind == "redacted_thinking":
        return {"type": "redacted_thinking", "data": block.data}
    return block.to_dict()


class AnthropicProvider:
    """Streams messages from the Anthropic Messages API (or any compatible server)."""

    def __init__(
        self,
        *,
        api_key: str | None,
        base_url: str | None = None,
        timeout: float = 120.0,
        max_retries: int = 2,
        auth_token: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.api_key = api_key
        self.auth_token = auth_token
        self.base_url = base_url
        self.timeout = timeout
        self.max_retries = max_retries
        self.headers = dict(headers or {})
        self._client: Any = None
        self._capabilities: dict[str, Capabilities | None] = {}

    @property
    def has_credentials(self) -> bool:
        """True when a key or token is set, or a base URL points at a server that may not need one."""
        return bool(self.api_key or self.auth_token or self.base_url)

    def client(self) -> Any:
        """The SDK client, created (and `anthropic` imported) on first use."""
        if self._client is None:
            import anthropic  # ~1.4 s: on the first request, never at start-up

            headers = dict(self.headers)
            if self.api_key:
                headers.setdefault("x-api-key", self.api_key)
            credentials: dict[str, Any] = (
                {"auth_token": self.auth_token} if self.auth_token else {"api_key": self.api_key or _PLACEHOLDER_KEY})
            self._client = anthropic.AsyncAnthropic(
                **credentials,
                base_url=self.base_url,
                timeout=anthropic.Timeout(self.timeout, connect=5.0),
                max_retries=self.max_retries,
                default_headers=headers or None,
            )
        return self._client

    async def warm_up(self) -> None:
        """Import the SDK and build the client in a thread, so the first message does not wait."""
        await asyncio.to_thread(self.client)

    async def rehearse(self) -> list[ProviderEvent]:
        """Stream the canned reply of `backdev.llm.rehearsal` through the SDK and this class, in memory.

        No connection is made: the SDK's client gets an in-memory transport. What it builds on its
        first stream (its validators) is then built; the events are returned for the caller to check.
        It gives way to other tasks after every event, so a real request running beside it waits little.
        """
        import anthropic  # loaded already wherever this is called (the API worker, after the client)
        import httpx2  # the SDK's HTTP library, loaded with it

        from backdev.llm.rehearsal import REHEARSAL_REQUEST, rehearsal_stream  # only the worker rehearses

        body = rehearsal_stream()

        def answer(request: Any) -> Any:
            return httpx2.Response(200, headers={"content-type": "text/event-stream"}, content=body)

        twin = AnthropicProvider(api_key="rehearsal", max_retries=0)
        async with httpx2.AsyncClient(transport=httpx2.MockTransport(answer)) as http:
            twin._client = anthropic.AsyncAnthropic(api_key="rehearsal", base_url="http://rehearsal.invalid",
                                                     max_retries=0, http_client=http)
            events: list[ProviderEvent] = []
            async for event in twin.stream(REHEARSAL_REQUEST):
                events.append(event)
                await asyncio.sleep(0)  # an in-memory stream never waits: let real requests in between
            return events

    async def check(self) -> str:
        """Make one cheap request (list one model) and return what answered; raises on failure."""
        page = await self.client().models.list(limit=1)
        first = page.data[0].id if page.data else "no models listed"
        return first

    async def capabilities(self, model: str) -> Capabilities | None:
        """What `model` takes for thinking and effort: the Models API's answer, else backdev's table.

        Asked once per model and kept; a gateway without the Models API (or with no
        `capabilities` in its answer) falls back to `backdev.llm.models.CAPABILITIES`.
        """
        if model not in self._capabilities:
            info = await self.model_info(model)
            found = capabilities_from_api(info.get("capabilities")) if info else None
            self._capabilities[model] = found if found is not None else CAPABILITIES.get(model)
        return self._capabilities[model]

    async def model_info(self, model_id: str) -> dict[str, Any] | None:
        """What the Models API says about `model_id` (limits, capabilities), or None when the
        endpoint does not serve it (many gateways) or cannot be reached: callers fall back."""
        if not self.has_credentials:
            return None
        try:
            info = await self.client().with_options(max_retries=0).models.retrieve(model_id)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a missing Models API is normal for a gateway: the fallback table applies
            log.info("models.retrieve(%s) failed: %s", model_id, type(exc).__name__)
            return None
        return info.to_dict()  # type: ignore[no-any-return]

    async def count_tokens(self, request: Request) -> int | None:
        """The API's exact count of `request`'s prompt, or None where the endpoint does not offer it."""
        if not self.has_credentials:
            return None
        params = {k: v for k, v in to_api_params(request).items() if k != "max_tokens"}
        try:
            counted = await self._messages(params).count_tokens(**params)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # optional: the local estimate stands
            log.info("count_tokens failed: %s", type(exc).__name__)
            return None
        return int(counted.input_tokens)

    async def stream(self, request: Request) -> AsyncIterator[ProviderEvent]:
        """Stream one message; see `Provider.stream`."""
        if not self.has_credentials:
            yield StreamFailed(MISSING_KEY)
            return
        wants = request.reasoning is not None and request.reasoning.asked
        params = to_api_params(request, await self.capabilities(request.model) if wants else None)
        text_parts: list[str] = []
        saw_stop = False
        stream: Any = None
        started = time.monotonic()  # the person's wait, the SDK's retries included
        try:
            async with self._messages(params).stream(**params) as stream:
                content_type = stream.response.headers.get("content-type", "")
                if not content_type.startswith("text/event-stream"):
                    yield StreamFailed(not_a_stream(content_type.split(";")[0], self.base_url))
                    return
                async for event in stream:
                    kind = event.type
                    if kind == "text":
                        text_parts.append(event.text)
                        yield TextDelta(event.text)
                    elif kind == "message_start":
                        yield MessageStarted(_usage_of(event.message))
                    elif kind == "content_block_stop" and event.content_block.type == "tool_use":
                        block = event.content_block
                        yield ToolCallRequested(block.id, block.name, as_tool_input(block.input))
                    elif kind == "content_block_start" and event.content_block.type == "thinking":
                        yield ThinkingStarted()
                    elif kind == "content_block_stop" and event.content_block.type == "thinking":
                        yield Thought(event.content_block.thinking)
                    elif kind == "content_block_stop" and event.content_block.type == "redacted_thinking":
                        yield Thought("", redacted=True)
                    elif kind == "message_stop":
                        saw_stop = True
                message = stream.current_message_snapshot if saw_stop else None
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # every SDK and transport failure becomes one sentence
            repaired = _after_bad_tool_json(exc, stream)
            if repaired is not None:  # the model can correct its call: the turn goes on
                yield repaired
                return
            failure = classify_exception(exc, model=request.model, base_url=self.base_url, timeout=self.timeout,
                                         waited=time.monotonic() - started, retries=self.max_retries)
            api_message = getattr(exc, "api_message", None) or ""
            if failure.kind in ("too_large", "bad_request") and is_too_large(failure.status, api_message):
                failure = explain_too_large(params, failure.status, api_message)
            log.info("stream failed: %s (%s)", failure.kind, type(exc).__name__)
            yield StreamFailed(failure, "".join(text_parts), self._partial_usage(stream))
            return
        if message is None:
            yield StreamFailed(
                interrupted("the stream ended before the API said it was done"),
                "".join(text_parts),
                self._partial_usage(stream),
            )
            return
        yield MessageFinished([block_to_api(b) for b in message.content], message.stop_reason, _usage_of(message))

    def _messages(self, params: dict[str, Any]) -> Any:
        """The Messages resource for `params`: the beta one, with its header, when they carry a compaction block.

        (The beta stream's events have the same `type` names as the plain one's, so `stream` reads both alike.)
        """
        if carries_compaction(params):
            params["betas"] = [COMPACT_BETA]
            return self.client().beta.messages
        return self.client().messages

    async def compact(self, request: Request, instructions: str = "") -> MessageFinished | StreamFailed:
        """Ask the API to compact `request`'s conversation (server-side compaction, beta `compact-2026-09-04`).

        The answer's one `compaction` block comes back as the dict the API sent (to be sent back
        verbatim, first in later requests); its `content` is None when the compaction failed.
        `instructions` replace the server's own summarising prompt when not blank. Never raises for
        an API or transport problem: a `StreamFailed` says it.
        """
        if not self.has_credentials:
            return StreamFailed(MISSING_KEY)
        params = to_api_params(request)
        config: dict[str, Any] = {"type": "summarize"}
        if instructions.strip():
            config["instructions"] = instructions
        try:
            message = await self.client().beta.messages.create(**params, compaction=config, betas=[COMPACT_BETA])
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # every SDK and transport failure becomes one sentence
            failure = classify_exception(exc, model=request.model, base_url=self.base_url, timeout=self.timeout,
                                         retries=self.max_retries)
            log.info("compaction failed: %s (%s)", failure.kind, type(exc).__name__)
            return StreamFailed(failure)
        blocks = [block.to_dict() for block in message.content if block.type == "compaction"]
        return MessageFinished(blocks, message.stop_reason, _usage_of(message))

    @staticmethod
    def _partial_usage(stream: Any) -> Usage:
        snapshot = stream._current_snapshot_or_none() if stream is not None else None
        return _usage_of(snapshot) if snapshot is not None else Usage()
