"""A review from start to end, for any front end: prepare, (the front end streams the turn), report, save.

1. `start_review(assistant, target)` builds the request, switches to the review phase (clearing
   the last review's findings) and returns what to send.
2. The front end sends `request.text` with `request.blocks` and streams the turn as usual; the
   model files findings with `report_finding`.
3. `review_report(...)` gathers the findings and the model's closing summary.
4. `save_review_artifact(...)` writes the report as markdown under the artifacts folder, after the
   person approves it (the same approval as `write_artifact`, so "for this session" covers both).

`review_turn` does 2–4 as one stream of events, which is what both front ends use.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import aclosing
from pathlib import Path
from typing import TYPE_CHECKING

from backdev.llm.events import LoopEvent, Notice, TurnFinished

from backdev.tools.base import ApprovalRequest, Decision
from backdev.workflow.actions.edits import ChangeRefused, prepare_artifact
from backdev.workflow.phases.engine import WorkflowSession
from backdev.workflow.review.report import ReviewReport, counts_line, findings_list, to_markdown
from backdev.workflow.review.request import ReviewError, ReviewRequest, ReviewTarget, prepare_review
from backdev.workflow.review.scope import ReviewScope

if TYPE_CHECKING:
    from backdev.assistant import Assistant

ARTIFACT_GRANT = "write_artifact"
DEFAULT_TEMPLATE = "reviews/review-{date}-{slug}.md"


def review_workflow(assistant: Assistant) -> WorkflowSession:
    """The assistant's workflow, when it has a review phase (ReviewError otherwise)."""
    workflow = assistant.workflow
    if not isinstance(workflow, WorkflowSession) or workflow.workflow.review_phase is None:
        raise ReviewError(
            f"The persona {assistant.persona.name} has no review phase: reviews need a workflow with a phase that "
            "lists finding `categories` (the built-in backend-developer has one)."
        )
    return workflow


def start_review(assistant: Assistant, target: ReviewTarget, *, cwd: Path | None = None) -> ReviewRequest:
    """Prepare a review of `target` (paths relative to `cwd`, the root by default) and enter the
    review phase, with findings confined to the review's files (raises ReviewError)."""
    review_workflow(assistant)
    request = prepare_review(Path(assistant.session.root), target, assistant.settings, cwd=cwd)
    return begin_review(assistant, request)


def begin_review(assistant: Assistant, request: ReviewRequest) -> ReviewRequest:
    """Enter the review phase for a prepared request; findings are confined to its files (raises ReviewError)."""
    workflow = review_workflow(assistant)
    workflow.begin_review(request.scope)
    workflow.review_scope = ReviewScope(Path(assistant.session.root).resolve(), frozenset(request.in_scope))
    return request


def take_pending_review(assistant: Assistant) -> ReviewRequest | None:
    """The review `/review` prepared for the front end to send (once)."""
    workflow = assistant.workflow
    request = getattr(workflow, "pending_review", None)
    if request is not None:
        workflow.pending_review = None  # type: ignore[union-attr]
    return request


def review_report(assistant: Assistant, request: ReviewRequest, summary: str) -> ReviewReport:
    """The review's report: the findings filed so far and the model's closing summary."""
    workflow = review_workflow(assistant)
    review = workflow.workflow.review_phase
    return ReviewReport.build(scope=request.scope, files=request.files, findings=workflow.state.findings,
                              summary=summary, model=assistant.model.model_id,
                              categories=review.categories if review else (), root=str(workflow.root))


def artifact_name(workflow: WorkflowSession, slug: str, today: dt.date | None = None) -> str:
    """The review artifact's name from the review phase's artifact template (`{date}`, `{slug}`)."""
    review = workflow.workflow.review_phase
    template = review.artifacts[0].path if review is not None and review.artifacts else DEFAULT_TEMPLATE
    date = (today or dt.date.today()).isoformat()
    return template.replace("{date}", date).replace("{slug}", slug).replace("{number}", "0001")


async def save_review_artifact(assistant: Assistant, request: ReviewRequest, report: ReviewReport) -> str:
    """Write the report as the review artifact after approval; returns one line saying what happened."""
    workflow = review_workflow(assistant)
    try:
        change = prepare_artifact(workflow.root, workflow.artifacts_dir, artifact_name(workflow, request.slug),
                                  to_markdown(report))
    except ChangeRefused as exc:
        return f"The review was not saved: {exc}"
    if not change.unchanged and ARTIFACT_GRANT not in assistant.grants:
        detail = change.diff() if change.old is not None else change.new
        decision = await assistant.approve(ApprovalRequest("write_artifact", "write", f"save the review as {change.relative}",
                                                           detail, grant=ARTIFACT_GRANT))
        if not decision.approved:
            return "The review was not saved (you declined); the findings stay in this session (/findings)."
        if decision is Decision.APPROVE_SESSION:
            assistant.grants.add(ARTIFACT_GRANT)
    try:
        change.apply()
    except ChangeRefused as exc:
        return f"The review was not saved: {exc}"
    workflow.record_artifact(change.relative)
    return f"Review saved to {change.relative}."


async def review_turn(assistant: Assistant) -> AsyncIterator[LoopEvent]:
    """Send the review `/review` prepared and stream its turn; then the findings and the saved report
    arrive as `Notice` events (the report is saved only when the review finished, after approval)."""
    request = take_pending_review(assistant)
    if request is None:
        return
    summary: str | None = None
    try:
        async with aclosing(assistant.send(request.text, extra_blocks=request.blocks, meta=request.meta)) as events:
            async for event in events:
                if isinstance(event, TurnFinished):
                    summary = event.text
                yield event
    finally:
        # Findings are confined to the review's files only during its turn; later in the chat, any file.
        review_workflow(assistant).review_scope = None
    report = review_report(assistant, request, summary or "")
    yield Notice(f"Findings ({counts_line(report.findings)}):\n{findings_list(report.findings)}", kind="findings")
    if summary is None:
        yield Notice("The review did not finish, so it was not saved; the findings so far are kept (/findings).", True)
        return
    yield Notice(await save_review_artifact(assistant, request, report))
