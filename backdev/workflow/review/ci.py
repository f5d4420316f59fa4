"""The parts of `backdev review` that are not the conversation: checks made before any request,
and the report with its exit status after.

Everything the person can get wrong is checked before a session is stored or a request is sent:
the paths (`prepare_review`), `--output` (its folder exists and can be written) and `--baseline`
(a report of ours). Exit statuses are unchanged: 0, 1 when a (new) finding reaches `--fail-on`,
2 for a usage problem or an API failure.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from typing import Any

from backdev.cli_errors import EXIT_FINDINGS, EXIT_OK
from backdev.workflow.review.baseline import load_baseline, new_fingerprints
from backdev.workflow.review.budget import Budget, BudgetProvider, check_price
from backdev.workflow.review.formats import render
from backdev.workflow.review.report import ReviewReport, counts_line
from backdev.workflow.review.request import ReviewError


@dataclass(frozen=True)
class ReportOptions:
    """How to finish: the format, the threshold, the baseline's fingerprints (None: no baseline), the output file."""

    fmt: str = "md"
    fail_on: str | None = None
    baseline: frozenset[str] | None = None
    output: Path | None = None


def check_output(output: str | None, cwd: Path) -> Path | None:
    """The `--output` path, checked before any request: its folder exists and is writable.

    Raises:
        ReviewError: saying what to give instead.
    """
    if not output:
        return None
    path = Path(output).expanduser()
    path = path if path.is_absolute() else cwd / path
    if path.is_dir():
        raise ReviewError(f"--output {output} is a folder: give a file name, e.g. {Path(output) / 'review.sarif'}.")
    folder = path.parent
    if not folder.is_dir():
        raise ReviewError(f"--output {output}: the folder {folder} does not exist; create it or give another path.")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise ReviewError(f"--output {output} cannot be written (permission denied); give another path.")
    return path


def report_options(fmt: str, fail_on: str | None, baseline: str | None, output: str | None, cwd: Path) -> ReportOptions:
    """The checked options (raises ReviewError, BaselineError is one)."""
    fingerprints = None
    if baseline:
        path = Path(baseline).expanduser()
        fingerprints = load_baseline(path if path.is_absolute() else cwd / path)
    return ReportOptions(fmt, fail_on, fingerprints, check_output(output, cwd))


def finish_report(report: ReviewReport, options: ReportOptions) -> tuple[ReviewReport, str, int]:
    """(the report marked against the baseline, its text in the format, the exit status)."""
    if options.baseline is not None:
        report = replace(report, new=new_fingerprints(report.findings, options.baseline))
    failed = bool(options.fail_on) and report.worst_at_least(options.fail_on or "")
    status = EXIT_FINDINGS if failed else EXIT_OK
    return report, render(report, options.fmt, exit_code=status), status


def status_line(report: ReviewReport) -> str:
    """`1 high, 2 low` for stderr, with how many are new when there is a baseline."""
    line = counts_line(report.findings)
    if report.new is not None:
        fresh = sum(1 for f in report.findings if report.is_new(f))
        line += f" ({fresh} new, {len(report.findings) - fresh} in the baseline)"
    return line


def budget_provider(provider: Any, settings: Any, max_cost: float | None) -> tuple[Any, Budget | None]:
    """The provider every part shares: wrapped in a `Budget` when `--max-cost` is given.

    Raises:
        ReviewError: no API key (nothing could be sent), or the model's price is unknown, so the
            budget cannot be kept.
    """
    if not provider.has_credentials:
        raise ReviewError("No API key is set: export ANTHROPIC_API_KEY=sk-ant-… (or ANTHROPIC_BASE_URL for a "
                          "compatible gateway) and run the review again.")
    if max_cost is None:
        return provider, None
    from backdev.llm.cost import overrides_from_settings  # only with --max-cost
    from backdev.llm.models import resolve_model

    prices = overrides_from_settings(settings.prices)
    problem = check_price(resolve_model(settings.model).model_id, prices)
    if problem:
        raise ReviewError(problem)
    budget = Budget(max_cost, prices)
    return BudgetProvider(provider, budget), budget
