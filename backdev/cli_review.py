"""`backdev review`: a non-interactive review for shells and CI.

Progress (the model's commentary and each finding as it is filed) streams to stderr; the report
goes to stdout or `--output`. Exit status: 0, or 1 when a finding is at least as severe as
`--fail-on`; 2 for a usage problem or when the API fails. Nothing is written or run in the
repository: only tools that need no approval are offered (findings, checklist ticks, reads). Each
part of the review runs through the same session driver as the chat (`backdev.chat.review_run`),
unattended.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, TextIO

from backdev.cli_errors import EXIT_USAGE, UsageError


def add_review_parser(commands: Any) -> None:
    """The `review` subcommand's arguments."""
    # loaded by the command that needs it: `backdev --help` stays fast
    from backdev.cli_completion import FILES, MODELS, PERSONAS, completes
    from backdev.cli_help import examples
    from backdev.cli_trust import TRUST_PROJECT_HELP
    from backdev.workflow.review.findings import DEFAULT_JOBS, FORMATS, SEVERITIES

    review = commands.add_parser(
        "review", help="review files, changes or a branch (shells and CI)",
        description="Review files, your uncommitted changes (--diff) or a branch (--base BRANCH) with the persona's "
                    "review standards. Progress goes to stderr, the report to stdout or --output. Exit status: 0; 1 when "
                    "a finding reaches --fail-on; 2 on a usage or API error.",
        epilog=examples(
            "backdev review app/views.py  # a markdown report on stdout",
            "backdev review --diff --format json  # your uncommitted changes",
            "backdev review --base origin/main  # your branch since it left main",
            "backdev review --base origin/main --format sarif -o review.sarif --fail-on high  # in CI: SARIF, exit 1 on high",
        ))
    completes(review.add_argument("paths", nargs="*", metavar="PATH", help="files, folders or globs to review"), FILES)
    review.add_argument("--diff", action="store_true", help="review the uncommitted changes (staged, unstaged, untracked)")
    review.add_argument("--base", metavar="BRANCH", help="review everything since the merge base with BRANCH")
    review.add_argument("--format", choices=FORMATS, default="md", help="report format (default: md)")
    completes(review.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE instead of stdout"),
              FILES)
    review.add_argument("--fail-on", choices=SEVERITIES, metavar="SEVERITY",
                        help="exit 1 when a finding is at least this severe: low, medium, high or critical")
    completes(review.add_argument("--persona", metavar="NAME", help="persona to review with (default: backend-developer)"),
              PERSONAS)
    completes(review.add_argument("--model", metavar="NAME", help="sonnet, opus, haiku or a full model id"), MODELS)
    review.add_argument("--trust-project", action="store_true", help=TRUST_PROJECT_HELP)
    completes(review.add_argument("--baseline", metavar="FILE",
                        help="an earlier SARIF or JSON report: only findings not in it count toward --fail-on"), FILES)
    review.add_argument("--jobs", "-j", type=_positive_int, default=DEFAULT_JOBS, metavar="N",
                        help=f"parts of a large review run at most N at a time (default: {DEFAULT_JOBS})")
    review.add_argument("--max-cost", type=_positive_float, metavar="DOLLARS",
                        help="stop before a request that would take the review's cost past DOLLARS (estimated)")


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number from 1")
    return int(text)


def _positive_float(text: str) -> float:
    try:
        value = float(text.lstrip("$"))
    except ValueError:
        value = -1.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not an amount of dollars above 0, e.g. 2.50")
    return value


def review_command(args: argparse.Namespace, cwd: Path, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run `backdev review`; returns the exit status (UsageError and friends are turned into 2 by the caller)."""
    import asyncio  # loaded by the command that needs it: `backdev --help` stays fast

    from backdev.chat.review_run import ReviewRun, merge_report
    from backdev.compose import make_provider, open_workspace
    from backdev.safe_text import safe_stream, visible
    from backdev.llm.models import UnknownModelError, resolve_model
    from backdev.logs import setup_logging
    from backdev.workflow.review.ci import budget_provider, finish_report, report_options, status_line
    from backdev.workflow.review.request import ReviewError, ReviewTarget, check_target, prepare_review

    out = safe_stream(out or sys.stdout)
    err = safe_stream(err or sys.stderr)
    try:
        target = check_target(ReviewTarget(tuple(args.paths), args.diff, args.base))
        model_notes = resolve_model(args.model).notes if args.model is not None else ()  # `--model ''` is refused
    except (ReviewError, UnknownModelError) as exc:
        raise UsageError(str(exc)) from exc
    for note in model_notes:  # said once, first: an unfamiliar id is sent as given
        err.write(f"note: {note}\n")
    # Never asks: a repository's configuration applies only if trusted before, or with --trust-project.
    workspace = open_workspace(cwd, {"model": args.model, "persona": args.persona},
                               trust=True if getattr(args, "trust_project", False) else None)
    # Everything the person can get wrong is checked before a session is stored or a request sent.
    try:
        options = report_options(args.format, args.fail_on, args.baseline, args.output, workspace.cwd)
        request = prepare_review(workspace.root, target, workspace.settings, workspace.policy, cwd=workspace.cwd,
                                 split=True)
        provider, budget = budget_provider(make_provider(workspace.settings), workspace.settings, args.max_cost)
    except ReviewError as exc:
        raise UsageError(str(exc)) from exc
    setup_logging()
    run = ReviewRun(workspace, request, provider, args.persona)
    try:
        first = run.start_first()
    except ReviewError as exc:
        raise UsageError(str(exc)) from exc
    for note in [n for n in run.notes if n not in model_notes] + request.notes:
        err.write(f"note: {note}\n")
    parts = run.parts
    split = f" · {len(parts)} parts, {min(args.jobs, len(parts))} at a time" if len(parts) > 1 else ""
    err.write(f"backdev review · {request.scope} · {first.persona_name} · {first.model_id}{split}\n")
    results = asyncio.run(run.run(jobs=args.jobs, err=err))
    failures = [r.failure or "the review did not finish." for r in results if r.report is None]
    merged = merge_report(request, results)
    if merged is None:
        err.write(f"backdev: {failures[0]}\n")
        return EXIT_USAGE
    report, text, status = finish_report(merged, options)
    text = visible(text)  # findings quote the repository: never raw to a terminal or a log
    if options.output:
        try:
            options.output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"Cannot write {args.output}: {exc.strerror}; give another --output.") from exc
        err.write(f"Report written to {args.output}\n")
    else:
        out.write(text)
        out.flush()
    err.write(f"{status_line(report)}\n")
    if failures:  # a partial report is kept, but the review is not complete
        reason = budget.stopped if budget is not None and budget.stopped else failures[0]
        err.write(f"backdev: {len(failures)} of {len(parts)} parts were not reviewed: {reason}\n")
        return EXIT_USAGE
    return status
