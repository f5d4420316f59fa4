"""A session's phase state: current phase, checklist ticks, artifacts, test runs, review findings.

It is plain data kept as JSON in the session store (`store.set_state(id, "workflow", ...)`), so it
survives a resume. Restoring is tolerant: a workflow file edited since the session started drops
unknown phases and items instead of failing, and unreadable state starts afresh.

The TDD gates live here, in the core, not in the prompt: an item with `requires_run` is refused
unless the latest test run has that outcome and comes after its `after` item (see `_check_gate`).
Each done item remembers the latest run id when it was ticked (`run_seen`), and gated items
remember the run that justified them (`run`); "after" compares against those.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal, TypeVar

from backdev.workflow.phases.definition import ChecklistItem, Phase, Workflow
from backdev.workflow.review.findings import Finding

STATES = ("open", "done", "na")
KEEP_RUNS = 20
NOTE_MAX = 500
RunOutcomeKind = Literal["passed", "failed", "error", "timeout"]
_OUTCOME_WORDS = {
    "error": "stopped with an error before any test failed (error)",
    "timeout": "was stopped at the time limit (timeout)",
    "passed": "passed",
    "failed": "failed",
}


T = TypeVar("T")


def _known(cls: type[T], data: dict[str, Any]) -> T:
    """`cls(**data)` ignoring keys it does not have (state saved by a newer backdev)."""
    names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    return cls(**{k: v for k, v in data.items() if k in names})


class TickRefused(ValueError):
    """A checklist change the core does not allow; the message says why and what to do."""


@dataclass
class ItemProgress:
    """How far one checklist item got in this session: its mark (`state`), its note, the runs behind it."""

    state: str = "open"
    note: str = ""
    run_seen: int = 0
    run: int | None = None


@dataclass
class TestRun:
    """One `run_tests` run, as recorded in the phase state.

    Attributes:
        outcome: `passed` (exit 0), `failed` (tests ran and some failed), `error` (the run
            stopped before any test failed: collection error, bad usage, no tests, command not
            found) or `timeout`.
        summary: the runner's own summary line when one was found (e.g. `1 failed, 3 passed`).
    """

    __test__ = False  # not a pytest test class, despite the name

    command: list[str]
    selection: str
    exit_status: int | None
    outcome: RunOutcomeKind
    summary: str = ""
    phase: str = ""
    id: int = 0
    at: float = field(default_factory=time.time)
    seconds: float = 0.0

    def describe(self) -> str:
        """One line, e.g. `#3 failed · exit 1 · 1 failed, 2 passed`."""
        status = "no exit status" if self.exit_status is None else f"exit {self.exit_status}"
        summary = f" · {self.summary}" if self.summary else ""
        return f"#{self.id} {self.outcome} · {status}{summary}"


@dataclass
class WorkflowState:
    """Everything the workflow remembers about one session."""

    current: str
    items: dict[str, dict[str, ItemProgress]]
    artifacts: list[str] = field(default_factory=list)
    runs: list[TestRun] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    review_scope: str = ""
    next_run_id: int = 1
    # The latest run id when an edit was last applied: a gated tick needs a run newer than that,
    # so a run of the code before the edit proves nothing about the code after it.
    edit_run_seen: int = 0

    @classmethod
    def fresh(cls, workflow: Workflow) -> WorkflowState:
        return cls(workflow.phases[0].id, {p.id: {i.id: ItemProgress() for i in p.checklist} for p in workflow.phases})

    # --- reading -------------------------------------------------------------------------------

    def item(self, phase_id: str, item_id: str) -> ItemProgress:
        return self.items[phase_id][item_id]

    @property
    def last_run(self) -> TestRun | None:
        return self.runs[-1] if self.runs else None

    # --- changing ------------------------------------------------------------------------------

    def add_run(self, run: TestRun) -> TestRun:
        """Record a test run (numbered from 1); only the latest KEEP_RUNS are kept."""
        run.id = self.next_run_id
        self.next_run_id += 1
        self.runs.append(run)
        del self.runs[:-KEEP_RUNS]
        return run

    def record_edit(self) -> None:
        """An edit of the repository was applied: runs made before it no longer prove a gated tick."""
        self.edit_run_seen = self.last_run.id if self.last_run else 0

    def set_item(self, phase: Phase, item_id: str, value: str, note: str = "") -> ItemProgress:
        """Set a checklist item of `phase` to open, done or na, enforcing its gate.

        Raises:
            TickRefused: unknown item or state, or a gated tick without the test run it needs.
        """
        item = phase.item(item_id)
        if item is None:
            ids = ", ".join(i.id for i in phase.checklist) or "(none)"
            raise TickRefused(f"There is no checklist item {item_id!r} in the {phase.title} phase; its items are: {ids}.")
        if value not in STATES:
            raise TickRefused(f"The state must be open, done or na (not applicable), not {value!r}.")
        current = self.items.setdefault(phase.id, {}).setdefault(item.id, ItemProgress())
        latest = self.last_run.id if self.last_run else 0
        if value == "open":
            self.items[phase.id][item.id] = ItemProgress("open", _short(note) or current.note)
            return self.items[phase.id][item.id]
        evidence = None
        if item.requires_run is not None:
            if value == "na":
                raise TickRefused(
                    f"{item.id!r} cannot be marked not applicable: it is proved by a test run, not by a note. "
                    "Leave it open and tell the person why TDD does not fit here."
                )
            evidence = self._check_gate(phase, item)
        self.items[phase.id][item.id] = ItemProgress(value, _short(note), latest, evidence)
        return self.items[phase.id][item.id]

    def _check_gate(self, phase: Phase, item: ChecklistItem) -> int:
        """The id of the run that justifies ticking `item`, or TickRefused saying what is missing.

        The latest run must have the wanted outcome. After a gated item (green after red) it must be
        newer than the run that confirmed that item; after an ungated one (red after "failing test")
        it may be the run made just before that item was ticked, which is the natural order: write
        the test, run it, tick "failing test", tick "red confirmed".
        """
        wanted = item.requires_run
        need = f"{item.id!r} needs a run_tests run that {wanted}"
        earlier: ItemProgress | None = None
        gated_after = False
        if item.after is not None:
            earlier = self.items.get(phase.id, {}).get(item.after)
            if earlier is None or earlier.state != "done":
                raise TickRefused(f"{need}, once {item.after!r} is done: tick {item.after!r} first.")
            before = phase.item(item.after)
            gated_after = before is not None and before.requires_run is not None and earlier.run is not None
            need += (f" newer than the run that confirmed {item.after!r} (#{earlier.run})" if gated_after
                     else f" made no earlier than the last run before {item.after!r} was ticked")
        run = self.last_run
        if run is None:
            raise TickRefused(f"{need}, and there has been no test run yet: call run_tests, then tick it.")
        if run.outcome != wanted:
            advice = ("make the new test fail for the right reason (an assertion, not an import error)"
                      if wanted == "failed" else "make the tests pass")
            raise TickRefused(
                f"{need}; the last run (#{run.id}) {_OUTCOME_WORDS[run.outcome]}. First {advice}, run the tests, then tick it."
            )
        if earlier is not None and (run.id <= (earlier.run or 0) if gated_after else run.id < earlier.run_seen):
            raise TickRefused(
                f"{need}; the last run (#{run.id}) is from before that. Call run_tests again, then tick it."
            )
        if run.id <= self.edit_run_seen:
            raise TickRefused(
                f"{need} on the code as it is now; the last run (#{run.id}) came before the last edit. "
                "Call run_tests again, then tick it."
            )
        return run.id

    # --- JSON ----------------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        return {
            "version": 1,
            "current": self.current,
            "items": {p: {i: asdict(s) for i, s in items.items()} for p, items in self.items.items()},
            "artifacts": list(self.artifacts),
            "runs": [asdict(r) for r in self.runs],
            "findings": [f.to_json() for f in self.findings],
            "review_scope": self.review_scope,
            "next_run_id": self.next_run_id,
            "edit_run_seen": self.edit_run_seen,
        }

    @classmethod
    def from_json(cls, data: Any, workflow: Workflow) -> WorkflowState:
        """The state saved for `workflow`, keeping only what the workflow still defines."""
        state = cls.fresh(workflow)
        if not isinstance(data, dict):
            return state
        try:
            if workflow.has_phase(str(data.get("current"))):
                state.current = str(data["current"])
            for phase in workflow.phases:
                saved = (data.get("items") or {}).get(phase.id) or {}
                for item in phase.checklist:
                    if isinstance(saved.get(item.id), dict):
                        state.items[phase.id][item.id] = _known(ItemProgress, saved[item.id])
            state.artifacts = [str(a) for a in data.get("artifacts") or []]
            state.runs = [_known(TestRun, r) for r in data.get("runs") or []]
            state.findings = [Finding.from_json(f) for f in data.get("findings") or []]
            state.review_scope = str(data.get("review_scope") or "")
            state.next_run_id = int(data.get("next_run_id") or (state.runs[-1].id + 1 if state.runs else 1))
            state.edit_run_seen = int(data.get("edit_run_seen") or 0)
        except (TypeError, ValueError, KeyError, AttributeError):
            return cls.fresh(workflow)  # unreadable state: start afresh rather than refuse the session
        return state


def _short(note: str) -> str:
    note = " ".join(str(note or "").split())
    return note if len(note) <= NOTE_MAX else note[: NOTE_MAX - 1] + "…"
