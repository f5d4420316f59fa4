"""The review's tool: `report_finding` (no approval; a finding recorded in the phase state)."""

from __future__ import annotations

from typing import Any

from backdev.tools.base import Tool, ToolOutcome, refusal
from backdev.workflow.phases.engine import WorkflowSession
from backdev.workflow.review.findings import SEVERITIES, Finding


def report_finding_tool(workflow: WorkflowSession) -> Tool:
    review = workflow.workflow.review_phase
    categories = [c.id for c in review.categories] if review else []

    def handler(args: dict[str, Any]) -> ToolOutcome:
        # Loaded by the first finding, not with the tool: it brings the repository's reading modules,
        # which the chat's first frame does not need.
        from backdev.workflow.review.scope import FindingRefused, ReviewScope

        raw_path = str(args.get("path", ""))
        scope = workflow.finding_scope or ReviewScope(workflow.root)
        try:
            relative = scope.normalise(raw_path)
        except FindingRefused as exc:
            return refusal(f"Not recorded: {exc}", f"report_finding refused: {raw_path}")
        try:
            line = int(args.get("line", 0))
        except (TypeError, ValueError):
            line = 0
        severity, category = str(args.get("severity", "")).lower(), str(args.get("category", "")).strip()
        problems = []
        if line < 1:
            problems.append("`line` must be a line number from 1 (the number shown beside the code)")
        if severity not in SEVERITIES:
            problems.append(f"`severity` must be one of {', '.join(SEVERITIES)}")
        known = review.category(category) if review is not None else None
        category = known.id if known is not None else category  # `error_handling` files as `error-handling`
        if categories and known is None:
            problems.append(f"`category` must be one of {', '.join(categories)}")
        if not str(args.get("title", "")).strip():
            problems.append("`title` is empty")
        if problems:
            return refusal("Not recorded: " + "; ".join(problems) + ".", f"report_finding refused at {relative}")
        try:
            relative, source = scope.check(relative, line, workflow.policy)
        except FindingRefused as exc:
            return refusal(f"Not recorded: {exc}", f"report_finding refused at {relative}:{line}")
        finding = Finding(relative, line, severity, category, " ".join(str(args["title"]).split()),  # type: ignore[arg-type]
                          str(args.get("detail") or "").strip(), str(args.get("suggestion") or "").strip(), source)
        workflow.add_finding(finding)
        count = len(workflow.state.findings)
        return ToolOutcome(f"Recorded finding #{count}: {severity} {category} at {finding.location}.",
                           f"finding {severity} · {category} · {finding.location} · {finding.title}")

    category_schema: dict[str, Any] = {"type": "string", "description": "the finding's category"}
    if categories:
        category_schema["enum"] = categories
    return Tool(
        "report_finding",
        "Record one review finding: a problem at a line of a file, with its severity, category, a one-line title, "
        "the detail of why it matters and a concrete suggestion. One call per problem. No approval is needed.",
        {"type": "object", "properties": {
            "path": {"type": "string", "description": "a file under review, relative to the repository root (no a/ or b/)"},
            "line": {"type": "integer", "minimum": 1, "description": "the line number as shown beside the code"},
            "severity": {"type": "string", "enum": list(SEVERITIES)},
            "category": category_schema,
            "title": {"type": "string"},
            "detail": {"type": "string", "description": "why it is a problem"},
            "suggestion": {"type": "string", "description": "what to do instead (corrected code when short)"},
        }, "required": ["path", "line", "severity", "category", "title", "detail", "suggestion"]},
        handler,
        bookkeeping=True,
    )
