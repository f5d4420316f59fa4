"""The phases' own tool, `update_checklist` (no approval; a TDD gate refuses a tick it does not allow),
and the guard that keeps each phase to the tools its data lists (`phase_guard`)."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from backdev.tools.base import Tool, ToolOutcome, refusal
from backdev.workflow.phases.engine import WorkflowSession
from backdev.workflow.phases.state import TickRefused


def gated_ids(workflow: WorkflowSession) -> str:
    """The ids of the items that need a test run, from the workflow's data (`a, b and c`), or ''."""
    ids = [f"{item.id}" for item in workflow.workflow.gated_items()]
    return ", ".join(ids[:-1]) + f" and {ids[-1]}" if len(ids) > 1 else "".join(ids)


def _gates_sentence(workflow: WorkflowSession) -> str:
    ids = gated_ids(workflow)
    return (f" Items that need a test run ({ids}) are refused until run_tests has produced a matching run; "
            "the refusal says what is missing.") if ids else ""


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
        "(not applicable) with the reason, or `open` to reopen it. No approval is needed." + _gates_sentence(workflow),
        {"type": "object", "properties": {
            "item": {"type": "string", "description": "the item's id, as listed in the phase's checklist"},
            "state": {"type": "string", "enum": ["open", "done", "na"]},
            "note": {"type": "string", "description": "one short line: the answer, the assumption, or why not applicable"},
        }, "required": ["item", "state"]},
        handler,
        bookkeeping=True,
    )


def phase_guard(workflow: WorkflowSession, exempt: Collection[str] = ()) -> Callable[[Tool], ToolOutcome | None]:
    """What the tool loop asks before each call: a refusal naming the phases that use the tool, when
    the current phase's `tools:` does not list it; None when it may run. `exempt` names tools outside
    the workflow's say (the session's own, given by the program that embeds the assistant).

    Every tool stays on offer in every phase, so the request's prefix (tools first) stays
    byte-identical across phases and prompt caching keeps hitting; the phase is enforced here.
    """

    def guard(tool: Tool) -> ToolOutcome | None:
        if tool.name in exempt:
            return None
        read_only = tool.approval is None and not tool.bookkeeping
        phase = workflow.phase
        if phase.allows(tool.name, read_only=read_only):
            return None
        users = [p.title for p in workflow.workflow.phases if p.allows(tool.name, read_only=read_only)]
        where = (f"it belongs to the {' and '.join(users)} phase{'s' if len(users) > 1 else ''}" if users
                 else "no phase of this workflow uses it")
        return refusal(
            f"Refused: {tool.name} is not used in the {phase.title} phase; {where}. Nothing was run. Carry on with "
            f"this phase's own work, or tell the person what you would do there: they move between phases "
            f"(/phase NAME, /next), you do not.",
            f"{tool.name} refused: not in the {phase.title} phase",
        )

    return guard
