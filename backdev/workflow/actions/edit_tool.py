"""`edit_files`: the text-editor command set (view, str_replace, create, insert) and change sets.

`view` reads (no approval; secret files refused, the text redacted like `read_file`'s). The other
commands, and `change_set` (several of them, across files), are prepared before the person is
asked (`replace.prepare_change_set`): a refusal is sent back to the model with how to fix the
call, and nothing is asked. What the person approved is applied exactly as shown, all files or
none (`ChangeSet.apply`).
"""

from __future__ import annotations

import json
from types import ModuleType
from typing import TYPE_CHECKING, Any

from backdev.tools.base import ApprovalRequest, Tool, ToolOutcome, refusal
from backdev.workflow.phases.engine import WorkflowSession

if TYPE_CHECKING:
    from backdev.workflow.actions.replace import ChangeSet

MAX_VIEW_CHARS = 60_000  # a view longer than this is cut, with a note saying how to see the rest

DESCRIPTION = (
    "View and change files in the repository with exact string replacement (the text-editor commands). "
    "`view`: the file with line numbers (`view_range` [first, last], -1 for the end). `str_replace`: replace "
    "`old_str`, which must match the file exactly once (whitespace included; add surrounding lines to make it "
    "unique), with `new_str`. `create`: a new file with `file_text`. `insert`: `insert_text` after line "
    "`insert_line` (0 for the top). `change_set`: several str_replace/create/insert edits in `changes`, across "
    "files, shown as one diff and approved once; written all together or not at all. Every change is applied only "
    "if the person approves it; secret files and paths outside the repository are refused."
)

_EDIT_PROPERTIES: dict[str, Any] = {
    "path": {"type": "string", "description": "the file, relative to the repository root"},
    "old_str": {"type": "string", "description": "str_replace: the exact text now in the file, matching once"},
    "new_str": {"type": "string", "description": "str_replace: the text that replaces old_str"},
    "file_text": {"type": "string", "description": "create: the whole content of the new file"},
    "insert_line": {"type": "integer", "description": "insert: the line after which to insert (0: the top)"},
    "insert_text": {"type": "string", "description": "insert: the lines to insert"},
}

SCHEMA: dict[str, Any] = {"type": "object", "properties": {
    "command": {"type": "string", "enum": ["view", "str_replace", "create", "insert", "change_set"]},
    **_EDIT_PROPERTIES,
    "view_range": {"type": "array", "items": {"type": "integer"}, "description": "view: [first, last] line, 1-based"},
    "changes": {"type": "array", "description": "change_set: the edits, each {command, path, ...} as above",
                "items": {"type": "object", "properties": {
                    "command": {"type": "string", "enum": ["str_replace", "create", "insert"]}, **_EDIT_PROPERTIES,
                }, "required": ["command", "path"]}},
    "reason": {"type": "string", "description": "one line on why, shown with the diff"},
}, "required": ["command"]}


def _replace() -> ModuleType:
    from backdev.workflow.actions import replace  # built at start-up; the edit code loads on first use

    return replace


def _edits_of(args: dict[str, Any]) -> list[Any]:
    if args.get("command") == "change_set":
        changes = args.get("changes")
        if not isinstance(changes, list):
            raise _replace().ChangeRefused("change_set needs changes: a list of {command, path, ...} edits.")
        return changes
    return [args]


def edit_files_tool(workflow: WorkflowSession) -> Tool:
    """The `edit_files` tool bound to the session's repository and settings."""
    pending: dict[str, ChangeSet] = {}

    def prepare(args: dict[str, Any]) -> ChangeSet:
        return _replace().prepare_change_set(workflow.root, _edits_of(args), secret_patterns=workflow.settings.secret_files)

    def approval(args: dict[str, Any]) -> ApprovalRequest | None:
        if args.get("command") == "view":
            return None
        try:
            change_set = prepare(args)
        except _replace().ChangeRefused:
            return None  # the handler says why, and nothing is asked
        pending[json.dumps(args, sort_keys=True)] = change_set
        reason = str(args.get("reason") or "").strip()
        detail = (f"{reason}\n\n" if reason else "") + change_set.review_text()
        # "For this session" covers these files only, not every file in the repository.
        return ApprovalRequest("edit_files", "write", change_set.title(), detail,
                               grant="edit_files:" + ",".join(change_set.paths))

    def handler(args: dict[str, Any]) -> ToolOutcome:
        replace = _replace()
        if args.get("command") == "view":
            return _view(workflow, args)
        try:
            change_set = pending.pop(json.dumps(args, sort_keys=True), None) or prepare(args)
            change_set.apply()
        except replace.ChangeRefused as exc:
            return refusal(f"Not applied: {exc}", f"edit_files refused: {exc}")
        workflow.record_edit()  # a test run from before this edit no longer proves a gated tick
        title = change_set.title()
        return ToolOutcome(f"Applied: {title}. View a file again before editing it further.", f"edit_files {title}",
                           detail=change_set.review_text())

    return Tool("edit_files", DESCRIPTION, SCHEMA, handler, approval=approval)


def _view(workflow: WorkflowSession, args: dict[str, Any]) -> ToolOutcome:
    replace = _replace()
    try:
        path, relative = replace.editable_path(workflow.root, str(args.get("path") or ""), workflow.settings.secret_files)
        text = replace.read_text(path, relative)
    except replace.ChangeRefused as exc:
        return refusal(f"Not shown: {exc}", f"edit_files view refused: {exc}")
    if text is None:
        return refusal(f"{relative} does not exist: use create to make it, or list_files to find the file.",
                       f"edit_files view {relative}: no such file")
    lines = text.split("\n")
    total = len(lines) - 1 if text.endswith("\n") else len(lines)
    first, last = 1, total
    view_range = args.get("view_range")
    if view_range is not None:
        if (not isinstance(view_range, list) or len(view_range) != 2 or not all(isinstance(n, int) for n in view_range)
                or not 1 <= view_range[0] <= max(total, 1) or not (view_range[1] == -1 or view_range[0] <= view_range[1])):
            return refusal(f"view_range must be [first, last] with 1 ≤ first ≤ {total} and last ≥ first or -1.",
                           f"edit_files view {relative}: bad view_range")
        first, last = view_range[0], total if view_range[1] == -1 else min(view_range[1], total)
    shown = workflow.policy.clean(replace.numbered("\n".join(lines[first - 1 : last]), first))
    body = shown.text
    if len(body) > MAX_VIEW_CHARS:
        body = body[:MAX_VIEW_CHARS] + f"\n[cut at {MAX_VIEW_CHARS:,} characters: view a smaller view_range]"
    redacted = f" · redacted: {', '.join(shown.kinds)}" if shown.kinds else ""
    return ToolOutcome(f"{relative}, lines {first}–{last} of {total}:\n{body}",
                       f"edit_files view {relative} · lines {first}–{last} of {total}{redacted}", detail=body)
