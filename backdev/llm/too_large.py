"""When the API says a request is too large, say which part of it is large and what to do.

The API refuses a prompt over the model's context window with a 400 ("prompt is too long: N tokens
> M maximum") and a body over its size limit with a 413 (`request_too_large`). Either way the
person needs to know *what* made it large: one attachment of their message, one tool result the
model asked for (a whole file read, a long test log), or simply the conversation so far. The part
that holds most of the request is named; when no one part does, it is the conversation.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from backdev.llm.errors import too_large_failure
from backdev.llm.events import Failure

_ATTACHED = re.compile(r'^<(?:attached (?:file|folder)=|file path=)"([^"]+)"')
#: A part holding at least this share of the request is named as the one that makes it large.
MOST = 0.5


@dataclass(frozen=True)
class Part:
    """One part of a request, and its size."""

    kind: str  # "attachment" or "tool result"
    name: str
    chars: int


def is_too_large(status: int | None, api_message: str) -> bool:
    """Whether an API error says the request is too large (a 413, or a prompt over the window)."""
    return status == 413 or "prompt is too long" in api_message or "too large" in api_message.lower()


def _size(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=False))


def _tool_names(messages: list[dict[str, Any]]) -> dict[str, str]:
    return {b.get("id"): b.get("name", "a tool") for m in messages if m.get("role") == "assistant"
            for b in m.get("content") or [] if isinstance(b, dict) and b.get("type") == "tool_use"}


def largest_part(params: dict[str, Any]) -> Part | None:
    """The attachment or tool result of the last message that holds most of the request, if one does."""
    messages = params.get("messages") or []
    if not messages or not isinstance(messages[-1].get("content"), list):
        return None
    names = _tool_names(messages)
    parts: list[Part] = []
    for block in messages[-1]["content"]:
        if block.get("type") == "tool_result":
            parts.append(Part("tool result", names.get(block.get("tool_use_id"), "a tool"), _size(block)))
        elif block.get("type") == "text":
            match = _ATTACHED.match(block.get("text", ""))
            if match:
                parts.append(Part("attachment", match.group(1), _size(block)))
    if not parts:
        return None
    biggest = max(parts, key=lambda p: p.chars)
    return biggest if biggest.chars >= MOST * _size(params) else None


def explain_too_large(params: dict[str, Any], status: int | None, api_message: str) -> Failure:
    """The failure for a too-large request: which part is large, and what to do about it."""
    said = f"{status}: {api_message}" if api_message else str(status)
    part = largest_part(params)
    if part is None:
        system = _size([params.get("system"), params.get("tools")])
        if system >= MOST * _size(params):
            return Failure(
                "too_large",
                f"The system prompt — the persona, the project memory and the repository overview, ≈{system // 4:,} "
                f"tokens — is most of the request, which is too large for the model ({said}): lower "
                "`overview_max_tokens` or `memory_max_bytes` in your config, or use a model with a larger context "
                "window.", status, retryable=False)
        return Failure(
            "too_large",
            f"The conversation is too long for the model ({said}): /compact summarises the older turns and keeps "
            "the requirements, decisions and checklists word for word; or switch to a model with a larger context "
            "window with /model, or start a new session with /new (this one stays saved).",
            status, retryable=False,
            shell_message=f"The request is too long for the model ({said}): review fewer files or a smaller diff.",
        )
    tokens = f"≈{part.chars // 4:,} tokens"
    if part.kind == "attachment":
        return Failure(
            "too_large",
            f"The attachment @{part.name} makes the request too large for the model ({tokens}; {said}): attach a line "
            f"range such as @{part.name}:1-200 or a smaller file, and send again.",
            status, retryable=False,
            shell_message=f"{part.name} makes the request too large for the model ({tokens}; {said}): review fewer or "
                          "smaller files.",
        )
    return too_large_failure(
        said, f"the result of {part.name} ({tokens}) is most of it. Ask in a new message for a smaller part (a line "
              "range, a narrower search); this turn is left out of what the model sees.")
