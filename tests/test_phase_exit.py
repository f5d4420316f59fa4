"""Leaving a phase with work open asks once, through the driver's `confirm` (issue 11): the core's
side of it — the question, staying, moving on, nothing open, nobody to ask, `/review`."""

from __future__ import annotations

from dataclasses import dataclass, field

from backdev.assistant import drain
from backdev.chat.events import Answer, LeavingPhase, Note, Question
from backdev.compose import Startup, Workspace
from backdev.llm.events import TurnFinished
from backdev.llm.scripted import ScriptedProvider, reply

from .conftest import driver_for
from .workflow_helpers import Approver


@dataclass
class Asked:
    """A `confirm` callback that answers from a script and records what it was asked."""

    answers: list[Answer]
    questions: list[Question] = field(default_factory=list)

    async def __call__(self, question: Question) -> Answer:
        self.questions.append(question)
        return self.answers.pop(0)


def notes_of(events: list[object]) -> list[str]:
    return [e.text for e in events if isinstance(e, Note)]


def finish_requirements(startup: Startup, workspace: Workspace) -> None:
    """Every item of the requirements phase settled and its artifact written whole."""
    workflow = startup.assistant.workflow
    for item in workflow.open_items():
        workflow.update_checklist(item, "na", "small change")
    artifact = workspace.root / "docs" / "backdev" / "requirements.md"
    artifact.parent.mkdir(parents=True, exist_ok=True)
    artifact.write_text("# R\n\n## Summary\ns\n\n## Answers\na\n\n## Assumptions\nx\n\n## Open questions\nnone\n")
    workflow.record_artifact("docs/backdev/requirements.md")
    assert not workflow.open_exit_work()


async def test_next_with_work_open_asks_once_and_stay_changes_nothing(startup: Startup, workspace: Workspace) -> None:
    asked = Asked([False])
    driver = driver_for(startup, workspace, confirm=asked)
    workflow = startup.assistant.workflow
    workflow.update_checklist("scale", "done", "40 rps")
    result = driver.command("/next")
    assert result.events == () and result.turn is not None  # nothing moved yet: the question comes first
    assert workflow.phase.id == "requirements"
    events = await drain(result.turn())
    [question] = asked.questions
    assert isinstance(question, LeavingPhase) and (question.left, question.entering) == ("Requirements", "Design")
    assert "data_volume" in question.problem and "requirements.md: not written" in question.problem
    assert "scale" not in question.open.items and question.question == "Move on to Design anyway?"
    assert notes_of(events) == ["Staying in the Requirements phase; nothing changed. /phase shows what is open."]
    assert workflow.phase.id == "requirements" and workflow.state.item("requirements", "scale").state == "done"


async def test_moving_on_says_what_stays_open_where_it_left(startup: Startup, workspace: Workspace) -> None:
    asked = Asked([True])
    driver = driver_for(startup, workspace, confirm=asked)
    events = await drain(driver.command("/phase tdd").turn())  # type: ignore[misc]
    assert len(asked.questions) == 1 and asked.questions[0].entering == "TDD"  # type: ignore[union-attr]
    [moved] = notes_of(events)
    assert moved.startswith("Phase: TDD") and "(Requirements is left with open items: scale" in moved
    assert startup.assistant.workflow.phase.id == "tdd"


async def test_nothing_open_or_no_move_does_not_ask(startup: Startup, workspace: Workspace) -> None:
    asked = Asked([])
    driver = driver_for(startup, workspace, confirm=asked)
    same = driver.command("/phase requirements")  # not leaving: nothing to ask
    assert same.turn is None and same.events[0].text.startswith("Phase: Requirements")  # type: ignore[union-attr]
    bad = driver.command("/phase deploy")  # no such phase: the error, at once
    assert bad.failed and bad.turn is None
    finish_requirements(startup, workspace)
    moved = driver.command("/next")
    assert moved.turn is None and moved.events[0].text.startswith("Phase: Design")  # type: ignore[union-attr]
    assert "left with" not in moved.events[0].text and asked.questions == []  # type: ignore[union-attr]


async def test_nobody_to_ask_moves_as_the_command_said(startup: Startup, workspace: Workspace) -> None:
    driver = driver_for(startup, workspace)  # the default confirm: nobody to ask
    events = await drain(driver.command("/next").turn())  # type: ignore[misc]
    assert startup.assistant.workflow.phase.id == "design"
    assert "Requirements is left with open items" in notes_of(events)[0]


async def test_review_from_a_phase_with_work_open_asks_before_it_switches_or_streams(
        startup: Startup, workspace: Workspace, scripted: ScriptedProvider) -> None:
    (workspace.root / "views.py").write_text("def refund(request):\n    return request.GET['id']\n")
    scripted.enqueue(reply("Looks fine."))
    asked = Asked([False, True])
    driver = driver_for(startup, workspace, confirm=asked, approve=Approver())
    startup.assistant.workflow.switch("tdd")  # where a review leaves open work
    stayed = await drain(driver.command("/review views.py").turn())  # type: ignore[misc]
    assert notes_of(stayed) == ["Staying in the TDD phase; nothing changed. /phase shows what is open."]
    assert startup.assistant.workflow.phase.id == "tdd" and scripted.history == []  # nothing was sent
    assert driver.command("/review missing.py").failed  # a path that cannot be reviewed is said before asking
    events = await drain(driver.command("/review views.py").turn())  # type: ignore[misc]
    assert [q.left for q in asked.questions] == ["TDD", "TDD"]  # type: ignore[union-attr]
    assert notes_of(events)[0].startswith("Leaving the TDD phase for Review (")
    assert any(isinstance(e, TurnFinished) for e in events)  # the review streamed after the answer
    assert startup.assistant.workflow.phase.id == "review" and len(scripted.history) == 1
