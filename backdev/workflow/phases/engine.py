"""A session's workflow: the definition, the session's phase state, and every change to it.

`WorkflowSession` is what `assistant.workflow` holds. Each change (a switch, a tick, a test run,
an artifact, a finding) is saved to the session store at once, and `phase_text` (the system
prompt's phase block) changes only when the phase changes, so prompt caching keeps hitting within
a phase.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from backdev.repo.safety import SafetyPolicy
from backdev.settings import Settings
from backdev.workflow.phases.definition import Phase, Workflow
from backdev.workflow.review.findings import Finding, sort_findings
from backdev.workflow.phases.outline import ExitWork, artifact_problems
from backdev.workflow.phases.prompt import phase_prompt
from backdev.workflow.phases.state import ItemProgress, TestRun, WorkflowState
from backdev.workflow.phases.view import ChecklistItemView, PhaseView, WorkflowView

if TYPE_CHECKING:  # the review's modules load with the first review
    from backdev.workflow.review.scope import ReviewScope

_MARKS = {"open": "[ ]", "done": "[x]", "na": "[-]"}


class PhaseNotFound(LookupError):
    """A phase name that matches nothing, or `/next` from the last phase."""


class WorkflowSession:
    """The workflow of one session.

    Args:
        workflow: the persona's phases.
        state: the session's phase state (fresh or restored).
        root: the repository root (artifacts and edits live under it).
        settings: for the artifacts folder and read caps.
        policy: the session's secret rules (test output is redacted with them).
        save: stores the state's JSON (in the session store).
    """

    def __init__(self, workflow: Workflow, state: WorkflowState, *, root: Path, settings: Settings,
                 policy: SafetyPolicy, save: Callable[[dict[str, Any]], None]) -> None:
        self.workflow = workflow
        self.state = state
        self.root = root
        self.settings = settings
        self.policy = policy
        self._save = save
        # The system prompt's phase block: set by `activate` (on start, resume and each switch) only.
        self.phase_text = ""
        # What findings may point at during a review's turn: its files (`report_finding` checks
        # paths against them); None otherwise (any file of the repository).
        self.finding_scope: ReviewScope | None = None

    # --- the phase -----------------------------------------------------------------------------

    @property
    def phase(self) -> Phase:
        return self.workflow.phase(self.state.current)

    @property
    def artifacts_dir(self) -> str:
        return self.settings.artifacts_dir.strip("/") or "."

    def activate(self) -> None:
        """Build the current phase's block of the system prompt (on start, resume and each switch)."""
        self.phase_text = phase_prompt(self.workflow, self.phase, self.artifacts_dir, self._artifact_texts())

    def use_phase_text(self, text: str) -> None:
        """Send `text` as the phase block instead, until the phase changes (`backdev review`'s one-pass prompt)."""
        self.phase_text = text

    def switch(self, name: str) -> Phase:
        """Make the phase called `name` (id, title or number) current.

        Raises:
            PhaseNotFound: listing the phases.
        """
        phase = self.workflow.find_phase(name)
        if phase is None:
            ids = ", ".join(p.id for p in self.workflow.phases)
            raise PhaseNotFound(f"No phase {name.strip()!r}; the phases are: {ids}.")
        if phase.id != self.state.current:
            self.state.current = phase.id
            self.save()
        self.activate()
        return phase

    def advance(self) -> Phase:
        """Move to the current phase's `next` phase (PhaseNotFound from the last one)."""
        if self.phase.next is None:
            raise PhaseNotFound(f"{self.phase.title} is the last phase: /phase NAME goes back to an earlier one.")
        return self.switch(self.phase.next)

    def open_exit_work(self, phase: Phase | None = None) -> ExitWork:
        """What `phase` (default: the current one) leaves open: unticked items, artifacts missing or
        short of sections. The phase switch reports it; front ends may ask before leaving."""
        phase = phase or self.phase
        return ExitWork(tuple(self.open_items(phase)),
                        artifact_problems(phase, self.root, self.artifacts_dir, self.state.artifacts))

    def open_items(self, phase: Phase | None = None) -> list[str]:
        phase = phase or self.phase
        return [i.id for i in phase.checklist if self.state.item(phase.id, i.id).state == "open"]

    # --- changes (each saved at once) ----------------------------------------------------------

    def save(self) -> None:
        self._save(self.state.to_json())

    def update_checklist(self, item: str, value: str, note: str = "") -> ItemProgress:
        """Tick (or reopen) an item of the current phase; raises TickRefused saying why not."""
        result = self.state.set_item(self.phase, item, value, note)
        self.save()
        return result

    def record_run(self, run: TestRun) -> TestRun:
        run.phase = run.phase or self.state.current
        self.state.add_run(run)
        self.save()
        return run

    def record_edit(self) -> None:
        """An edit of the repository was applied (a gated tick then needs a newer test run)."""
        self.state.record_edit()
        self.save()

    def record_artifact(self, relative: str) -> None:
        if relative not in self.state.artifacts:
            self.state.artifacts.append(relative)
            self.save()

    def add_finding(self, finding: Finding) -> None:
        self.state.findings.append(finding)
        self.save()

    def begin_review(self, scope: str) -> Phase:
        """Switch to the review phase for a new review of `scope`; earlier findings are cleared."""
        review = self.workflow.review_phase
        if review is None:
            raise PhaseNotFound("This persona's workflow has no review phase (a phase with `categories`).")
        self.state.findings = []
        self.state.review_scope = scope
        self.switch(review.id)
        self.save()
        return review

    # --- what front ends show ------------------------------------------------------------------

    def view(self) -> WorkflowView:
        phase = self.phase
        items = tuple(
            ChecklistItemView(i.id, i.text, self.state.item(phase.id, i.id).state,  # type: ignore[arg-type]
                              self.state.item(phase.id, i.id).note)
            for i in phase.checklist
        )
        last = self.state.last_run
        return WorkflowView(
            phases=tuple(PhaseView(p.id, p.title) for p in self.workflow.phases),
            current=phase.id,
            checklist=items,
            artifacts=tuple(self.state.artifacts),
            last_test_run=last.describe() if last else None,
            findings=tuple(sort_findings(self.state.findings)),
            review_scope=self.state.review_scope,
            goal=phase.goal,
        )

    def summary_line(self) -> str:
        """One line after each reply, e.g. `TDD · 2/6 checked · last run #3 failed`."""
        phase = self.phase
        checked = len(phase.checklist) - len(self.open_items())
        line = f"{phase.title} · {checked}/{len(phase.checklist)} checked"
        if self.state.last_run is not None:
            line += f" · last run #{self.state.last_run.id} {self.state.last_run.outcome}"
        if phase.categories and self.state.findings:
            line += f" · {len(self.state.findings)} finding{'s' if len(self.state.findings) != 1 else ''}"
        return line

    def describe(self) -> str:
        """What `/phase` prints: the phase, its checklist with states and notes, artifacts, last run."""
        phase = self.phase
        number = self.workflow.phases.index(phase) + 1
        lines = [f"Phase {number} of {len(self.workflow.phases)}: {phase.title} — {phase.goal}"]
        route = " → ".join(f"[{p.id}]" if p is phase else p.id for p in self.workflow.phases)
        lines.append(f"  {route}")
        for item in phase.checklist:
            state = self.state.item(phase.id, item.id)
            note = f" — {state.note}" if state.note else ""
            lines.append(f"  {_MARKS.get(state.state, '[?]')} {item.id}: {item.text}{note}")
        if self.state.artifacts:
            lines.append("  Artifacts: " + ", ".join(self.state.artifacts))
        last = self.state.last_run
        lines.append(f"  Last test run: {last.describe()} ({' '.join(last.command)})" if last else "  Last test run: none yet")
        if phase.next:
            lines.append(f"  Next: {self.workflow.phase(phase.next).title} (/next)")
        return "\n".join(lines)

    # --- helpers -------------------------------------------------------------------------------

    def _artifact_texts(self) -> list[tuple[str, str]]:
        """The session's artifacts that still exist, within the read cap (for `include_artifacts`)."""
        if not self.phase.include_artifacts:
            return []
        budget = self.settings.read_max_bytes
        found: list[tuple[str, str]] = []
        for relative in self.state.artifacts:
            path = self.root / relative
            try:
                data = path.read_bytes()
            except OSError:
                continue
            text = data[:budget].decode("utf-8", errors="replace")
            if len(data) > budget:
                text += "\n[… cut here: the rest is over backdev's read cap …]"
            found.append((relative, text))
            budget -= min(len(data), budget)
            if budget <= 0:
                break
        return found
