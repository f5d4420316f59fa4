"""Running a review's parts (see `parts`) side by side, with progress on stderr, merged into one report.

A review in one part streams as before: the model's commentary and each finding as it is filed.
With several parts, their text would interleave, so each part reports a line as it starts and
one when it ends (`[3/10] shop/views.py, shop/urls.py: 1 high, 2 low`), and each finding or
refused call is printed with its part's number.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO

from backdev.workflow.review.artifact import review_report, review_workflow
from backdev.workflow.review.findings import Finding
from backdev.workflow.review.report import ReviewReport, counts_line
from backdev.workflow.review.request import ReviewError, ReviewRequest

if TYPE_CHECKING:
    from backdev.assistant import Assistant


@dataclass
class PartResult:
    """What one part produced: its findings, its summary (None when it failed) and why it failed."""

    request: ReviewRequest
    findings: list[Finding] = field(default_factory=list)
    summary: str | None = None
    failure: str = ""
    assistant: Assistant | None = None


async def stream_part(assistant: Assistant, request: ReviewRequest, err: TextIO, prefix: str = "",
                      echo_text: bool = True) -> tuple[str | None, str]:
    """Run one part's turn, echoing progress to `err`; (the closing summary or None, the failure sentence)."""
    from backdev.llm.events import TextDelta, ToolCallFinished, TurnFailed, TurnFinished

    summary: str | None = None
    failure = ""
    async with aclosing(assistant.send(request.text, extra_blocks=request.blocks, meta=request.meta)) as events:
        async for event in events:
            if isinstance(event, TextDelta) and echo_text:
                err.write(event.text)
            elif isinstance(event, ToolCallFinished):
                err.write(f"\n{prefix}  {'⚠' if event.is_error else '•'} {event.summary}\n")
            elif isinstance(event, TurnFinished):
                summary = event.text
            elif isinstance(event, TurnFailed):
                failure = event.failure.outside_chat  # no "/retry" here: there is no chat to type it in
            err.flush()
    if echo_text:
        err.write("\n")
    return summary, failure


async def run_parts(parts: list[ReviewRequest], start: Callable[[ReviewRequest], Assistant], *, jobs: int,
                    err: TextIO, first: Assistant | None = None) -> list[PartResult]:
    """Review every part, at most `jobs` at once; `start` opens a part's session (`first` is part 1's, ready)."""
    gate = asyncio.Semaphore(max(1, jobs))
    single = len(parts) == 1

    async def one(number: int, part: ReviewRequest) -> PartResult:
        async with gate:
            assistant = first if number == 1 and first is not None else start(part)
            label = f"[{number}/{len(parts)}]"
            if not single:
                err.write(f"{label} {part.scope}: reviewing\n")
            summary, failure = await stream_part(assistant, part, err, prefix="" if single else label,
                                                 echo_text=single)
            findings = list(review_workflow(assistant).state.findings)
            if not single:
                outcome = counts_line(findings) if summary is not None else f"failed: {failure}"
                err.write(f"{label} {part.scope}: {outcome}\n")
                err.flush()
            return PartResult(part, findings, summary, failure, assistant)

    return list(await asyncio.gather(*(one(n, p) for n, p in enumerate(parts, start=1))))


def merge_report(request: ReviewRequest, results: list[PartResult]) -> ReviewReport | None:
    """One report for the whole review (None when no part finished)."""
    finished = [r for r in results if r.summary is not None]
    if not finished:
        return None
    if len(results) == 1:
        assert results[0].assistant is not None
        return review_report(results[0].assistant, request, results[0].summary or "")
    summary = "\n\n".join(f"**{r.request.scope}**: {r.summary.strip()}" if r.summary is not None else
                          f"**{r.request.scope}**: not reviewed ({r.failure or 'the part did not finish'})"
                          for r in results)
    base = review_report(finished[0].assistant, request, "")  # type: ignore[arg-type]
    return ReviewReport.build(scope=request.scope, files=request.in_scope, findings=[f for r in results for f in r.findings],
                              summary=summary, model=base.model, categories=base.categories, root=base.root)


class ReviewRun:
    """The sessions of one `backdev review`: one stored review session per part, all sharing the
    provider (and its budget) and one reading of the repository.

    `start_first()` opens part 1's session before anything runs, so a persona without a review
    phase is a usage error with nothing left stored; `run()` then reviews every part.
    """

    def __init__(self, workspace: Any, request: ReviewRequest, provider: Any, persona: str | None) -> None:
        from backdev.compose import open_store
        from backdev.workflow.review.ci import SharedRepository
        from backdev.workflow.review.parts import split_request

        self.workspace = workspace
        self.request = request
        self.provider = provider
        self.persona = persona
        self.store = open_store()
        self.repository = SharedRepository()
        self.parts = split_request(request)
        self.notes: list[str] = []
        self.first: Assistant | None = None

    def start(self, part: ReviewRequest) -> Assistant:
        """A new review session for `part` (raises ReviewError, leaving nothing stored)."""
        from backdev.compose import start_session
        from backdev.workflow.review.ci import begin_one_pass

        startup = start_session(self.workspace, self.store, self.provider, persona_name=self.persona)
        try:
            begin_one_pass(startup.assistant, self.workspace, part, self.repository)
        except ReviewError:
            self.store.delete_session(startup.assistant.session.id)
            raise
        self.notes = self.notes or startup.notes
        return startup.assistant

    def start_first(self) -> Assistant:
        self.first = self.start(self.parts[0])
        return self.first

    async def run(self, *, jobs: int, err: TextIO) -> list[PartResult]:
        return await run_parts(self.parts, self.start, jobs=jobs, err=err, first=self.first)
