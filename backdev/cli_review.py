"""`backdev review`: a non-interactive review for shells and CI.

Progress (the model's commentary and each finding as it is filed) streams to stderr; the report
goes to stdout or `--output`. Exit status: 0, or 1 when a finding is at least as severe as
`--fail-on`; 2 for a usage problem or when the API fails. Nothing is written or run in the
repository: only tools that need no approval are offered (findings, checklist ticks, reads).
"""

from __future__ import annotations

import argparse
import sys
from contextlib import aclosing
from pathlib import Path
from typing import Any, TextIO

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


def add_review_parser(commands: Any) -> None:
    """The `review` subcommand's arguments."""
    from backdev.workflow.findings import FORMATS, SEVERITIES

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


async def _stream(assistant: Any, request: Any, err: TextIO) -> tuple[str | None, str]:
    """Run the review turn, echoing progress to `err`; (the closing summary or None, the failure sentence)."""
    from backdev.llm.events import TextDelta, ToolCallFinished, TurnFailed, TurnFinished

    summary: str | None = None
    failure = ""
    async with aclosing(assistant.send(request.text, extra_blocks=request.blocks, meta=request.meta)) as events:
        async for event in events:
            if isinstance(event, TextDelta):
                err.write(event.text)
            elif isinstance(event, ToolCallFinished):
                err.write(f"\n  {'⚠' if event.is_error else '•'} {event.summary}\n")
            elif isinstance(event, TurnFinished):
                summary = event.text
            elif isinstance(event, TurnFailed):
                failure = event.failure.outside_chat  # no "/retry" here: there is no chat to type it in
            err.flush()
    err.write("\n")
    return summary, failure


def review_command(args: argparse.Namespace, cwd: Path, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run `backdev review`; returns the exit status (UsageError and friends are turned into 2 by the caller)."""
    import asyncio

    from backdev.cli import UsageError
    from backdev.compose import make_provider, open_store, open_workspace, start_session
    from backdev.llm.models import UnknownModelError, resolve_model
    from backdev.logs import setup_logging
    from backdev.tools.base import ToolRegistry
    from backdev.workflow.report import counts_line, render
    from backdev.workflow.review import ReviewError, ReviewTarget, check_target
    from backdev.workflow.reviewing import review_report, start_review

    out = out or sys.stdout
    err = err or sys.stderr
    try:
        target = check_target(ReviewTarget(tuple(args.paths), args.diff, args.base))
        if args.model is not None:
            resolve_model(args.model)
    except (ReviewError, UnknownModelError) as exc:
        raise UsageError(str(exc)) from exc
    workspace = open_workspace(cwd, {"model": args.model, "persona": args.persona})
    setup_logging()
    startup = start_session(workspace, open_store(), make_provider(workspace.settings), persona_name=args.persona)
    assistant = startup.assistant
    # Non-interactive: offer only the tools that need no approval (nothing is written or run).
    assistant.all_tools = ToolRegistry({n: t for n, t in assistant.all_tools.tools.items() if t.approval is None})
    for note in startup.notes:
        err.write(f"note: {note}\n")
    try:
        request = start_review(assistant, target)
    except ReviewError as exc:
        raise UsageError(str(exc)) from exc
    for note in request.notes:
        err.write(f"note: {note}\n")
    err.write(f"backdev review · {request.scope} · {assistant.persona.name} · {assistant.model.model_id}\n")
    summary, failure = asyncio.run(_stream(assistant, request, err))
    if summary is None:
        err.write(f"backdev: {failure or 'the review did not finish.'}\n")
        return EXIT_USAGE
    report = review_report(assistant, request, summary)
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
