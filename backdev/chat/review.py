"""A review as one stream of events, for the app, the REPL and `backdev review` alike.

The review's message (the code, with line numbers) is sent as a turn; the model files findings
with `report_finding` and closes with a summary. Then come the findings (`FindingsShown`), the
saved report when the session saves it (after the person approves: `backdev review` writes its
report itself and saves nothing) and, last, `ReviewFinished` with the report.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import aclosing

from backdev.assistant import Assistant
from backdev.chat.events import ChatEvent, FindingsShown, Note, ReviewFinished
from backdev.llm.events import TurnFailed, TurnFinished
from backdev.tools.base import Approver
from backdev.workflow.review.report import counts_line, findings_list
from backdev.workflow.review.request import ReviewRequest
from backdev.workflow.review.steps import end_review_turn, review_report, review_workflow, save_review_artifact

NOT_FINISHED = "The review did not finish, so it was not saved; the findings so far are kept (/findings)."


async def review_events(assistant: Assistant, request: ReviewRequest, *, approve: Approver,
                        save: bool) -> AsyncGenerator[ChatEvent, None]:
    """Send the review `request` and stream its turn, then its findings and (when `save`) the saved report."""
    workflow = review_workflow(assistant.workflow, assistant.persona.name)
    summary: str | None = None
    failure = ""
    try:
        async with aclosing(assistant.send(request.text, approve=approve, extra_blocks=request.blocks,
                                           meta=request.meta)) as events:
            async for event in events:
                if isinstance(event, TurnFinished):
                    summary = event.text
                elif isinstance(event, TurnFailed):
                    failure = event.failure.outside_chat  # for backdev review: there is no chat to /retry in
                yield event
    finally:
        end_review_turn(workflow)  # findings are confined to the review's files during its turn only
    report = review_report(workflow, request, summary or "", assistant.model.model_id)
    yield FindingsShown(request.scope, tuple(report.findings),
                        f"Findings ({counts_line(report.findings)}):\n{findings_list(report.findings)}")
    if summary is None:
        yield Note(NOT_FINISHED, error=True)
    elif save:
        yield Note(await save_review_artifact(workflow, request, report, approve=approve, grants=assistant.grants))
    yield ReviewFinished(report, summary is not None, failure)
