"""Thinking and effort in the fake: the Models API's capabilities, the API's checks, signed blocks.

What the real API checks, with its sentences:

- `thinking.type` is one the model takes (`enabled`, `adaptive`, `disabled`); `enabled` needs a
  whole `budget_tokens` of at least 1,024 and below `max_tokens`;
- with thinking on, `temperature` may only be 1, `top_k` is not allowed, nor a `tool_choice`
  that forces a tool;
- `output_config.effort` is a known level the model takes;
- every thinking block sent back carries the signature the API gave it, unchanged (the fake
  signs the thinking text, so an edited block or a lost signature is refused);
- with `enabled` thinking, the assistant message whose tool calls the conversation is answering
  starts with its thinking block (a client that drops thinking blocks breaks the tool round).

A model's capabilities come from backdev's table (`backdev.llm.models.CAPABILITIES`) unless the
fake instance is given its own (`FakeOptions.capabilities`, in the Models API's JSON shape).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

from backdev.llm.models import CAPABILITIES

_EFFORTS = ("low", "medium", "high", "xhigh", "max")
_KEY = b"backdev-fake-thinking"
_DOCS = "Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking"


def signature_of(text: str) -> str:
    """The signature the fake gives a thinking block (what it checks when the block comes back)."""
    return base64.b64encode(hmac.new(_KEY, text.encode(), hashlib.sha256).digest()).decode()


def capabilities_json(model: str, overrides: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """The Models API's `capabilities` object of `model` (thinking and effort, as the API writes them)."""
    if overrides and model in overrides:
        return overrides[model]
    known = CAPABILITIES.get(model)
    thinking = known.thinking if known else frozenset()
    effort = known.effort if known else frozenset()

    def flag(on: bool) -> dict[str, bool]:
        return {"supported": on}

    return {
        "thinking": {"supported": bool(thinking), "types": {
            "enabled": flag("enabled" in thinking), "adaptive": flag("adaptive" in thinking),
            "disabled": flag(True), "between_tools": flag(False)}},
        "effort": {"supported": bool(effort), **{level: flag(level in effort) for level in _EFFORTS}},
    }


def _takes(capabilities: dict[str, Any], *path: str) -> bool:
    node: Any = capabilities
    for name in path:
        node = node.get(name) if isinstance(node, dict) else None
    return isinstance(node, dict) and node.get("supported") is True


def thinking_type(body: dict[str, Any]) -> str | None:
    """`enabled` or `adaptive` when the request turns thinking on, else None."""
    thinking = body.get("thinking")
    kind = thinking.get("type") if isinstance(thinking, dict) else None
    return kind if kind in ("enabled", "adaptive") else None


def _parameter_problem(body: dict[str, Any], capabilities: dict[str, Any]) -> str | None:
    model = body.get("model")
    thinking = body.get("thinking")
    if thinking is not None:
        kind = thinking.get("type") if isinstance(thinking, dict) else None
        if kind not in ("enabled", "adaptive", "disabled", "between_tools"):
            return "thinking: Input tag does not match any of the expected tags: 'enabled', 'disabled', 'adaptive'"
        if kind != "disabled" and not _takes(capabilities, "thinking", "types", kind):
            return f"thinking.type: '{kind}' is not supported for the model {model}."
        if kind == "enabled":
            budget = thinking.get("budget_tokens")
            if not isinstance(budget, int) or isinstance(budget, bool):
                return "thinking.enabled.budget_tokens: Field required" if budget is None else \
                    "thinking.enabled.budget_tokens: Input should be a valid integer"
            if budget < 1024:
                return "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024"
            if isinstance(body.get("max_tokens"), int) and body["max_tokens"] <= budget:
                return f"`max_tokens` must be greater than `thinking.budget_tokens`. {_DOCS}"
        if kind in ("enabled", "adaptive"):
            if "temperature" in body and body["temperature"] != 1:
                return "`temperature` may only be set to 1 when thinking is enabled or in adaptive mode. " + _DOCS
            if "top_k" in body:
                return "`top_k` is not supported when thinking is enabled. " + _DOCS
            choice = body.get("tool_choice")
            if isinstance(choice, dict) and choice.get("type") in ("any", "tool"):
                return "Thinking may not be enabled when tool_choice forces tool use."
    config = body.get("output_config")
    if isinstance(config, dict) and config.get("effort") is not None:
        effort = config["effort"]
        if effort not in _EFFORTS:
            return "output_config.effort: Input should be 'low', 'medium', 'high', 'xhigh' or 'max'"
        if not _takes(capabilities, "effort", effort):
            return f"output_config.effort: '{effort}' is not supported for the model {model}."
    return None


def _block_problem(messages: list[Any]) -> str | None:
    for index, message in enumerate(messages):
        content = message.get("content") if isinstance(message, dict) else None
        for position, block in enumerate(content if isinstance(content, list) else []):
            if not isinstance(block, dict) or block.get("type") != "thinking":
                continue
            where = f"messages.{index}.content.{position}"
            if message.get("role") != "assistant":
                return f"{where}: thinking blocks may only appear in `assistant` messages"
            if not isinstance(block.get("signature"), str):
                return f"{where}.thinking.signature: Field required"
            if block["signature"] != signature_of(str(block.get("thinking", ""))):
                return f"{where}: Invalid `signature` in `thinking` block"
    return None


def _tool_round_problem(messages: list[Any]) -> str | None:
    """With budget thinking, the assistant message a tool round answers must start with its thinking."""
    if len(messages) < 2 or not isinstance(messages[-1], dict) or not isinstance(messages[-2], dict):
        return None
    last = messages[-1].get("content")
    answering = isinstance(last, list) and any(isinstance(b, dict) and b.get("type") == "tool_result" for b in last)
    content = messages[-2].get("content")
    if not answering or messages[-2].get("role") != "assistant" or not isinstance(content, list) or not content:
        return None
    first = content[0].get("type") if isinstance(content[0], dict) else None
    if first in ("thinking", "redacted_thinking"):
        return None
    return (f"messages.{len(messages) - 2}.content.0.type: Expected `thinking` or `redacted_thinking`, but found "
            f"`{first}`. When `thinking` is enabled, a final `assistant` message must start with a thinking block "
            "(preceeding the lastmost set of `tool_use` and `tool_result` blocks). We recommend you include thinking "
            f"blocks from previous turns. To avoid this requirement, disable `thinking`. {_DOCS}")


def thinking_problem(body: dict[str, Any], capabilities: dict[str, Any]) -> str | None:
    """The first reason the real API would refuse `body`'s thinking or effort, or None."""
    messages = body.get("messages") if isinstance(body.get("messages"), list) else []
    problem = _parameter_problem(body, capabilities) or _block_problem(messages)
    if problem is None and thinking_type(body) == "enabled":
        problem = _tool_round_problem(messages)
    return problem
