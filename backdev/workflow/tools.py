"""The six tools of a session's workflow, in their fixed order (the order is part of the cached prefix).

- `update_checklist` — no approval; refused (with the reason) when a TDD gate is not met
  (`phases/tools.py`).
- `write_artifact`, `propose_edit`, `run_tests` — each after approval (`actions/tools.py`).
- `edit_files` — view, exact replacements and change sets, each write after approval (`actions/edit_tool.py`).
- `report_finding` — no approval; a review finding in the phase state (`review/tools.py`).
"""

from __future__ import annotations

from backdev.tools.base import Tool
from backdev.workflow.actions.edit_tool import edit_files_tool
from backdev.workflow.actions.tools import propose_edit_tool, run_tests_tool, write_artifact_tool
from backdev.workflow.phases.engine import WorkflowSession
from backdev.workflow.phases.tools import update_checklist_tool
from backdev.workflow.review.tools import report_finding_tool

TOOL_NAMES = ("update_checklist", "write_artifact", "propose_edit", "edit_files", "run_tests", "report_finding")


def workflow_tools(workflow: WorkflowSession) -> list[Tool]:
    """The six workflow tools bound to `workflow`, in the order of TOOL_NAMES."""
    return [update_checklist_tool(workflow), write_artifact_tool(workflow), propose_edit_tool(workflow), edit_files_tool(workflow),
            run_tests_tool(workflow), report_finding_tool(workflow)]
