"""Typed events that flow from a provider, through the tool loop, to a front end.

A provider yields `MessageStarted`, `TextDelta`, `ToolCallRequested`, `MessageFinished` or
`StreamFailed` for one API message. The tool loop passes those on and adds `ToolCallFinished`, `AssistantMessage`,
`ToolResultsMessage`, `StreamRetrying`, `TurnFinished` and `TurnFailed`, which is everything a
front end or the session store needs. Events are plain frozen dataclasses: no UI, no SDK types.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

FailureKind = Literal[
    "missing_key",
    "auth",
    "permission",
    "not_found",
    "bad_request",
    "too_large",
    "rate_limit",
    "overloaded",
    "server",
    "connection",
    "timeout",
    "interrupted",
    "tool_rounds",
    "budget",
    "unexpected",
]


@dataclass(frozen=True)
class Usage:
    """Token counts of one API message (or a sum of several)."""

    input: int = 0
    output: int = 0
    cache_write: int = 0
    cache_read: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.input + other.input,
            self.output + other.output,
            self.cache_write + other.cache_write,
            self.cache_read + other.cache_read,
        )

    def to_dict(self) -> dict[str, int]:
        return {
            "input": self.input,
            "output": self.output,
            "cache_write": self.cache_write,
            "cache_read": self.cache_read,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Usage:
        data = data or {}
        return cls(
            int(data.get("input", 0)),
            int(data.get("output", 0)),
            int(data.get("cache_write", 0)),
            int(data.get("cache_read", 0)),
        )


@dataclass(frozen=True)
class Failure:
    """Why a request or a stream failed, as one sentence for the person.

    Attributes:
        kind: the category (drives retry decisions and tests).
        message: one sentence for a chat: what happened and what to do next (may name `/retry`).
        status: the HTTP status, when there was one.
        retryable: whether asking again (`/retry`) may help.
        shell_message: the same sentence outside a chat (`backdev review`, `doctor`): no slash
            commands, no "restart backdev"; empty when `message` fits there as it is.
    """

    kind: FailureKind
    message: str
    status: int | None = None
    retryable: bool = True
    shell_message: str = ""

    @property
    def outside_chat(self) -> str:
        """The sentence to show where there is no chat to type `/retry` into."""
        return self.shell_message or self.message


# --- from a provider -------------------------------------------------------------------------


@dataclass(frozen=True)
class MessageStarted:
    """The API began a message (`message_start`) and reported what its prompt used.

    Those tokens are billed even when the reply is then cancelled or cut off, so they are what a
    reply that never finishes is recorded with.
    """

    usage: Usage


@dataclass(frozen=True)
class TextDelta:
    """A fragment of the reply's text, in order."""

    text: str


@dataclass(frozen=True)
class ThinkingStarted:
    """The model began a thinking block (a front end can say so while it thinks)."""


@dataclass(frozen=True)
class Thought:
    """A thinking block of the reply is complete (shown folded; it goes back to the API as it came).

    `redacted` is a block the API encrypted: there is nothing to show but that it happened.
    """

    text: str
    redacted: bool = False


@dataclass(frozen=True)
class ToolCallRequested:
    """The model asked to call a tool (its input is complete)."""

    call_id: str
    name: str
    input: dict[str, Any]


@dataclass(frozen=True)
class MessageFinished:
    """The API message ended with `message_stop`.

    Attributes:
        content: the message's content blocks as API dicts (text, tool_use, thinking), ready to
            be sent back in the conversation.
        stop_reason: `end_turn`, `tool_use`, `max_tokens`, `stop_sequence`, ...
        usage: token counts of this message.
    """

    content: list[dict[str, Any]]
    stop_reason: str | None
    usage: Usage


@dataclass(frozen=True)
class StreamFailed:
    """The request failed, or the stream ended without `message_stop`.

    Attributes:
        failure: what happened.
        partial_text: the reply text that arrived before the failure (kept, never dropped).
        usage: tokens reported before the failure, if any.
    """

    failure: Failure
    partial_text: str = ""
    usage: Usage = field(default_factory=Usage)


ProviderEvent = MessageStarted | TextDelta | ThinkingStarted | Thought | ToolCallRequested | MessageFinished | StreamFailed


# --- from the tool loop ----------------------------------------------------------------------


@dataclass(frozen=True)
class ToolCallFinished:
    """A tool ran (or was refused); `summary` is the one line shown and recorded."""

    call_id: str
    name: str
    input: dict[str, Any]
    summary: str
    is_error: bool = False
    detail: str = ""


@dataclass(frozen=True)
class AssistantMessage:
    """One complete API message from the model (a turn may hold several, between tool calls)."""

    content: list[dict[str, Any]]
    text: str
    stop_reason: str | None
    usage: Usage


@dataclass(frozen=True)
class ToolResultsMessage:
    """The tool results sent back to the model, as the user-role message the API expects."""

    content: list[dict[str, Any]]
    calls: tuple[ToolCallFinished, ...]


@dataclass(frozen=True)
class StreamRetrying:
    """A stream broke mid-reply; its partial text is kept and the message is asked for again."""

    failure: Failure
    partial_text: str
    attempt: int
    usage: Usage = field(default_factory=Usage)


@dataclass(frozen=True)
class TurnFinished:
    """The turn is over: the model stopped without asking for more tools."""

    text: str
    stop_reason: str | None
    usage: Usage


@dataclass(frozen=True)
class TurnFailed:
    """The turn ended on a failure; `partial_text` is what arrived of the last message.

    `usage` is the whole turn's (as `TurnFinished.usage`); `message_usage` is the failed message's
    own, which is what its row records (the turn's earlier messages have recorded theirs).
    """

    failure: Failure
    partial_text: str = ""
    usage: Usage = field(default_factory=Usage)
    message_usage: Usage = field(default_factory=Usage)


@dataclass(frozen=True)
class Notice:
    """A line for the person from the core, within a turn (e.g. a review's findings, where it was saved).

    `kind` lets a front end show something richer than the text: `findings` means the review's
    findings are ready in the workflow state (the app shows them as a table).
    """

    text: str
    error: bool = False
    kind: str = ""


LoopEvent = (
    MessageStarted
    | TextDelta
    | ThinkingStarted
    | Thought
    | ToolCallRequested
    | ToolCallFinished
    | AssistantMessage
    | ToolResultsMessage
    | StreamRetrying
    | TurnFinished
    | TurnFailed
    | Notice
)
