"""The tools that write or run, each after the person approves it.

- `write_artifact` — a markdown file under the artifacts folder; the approval shows a diff when
  the file exists, the content otherwise.
- `propose_edit` — new content or a unified diff for one file in the repository, shown as a diff;
  never a secret file or anything outside the repository.
- `run_tests` — the project's test command (no shell, with a time limit) after approval or a
  session grant; the outcome is recorded in the phase state.

Writes and runs are described by an `approval` function that the tool loop calls before asking
the person; a refused input yields no approval request (nothing to ask about) and the handler
then says why. What the person approved is kept and applied as approved (see `FileChange.apply`).
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from backdev.tools.base import ApprovalRequest, Tool, ToolOutcome, refusal
from backdev.workflow.phases.engine import WorkflowSession
from backdev.workflow.phases.outline import missing_sections, spec_for
from backdev.workflow.phases.state import TestRun
from backdev.workflow.phases.tools import gated_ids

if TYPE_CHECKING:
    from backdev.workflow.actions.edits import FileChange


# The tools are built at start-up, before the app's first frame; what they do (diffs and patches,
# running tests, finding the test command in the repository, which opens it through git) is
# imported when a tool is first used.
def _edits() -> ModuleType:
    from backdev.workflow.actions import edits  # see the comment above

    return edits


def _testrun() -> ModuleType:
    from backdev.workflow.actions import testrun  # see the comment above

    return testrun


def _key(arguments: dict[str, Any]) -> str:
    return json.dumps(arguments, sort_keys=True)


class _ApprovedChanges:
    """Changes prepared for an approval request, applied exactly as the person saw them."""

    def __init__(self) -> None:
        self.pending: dict[str, FileChange] = {}

    def remember(self, arguments: dict[str, Any], change: FileChange) -> None:
        self.pending[_key(arguments)] = change

    def take(self, arguments: dict[str, Any]) -> FileChange | None:
        return self.pending.pop(_key(arguments), None)


# --- write_artifact ----------------------------------------------------------------------------


def write_artifact_tool(workflow: WorkflowSession) -> Tool:
    approved = _ApprovedChanges()

    def prepare(args: dict[str, Any]) -> FileChange:
        return _edits().prepare_artifact(workflow.root, workflow.artifacts_dir, str(args.get("name", "")),
                                         str(args.get("markdown", "")))

    def approval(args: dict[str, Any]) -> ApprovalRequest | None:
        try:
            change = prepare(args)
        except _edits().ChangeRefused:
            return None
        if change.unchanged:
            return None
        approved.remember(args, change)
        detail = change.review_text(new_file_as_text=True)
        verb = "update" if change.old is not None else "write"
        return ApprovalRequest("write_artifact", "write", f"{verb} {change.relative} ({change.stats()})", detail)

    def handler(args: dict[str, Any]) -> ToolOutcome:
        try:
            change = approved.take(args) or prepare(args)
            if change.unchanged:
                workflow.record_artifact(change.relative)
                return ToolOutcome(f"{change.relative} already has exactly this content; nothing was written.",
                                   f"write_artifact {change.relative} · unchanged")
            change.apply()
        except _edits().ChangeRefused as exc:
            return refusal(f"Not written: {exc}", f"write_artifact refused: {exc}")
        workflow.record_artifact(change.relative)
        lines = change.new.count("\n")
        return ToolOutcome(f"Wrote {change.relative} ({lines} lines).{_outline_note(workflow, change.relative, change.new)}",
                           f"write_artifact {change.relative} · {change.stats()}", detail=change.new)

    return Tool(
        "write_artifact",
        f"Write a phase artifact (markdown) under the artifacts folder `{workflow.artifacts_dir}/`, e.g. "
        "`requirements.md` or `adr/0001-use-redis.md`. The person approves it first and sees a diff when the file "
        "exists. Send the whole document.",
        {"type": "object", "properties": {
            "name": {"type": "string", "description": "path under the artifacts folder, ending in .md"},
            "markdown": {"type": "string", "description": "the complete document"},
        }, "required": ["name", "markdown"]},
        handler,
        approval=approval,
    )


def _outline_note(workflow: WorkflowSession, relative: str, markdown: str) -> str:
    """What the artifact written at `relative` lacks of its outline, for the model (empty when complete or unknown)."""
    folder = workflow.artifacts_dir
    spec = spec_for(workflow.workflow, relative[len(folder) + 1:] if folder != "." else relative)
    missing = missing_sections(spec, markdown) if spec is not None else []
    if not missing:
        return ""
    return (f" Its outline ({spec.path}) also has these sections, which have no heading yet: {', '.join(missing)}. "  # type: ignore[union-attr]
            "Add each as a heading (with a line saying why when it does not apply) and write the document again.")


def propose_edit_tool(workflow: WorkflowSession) -> Tool:
    approved = _ApprovedChanges()

    def prepare(args: dict[str, Any]) -> FileChange:
        content, diff = args.get("content"), args.get("diff")
        return _edits().prepare_edit(workflow.root, str(args.get("path", "")),
                            content=None if content is None else str(content), diff=None if diff is None else str(diff),
                            secret_patterns=workflow.settings.secret_files)

    def approval(args: dict[str, Any]) -> ApprovalRequest | None:
        try:
            change = prepare(args)
        except _edits().ChangeRefused:
            return None
        approved.remember(args, change)
        reason = str(args.get("reason") or "").strip()
        detail = (f"{reason}\n\n" if reason else "") + change.review_text()
        verb = "create" if change.old is None else "edit"
        # "For this session" covers this one file, not every file in the repository.
        return ApprovalRequest("propose_edit", "write", f"{verb} {change.relative} ({change.stats()})", detail,
                               grant=f"propose_edit:{change.relative}")

    def handler(args: dict[str, Any]) -> ToolOutcome:
        try:
            change = approved.take(args) or prepare(args)
            change.apply()
        except _edits().ChangeRefused as exc:
            return refusal(f"Not applied: {exc}", f"propose_edit refused: {exc}")
        workflow.record_edit()
        return ToolOutcome(f"Applied the edit to {change.relative} ({change.stats()}).",
                           f"propose_edit {change.relative} · {change.stats()}", detail=change.review_text())

    return Tool(
        "propose_edit",
        "Propose a change to one file in the repository: either `content` (the whole new file) or `diff` (a unified "
        "diff of that file). The person sees the diff and the change is applied only if they approve. Secret files "
        "(.env, keys, credentials) and paths outside the repository are refused.",
        {"type": "object", "properties": {
            "path": {"type": "string", "description": "the file, relative to the repository root"},
            "content": {"type": "string", "description": "the complete new content of the file"},
            "diff": {"type": "string", "description": "a unified diff of this one file (@@ hunks with context)"},
            "reason": {"type": "string", "description": "one line on why, shown with the diff"},
        }, "required": ["path"]},
        handler,
        approval=approval,
    )


def tests_command_for(workflow: WorkflowSession, selection: str) -> tuple[list[str], list[str], Path]:
    """(the command as configured or detected, the same with its program found, the folder it runs in).

    A detected command runs from its project's folder (`apps/api/` of a monorepo); a selection's
    paths are checked against, and taken relative to, that folder.

    Raises:
        TestCommandError: no test command, a refused selection, or the program not found.
    """
    from backdev.repo.detect import find_test_command  # see _edits: not at start-up
    from backdev.repo.repository import Repository

    testrun = _testrun()
    folder = workflow.root
    base = list(workflow.settings.test_command)
    if not base:
        repo = Repository.open(workflow.root, policy=workflow.policy)
        here = workflow.root.resolve()
        start = here.relative_to(repo.root).as_posix() if here.is_relative_to(repo.root) else ""
        found = find_test_command(repo.root, repo.files(), "" if start == "." else start)
        if found is not None:
            base, folder = list(found.args), repo.root / found.folder
    if not base:
        raise testrun.TestCommandError(
            "No test command was found (no pytest configuration, manage.py, tox.ini or Makefile `test` target): "
            "set `test_command` in .backdev.yaml, e.g. [python, -m, pytest]."
        )
    command = testrun.build_command(base, selection, folder)
    return command, testrun.resolve_executable(command, folder), folder


def run_tests_tool(workflow: WorkflowSession) -> Tool:
    timeout = workflow.settings.test_timeout

    def approval(args: dict[str, Any]) -> ApprovalRequest | None:
        try:
            command, resolved, folder = tests_command_for(workflow, str(args.get("selection") or ""))
        except _testrun().TestCommandError:
            return None
        settings = workflow.settings
        origin = _testrun().command_origin(settings.source_of("test_command") if settings.test_command else None)
        return ApprovalRequest("run_tests", "run", f"run {shlex.join(command)}",
                               f"{shlex.join(resolved)}\nin {folder} · time limit {timeout:g} s\n"
                               f"command from: {origin}", grant="run_tests")

    async def handler(args: dict[str, Any]) -> ToolOutcome:
        selection = str(args.get("selection") or "")
        testrun = _testrun()
        try:
            command, resolved, folder = tests_command_for(workflow, selection)
        except testrun.TestCommandError as exc:
            return refusal(f"Not run: {exc}", f"run_tests refused: {exc}")
        result = await testrun.run_test_command(resolved, folder, timeout)
        run = workflow.record_run(TestRun(command, selection, result.exit_status, result.outcome,  # type: ignore[arg-type]
                                          result.summary, seconds=round(result.seconds, 2)))
        status = "no exit status" if result.exit_status is None else f"exit status {result.exit_status}"
        head = (f"Test run #{run.id}: {result.outcome} ({status}) in {result.seconds:.1f} s"
                f"{' — ' + result.summary if result.summary else ''}.\nCommand: {shlex.join(command)}")
        # Test output can print settings, tokens or connection strings: redact before the model sees it.
        shown = workflow.policy.clean(testrun.trim_output(result.output))
        redacted = f" · redacted: {', '.join(shown.kinds)}" if shown.kinds else ""
        return ToolOutcome(f"{head}\n\n{shown.text}", f"run_tests {run.describe()}{redacted}", detail=result.output)

    return Tool(
        "run_tests",
        "Run the project's tests (its test command, detected or set in .backdev.yaml) and get the outcome and the "
        "output. The person approves the run (or allowed it for the session). `selection` narrows it: test paths or "
        "node ids (tests/test_x.py::test_y), test names or dotted labels, and pytest's -k/-m expressions. The "
        "outcome is recorded" + (f": {gated_ids(workflow)} are checked against it." if gated_ids(workflow) else "."),
        {"type": "object", "properties": {
            "selection": {"type": "string", "description": "optional: which tests, e.g. `tests/test_orders.py::test_refund`"},
        }},
        handler,
        approval=approval,
    )
