"""The phases' own tool: `update_checklist` (no approval; a TDD gate refuses a tick it does not allow)."""

from __future__ import annotations

from typing import Any

from backdev.tools.base import Tool, ToolOutcome, refusal
from backdev.workflow.phases.engine import WorkflowSession
from backdev.workflow.phases.state import TickRefused


def update_checklist_tool(workflow: WorkflowSession) -> Tool:
    def handler(args: dict[str, Any]) -> ToolOutcome:
        item, value = str(args.get("item", "")).strip(), str(args.get("state", "")).strip().lower()
        try:
            workflow.update_checklist(item, value, str(args.get("note") or ""))
        except TickRefused as exc:
            return refusal(f"Refused: {exc}", f"checklist {item} → {value} refused")
        phase = workflow.phase
        still_open = workflow.open_items()
        rest = f"open: {', '.join(still_open)}" if still_open else "every item is checked"
        checked = len(phase.checklist) - len(still_open)
        progress = f"{phase.title} checklist: {checked} of {len(phase.checklist)} checked; {rest}."
        return ToolOutcome(f"{item} is now {value}. {progress}", f"checklist {item} → {value}")

    return Tool(
        "update_checklist",
        "Set an item of the current phase's checklist: `done` with a short note of the answer or decision, `na` "
        "(not applicable) with the reason, or `open` to reopen it. No approval is needed. Items that need a test "
        "run (red_confirmed, green_confirmed, green_again) are refused until run_tests has produced a matching run; "
        "the refusal says what is missing.",
        {"type": "object", "properties": {
            "item": {"type": "string", "description": "the item's id, as listed in the phase's checklist"},
            "state": {"type": "string", "enum": ["open", "done", "na"]},
            "note": {"type": "string", "description": "one short line: the answer, the assumption, or why not applicable"},
        }, "required": ["item", "state"]},
        handler,
        bookkeeping=True,
    )
