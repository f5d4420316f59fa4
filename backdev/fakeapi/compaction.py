"""Server-side compaction in the fake (beta `compact-2026-09-04`), as strict as the real API.

A request with the top-level `compaction={"type": "summarize", "instructions": ...}` is a
compaction request: the fake answers it with one `compaction` block alone (`stop_reason`
`"compaction"`), whose `content` names the turns it summarised (and the instructions given, so a
test sees them arrive), signed so that the block can be checked when it comes back. A queued step
`{"type": "compaction", "content": None}` answers the next compaction request instead (a failed
compaction has null content).

What is refused with the API's 400 `invalid_request_error`:

- `compaction` (or a `compaction` block in `messages`) without the `compact-2026-09-04` beta
  header, or for a model whose Models API capabilities do not say `compaction.summarize`;
- a compaction request with `context_management`, `stop_sequences`, or a `tool_choice` that
  forces a tool (it returns no reply for them to shape), or whose conversation ends with a
  `tool_use` that has no result;
- a `compaction` block anywhere but first in the first (assistant) message, with empty-string
  content, with an unknown field, or whose signature does not match its content, encrypted
  content and tool changes (an edited or re-written block).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from backdev.fakeapi.thinking import capabilities_json

BETA = "compact-2026-09-04"
_KEY = b"backdev-fake-compaction"
_FIELDS = frozenset({"type", "content", "encrypted_content", "signature", "tool_changes", "cache_control"})
_DOCS = "Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/compaction"


def capability(supported: bool) -> dict[str, Any]:
    """The Models API's `compaction` capability object."""
    return {"supported": supported, "summarize": {"supported": supported}}


def capabilities_with_compaction(*models: str) -> dict[str, dict[str, Any]]:
    """`FakeOptions.capabilities` under which `models` take server-side compaction (others keep the default)."""
    return {model: {**capabilities_json(model), "compaction": capability(True)} for model in models}


def sign(block: dict[str, Any]) -> str:
    """The signature the fake gives a compaction block: over its content, encrypted content and tool changes."""
    signed = json.dumps([block.get("content"), block.get("encrypted_content"), block.get("tool_changes")],
                        sort_keys=True)
    return base64.b64encode(hmac.new(_KEY, signed.encode(), hashlib.sha256).digest()).decode()


def supports(capabilities: dict[str, Any]) -> bool:
    """Whether a model's capabilities say it takes `compaction={"type": "summarize"}`."""
    node = capabilities.get("compaction")
    return (isinstance(node, dict) and node.get("supported") is True and isinstance(node.get("summarize"), dict)
            and node["summarize"].get("supported") is True)


def betas_of(headers: dict[str, str]) -> set[str]:
    return {part.strip() for part in (headers.get("anthropic-beta") or "").split(",") if part.strip()}


def _blocks(message: Any) -> list[Any]:
    content = message.get("content") if isinstance(message, dict) else None
    return content if isinstance(content, list) else []


def opens_with_block(messages: list[Any]) -> bool:
    """True when the conversation starts with an assistant message whose first block is a compaction block."""
    first = _blocks(messages[0]) if messages else []
    return bool(first) and messages[0].get("role") == "assistant" and isinstance(first[0], dict) \
        and first[0].get("type") == "compaction"


def _block_problem(messages: list[Any]) -> str | None:
    for index, message in enumerate(messages):
        for position, block in enumerate(_blocks(message)):
            if not isinstance(block, dict) or block.get("type") != "compaction":
                continue
            where = f"messages.{index}.content.{position}"
            if index != 0 or position != 0 or message.get("role") != "assistant":
                return f"{where}: a `compaction` block may only be the first block of the first message"
            extra = sorted(set(block) - _FIELDS)
            if extra:
                return f"{where}.compaction.{extra[0]}: Extra inputs are not permitted"
            content = block.get("content")
            if content == "":
                return f"{where}.compaction.content: empty string content is not allowed"
            if content is not None and block.get("signature") != sign(block):
                return f"{where}: Invalid `signature` in `compaction` block"
    return None


def _request_problem(body: dict[str, Any]) -> str | None:
    config = body["compaction"]
    if not isinstance(config, dict) or config.get("type") != "summarize":
        return "compaction.type: Input tag does not match any of the expected tags: 'summarize'"
    if config.get("instructions") is not None and not isinstance(config["instructions"], str):
        return "compaction.instructions: Input should be a valid string"
    if set(config) - {"type", "instructions"}:
        return f"compaction.{sorted(set(config) - {'type', 'instructions'})[0]}: Extra inputs are not permitted"
    if "context_management" in body:
        return "`compaction` cannot be combined with `context_management`."
    if "stop_sequences" in body:
        return "`stop_sequences` is not supported on a compaction request."
    choice = body.get("tool_choice")
    if isinstance(choice, dict) and choice.get("type") in ("any", "tool"):
        return "`tool_choice` may not force tool use on a compaction request."
    messages = body.get("messages") or []
    last = messages[-1] if messages else {}
    if last.get("role") == "assistant" and any(isinstance(b, dict) and b.get("type") == "tool_use"
                                               for b in _blocks(last)):
        return (f"messages.{len(messages) - 1}: a compaction request cannot end with `tool_use` blocks that have no "
                "`tool_result`.")
    return None


def compaction_problem(body: dict[str, Any], headers: dict[str, str], capabilities: dict[str, Any]) -> str | None:
    """The first reason the real API would refuse `body`'s compaction (the parameter or a block), or None."""
    messages = body.get("messages") if isinstance(body.get("messages"), list) else []
    carries = any(isinstance(b, dict) and b.get("type") == "compaction" for m in messages for b in _blocks(m))
    asks = "compaction" in body
    if not (asks or carries):
        return None
    if BETA not in betas_of(headers):
        return ("compaction: Extra inputs are not permitted" if asks else
                "messages.0.content.0: Input tag 'compaction' found using 'type' does not match any of the "
                "expected tags")
    if not supports(capabilities):
        return f"compaction: 'summarize' is not supported for the model {body.get('model')}. {_DOCS}"
    return (_request_problem(body) if asks else None) or _block_problem(messages)


def _turn_line(message: dict[str, Any]) -> str:
    for block in _blocks(message):
        if isinstance(block, dict) and block.get("type") == "text":
            return " ".join(str(block.get("text", "")).split())[:80]
        if isinstance(block, dict) and block.get("type") == "compaction" and block.get("content"):
            return "earlier: " + " ".join(str(block["content"]).split())[:200]
    return ""


def summary_of(body: dict[str, Any]) -> str:
    """The deterministic summary the fake writes: the person's turns (and an earlier summary) by their first words."""
    messages = body.get("messages") or []
    lines = [f"Summary of {len(messages)} messages."]
    for message in messages:
        line = _turn_line(message)
        if line and (message.get("role") == "user" or line.startswith("earlier: ")):
            lines.append(f"- {line}")
    instructions = (body["compaction"].get("instructions") or "").strip()
    if instructions:
        lines.append(f"Instructions followed: {instructions}")
    return "\n".join(lines)


def compaction_block(body: dict[str, Any], step: dict[str, Any] | None) -> dict[str, Any]:
    """The one block of the answer: the summary (or the step's content, None for a failed compaction), signed."""
    content = step.get("content") if step is not None else summary_of(body)
    encrypted = base64.b64encode(f"fake:{len(body.get('messages') or [])}".encode()).decode()
    block: dict[str, Any] = {"type": "compaction", "content": content, "encrypted_content": encrypted,
                             "tool_changes": []}
    block["signature"] = sign(block)
    return block
