"""What the session driver yields (events) and returns, and what it may ask; plain frozen dataclasses, no UI.

A front end renders a stream of `ChatEvent`s: the tool loop's events (`backdev.llm.events`) for a
turn, plus the driver's own — a line to show, the message leaving, a message not sent, the
conversation changing, a review's findings, a command's tables. It answers `Question`s through the async `Confirm`
callback it gave the driver (approvals go through its `Approver`).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from backdev.chat.transcript import TranscriptItem
from backdev.context.budget import LargeMessage
from backdev.context.estimate import format_fill
from backdev.llm.events import LoopEvent, Usage
from backdev.workflow.phases.outline import ExitWork
from backdev.workflow.review.findings import Finding

if TYPE_CHECKING:  # the reports' modules load with the first review or table, the commands' with the first command
    from backdev.chat.report import Report
    from backdev.commands.base import CommandOutcome
    from backdev.workflow.review.report import ReviewReport


@dataclass(frozen=True)
class Note:
    """A line for the person: a command's output, a note on the message, what happened."""

    text: str
    error: bool = False


@dataclass(frozen=True)
class MessageSent:
    """The message is ready and leaves now (a front end shows it and clears its prompt).

    Attributes:
        text: what is sent and stored (secret-looking values redacted).
        typed: what the person typed (to recognise it in the prompt).
        attachments: the attached paths.
    """

    text: str
    typed: str
    attachments: tuple[str, ...] = ()


NotSentReason = Literal["missing_paths", "secret_files", "no_repository", "too_large", "over_budget"]


@dataclass(frozen=True)
class NotSent:
    """Nothing was sent or stored: the person keeps `typed` to fix or confirm (`message` says what)."""

    typed: str
    reason: NotSentReason
    message: str


@dataclass(frozen=True)
class TranscriptCleared:
    """The conversation is another one now (`/new`, or a session opened): clear what is shown."""


@dataclass(frozen=True)
class SessionOpened:
    """Another saved session is current: show its transcript, its sent messages and its draft."""

    items: tuple[TranscriptItem, ...]
    sent: tuple[str, ...]
    draft: str


@dataclass(frozen=True)
class FindingsShown:
    """A review's findings, most severe first (`text` lists them for a line-mode front end)."""

    scope: str
    findings: tuple[Finding, ...]
    text: str


@dataclass(frozen=True)
class ReportShown:
    """A command's answer as tables (`/explain`, `/schema`); a line-mode front end prints `text`."""

    report: Report

    @property
    def text(self) -> str:
        return self.report.text


@dataclass(frozen=True)
class ReviewFinished:
    """A review's end: its report (the findings and the closing summary), whether it finished, and why
    not, in words for outside a chat (no `/retry`)."""

    report: ReviewReport
    finished: bool
    failure: str = ""


@dataclass(frozen=True)
class QuitRequested:
    """`/quit`: everything is saved; the front end leaves."""


ChatEvent = (LoopEvent | Note | MessageSent | NotSent | TranscriptCleared | SessionOpened | FindingsShown
             | ReportShown | ReviewFinished | QuitRequested)


TurnStarter = Callable[[], AsyncGenerator[ChatEvent, None]]


@dataclass(frozen=True)
class CommandResult:
    """What a command line did: events to show now, and a turn to stream next (a retry, a review)."""

    events: tuple[ChatEvent, ...] = ()
    turn: TurnStarter | None = None
    failed: bool = False


def outcome_events(outcome: CommandOutcome) -> tuple[ChatEvent, ...]:
    """What a command's outcome shows, as events (the turn that follows it is the driver's to start)."""
    events: list[ChatEvent] = [TranscriptCleared()] if outcome.cleared else []
    if outcome.findings is not None:
        events.append(FindingsShown(outcome.findings.scope, outcome.findings.findings, outcome.text))
    elif outcome.report is not None:
        events.append(ReportShown(outcome.report))
    elif outcome.text:
        events.append(Note(outcome.text, outcome.error))
    if outcome.quit:
        events.append(QuitRequested())
    return tuple(events)


@dataclass(frozen=True)
class SessionStatus:
    """What a status line shows: persona, model, repository (`shop (main*)`), phase, totals."""

    persona: str
    model: str
    repository: str
    phase: str = ""
    usage: Usage = field(default_factory=Usage)
    cost: float | None = 0.0
    context_tokens: int = 0  # the next request's estimated size (the fill gauge)...
    context_window: int = 0  # ...out of the model's window (0: not known)

    @property
    def context_fill(self) -> str:
        """The fill gauge (`context ▰▱▱▱▱ 18% of 200k`), or "" when the window is not known."""
        return format_fill(self.context_tokens, self.context_window) if self.context_window else ""


@dataclass(frozen=True)
class MissingPaths:
    """Some `@paths` do not exist or may not be attached: send the message without them?"""

    problem: str
    missing: tuple[str, ...]
    refused: tuple[str, ...]


@dataclass(frozen=True)
class SecretFiles:
    """Secret files (.env, keys…) are attached: send them? `preview` is exactly what would be sent."""

    files: tuple[str, ...]
    preview: str


@dataclass(frozen=True)
class CostLimit:
    """The next request would take the session past `max_session_cost`: send it anyway (for the rest
    of the session)?"""

    spent: float
    limit: float
    next_cost: float

    @property
    def problem(self) -> str:
        return (f"This session has spent ${self.spent:.2f} of its ${self.limit:.2f} limit (max_session_cost), and the "
                f"next request would cost about ${self.next_cost:.2f} more.")


@dataclass(frozen=True)
class LeavingPhase:
    """Leave the phase `left` for `entering` although `open` work stays there? No keeps the phase and
    changes nothing; nobody to ask (a script) means yes: its command said to move, and what stays
    open is said as it moves."""

    left: str
    entering: str
    open: ExitWork

    @property
    def problem(self) -> str:
        return f"The {self.left} phase is not finished: {self.open.describe()}."

    @property
    def question(self) -> str:
        return f"Move on to {self.entering} anyway?"


#: A `LargeMessage` is answered True (send it), False (cancel) or `RANGE` (attach a range instead);
#: every other question True or False.
RANGE = "range"
Question = MissingPaths | SecretFiles | LargeMessage | CostLimit | LeavingPhase
Answer = bool | Literal["range"]
Confirm = Callable[[Question], Awaitable[Answer]]


async def decline(question: Question) -> Answer:
    """The answer when nobody can be asked: no — but a phase is left as the command said (see `LeavingPhase`)."""
    return isinstance(question, LeavingPhase)
