"""The structural checks the real Messages API makes on a request, with its own error sentences.

The fake answers any request that fails one of them with the API's 400 `invalid_request_error`,
so every test that talks to the fake also proves that what backdev sent was a valid conversation.
The sentences follow the API's (as reported by its users, e.g. "messages.33: `tool_use` ids were
found without `tool_result` blocks immediately after: toolu_…"); the checks are the ones that a
client assembling a conversation from a saved history can get wrong:

- `model` and a positive whole `max_tokens` are present, and no unknown top-level parameter is;
- there is at least one message, the first is the person's (or the assistant's compaction block:
  `compaction.py` checks those), and the roles alternate;
- no message is empty (except a final assistant message), no text block is empty or only spaces;
- every `tool_use` of an assistant message is answered by a `tool_result` at the start of the
  very next (user) message, and every `tool_result` answers a `tool_use` of the message before it.

`prompt_too_long` is the context-window check a fake instance may be given (issue 15 uses it).
"""

from __future__ import annotations

from typing import Any

from backdev.fakeapi.compaction import opens_with_block
from backdev.fakeapi.script import estimate_tokens

#: Top-level parameters the Messages API accepts (others are "Extra inputs are not permitted").
KNOWN_PARAMS = frozenset({
    "model", "messages", "max_tokens", "system", "tools", "tool_choice", "stream", "metadata",
    "stop_sequences", "temperature", "top_p", "top_k", "thinking", "service_tier", "container",
    "mcp_servers", "output_config", "context_management", "inference_geo", "compaction",
})


def prompt_tokens(body: dict[str, Any]) -> int:
    """The tokens of everything a request puts in front of the model: tools, system and messages."""
    return estimate_tokens([body.get("tools"), body.get("system"), body.get("messages")])


def prompt_too_long(body: dict[str, Any], window: int | None) -> str | None:
    """The API's sentence when the prompt does not fit a context window of `window` tokens."""
    if window is None:
        return None
    tokens = prompt_tokens(body)
    return f"prompt is too long: {tokens} tokens > {window} maximum" if tokens > window else None


def _blocks(message: dict[str, Any]) -> list[Any]:
    content = message.get("content")
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    return content if isinstance(content, list) else []


def _parameter_problem(body: dict[str, Any], *, needs_max_tokens: bool) -> str | None:
    for name in body:
        if name not in KNOWN_PARAMS:
            return f"{name}: Extra inputs are not permitted"
    if not isinstance(body.get("model"), str) or not body.get("model"):
        return "model: Field required"
    if needs_max_tokens:
        if "max_tokens" not in body:
            return "max_tokens: Field required"
        value = body["max_tokens"]
        if not isinstance(value, int) or isinstance(value, bool):
            return "max_tokens: Input should be a valid integer"
        if value < 1:
            return "max_tokens: Input should be greater than or equal to 1"
    return None


def _content_problem(index: int, message: dict[str, Any], last: bool) -> str | None:
    content = message.get("content")
    empty = f"messages.{index}: all messages must have non-empty content except for the optional final assistant message"
    may_be_empty = last and message.get("role") == "assistant"
    if isinstance(content, str):
        return empty if not content.strip() and not may_be_empty else None
    if not isinstance(content, list):
        return f"messages.{index}.content: Input should be a valid list"
    if not content and not may_be_empty:
        return empty
    for block in content:
        if not isinstance(block, dict) or "type" not in block:
            return f"messages.{index}.content: each content block needs a `type`"
        if block["type"] == "text":
            text = block.get("text")
            if not isinstance(text, str) or not text:
                return "messages: text content blocks must be non-empty"
            if not text.strip():
                return "messages: text content blocks must contain non-whitespace text"
    return None


def _tool_problem(index: int, messages: list[dict[str, Any]]) -> str | None:
    """The pairing of tool calls and results around message `index`."""
    message = messages[index]
    blocks = _blocks(message)
    if message.get("role") == "assistant":
        calls = [b.get("id") for b in blocks if isinstance(b, dict) and b.get("type") == "tool_use"]
        if not calls:
            return None
        following = _blocks(messages[index + 1]) if index + 1 < len(messages) else []
        answered = {b.get("tool_use_id") for b in following if isinstance(b, dict) and b.get("type") == "tool_result"}
        missing = [c for c in calls if c not in answered]
        if missing:
            return (f"messages.{index}: `tool_use` ids were found without `tool_result` blocks immediately after: "
                    f"{', '.join(str(m) for m in missing)}. Each `tool_use` block must have a corresponding "
                    "`tool_result` block in the next message.")
        leading = 0
        for block in following:
            if not (isinstance(block, dict) and block.get("type") == "tool_result"):
                break
            leading += 1
        if leading < len(calls):
            return (f"messages.{index + 1}: Did not find {len(calls)} `tool_result` block(s) at the beginning of this "
                    "message. Messages following `tool_use` blocks must begin with a matching number of "
                    "`tool_result` blocks.")
        return None
    previous = _blocks(messages[index - 1]) if index > 0 else []
    offered = {b.get("id") for b in previous if isinstance(b, dict) and b.get("type") == "tool_use"}
    for position, block in enumerate(blocks):
        if isinstance(block, dict) and block.get("type") == "tool_result" and block.get("tool_use_id") not in offered:
            return (f"messages.{index}.content.{position}: unexpected `tool_use_id` found in `tool_result` blocks: "
                    f"{block.get('tool_use_id')}. Each `tool_result` block must have a corresponding `tool_use` "
                    "block in the previous message.")
    return None


def request_problem(body: dict[str, Any], *, needs_max_tokens: bool = True) -> str | None:
    """The first reason the real API would refuse `body` with a 400, or None when it is valid.

    Args:
        body: the JSON body of a `/v1/messages` (or `count_tokens`) request.
        needs_max_tokens: False for `count_tokens`, which takes no `max_tokens`.
    """
    problem = _parameter_problem(body, needs_max_tokens=needs_max_tokens)
    if problem:
        return problem
    messages = body.get("messages")
    if not isinstance(messages, list):
        return "messages: Field required"
    if not messages:
        return "messages: at least one message is required"
    for index, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in ("user", "assistant"):
            return f"messages.{index}.role: Input should be 'user' or 'assistant'"
    if messages[0]["role"] != "user" and not opens_with_block(messages):  # a compaction block opens as assistant
        return 'messages: first message must use the "user" role'
    for index, message in enumerate(messages[1:], start=1):
        if message["role"] == messages[index - 1]["role"]:
            return (f'messages: roles must alternate between "user" and "assistant", but found multiple '
                    f'"{message["role"]}" roles in a row')
    for index, message in enumerate(messages):
        problem = _content_problem(index, message, index == len(messages) - 1) or _tool_problem(index, messages)
        if problem:
            return problem
    return None
