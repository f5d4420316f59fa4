"""`backdev review`: a non-interactive review for shells and CI.

Progress (the model's commentary and each finding as it is filed) streams to stderr; the report
goes to stdout or `--output`. Exit status: 0, or 1 when a finding is at least as severe as
`--fail-on`; 2 for a usage problem or when the API fails. Nothing is written or run in the
repository: only tools that need no approval are offered (findings, checklist ticks, reads). The
review runs through the same session driver as the chat (`backdev.chat`), unattended.
"""

from __future__ import annotations

import argparse
import sys
from contextlib import aclosing
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from backdev.cli_errors import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, UsageError

if TYPE_CHECKING:
    from backdev.chat.driver import ChatDriver
    from backdev.workflow.review.report import ReviewReport
    from backdev.workflow.review.request import ReviewRequest


def add_review_parser(commands: Any) -> None:
    """The `review` subcommand's arguments."""
    from backdev.workflow.review.findings import FORMATS, SEVERITIES  # not at import: `backdev --help` stays cheap

    review = commands.add_parser(
        "review", help="review files or changes, non-interactively (for shells and CI)",
        description="Review files, your uncommitted changes (--diff) or a branch (--base BRANCH) with the persona's "
                    "review standards. Progress goes to stderr, the report to stdout or --output. Exit status: 0; 1 when "
                    "a finding reaches --fail-on; 2 on a usage or API error.")
    review.add_argument("paths", nargs="*", metavar="PATH", help="files to review")
    review.add_argument("--diff", action="store_true", help="review the uncommitted changes (staged, unstaged, untracked)")
    review.add_argument("--base", metavar="BRANCH", help="review everything since the merge base with BRANCH")
    review.add_argument("--format", choices=FORMATS, default="md", help="report format (default: md)")
    review.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE instead of stdout")
    review.add_argument("--fail-on", choices=SEVERITIES, metavar="SEVERITY",
                        help="exit 1 when a finding is at least this severe: low, medium, high or critical")
    review.add_argument("--persona", metavar="NAME", help="persona to review with (default: backend-developer)")
    review.add_argument("--model", metavar="NAME", help="sonnet, opus, haiku or a full model id")


async def _stream(driver: ChatDriver, request: ReviewRequest, err: TextIO) -> tuple[ReviewReport | None, str]:
    """Run the review through the driver, echoing progress to `err`; (the report or None, the failure sentence)."""
    from backdev.chat.events import ReviewFinished  # here and below: `backdev --help` must not load what a review needs
    from backdev.llm.events import TextDelta, ToolCallFinished

    finished: ReviewFinished | None = None
    async with aclosing(driver.review(request, save=False)) as events:
        async for event in events:
            if isinstance(event, TextDelta):
                err.write(event.text)
            elif isinstance(event, ToolCallFinished):
                err.write(f"\n  {'⚠' if event.is_error else '•'} {event.summary}\n")
            elif isinstance(event, ReviewFinished):
                finished = event
            err.flush()
    err.write("\n")
    if finished is None or not finished.finished:
        return None, finished.failure if finished is not None else ""
    return finished.report, ""


def review_command(args: argparse.Namespace, cwd: Path, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run `backdev review`; returns the exit status (UsageError and friends are turned into 2 by the caller)."""
    import asyncio  # as in `_stream`: only a review loads these

    from backdev.chat.driver import ChatDriver
    from backdev.compose import make_provider, open_store, open_workspace, start_session
    from backdev.llm.models import UnknownModelError, resolve_model
    from backdev.logs import setup_logging
    from backdev.tools.base import ToolAccess
    from backdev.workflow.review.report import counts_line, render
    from backdev.workflow.review.request import ReviewError, ReviewTarget, check_target

    out = out or sys.stdout
    err = err or sys.stderr
    try:
        target = check_target(ReviewTarget(tuple(args.paths), args.diff, args.base))
        if args.model:
            resolve_model(args.model)
    except (ReviewError, UnknownModelError) as exc:
        raise UsageError(str(exc)) from exc
    workspace = open_workspace(cwd, {"model": args.model, "persona": args.persona})
    setup_logging()
    # Unattended: only the tools that never ask are offered, so nothing is written or run; nobody is
    # asked anything (the driver's default callbacks say no), and the repository is not attached.
    startup = start_session(workspace, open_store(), make_provider(workspace.settings), persona_name=args.persona,
                            access=ToolAccess.NO_APPROVAL)
    driver = ChatDriver(startup, workspace)
    for note in driver.startup_notes:
        err.write(f"note: {note}\n")
    try:
        request = driver.start_review(target)
    except ReviewError as exc:
        raise UsageError(str(exc)) from exc
    for note in request.notes:
        err.write(f"note: {note}\n")
    err.write(f"backdev review · {request.scope} · {driver.persona_name} · {driver.model_id}\n")
    report, failure = asyncio.run(_stream(driver, request, err))
    if report is None:
        err.write(f"backdev: {failure or 'the review did not finish.'}\n")
        return EXIT_USAGE
    text = render(report, args.format)
    if args.output:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"Cannot write {args.output}: {exc.strerror}; give another --output.") from exc
        err.write(f"Report written to {args.output}\n")
    else:
        out.write(text)
        out.flush()
    err.write(f"{counts_line(report.findings)}\n")
    if args.fail_on and report.worst_at_least(args.fail_on):
        return EXIT_FINDINGS
    return EXIT_OK
