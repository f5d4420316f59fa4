"""A review's report in every format backdev writes: markdown and JSON (`report`), SARIF (`sarif`),
GitHub annotations and Code Climate JSON (`ci_formats`). Above all of them, so none imports another.
"""

from __future__ import annotations

from backdev.workflow.review.ci_formats import to_codeclimate, to_github
from backdev.workflow.review.report import ReviewReport, to_json, to_markdown
from backdev.workflow.review.sarif import to_sarif_text


def render(report: ReviewReport, fmt: str, *, exit_code: int = 0) -> str:
    """The report in `fmt` (md, json, sarif, github or codeclimate); `exit_code` goes into SARIF's invocation."""
    if fmt == "json":
        return to_json(report)
    if fmt == "sarif":
        return to_sarif_text(report, exit_code=exit_code, new=report.new)
    if fmt == "github":
        return to_github(report, report.new)
    if fmt == "codeclimate":
        return to_codeclimate(report)
    return to_markdown(report)
