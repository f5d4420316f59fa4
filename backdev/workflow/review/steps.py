"""A review from start to end, apart from streaming it: prepare, report, save.

1. `start_review(workflow, target, ...)` builds the request, switches to the review phase
   (clearing the last review's findings), confines findings to the review's files
   (`begin_review`) and returns what to send.
2. The session driver sends `request.text` with `request.blocks` and streams the turn; the model
   files findings with `report_finding` (see `backdev.chat.review`).
3. `review_report(...)` gathers the findings and the model's closing summary.
4. `save_review_artifact(...)` writes the report as markdown under the artifacts folder, after the
   person approves it (the same grant as `write_artifact`, so "for this session" covers both).
"""

from __future__ import annotations

import datetime as dt
from itertools import count
from pathlib import Path

from backdev.repo.safety import SafetyPolicy
from backdev.settings import Settings
from backdev.tools.base import ApprovalRequest, Approver, Decision
from backdev.workflow.actions.edits import ChangeRefused, artifacts_folder, prepare_artifact
from backdev.workflow.phases.engine import WorkflowSession
from backdev.workflow.review.report import ReviewReport, to_markdown
from backdev.workflow.review.request import ReviewError, ReviewRequest, ReviewTarget, prepare_review
from backdev.workflow.review.scope import ReviewScope

ARTIFACT_GRANT = "write_artifact"
DEFAULT_TEMPLATE = "reviews/review-{date}-{slug}.md"


def review_workflow(workflow: WorkflowSession | None, persona_name: str) -> WorkflowSession:
    """The session's workflow, when it has a review phase (ReviewError otherwise)."""
    if workflow is None or workflow.workflow.review_phase is None:
        raise ReviewError(
            f"The persona {persona_name} has no review phase: reviews need a workflow with a phase that "
            "lists finding `categories` (the built-in backend-developer has one)."
        )
    return workflow


def start_review(workflow: WorkflowSession, target: ReviewTarget, settings: Settings, policy: SafetyPolicy, *,
                 cwd: Path | None = None) -> ReviewRequest:
    """Prepare a review of `target` (paths relative to `cwd`, the root by default) and enter the
    review phase, with findings confined to the review's files (raises ReviewError)."""
    return begin_review(workflow, prepare_review(workflow.root, target, settings, policy, cwd=cwd))


def begin_review(workflow: WorkflowSession, request: ReviewRequest) -> ReviewRequest:
    """Enter the review phase for a prepared request; findings are confined to its files until
    `end_review_turn` (the review's own turn)."""
    workflow.begin_review(request.scope)
    workflow.finding_scope = ReviewScope(Path(workflow.root).resolve(), frozenset(request.in_scope))
    return request


def end_review_turn(workflow: WorkflowSession) -> None:
    """The review's turn is over: later in the chat, findings may point at any file again."""
    workflow.finding_scope = None


def review_report(workflow: WorkflowSession, request: ReviewRequest, summary: str, model_id: str) -> ReviewReport:
    """The review's report: the findings filed so far and the model's closing summary."""
    review = workflow.workflow.review_phase
    return ReviewReport.build(scope=request.scope, files=request.files, findings=workflow.state.findings,
                              summary=summary, model=model_id, categories=review.categories if review else (),
                              root=str(workflow.root))


def artifact_name(workflow: WorkflowSession, slug: str, today: dt.date | None = None) -> str:
    """The review artifact's name from the review phase's artifact template (`{date}`, `{slug}`)."""
    review = workflow.workflow.review_phase
    template = review.artifacts[0].path if review is not None and review.artifacts else DEFAULT_TEMPLATE
    date = (today or dt.date.today()).isoformat()
    base = template.replace("{date}", date).replace("{slug}", slug)
    # A second review of the same scope the same day gets the next free name (`{number}` counts up,
    # else `-2`, `-3`… before `.md`): one report never overwrites another.
    _, folder = artifacts_folder(Path(workflow.root), workflow.artifacts_dir)
    for number in count(1):
        if "{number}" in base:
            name = base.replace("{number}", f"{number:04d}")
        else:
            stem = base[:-3] if base.endswith(".md") else base
            name = base if number == 1 else f"{stem}-{number}.md"
        if not (folder / (name if name.endswith(".md") else name + ".md")).exists():
            return name
    raise AssertionError("unreachable")  # count() never ends


async def save_review_artifact(workflow: WorkflowSession, request: ReviewRequest, report: ReviewReport, *,
                               approve: Approver, grants: set[str]) -> str:
    """Write the report as the review artifact after approval; returns one line saying what happened.

    Args:
        approve: asks the person (unless `grants` already holds the artifact grant).
        grants: the session's "approve for this session" grants; updated when the person gives one.
    """
    try:
        change = prepare_artifact(Path(workflow.root), workflow.artifacts_dir, artifact_name(workflow, request.slug),
                                  to_markdown(report))
    except ChangeRefused as exc:
        return f"The review was not saved: {exc}"
    if not change.unchanged and ARTIFACT_GRANT not in grants:
        detail = change.diff() if change.old is not None else change.new
        decision = await approve(ApprovalRequest("write_artifact", "write", f"save the review as {change.relative}",
                                                 detail, grant=ARTIFACT_GRANT))
        if not decision.approved:
            return "The review was not saved (you declined); the findings stay in this session (/findings)."
        if decision is Decision.APPROVE_SESSION:
            grants.add(ARTIFACT_GRANT)
    try:
        change.apply()
    except ChangeRefused as exc:
        return f"The review was not saved: {exc}"
    workflow.record_artifact(change.relative)
    return f"Review saved to {change.relative}."
