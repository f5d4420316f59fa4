"""Helpers for the workflow tests that drive the assistant through the fake API (real SDK, real HTTP)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from backdev.assistant import Assistant
from backdev.compose import Workspace, open_store, start_session
from backdev.fakeapi import FakeAnthropic
from backdev.tools.base import ApprovalRequest, Decision

from .conftest import fake_provider


@dataclass
class Approver:
    """Answers approval requests from a script (default: approve once) and records them."""

    answers: list[Decision] = field(default_factory=list)
    asked: list[ApprovalRequest] = field(default_factory=list)

    async def __call__(self, request: ApprovalRequest) -> Decision:
        self.asked.append(request)
        return self.answers.pop(0) if self.answers else Decision.APPROVE_ONCE


def assistant_with(api: FakeAnthropic, workspace: Workspace, **kw: Any) -> Assistant:
    """An assistant over the real SDK and the fake API (its turns take the approver: `send(..., approve=)`)."""
    return start_session(workspace, open_store(), fake_provider(api), **kw).assistant


def calls(*pairs: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    """One fake-API step asking for these tool calls."""
    return {"type": "tool_use", "calls": [{"name": name, "input": args} for name, args in pairs]}


def call(tool: str, /, **args: Any) -> dict[str, Any]:
    return calls((tool, args))


def text(reply: str) -> dict[str, Any]:
    return {"type": "text", "text": reply}


def tool_results(api: FakeAnthropic, index: int) -> list[tuple[str, bool]]:
    """(content, is_error) of the tool results sent in request `index`."""
    blocks = api.message_requests[index].body["messages"][-1]["content"]
    return [(b["content"], bool(b.get("is_error"))) for b in blocks if b.get("type") == "tool_result"]


def system_of(api: FakeAnthropic, index: int) -> list[dict[str, Any]]:
    return api.message_requests[index].body["system"]


def phase_text_of(api: FakeAnthropic, index: int) -> str:
    """The latest phase announcement request `index` carries (in the conversation, not the system)."""
    texts = [b["text"] for m in api.message_requests[index].body["messages"] if m["role"] == "user"
             for b in m["content"] if b.get("type") == "text" and b["text"].startswith("# Workflow: phase")]
    return texts[-1] if texts else ""
