"""What compaction never summarises: the text re-sent word for word after every compaction (issue 15).

Built from what the session has, at the moment of the compaction:

- the artifacts the workflow wrote (requirements with their answers, assumptions and open
  questions; the design and its ADRs), each file's text as it is, within the read cap;
- the checklist of every phase, each item's mark and note;
- the last test run (outcome, summary line and command);
- the open review findings;
- the files changed in the session (edits applied through `propose_edit`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from backdev.session.store import StoredMessage

if TYPE_CHECKING:  # the workflow is the assistant's; only its type is needed here
    from backdev.workflow.phases.engine import WorkflowSession

MARKS = {"open": "[ ]", "done": "[x]", "na": "[-]"}


def changed_files(rows: Sequence[StoredMessage]) -> list[str]:
    """The files an approved `propose_edit` changed in the session, in the order first changed."""
    calls: dict[str, str] = {}
    failed: set[str] = set()
    for row in rows:
        for block in row.content:
            if block.get("type") == "tool_use" and block.get("name") == "propose_edit":
                calls[block.get("id", "")] = str((block.get("input") or {}).get("path", ""))
            elif block.get("type") == "tool_result" and block.get("is_error"):
                failed.add(block.get("tool_use_id", ""))
    seen: list[str] = []
    for call, path in calls.items():
        if path and call not in failed and path not in seen:
            seen.append(path)
    return seen


def _artifacts(workflow: WorkflowSession) -> list[str]:
    budget = workflow.settings.read_max_bytes
    parts: list[str] = []
    for relative in workflow.state.artifacts:
        try:
            data = (workflow.root / relative).read_bytes()
        except OSError:
            continue
        text = data[:budget].decode("utf-8", errors="replace")
        parts.append(f"--- {relative} ---\n{text.rstrip()}")
    return parts


def _checklists(workflow: WorkflowSession) -> list[str]:
    lines: list[str] = []
    for phase in workflow.workflow.phases:
        current = " (current)" if phase.id == workflow.state.current else ""
        lines.append(f"{phase.title}{current}:")
        for item in phase.checklist:
            progress = workflow.state.item(phase.id, item.id)
            note = f" — {progress.note}" if progress.note else ""
            lines.append(f"  {MARKS.get(progress.state, '[?]')} {item.id}: {item.text}{note}")
    return lines


def pinned_text(workflow: WorkflowSession | None, rows: Sequence[StoredMessage]) -> str:
    """The pinned text (see the module docstring); '' when the session has none of it."""
    sections: list[str] = []
    if workflow is not None:
        artifacts = _artifacts(workflow)
        if artifacts:
            sections.append("Artifacts (requirements, design decisions), as written:\n" + "\n\n".join(artifacts))
        sections.append("Checklists of every phase:\n" + "\n".join(_checklists(workflow)))
        last = workflow.state.last_run
        if last is not None:
            sections.append(f"Last test run: {last.describe()} ({' '.join(last.command)})")
        if workflow.state.findings:
            findings = [f"- [{f.severity}] {f.location} {f.category}: {f.title}" + (f" — {f.detail}" if f.detail else "")
                        for f in workflow.state.findings]
            sections.append("Open review findings:\n" + "\n".join(findings))
    files = changed_files(rows)
    if files:
        sections.append("Files changed in this session: " + ", ".join(files))
    return "\n\n".join(sections)
