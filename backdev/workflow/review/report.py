"""A finished review as a report: markdown (also the saved artifact), JSON, or SARIF 2.1.0.

The JSON shape is stable and documented in the README (`"schema": "backdev.review/1"`; keys are
only ever added). SARIF follows the 2.1.0 schema: one rule per finding category in the tool's
driver, one result per finding with its level, message and physical location, so code-scanning
tools (GitHub, GitLab, Azure DevOps) accept the file.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from backdev import __version__
from backdev.workflow.phases.definition import Category
from backdev.workflow.review.findings import Finding, count_by_severity, severity_rank, sort_findings

JSON_SCHEMA_ID = "backdev.review/1"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
# SARIF levels by severity; `security-severity` is the CVSS-like score GitHub sorts security alerts by.
SARIF_LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}
SECURITY_RULES = frozenset({"security", "auth", "validation", "sensitive-data"})
SECURITY_SEVERITY = {"critical": "9.5", "high": "7.5", "medium": "5.0", "low": "2.0"}


@dataclass(frozen=True)
class ReviewReport:
    """Everything a review produced."""

    scope: str
    files: tuple[str, ...]
    findings: tuple[Finding, ...]
    summary: str
    model: str
    categories: tuple[Category, ...] = ()
    created: str = ""

    @classmethod
    def build(cls, *, scope: str, files: list[str] | tuple[str, ...], findings: list[Finding] | tuple[Finding, ...],
              summary: str, model: str, categories: tuple[Category, ...] = ()) -> ReviewReport:
        created = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
        return cls(scope, tuple(files), tuple(sort_findings(findings)), summary.strip(), model, categories, created)

    def worst_at_least(self, threshold: str) -> bool:
        """True when any finding is at least as severe as `threshold`."""
        return any(severity_rank(f.severity) >= severity_rank(threshold) for f in self.findings)

    def category_title(self, category_id: str) -> str:
        return next((c.title for c in self.categories if c.id == category_id), category_id)


def counts_line(findings: tuple[Finding, ...] | list[Finding]) -> str:
    """`1 critical, 2 low`, or `no findings`."""
    parts = [f"{n} {severity}" for severity, n in count_by_severity(findings).items() if n]
    return ", ".join(parts) if parts else "no findings"


def findings_list(findings: tuple[Finding, ...] | list[Finding]) -> str:
    """The findings as a plain list (the REPL and `/findings`): most severe first."""
    if not findings:
        return "No findings."
    lines = []
    for number, f in enumerate(sort_findings(findings), start=1):
        lines.append(f"{number:>2}. [{f.severity}] {f.category} · {f.location} · {f.title}")
        if f.detail:
            lines.append(f"      {f.detail}")
        if f.suggestion:
            lines.append(f"      → {f.suggestion}")
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(report: ReviewReport) -> str:
    """The report as markdown (what `--format md` prints and the review artifact holds)."""
    lines = [f"# Review: {report.scope}", "",
             f"backdev {__version__} · {report.model} · {report.created} · **{counts_line(report.findings)}**", ""]
    if report.files:
        lines += ["## Scope", "", *[f"- `{path}`" for path in report.files], ""]
    lines += ["## Summary", "", report.summary or "(no summary)", "", "## Findings", ""]
    if not report.findings:
        lines += ["No findings.", ""]
        return "\n".join(lines)
    lines += ["| # | Severity | Category | Location | Title |", "|---|---|---|---|---|"]
    lines += [f"| {n} | {f.severity} | {f.category} | `{f.location}` | {_cell(f.title)} |"
              for n, f in enumerate(report.findings, start=1)]
    for number, f in enumerate(report.findings, start=1):
        lines += ["", f"### {number}. {f.title}", "",
                  f"**{f.severity}** · {report.category_title(f.category)} · `{f.location}`", ""]
        if f.detail:
            lines += [f.detail, ""]
        if f.suggestion:
            lines += ["**Suggestion:**", "", f.suggestion, ""]
    return "\n".join(lines).rstrip() + "\n"


def to_json(report: ReviewReport) -> str:
    """The report in the documented JSON shape."""
    data = {
        "schema": JSON_SCHEMA_ID,
        "tool": {"name": "backdev", "version": __version__},
        "model": report.model,
        "created": report.created,
        "scope": report.scope,
        "files": list(report.files),
        "summary": report.summary,
        "counts": count_by_severity(report.findings),
        "findings": [f.to_json() for f in report.findings],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def to_sarif(report: ReviewReport) -> dict[str, Any]:
    """The report as a SARIF 2.1.0 log (a dict; see `to_sarif_text`)."""
    used = sorted({f.category for f in report.findings})
    known = [c.id for c in report.categories]
    rule_ids = [c for c in known if c in used] + [c for c in used if c not in known]
    rules = [{
        "id": rule_id,
        "name": "".join(word.capitalize() for word in rule_id.replace("_", "-").split("-")),
        "shortDescription": {"text": report.category_title(rule_id)},
        "fullDescription": {"text": report.category_title(rule_id)},
        "properties": {"tags": sorted({"backdev", rule_id} | ({"security"} if rule_id in SECURITY_RULES else set()))},
    } for rule_id in rule_ids]
    results = []
    for f in report.findings:
        message = f.title + (f"\n\n{f.detail}" if f.detail else "") + (f"\n\nSuggestion: {f.suggestion}" if f.suggestion else "")
        results.append({
            "ruleId": f.category,
            "ruleIndex": rule_ids.index(f.category),
            "level": SARIF_LEVELS[f.severity],
            "message": {"text": message},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": f.path, "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": f.line},
            }}],
            "properties": {"severity": f.severity, "security-severity": SECURITY_SEVERITY[f.severity], "title": f.title},
        })
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "backdev", "version": __version__, "semanticVersion": __version__,
                                "rules": rules}},
            "automationDetails": {"description": {"text": f"backdev review of {report.scope}"}},
            "results": results,
            "properties": {"model": report.model, "summary": report.summary},
        }],
    }


def render(report: ReviewReport, fmt: str) -> str:
    """The report in `fmt` (md, json or sarif)."""
    if fmt == "json":
        return to_json(report)
    if fmt == "sarif":
        return json.dumps(to_sarif(report), indent=2, ensure_ascii=False) + "\n"
    return to_markdown(report)
