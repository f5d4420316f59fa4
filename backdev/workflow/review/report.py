"""A finished review as a report: markdown (also the saved artifact) and JSON here; SARIF 2.1.0
in `sarif`, GitHub annotations and Code Climate JSON in `ci_formats`; `formats.render` picks one.

The JSON shape is stable and documented in the README (`"schema": "backdev.review/1"`; keys are
only ever added).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from backdev import __version__
from backdev.workflow.phases.definition import Category
from backdev.workflow.review.findings import Finding, count_by_severity, fingerprint, severity_rank, sort_findings

JSON_SCHEMA_ID = "backdev.review/1"


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
    #: The repository root (SARIF's `%SRCROOT%`); empty when unknown.
    root: str = ""
    #: With `--baseline`: the fingerprints of the findings not in the baseline (None: no baseline).
    new: frozenset[str] | None = None

    @classmethod
    def build(cls, *, scope: str, files: list[str] | tuple[str, ...], findings: list[Finding] | tuple[Finding, ...],
              summary: str, model: str, categories: tuple[Category, ...] = (), root: str = "") -> ReviewReport:
        created = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
        return cls(scope, tuple(files), tuple(sort_findings(findings)), summary.strip(), model, categories, created, root)

    def is_new(self, finding: Finding) -> bool:
        """True unless a baseline was given and holds this finding (by fingerprint)."""
        return self.new is None or fingerprint(finding) in self.new

    def worst_at_least(self, threshold: str) -> bool:
        """True when any new finding (every finding, without a baseline) is at least as severe as `threshold`."""
        return any(severity_rank(f.severity) >= severity_rank(threshold) for f in self.findings if self.is_new(f))

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
    marker = (lambda f: "") if report.new is None else (lambda f: " (new)" if report.is_new(f) else " (in baseline)")
    lines += [f"| {n} | {f.severity} | {f.category} | `{f.location}` | {_cell(f.title)}{marker(f)} |"
              for n, f in enumerate(report.findings, start=1)]
    for number, f in enumerate(report.findings, start=1):
        lines += ["", f"### {number}. {f.title}{marker(f)}", "",
                  f"**{f.severity}** · {report.category_title(f.category)} · `{f.location}`", ""]
        if f.source:
            lines += ["```", f.source.replace("```", "` ` `"), "```", ""]
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
        "findings": [f.to_json() | ({} if report.new is None else {"new": report.is_new(f)}) for f in report.findings],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
