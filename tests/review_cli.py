"""Run `backdev review` in-process (the real parser and `review_command`) against the fake API."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from backdev.cli import build_parser
from backdev.cli_errors import EXIT_USAGE, UsageError
from backdev.cli_review import review_command
from backdev.fakeapi import FakeAnthropic

from .workflow_helpers import calls


@dataclass
class Run:
    status: int
    out: str
    err: str


def run_review(cwd: Path, *argv: str, api: FakeAnthropic | None = None,
               monkeypatch: pytest.MonkeyPatch | None = None) -> Run:
    """`backdev review ARGV` in `cwd`, as the command line runs it (a UsageError is exit 2 with its sentence)."""
    if api is not None and monkeypatch is not None:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", api.url)
        monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
    args = build_parser().parse_args(["review", *argv])
    out, err = io.StringIO(), io.StringIO()
    try:
        status = review_command(args, cwd, out=out, err=err)
    except UsageError as exc:
        err.write(f"backdev: {exc}\n")
        status = EXIT_USAGE
    return Run(status, out.getvalue(), err.getvalue())


def file_findings(api: FakeAnthropic, *findings: dict[str, Any], summary: str = "Verdict: see the findings.") -> None:
    """Script a review: one reply filing `findings` in parallel, then the closing summary."""
    api.enqueue(calls(*(("report_finding", f) for f in findings)) if findings else {"type": "text", "text": "Looking."},
                {"type": "text", "text": summary})


def tool_results(api: FakeAnthropic, request: int = 1) -> list[dict[str, Any]]:
    """The tool_result blocks the model got back in request number `request`."""
    last = api.message_requests[request].body["messages"][-1]
    return [block for block in last["content"] if block.get("type") == "tool_result"]


def finding(path: str, line: int, **extra: Any) -> dict[str, Any]:
    base = {"path": path, "line": line, "severity": "high", "category": "security", "title": "SQL built from input",
            "detail": "Injection.", "suggestion": "Use parameters."}
    return {**base, **extra}
