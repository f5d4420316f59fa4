"""`--baseline FILE`: adopt backdev on old code by counting only the findings that are new.

The baseline is an earlier report of `backdev review`, as SARIF (`partialFingerprints`) or JSON
(each finding's `fingerprint`). A finding whose fingerprint is in the baseline is "unchanged": it
is still reported, marked as such, but does not count toward `--fail-on`. Because fingerprints
leave out line numbers, an edit above a finding, or moving its function within the file, keeps it
unchanged; changing the line itself, its file, its category or its title makes it new.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from backdev.workflow.review.findings import Finding
from backdev.workflow.review.findings import SARIF_KEY, fingerprint
from backdev.workflow.review.request import ReviewError

#: A baseline larger than this is not a report of ours.
MAX_BASELINE_BYTES = 50_000_000


class BaselineError(ReviewError):
    """A baseline file that cannot be read; one sentence saying what to do."""


def _fingerprints(data: Any) -> set[str]:
    if isinstance(data, dict) and isinstance(data.get("runs"), list):  # SARIF
        found = set()
        for run in data["runs"]:
            for result in (run or {}).get("results") or []:
                value = ((result or {}).get("partialFingerprints") or {}).get(SARIF_KEY)
                if isinstance(value, str):
                    found.add(value)
        return found
    if isinstance(data, dict) and isinstance(data.get("findings"), list):  # backdev JSON
        found = set()
        for item in data["findings"]:
            if isinstance(item, dict) and isinstance(item.get("fingerprint"), str):
                found.add(item["fingerprint"])
            elif isinstance(item, dict):  # a report from before fingerprints: recompute
                try:
                    found.add(fingerprint(Finding.from_json(item)))
                except (KeyError, TypeError, ValueError):
                    continue
        return found
    raise BaselineError("The baseline is neither a SARIF log nor a backdev JSON report: give a file written by "
                        "`backdev review --format sarif` or `--format json`.")


def load_baseline(path: Path) -> frozenset[str]:
    """The fingerprints of the findings in a baseline report.

    Raises:
        BaselineError: missing, too big, not JSON, or not a report.
    """
    try:
        if path.stat().st_size > MAX_BASELINE_BYTES:
            raise BaselineError(f"The baseline {path} is larger than {MAX_BASELINE_BYTES // 1_000_000} MB: "
                                "give a report of backdev review.")
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BaselineError(f"There is no baseline file {path}: check the path given to --baseline.") from None
    except OSError as exc:
        raise BaselineError(f"Cannot read the baseline {path}: {exc.strerror}.") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BaselineError(f"The baseline {path} is not JSON: give a SARIF or JSON report of backdev review.") from None
    return frozenset(_fingerprints(data))


def new_fingerprints(findings: tuple[Finding, ...] | list[Finding], baseline: frozenset[str]) -> frozenset[str]:
    """The fingerprints of the findings that are not in the baseline."""
    return frozenset(fp for fp in map(fingerprint, findings) if fp not in baseline)
