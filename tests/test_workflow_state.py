"""Phase state: checklist ticks, the TDD gates the core enforces, JSON round trip and tolerance."""

from __future__ import annotations

import pytest

from backdev.personas import builtin_personas_dir
from backdev.workflow.phases.definition import parse_workflow
from backdev.workflow.phases.state import TestRun, TickRefused, WorkflowState

# Parsed without the on-disk cache: this runs at collection, before the home isolation applies,
# and a cached load would write into the person's real data folder.
_BUILTIN = builtin_personas_dir() / "backend-developer.workflow.yaml"
WORKFLOW = parse_workflow(_BUILTIN.read_text(encoding="utf-8"), _BUILTIN)
TDD = WORKFLOW.phase("tdd")


def run(state: WorkflowState, outcome: str) -> TestRun:
    return state.add_run(TestRun(command=["pytest"], selection="", exit_status=0 if outcome == "passed" else 1,
                                 outcome=outcome, summary=f"1 {outcome}", phase="tdd"))


def tick(state: WorkflowState, item: str, value: str = "done", note: str = "") -> None:
    state.set_item(TDD, item, value, note)


def test_the_natural_order_is_accepted_write_run_then_tick_failing_test_and_red() -> None:
    state = WorkflowState.fresh(WORKFLOW)
    state.record_edit()  # the new test is written
    run(state, "failed")  # and run
    tick(state, "failing_test")
    tick(state, "red_confirmed", note="AssertionError: 404 != 201")
    assert state.item("tdd", "red_confirmed").state == "done" and state.item("tdd", "red_confirmed").run == 1


def test_red_needs_a_failed_run_of_the_code_as_edited() -> None:
    state = WorkflowState.fresh(WORKFLOW)
    run(state, "failed")  # a failure from before the new test existed proves nothing
    state.record_edit()
    tick(state, "failing_test")
    with pytest.raises(TickRefused, match=r"on the code as it is now; the last run \(#1\) came before the last edit"):
        tick(state, "red_confirmed")
    run(state, "failed")
    tick(state, "red_confirmed", note="AssertionError: 404 != 201")
    assert state.item("tdd", "red_confirmed").run == 2


def test_red_needs_a_run_no_older_than_the_failing_test_tick() -> None:
    state = WorkflowState.fresh(WORKFLOW)
    run(state, "failed")
    run(state, "failed")
    tick(state, "failing_test")  # ticked when run #2 was the latest
    state.runs.pop(-1)  # (as if #2 had never been kept: #1 is older than the tick)
    with pytest.raises(TickRefused, match="made no earlier than the last run before .failing_test. was ticked"):
        tick(state, "red_confirmed")


def test_red_refused_before_the_failing_test_is_ticked() -> None:
    state = WorkflowState.fresh(WORKFLOW)
    run(state, "failed")
    with pytest.raises(TickRefused, match="tick .failing_test. first"):
        tick(state, "red_confirmed")


def test_a_passing_run_does_not_confirm_red() -> None:
    state = WorkflowState.fresh(WORKFLOW)
    tick(state, "failing_test")
    run(state, "passed")
    with pytest.raises(TickRefused, match=r"the last run \(#1\) passed"):
        tick(state, "red_confirmed")


@pytest.mark.parametrize("outcome", ["error", "timeout"])
def test_a_run_that_never_ran_the_tests_does_not_confirm_red(outcome: str) -> None:
    state = WorkflowState.fresh(WORKFLOW)
    tick(state, "failing_test")
    run(state, outcome)
    with pytest.raises(TickRefused, match=outcome):
        tick(state, "red_confirmed")


def test_premature_green_is_refused_and_green_needs_a_pass_after_red() -> None:
    state = WorkflowState.fresh(WORKFLOW)
    tick(state, "failing_test")
    with pytest.raises(TickRefused, match="tick .red_confirmed. first"):
        tick(state, "green_confirmed")
    with pytest.raises(TickRefused, match="there has been no test run yet"):
        tick(state, "red_confirmed")
    run(state, "failed")
    tick(state, "red_confirmed")
    with pytest.raises(TickRefused, match=r"needs a run_tests run that passed.*the last run \(#1\) failed"):
        tick(state, "green_confirmed")
    run(state, "passed")
    tick(state, "green_confirmed")
    # Green again needs a newer passing run than the one that confirmed green.
    tick(state, "refactor")
    with pytest.raises(TickRefused, match=r"newer than the run that confirmed .green_confirmed. \(#2\)"):
        tick(state, "green_again")
    run(state, "passed")
    tick(state, "green_again")
    assert [state.item("tdd", i).state for i in ("failing_test", "red_confirmed", "green_confirmed", "green_again")] == ["done"] * 4


def test_gated_items_cannot_be_skipped_as_not_applicable_but_can_be_reopened() -> None:
    state = WorkflowState.fresh(WORKFLOW)
    with pytest.raises(TickRefused, match="cannot be marked not applicable"):
        tick(state, "red_confirmed", "na")
    tick(state, "failing_test")
    run(state, "failed")
    tick(state, "red_confirmed")
    tick(state, "red_confirmed", "open")  # a new cycle starts
    assert state.item("tdd", "red_confirmed").state == "open" and state.item("tdd", "red_confirmed").run is None


def test_unknown_item_and_state_are_refused_with_the_valid_choices() -> None:
    state = WorkflowState.fresh(WORKFLOW)
    with pytest.raises(TickRefused, match="no checklist item 'scale' in the TDD phase; its items are: failing_test, red_confirmed"):
        tick(state, "scale")
    with pytest.raises(TickRefused, match="state must be open, done or na"):
        tick(state, "failing_test", "finished")


def test_json_round_trip_and_tolerance_of_a_changed_workflow() -> None:
    state = WorkflowState.fresh(WORKFLOW)
    state.current = "tdd"
    tick(state, "failing_test", note="tests/test_orders.py::test_refund")
    run(state, "failed")
    state.artifacts.append("docs/backdev/requirements.md")
    data = state.to_json()
    again = WorkflowState.from_json(data, WORKFLOW)
    assert again.to_json() == data
    # A workflow file edited since: unknown phases and items are dropped, the phase falls back.
    data["current"] = "gone"
    data["items"]["tdd"]["vanished"] = {"state": "done", "note": ""}
    data["items"]["nowhere"] = {}
    data["items"]["tdd"]["failing_test"]["from_a_newer_backdev"] = 1
    restored = WorkflowState.from_json(data, WORKFLOW)
    assert restored.current == "requirements"
    assert "nowhere" not in restored.items and "vanished" not in restored.items["tdd"]
    assert restored.item("tdd", "failing_test").note == "tests/test_orders.py::test_refund"
    # Garbage becomes a fresh state rather than a crash.
    assert WorkflowState.from_json({"items": 3}, WORKFLOW).current == "requirements"
    assert WorkflowState.from_json(None, WORKFLOW).to_json() == WorkflowState.fresh(WORKFLOW).to_json()


def test_only_the_latest_runs_are_kept() -> None:
    state = WorkflowState.fresh(WORKFLOW)
    for _ in range(30):
        run(state, "passed")
    assert len(state.runs) == 20 and state.runs[-1].id == 30 and state.last_run is not None
