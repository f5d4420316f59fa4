"""What a front end shows of the workflow: phases, the current one, its checklist, the last test run.

The TUI side panel and the REPL's `/phase` render a `WorkflowView`; the assistant builds it from
the session's phase state. A persona without a workflow has no view (a plain chat).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from backdev.workflow.review.findings import Finding

# A checklist item's mark: open, done or not applicable.
ItemMark = Literal["open", "done", "na"]


@dataclass(frozen=True)
class ChecklistItemView:
    id: str
    text: str
    state: ItemMark = "open"
    note: str = ""


@dataclass(frozen=True)
class PhaseView:
    id: str
    title: str


@dataclass(frozen=True)
class WorkflowView:
    """Everything the side panel shows."""

    phases: tuple[PhaseView, ...]
    current: str | None
    checklist: tuple[ChecklistItemView, ...] = field(default=())
    artifacts: tuple[str, ...] = field(default=())
    last_test_run: str | None = None
    # Added by the workflow issue (all with defaults, so the panel's constructor calls still work).
    findings: tuple[Finding, ...] = field(default=())
    review_scope: str = ""
    goal: str = ""
