"""A review for CI logs and widgets: GitHub Actions annotations and the Code Climate JSON GitLab reads.

`--format github` prints one workflow command per finding, which the Actions runner turns into an
annotation on the pull request's diff:
`::error file=shop/views.py,line=6,title=security%3A SQL built from request input::message`.
Critical and high findings are `error`, medium `warning`, low `notice`. As GitHub documents, `%`,
CR and LF are escaped in the message and in properties, and `:` and `,` in properties too.
Text from the model is the only input, so it is escaped, never passed through: a finding cannot
start a command of its own (`::stop-commands::`, `::add-mask::`) since its newlines are encoded.

`--format codeclimate` prints the JSON array of issues GitLab's code-quality widget reads:
`description`, `check_name`, `fingerprint`, `severity` (info, minor, major, critical, blocker)
and `location.path` with `location.lines.begin`, plus `type: issue` and `categories` from the
Code Climate spec.
"""

from __future__ import annotations

import json

from backdev.workflow.review.findings import fingerprint
from backdev.workflow.review.report import ReviewReport

GITHUB_COMMANDS = {"critical": "error", "high": "error", "medium": "warning", "low": "notice"}
CODECLIMATE_SEVERITY = {"critical": "blocker", "high": "critical", "medium": "major", "low": "minor"}
CODECLIMATE_CATEGORIES = {"security": "Security", "auth": "Security", "validation": "Security",
                          "sensitive-data": "Security", "performance": "Performance",
                          "maintainability": "Clarity", "testing": "Bug Risk"}


def escape_data(text: str) -> str:
    """A workflow command's message: `%`, CR and LF escaped."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value: as `escape_data`, plus `:` and `,`."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def to_github(report: ReviewReport, new: frozenset[str] | None = None) -> str:
    """One annotation per finding, then a closing `notice` with the summary (no notice when empty)."""
    lines = []
    for f in report.findings:
        marker = "" if new is None else (" (new)" if fingerprint(f) in new else " (in baseline)")
        properties = ",".join(f"{key}={escape_property(value)}" for key, value in (
            ("file", f.path), ("line", str(f.line)), ("title", f"{f.severity} {f.category}: {f.title}{marker}")))
        body = f.title + (f"\n\n{f.detail}" if f.detail else "") + (f"\n\nSuggestion: {f.suggestion}" if f.suggestion else "")
        lines.append(f"::{GITHUB_COMMANDS[f.severity]} {properties}::{escape_data(body)}")
    if report.summary:
        lines.append(f"::notice title={escape_property('backdev review')}::{escape_data(report.summary)}")
    return "\n".join(lines) + ("\n" if lines else "")


def to_codeclimate(report: ReviewReport) -> str:
    """The Code Climate issues (a JSON array; `[]` without findings). GitLab itself tells new issues from
    old ones by fingerprint, against the target branch's report."""
    issues = []
    for f in report.findings:
        description = f.title if not f.detail else f"{f.title}: {f.detail}"
        issue = {
            "type": "issue",
            "description": description,
            "check_name": f.category,
            "categories": [CODECLIMATE_CATEGORIES.get(f.category, "Bug Risk")],
            "fingerprint": fingerprint(f),
            "severity": CODECLIMATE_SEVERITY[f.severity],
            "location": {"path": f.path, "lines": {"begin": f.line}},
        }
        if f.suggestion:
            issue["content"] = {"body": f.suggestion}
        issues.append(issue)
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"
