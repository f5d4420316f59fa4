"""The workflow's slash commands.

- `/phase` shows the current phase: checklist with states and notes, artifacts, the last test run.
- `/phase NAME` and `/next` switch phases.
- `/review PATH`, `/review --diff`, `/review --base BRANCH` prepare a review, enter the review
  phase and return the request as a `StartReview` follow-up: the driver streams it.
- Each of these, when it would leave a phase with checklist items open or artifacts missing,
  moves only once the person says so: it returns a `LeavePhase` follow-up (`backdev.chat.phase_exit`).
- `/findings` shows the last review's findings.

They act on the assistant's workflow as it is when they run, so they follow `/persona` and `/new`
(which reopen it) by themselves.
"""

from __future__ import annotations

from collections.abc import Callable

from backdev.assistant import Assistant
from backdev.commands.base import CommandOutcome, CommandRunner, CommandSpec, LeavePhase, StartReview
from backdev.workflow.phases.definition import Phase
from backdev.workflow.phases.engine import PhaseNotFound, WorkflowSession
from backdev.workflow.review.findings import ReviewFindings, sort_findings
from backdev.workflow.review.report import findings_list
from backdev.workflow.review.request import ReviewError, parse_review_argument, prepare_review
from backdev.workflow.review.steps import begin_review, review_workflow

NO_WORKFLOW = ("The persona {name} has no workflow: this is a plain chat. A persona gets one from a "
               "`<name>.workflow.yaml` file beside its own file.")


def register_workflow_commands(runner: CommandRunner, assistant: Assistant) -> None:
    """Add /phase, /next, /review and /findings to `runner`."""

    def no_workflow() -> CommandOutcome:
        return CommandOutcome(NO_WORKFLOW.format(name=assistant.persona.name), error=True)

    def phase(argument: str) -> CommandOutcome:
        workflow = assistant.workflow
        if workflow is None:
            return no_workflow()
        if not argument:
            return CommandOutcome(workflow.describe())
        return _ask_first(workflow, workflow.workflow.find_phase(argument),
                          lambda: _switch(workflow, lambda: workflow.switch(argument)))

    def next_phase(_: str) -> CommandOutcome:
        workflow = assistant.workflow
        if workflow is None:
            return no_workflow()
        following = workflow.phase.next
        return _ask_first(workflow, workflow.workflow.find_phase(following) if following else None,
                          lambda: _switch(workflow, workflow.advance))

    def review(argument: str) -> CommandOutcome:
        if assistant.workflow is None:
            return no_workflow()
        try:
            workflow = review_workflow(assistant.workflow, assistant.persona.name)
            # Prepared before anything is asked: a path that cannot be reviewed is said at once.
            request = prepare_review(workflow.root, parse_review_argument(argument), assistant.settings,
                                     assistant.policy)
        except ReviewError as exc:
            return CommandOutcome(str(exc), error=True)

        def start() -> CommandOutcome:
            before, left_open = workflow.phase, workflow.open_items()
            begin_review(workflow, request)
            notes = "".join(f"\n  note: {n}" for n in request.notes)
            # A review switches phase: said, with what stays open where it left (never silently).
            switched = "" if before.id == workflow.phase.id else (
                f"Leaving the {before.title} phase for {workflow.phase.title}"
                + (f" ({len(left_open)} checklist item{'s' if len(left_open) != 1 else ''} still open there; "
                   f"/phase {before.id} goes back)" if left_open else "") + ".\n")
            return CommandOutcome(f"{switched}Reviewing {request.scope} in the {workflow.phase.title} phase…{notes}",
                                  then=StartReview(request))

        return _ask_first(workflow, workflow.workflow.review_phase, start)

    def findings(_: str) -> CommandOutcome:
        workflow = assistant.workflow
        if workflow is None:
            return no_workflow()
        state = workflow.state
        if not state.review_scope and not state.findings:
            return CommandOutcome("No review yet in this session: /review PATH, /review --diff or /review --base BRANCH.")
        # Findings filed outside a /review (the model's report_finding in a chat) are findings
        # too: the phase line counts them, so /findings shows them.
        scope = state.review_scope or "this session"
        return CommandOutcome(f"Findings of {'the review of ' if state.review_scope else ''}{scope}:\n"
                              f"{findings_list(state.findings)}",
                              findings=ReviewFindings(scope, tuple(sort_findings(state.findings))))

    for spec, handler in (
        (CommandSpec("phase", "[NAME]", "show the phase and its checklist, or switch to another phase"), phase),
        (CommandSpec("next", "", "move on to the next phase of the workflow"), next_phase),
        (CommandSpec("review", "PATH | --diff | --base BRANCH", "review a file, your uncommitted changes, or a branch",
                     completes_paths=True), review),
        (CommandSpec("findings", "", "the findings of the last review"), findings),
    ):
        runner.register(spec, handler)


def _ask_first(workflow: WorkflowSession, entering: Phase | None, move: Callable[[], CommandOutcome]) -> CommandOutcome:
    """`move()` now, or — when it leaves the current phase with work open — once the person says so."""
    left = workflow.phase
    open_work = workflow.open_exit_work(left) if entering is not None and entering.id != left.id else None
    return CommandOutcome(then=LeavePhase(left, entering, open_work, move)) if open_work else move()  # type: ignore[arg-type]


def _switch(workflow: WorkflowSession, move: Callable[[], Phase]) -> CommandOutcome:
    left = workflow.phase
    try:
        entered = move()
    except PhaseNotFound as exc:
        return CommandOutcome(str(exc), error=True)
    lines = [f"Phase: {entered.title} — {entered.goal}"]
    # What the phase left undone: its exit criteria ask for every item checked and its artifacts written whole.
    left_open = workflow.open_exit_work(left) if left is not entered else None
    if left_open:
        lines.append(f"  ({left.title} is left with {left_open.describe()}; /phase {left.id} goes back.)")
    lines.append("  /phase shows its checklist.")
    return CommandOutcome("\n".join(lines))
