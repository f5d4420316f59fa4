"""`backdev review`'s sessions: one unattended session driver per part, side by side, merged into one report.

Each part of the review (see `backdev.workflow.review.parts`) is its own stored review session,
driven by its own `ChatDriver` exactly as `/review` is in a chat — `driver.review(request)` — but
with nobody to ask: only tools that never ask are offered (`ToolAccess.NO_APPROVAL`), the driver's
callbacks say no, and nothing is saved as an artifact (the CLI writes its report). All parts share
the provider (and its budget) and one reading of the repository.

A review in one part streams as a chat's does: the model's commentary and each finding as it is
filed. With several parts, their text would interleave, so each part reports a line as it starts
and one when it ends (`[3/10] shop/views.py, shop/urls.py: 1 high, 2 low`), and each finding or
refused call is printed with its part's number.
"""

from __future__ import annotations

import asyncio
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO

from backdev.assistant import Assistant
from backdev.chat.driver import ChatDriver
from backdev.chat.events import ReviewFinished
from backdev.compose import Workspace, open_store, start_session
from backdev.llm.events import TextDelta, ToolCallFinished
from backdev.tools.base import ToolAccess
from backdev.workflow.review.findings import Finding
from backdev.workflow.review.one_pass import one_pass_prompt
from backdev.workflow.review.parts import split_request
from backdev.workflow.review.report import ReviewReport, counts_line
from backdev.workflow.review.request import ReviewError, ReviewRequest
from backdev.workflow.review.steps import begin_review, review_workflow

if TYPE_CHECKING:
    from backdev.repo.context import RepoContext


@dataclass
class PartResult:
    """What one part produced: its report (None when it did not finish), its findings, why it failed."""

    request: ReviewRequest
    findings: list[Finding] = field(default_factory=list)
    summary: str | None = None
    failure: str = ""
    report: ReviewReport | None = None


def begin_one_pass(assistant: Assistant, request: ReviewRequest) -> None:
    """Make the session a review the model does in one pass: stored as a review (not listed among
    chats), in the review phase with findings confined to the request's files, and the one-pass
    review prompt as the phase text (`backdev.workflow.review.one_pass`).

    Raises:
        ReviewError: the persona's workflow has no review phase.
    """
    workflow = review_workflow(assistant.workflow, assistant.persona.name)
    assistant.store.mark_review(assistant.session.id)
    begin_review(workflow, request)
    phase = workflow.workflow.review_phase
    if phase is not None:
        workflow.use_phase_text(one_pass_prompt(phase))


async def stream_part(driver: ChatDriver, request: ReviewRequest, err: TextIO, prefix: str = "",
                      echo_text: bool = True) -> PartResult:
    """Run one part's review through its driver, echoing progress to `err`."""
    finished: ReviewFinished | None = None
    async with aclosing(driver.review(request, save=False)) as events:
        async for event in events:
            if isinstance(event, TextDelta) and echo_text:
                err.write(event.text)
            elif isinstance(event, ToolCallFinished):
                err.write(f"\n{prefix}  {'⚠' if event.is_error else '•'} {event.summary}\n")
            elif isinstance(event, ReviewFinished):
                finished = event
            err.flush()
    if echo_text:
        err.write("\n")
    if finished is None:  # the stream ended before the review did: nothing to report
        return PartResult(request, failure="the review did not finish.")
    findings = list(finished.report.findings)
    if not finished.finished:
        return PartResult(request, findings, None, finished.failure)
    return PartResult(request, findings, finished.report.summary, "", finished.report)


def merge_report(request: ReviewRequest, results: list[PartResult]) -> ReviewReport | None:
    """One report for the whole review (None when no part finished)."""
    finished = [r for r in results if r.report is not None]
    if not finished:
        return None
    if len(results) == 1:
        return finished[0].report
    summary = "\n\n".join(f"**{r.request.scope}**: {r.summary.strip()}" if r.summary is not None else
                          f"**{r.request.scope}**: not reviewed ({r.failure or 'the part did not finish'})"
                          for r in results)
    base = finished[0].report
    assert base is not None
    return ReviewReport.build(scope=request.scope, files=request.in_scope, findings=[f for r in results for f in r.findings],
                              summary=summary, model=base.model, categories=base.categories, root=base.root)


class ReviewRun:
    """The sessions of one `backdev review` (see the module docstring).

    `start_first()` opens part 1's session before anything runs, so a persona without a review
    phase is a usage error with nothing left stored; `run()` then reviews every part.
    """

    def __init__(self, workspace: Workspace, request: ReviewRequest, provider: Any, persona: str | None) -> None:
        self.workspace = workspace
        self.request = request
        self.provider = provider
        self.persona = persona
        self.store = open_store()
        self.parts = split_request(request)
        self.notes: list[str] = []
        self.first: ChatDriver | None = None
        self._repository: RepoContext | None = None  # read once, for every part

    def start(self, part: ReviewRequest) -> ChatDriver:
        """A new unattended review session for `part` (raises ReviewError, leaving nothing stored)."""
        startup = start_session(self.workspace, self.store, self.provider, persona_name=self.persona,
                                access=ToolAccess.NO_APPROVAL)
        driver = ChatDriver(startup, self.workspace)  # nobody to ask: its callbacks deny and decline
        try:
            begin_one_pass(startup.assistant, part)
        except ReviewError:
            self.store.delete_session(startup.assistant.session.id)
            raise
        if self._repository is None:
            self._repository = driver.read_repository()
        driver.attach_repository(self._repository)
        self.notes = self.notes or list(driver.startup_notes)
        return driver

    def start_first(self) -> ChatDriver:
        self.first = self.start(self.parts[0])
        return self.first

    async def run(self, *, jobs: int, err: TextIO) -> list[PartResult]:
        """Review every part, at most `jobs` at once (part 1's session is `first`, when started)."""
        gate = asyncio.Semaphore(max(1, jobs))
        parts = self.parts
        single = len(parts) == 1

        async def one(number: int, part: ReviewRequest) -> PartResult:
            async with gate:
                driver = self.first if number == 1 and self.first is not None else self.start(part)
                label = f"[{number}/{len(parts)}]"
                if not single:
                    err.write(f"{label} {part.scope}: reviewing\n")
                result = await stream_part(driver, part, err, prefix="" if single else label, echo_text=single)
                if not single:
                    outcome = counts_line(result.findings) if result.summary is not None else f"failed: {result.failure}"
                    err.write(f"{label} {part.scope}: {outcome}\n")
                    err.flush()
                return result

        return list(await asyncio.gather(*(one(n, p) for n, p in enumerate(parts, start=1))))
