"""What makes two findings "the same finding" across runs and pushes: its fingerprint.

A fingerprint is a hash of the file's path, the category, the source line the finding points
at (whitespace collapsed) and the title (case and whitespace folded) — never the line number, so
an edit above the finding, or moving the function within its file, leaves it unchanged. It is
the SARIF result's `partialFingerprints`, the Code Climate issue's `fingerprint`, a key of the
JSON report's findings, and what `--baseline` compares.
"""

from __future__ import annotations

import hashlib

from backdev.workflow.review.findings import Finding

#: The key under SARIF `partialFingerprints` (versioned: a change of recipe gets a new key).
SARIF_KEY = "backdevFinding/v1"


def _folded(text: str) -> str:
    return " ".join(text.split())


def fingerprint(finding: Finding) -> str:
    """32 hex digits identifying the finding (see the module docstring)."""
    # Without a source line (findings stored before lines were recorded) the line number stands in.
    anchor = _folded(finding.source) if finding.source else f"line {finding.line}"
    text = "\0".join((finding.path, finding.category, anchor, _folded(finding.title).lower()))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
