"""What the fake Messages API answers: steps (plain dicts) turned into SSE events or JSON bodies.

A step is one answer to one request. Kinds:

- `{"type": "text", "text": "...", "chunk": 12, "delay": 0.0}` — a streamed text reply.
- Any reply step may carry `"thinking": "..."`: a signed thinking block before the text, sent only
  when the request turns thinking on (as the API does; its tokens are output tokens).
- `{"type": "tool_use", "text": "optional preface", "calls": [{"name": ..., "input": {...}}]}` (a call's
  `input_json` streams that raw text as its input instead, to play a model that sends broken JSON).
- `{"type": "error", "status": 529, "error_type": "overloaded_error", "retry_after_ms": 5}` — an
  HTTP error before any stream (`times: 3` to outlast the SDK's retries).
- `{"type": "cut", "text": "partial"}` — the chunked body breaks mid-chunk after the partial text.
- `{"type": "early_end", "text": "partial"}` — the body ends cleanly before `message_stop`.
- `{"type": "inband_error", "text": "partial", "error_type": "overloaded_error"}` — an SSE
  `error` event mid-stream.
- `{"type": "json_instead", "text": "..."}` — a streaming request answered with a plain JSON
  message, as some gateways do.

Any step may carry `delay` (seconds between chunks), `hang` (seconds before the first byte),
`times` (how many requests it answers), `usage` overrides, and `match`: a string the first message
of the conversation must contain for the step to answer it (so conversations run side by side
each get their own steps; steps without `match` answer any). With no step queued, the fake
echoes the last user message, so the app can be tried by hand without a key; a message holding
`[[error:NNN]]` is answered with that HTTP error instead (`printf 'x [[error:400]]\n' | backdev
chat --plain` shows what a failed turn does).
"""

from __future__ import annotations

import itertools
import json
import re
from typing import Any

from backdev.fakeapi.thinking import signature_of

_ids = itertools.count(1)

ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}


def sse(event: str, data: dict[str, Any]) -> bytes:
    """One server-sent event, with its `event:` line (the SDK skips unnamed events)."""
    return f"event: {event}\ndata: {json.dumps(data)}\n\n".encode()


def last_user_text(body: dict[str, Any]) -> str:
    for message in reversed(body.get("messages") or []):
        if message.get("role") != "user":
            continue
        content = message.get("content")
        if isinstance(content, str):
            return content
        texts = [b.get("text", "") for b in content or [] if b.get("type") == "text"]
        if texts:  # the person's own text is the last block (a phase's announcement comes first)
            return texts[-1]
    return ""


_ERROR_MARKER = re.compile(r"\[\[error:(\d{3})\]\]")


def echo_step(body: dict[str, Any]) -> dict[str, Any]:
    """The answer when nothing is queued: an echo of the last user text (or the error it asks for)."""
    text = last_user_text(body).strip() or "(nothing)"
    marker = _ERROR_MARKER.search(text)
    if marker:
        return {"type": "error", "status": int(marker.group(1)), "message": "an error asked for with [[error:NNN]]"}
    return {"type": "text", "text": f"**echo** — you said: {text}\n\nThis reply comes from backdev's fake API.", "chunk": 6}


def estimate_tokens(value: Any) -> int:
    return max(1, len(json.dumps(value)) // 4)


def _chunks(text: str, size: int) -> list[str]:
    size = max(1, size)
    return [text[i : i + size] for i in range(0, len(text), size)] or []


def content_blocks(step: dict[str, Any]) -> list[dict[str, Any]]:
    """The content blocks a step's reply holds (text first, then tool calls)."""
    blocks: list[dict[str, Any]] = []
    if step.get("thinking"):
        blocks.append({"type": "thinking", "thinking": step["thinking"], "signature": signature_of(step["thinking"])})
    if step.get("text"):
        blocks.append({"type": "text", "text": step["text"]})
    for call in step.get("calls") or []:
        blocks.append(
            {"type": "tool_use", "id": call.get("id") or f"toolu_fake{next(_ids):05d}", "name": call["name"],
             "input": call.get("input") or {}}
            # `input_json`: raw text streamed as the input's JSON (to test a model that sends broken JSON).
            | ({"input_json": call["input_json"]} if "input_json" in call else {})
        )
    return blocks


def stop_reason_of(step: dict[str, Any]) -> str:
    return step.get("stop_reason") or ("tool_use" if step.get("calls") else "end_turn")


def usage_for(body: dict[str, Any], output_text: str, cache: dict[str, int], step: dict[str, Any]) -> dict[str, int]:
    """Token counts, with prompt caching simulated: a prefix (tools + system) seen before is a cache read."""
    prefix = json.dumps([body.get("tools"), body.get("system")], sort_keys=True)
    prefix_tokens = estimate_tokens(prefix)
    has_breakpoint = "cache_control" in prefix
    usage = {
        "input_tokens": estimate_tokens(body.get("messages")),
        "output_tokens": max(1, len(output_text + str(step.get("thinking") or "")) // 4),
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
    }
    if has_breakpoint:
        if prefix in cache:
            usage["cache_read_input_tokens"] = prefix_tokens
        else:
            cache[prefix] = prefix_tokens
            usage["cache_creation_input_tokens"] = prefix_tokens
    else:
        usage["input_tokens"] += prefix_tokens
    usage.update(step.get("usage") or {})
    return usage


def delta_text(event: bytes) -> str:
    """The text a `content_block_delta` event carries ('' for a tool call's JSON)."""
    data = json.loads(event.split(b"data: ", 1)[1])
    return data["delta"].get("text", "")


def start_usage(usage: dict[str, int]) -> dict[str, int]:
    """What `message_start` reports: the input and cache counts, and one output token so far."""
    return dict(usage, output_tokens=1)


def stream_events(step: dict[str, Any], body: dict[str, Any], usage: dict[str, int]) -> list[bytes]:
    """The SSE events of a reply, in order, exactly as the API sends them.

    For `cut`, `early_end` and `inband_error` steps the list stops part way (the server then breaks
    the body, ends it, or appends the error event).
    """
    message_id = f"msg_fake{next(_ids):05d}"
    events = [
        sse("message_start", {"type": "message_start", "message": {
            "id": message_id, "type": "message", "role": "assistant", "model": body.get("model", "fake"),
            "content": [], "stop_reason": None, "stop_sequence": None, "usage": start_usage(usage)}}),
        sse("ping", {"type": "ping"}),
    ]
    partial_only = step["type"] in ("cut", "early_end", "inband_error")
    for index, block in enumerate(content_blocks(step)):
        if block["type"] == "thinking":
            events.append(sse("content_block_start", {"type": "content_block_start", "index": index,
                                                      "content_block": {"type": "thinking", "thinking": "", "signature": ""}}))
            for piece in _chunks(block["thinking"], int(step.get("chunk", 12))):
                events.append(sse("content_block_delta", {"type": "content_block_delta", "index": index,
                                                          "delta": {"type": "thinking_delta", "thinking": piece}}))
            events.append(sse("content_block_delta", {"type": "content_block_delta", "index": index,
                                                      "delta": {"type": "signature_delta", "signature": block["signature"]}}))
        elif block["type"] == "text":
            events.append(sse("content_block_start", {"type": "content_block_start", "index": index,
                                                      "content_block": {"type": "text", "text": ""}}))
            for piece in _chunks(block["text"], int(step.get("chunk", 12))):
                events.append(sse("content_block_delta", {"type": "content_block_delta", "index": index,
                                                          "delta": {"type": "text_delta", "text": piece}}))
        else:
            events.append(sse("content_block_start", {"type": "content_block_start", "index": index,
                                                      "content_block": {**block, "input": {}}}))
            raw_json = block.pop("input_json", None)
            for piece in _chunks(json.dumps(block["input"]) if raw_json is None else raw_json, 16):
                events.append(sse("content_block_delta", {"type": "content_block_delta", "index": index,
                                                          "delta": {"type": "input_json_delta", "partial_json": piece}}))
        if partial_only:
            return events
        events.append(sse("content_block_stop", {"type": "content_block_stop", "index": index}))
    events.append(sse("message_delta", {"type": "message_delta",
                                        "delta": {"stop_reason": stop_reason_of(step), "stop_sequence": None},
                                        "usage": {"output_tokens": usage["output_tokens"]}}))
    events.append(sse("message_stop", {"type": "message_stop"}))
    return events


def message_json(step: dict[str, Any], body: dict[str, Any], usage: dict[str, int]) -> dict[str, Any]:
    """The non-streaming response body of a reply."""
    return {
        "id": f"msg_fake{next(_ids):05d}", "type": "message", "role": "assistant",
        "model": body.get("model", "fake"), "content": content_blocks(step),
        "stop_reason": stop_reason_of(step), "stop_sequence": None, "usage": usage,
    }


def error_body(status: int, error_type: str | None = None, message: str | None = None) -> dict[str, Any]:
    kind = error_type or ERROR_TYPES.get(status, "api_error")
    return {"type": "error", "error": {"type": kind, "message": message or kind.replace("_", " ")},
            "request_id": f"req_fake{next(_ids):05d}"}


#: What the fake's Models API reports when the instance has no `context_window` of its own.
DEFAULT_MAX_INPUT_TOKENS = 200_000
DEFAULT_MAX_OUTPUT_TOKENS = 64_000
_SUPPORTED = {"supported": True}


def model_info(model: str, context_window: int | None) -> dict[str, Any]:
    """`GET /v1/models/{id}` as the API answers it: limits, lifecycle and capabilities."""
    return {
        "type": "model", "id": model, "display_name": model, "created_at": "2026-10-01T00:00:00Z",
        "lifecycle": "active", "deprecated_at": None, "retires_at": None,
        "max_input_tokens": context_window or DEFAULT_MAX_INPUT_TOKENS, "max_tokens": DEFAULT_MAX_OUTPUT_TOKENS,
        "capabilities": {
            "batch": _SUPPORTED, "citations": _SUPPORTED, "code_execution": _SUPPORTED, "image_input": _SUPPORTED,
            "pdf_input": _SUPPORTED, "structured_outputs": _SUPPORTED,
            "context_management": {"supported": True, "compact_20260112": _SUPPORTED,
                                   "clear_tool_uses_20250919": _SUPPORTED, "clear_thinking_20251015": _SUPPORTED},
            "effort": {"supported": True, "low": _SUPPORTED, "medium": _SUPPORTED, "high": _SUPPORTED,
                       "max": _SUPPORTED},
            "server_tools": {"supported": True, "code_execution": _SUPPORTED, "web_search": _SUPPORTED},
            "thinking": {"supported": True, "types": {"enabled": _SUPPORTED, "adaptive": _SUPPORTED}},
        },
    }
