"""The workflow's slash commands, registered on the shared `CommandRunner` by both front ends.

- `/phase` shows the current phase: checklist with states and notes, artifacts, the last test run.
- `/phase NAME` and `/next` switch phases (action `switched`: the front end refreshes what it shows).
- `/review PATH`, `/review --diff`, `/review --base BRANCH` prepare a review and return action
  `review`; the front end takes the request with `reviewing.take_pending_review` and sends it.
- `/findings` lists the last review's findings.

The workflow follows `/persona` and `/new` by itself (an assistant switch hook, see attach.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from backdev.commands import CommandOutcome, CommandRunner, CommandSpec
from backdev.workflow.phases.definition import Phase
from backdev.workflow.phases.engine import PhaseNotFound, WorkflowSession
from backdev.workflow.review.report import findings_list
from backdev.workflow.review.request import ReviewError, parse_review_argument
from backdev.workflow.review.artifact import start_review

if TYPE_CHECKING:
    from backdev.assistant import Assistant

NO_WORKFLOW = ("The persona {name} has no workflow: this is a plain chat. A persona gets one from a "
               "`<name>.workflow.yaml` file beside its own file.")


def register_workflow_commands(runner: CommandRunner, assistant: Assistant) -> None:
    """Add /phase, /next, /review and /findings to `runner`."""

    def workflow_or_none() -> WorkflowSession | None:
        workflow = assistant.workflow
        return workflow if isinstance(workflow, WorkflowSession) else None

    def no_workflow() -> CommandOutcome:
        return CommandOutcome(NO_WORKFLOW.format(name=assistant.persona.name), error=True)

    def phase(argument: str) -> CommandOutcome:
        workflow = workflow_or_none()
        if workflow is None:
            return no_workflow()
        if not argument:
            return CommandOutcome(workflow.describe())
        return _switch(workflow, lambda: workflow.switch(argument))

    def next_phase(_: str) -> CommandOutcome:
        workflow = workflow_or_none()
        if workflow is None:
            return no_workflow()
        return _switch(workflow, workflow.advance)

    def review(argument: str) -> CommandOutcome:
        workflow = workflow_or_none()
        if workflow is None:
            return no_workflow()
        try:
            request = start_review(assistant, parse_review_argument(argument))
        except ReviewError as exc:
            return CommandOutcome(str(exc), error=True)
        workflow.pending_review = request
        notes = "".join(f"\n  note: {n}" for n in request.notes)
        return CommandOutcome(f"Reviewing {request.scope} in the {workflow.phase.title} phase…{notes}", action="review",
                              argument=request.scope)

    def findings(_: str) -> CommandOutcome:
        workflow = workflow_or_none()
        if workflow is None:
            return no_workflow()
        if not workflow.state.review_scope:
            return CommandOutcome("No review yet in this session: /review PATH, /review --diff or /review --base BRANCH.")
        listing = findings_list(workflow.state.findings)
        return CommandOutcome(f"Findings of the review of {workflow.state.review_scope}:\n{listing}")

    for spec, handler in (
        (CommandSpec("phase", "[NAME]", "show the phase and its checklist, or switch to another phase"), phase),
        (CommandSpec("next", "", "move on to the next phase of the workflow"), next_phase),
        (CommandSpec("review", "PATH | --diff | --base BRANCH", "review a file, your uncommitted changes, or a branch"), review),
        (CommandSpec("findings", "", "the findings of the last review"), findings),
    ):
        runner.register(spec, handler)


def _switch(workflow: WorkflowSession, move: Callable[[], Phase]) -> CommandOutcome:
    left = workflow.phase
    try:
        entered = move()
    except PhaseNotFound as exc:
        return CommandOutcome(str(exc), error=True)
    lines = [f"Phase: {entered.title} — {entered.goal}"]
    unchecked = workflow.open_items(left) if left is not entered else []
    if unchecked:
        lines.append(f"  ({left.title} still has open items: {', '.join(unchecked)}; /phase {left.id} goes back.)")
    lines.append("  /phase shows its checklist.")
    return CommandOutcome("\n".join(lines), action="switched")
