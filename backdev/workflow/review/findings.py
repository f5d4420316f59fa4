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
        """The documented JSON shape: the fields, then `fingerprint` (see review.fingerprint)."""
        from backdev.workflow.review.fingerprint import fingerprint

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
