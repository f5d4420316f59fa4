"""Review findings: what `report_finding` records, and the order of severities.

The JSON shape of a finding (`Finding.to_json`) is part of `backdev review --format json` and is
documented in the README: change it only by adding keys.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

Severity = Literal["low", "medium", "high", "critical"]
SEVERITIES: tuple[Severity, ...] = ("low", "medium", "high", "critical")
#: The formats of `backdev review` reports (defined here, with no imports, so the CLI parser stays cheap).
FORMATS = ("md", "json", "sarif", "github", "codeclimate")
#: How many parts of a large `backdev review` run at once by default (`--jobs`; see review.parts).
DEFAULT_JOBS = 4


def severity_rank(severity: str) -> int:
    """0 for low … 3 for critical (−1 for anything else)."""
    return SEVERITIES.index(severity) if severity in SEVERITIES else -1  # type: ignore[arg-type]


@dataclass(frozen=True)
class Finding:
    """One problem found by a review.

    Attributes:
        path: the file, relative to the repository root, with forward slashes.
        line: the 1-based line the problem is on.
        severity: low, medium, high or critical.
        category: one of the review phase's categories (a SARIF rule id).
        title: one line.
        detail: why it is a problem.
        suggestion: what to do instead.
        source: the text of the line it points at (redacted, trimmed), which fingerprints use.
    """

    path: str
    line: int
    severity: Severity
    category: str
    title: str
    detail: str = ""
    suggestion: str = ""
    source: str = ""

    @property
    def location(self) -> str:
        return f"{self.path}:{self.line}"

    def to_json(self) -> dict[str, Any]:
        """The documented JSON shape: the fields, then `fingerprint` (see `fingerprint`)."""
        return {**asdict(self), "fingerprint": fingerprint(self)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Finding:
        return cls(str(data["path"]), int(data["line"]), data["severity"], str(data["category"]), str(data["title"]),
                   str(data.get("detail", "")), str(data.get("suggestion", "")), str(data.get("source", "")))


def sort_findings(findings: list[Finding] | tuple[Finding, ...]) -> list[Finding]:
    """Most severe first, then by file and line."""
    return sorted(findings, key=lambda f: (-severity_rank(f.severity), f.path, f.line))


def count_by_severity(findings: list[Finding] | tuple[Finding, ...]) -> dict[str, int]:
    """`{"critical": n, "high": n, "medium": n, "low": n}` (every key present)."""
    return {s: sum(1 for f in findings if f.severity == s) for s in reversed(SEVERITIES)}


@dataclass(frozen=True)
class ReviewFindings:
    """The findings of the session's last review, most severe first, and what it reviewed."""

    scope: str
    findings: tuple[Finding, ...]


# --- fingerprints ------------------------------------------------------------------------------
# What makes two findings "the same finding" across runs and pushes: a hash of the file's path,
# the category, the source line the finding points at (whitespace collapsed) and the title (case
# and whitespace folded) — never the line number, so an edit above the finding, or moving the
# function within its file, leaves it unchanged. It is the SARIF result's `partialFingerprints`,
# the Code Climate issue's `fingerprint`, a key of the JSON report's findings, and what
# `--baseline` compares.

#: The key under SARIF `partialFingerprints` (versioned: a change of recipe gets a new key).
SARIF_KEY = "backdevFinding/v1"


def _folded(text: str) -> str:
    return " ".join(text.split())


def fingerprint(finding: Finding) -> str:
    """32 hex digits identifying the finding (see the comment above)."""
    import hashlib  # ~6 ms with OpenSSL: findings load before the app's first frame, fingerprints with a report

    # Without a source line (findings stored before lines were recorded) the line number stands in.
    anchor = _folded(finding.source) if finding.source else f"line {finding.line}"
    text = "\0".join((finding.path, finding.category, anchor, _folded(finding.title).lower()))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
