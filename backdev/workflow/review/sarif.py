"""A review as a SARIF 2.1.0 log that code-scanning services load without warnings.

What consumers read, and where it is:

- `artifactLocation.uri` is the path relative to the repository root, percent-encoded (a space or
  an `é` is not allowed in a URI reference), with `uriBaseId: %SRCROOT%`, which the run's
  `originalUriBaseIds` maps to the repository's `file:` URI (ending in `/`).
- One rule per category used, with `shortDescription`, `fullDescription` and `help` (text and
  markdown). GitHub reads `tags` and `security-severity` from the rule, not the result: security
  categories get the highest severity among their results as a CVSS-like score, and the tag
  `security`; the others get `problem.severity` only, so they are not shown as security alerts.
- `partialFingerprints` holds the finding's fingerprint (path, category, source line, title: never
  the line number), so a service tracks a finding across pushes; with `--baseline` each result's
  `baselineState` says `new` or `unchanged`.
- `driver.informationUri` and `semanticVersion`; `invocations` with `executionSuccessful` and the
  `exitCode` the command exits with.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

from backdev import __version__
from backdev.workflow.review.findings import Finding, severity_rank
from backdev.workflow.review.findings import SARIF_KEY, fingerprint
from backdev.workflow.review.report import ReviewReport

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://pypi.org/project/backdev/"
SRCROOT = "%SRCROOT%"
SARIF_LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}
PROBLEM_SEVERITY = {"critical": "error", "high": "error", "medium": "warning", "low": "recommendation"}
#: Categories that are security problems (shown as security alerts, sorted by `security-severity`).
SECURITY_RULES = frozenset({"security", "auth", "validation", "sensitive-data"})
SECURITY_SEVERITY = {"critical": "9.5", "high": "7.5", "medium": "5.0", "low": "2.0"}


def sentence(text: str) -> str:
    """`text` ending in a full stop (SARIF validators ask for messages and descriptions that are sentences)."""
    text = text.rstrip()
    return text if not text or text[-1] in ".!?" else text + "."


def artifact_uri(path: str) -> str:
    """A repository-relative POSIX path as a percent-encoded relative URI reference."""
    return quote(path, safe="/")


def _rule(report: ReviewReport, rule_id: str, findings: list[Finding]) -> dict[str, Any]:
    title = report.category_title(rule_id)
    worst = max((f.severity for f in findings), key=severity_rank, default="low")
    security = rule_id in SECURITY_RULES
    properties: dict[str, Any] = {
        "tags": sorted({"backdev", "review", rule_id} | ({"security"} if security else set())),
        "problem.severity": PROBLEM_SEVERITY[worst],
    }
    if security:
        properties["security-severity"] = SECURITY_SEVERITY[worst]
    help_text = (f"{title}. backdev's review files findings of this kind when the code under review has such a "
                 "problem; each result's message says why it matters and what to do instead.")
    return {
        "id": rule_id,
        "name": "".join(word.capitalize() for word in rule_id.replace("_", "-").split("-")),
        "shortDescription": {"text": sentence(title)},
        "fullDescription": {"text": f"{title} (a backdev review category)."},
        "help": {"text": help_text,
                 "markdown": f"**{title}**\n\nbackdev's review files findings of this kind when the code under review "
                             "has such a problem; each result's message says why it matters and what to do instead."},
        "defaultConfiguration": {"level": SARIF_LEVELS[worst]},
        "properties": properties,
    }


def _message(f: Finding) -> dict[str, str]:
    detail = f"\n\n{sentence(f.detail)}" if f.detail else ""
    suggestion = f"\n\nSuggestion: {sentence(f.suggestion)}" if f.suggestion else ""
    text = sentence(f.title) + detail + suggestion
    markdown = f"**{sentence(f.title)}**" + detail + (f"\n\n**Suggestion:** {sentence(f.suggestion)}" if f.suggestion else "")
    return {"text": text, "markdown": markdown}


def _result(f: Finding, rule_ids: list[str], new: frozenset[str] | None) -> dict[str, Any]:
    region: dict[str, Any] = {"startLine": f.line}
    if f.source:
        region["snippet"] = {"text": f.source}
    result: dict[str, Any] = {
        "ruleId": f.category,
        "ruleIndex": rule_ids.index(f.category),
        "level": SARIF_LEVELS[f.severity],
        "message": _message(f),
        "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": artifact_uri(f.path), "uriBaseId": SRCROOT},
            "region": region,
        }}],
        "partialFingerprints": {SARIF_KEY: fingerprint(f)},
        "properties": {"severity": f.severity, "title": f.title},
    }
    if new is not None:
        result["baselineState"] = "new" if fingerprint(f) in new else "unchanged"
    return result


def to_sarif(report: ReviewReport, *, exit_code: int = 0, new: frozenset[str] | None = None) -> dict[str, Any]:
    """The report as a SARIF 2.1.0 log (a dict).

    Args:
        exit_code: what `backdev review` exits with (recorded in `invocations`).
        new: the fingerprints of findings not in the baseline, when a baseline was given.
    """
    used = sorted({f.category for f in report.findings})
    known = [c.id for c in report.categories]
    rule_ids = [c for c in known if c in used] + [c for c in used if c not in known]
    rules = [_rule(report, rule_id, [f for f in report.findings if f.category == rule_id]) for rule_id in rule_ids]
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "backdev", "version": __version__, "semanticVersion": __version__,
                            "informationUri": INFORMATION_URI, "rules": rules}},
        "invocations": [{"executionSuccessful": True, "exitCode": exit_code}],
        "automationDetails": {"description": {"text": f"backdev review of {report.scope}"}},
        "columnKind": "unicodeCodePoints",
        "results": [_result(f, rule_ids, new) for f in report.findings],
        "properties": {"model": report.model, "summary": report.summary},
    }
    if report.root:
        run["originalUriBaseIds"] = {SRCROOT: {"uri": Path(report.root).resolve().as_uri().rstrip("/") + "/"}}
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def to_sarif_text(report: ReviewReport, *, exit_code: int = 0, new: frozenset[str] | None = None) -> str:
    """`to_sarif` as indented JSON."""
    return json.dumps(to_sarif(report, exit_code=exit_code, new=new), indent=2, ensure_ascii=False) + "\n"
