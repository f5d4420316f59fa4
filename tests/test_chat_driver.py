"""The session driver both front ends drive: commands and what follows them, messages and their
questions, approvals through the callback given at construction, the background start, switches."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from backdev.assistant import drain
from backdev.chat.driver import WAITING_NOTE, ChatDriver
from backdev.chat.events import (
    FindingsShown,
    MessageSent,
    MissingPaths,
    Note,
    NotSent,
    QuitRequested,
    Question,
    ReviewFinished,
    SecretFiles,
    SessionOpened,
    TranscriptCleared,
)
from backdev.compose import Startup, Workspace, open_store, open_workspace, start_session
from backdev.llm.events import TurnFinished
from backdev.llm.scripted import ScriptedProvider, broken, reply, tool_call
from backdev.tools.base import ApprovalRequest, Decision, Tool, ToolAccess, ToolOutcome, ToolRegistry

from .conftest import driver_for, start_with
from .repo_helpers import make_shop_with_secrets
from .workflow_helpers import Approver

VIEWS = "def refund(request):\n    return request.GET['id']\n"


def notes_of(events: list[object]) -> list[str]:
    return [e.text for e in events if isinstance(e, Note)]


async def test_retry_is_a_turn_the_driver_streams_after_the_command(startup: Startup, workspace: Workspace,
                                                                     scripted: ScriptedProvider) -> None:
    scripted.enqueue(broken("a"), broken("b"), reply("whole"))
    driver = driver_for(startup, workspace)
    await drain(driver.send("q"))
    result = driver.command("/retry")
    assert result.events == () and result.turn is not None
    events = await drain(result.turn())
    assert notes_of(events) == ["⟳ Asking again…"] and isinstance(events[-1], TurnFinished)
    assert [r.status for r in startup.assistant.messages()][-1] == "complete"


async def test_command_outcomes_are_typed_events(startup: Startup, workspace: Workspace) -> None:
    driver = driver_for(startup, workspace)
    first = driver.session_id
    new = driver.command("/new")
    assert isinstance(new.events[0], TranscriptCleared) and new.events[1].text.startswith("New session")
    assert driver.session_id != first and new.turn is None
    assert isinstance(driver.command("/quit").events[-1], QuitRequested)
    bad = driver.command("/nope")
    assert bad.failed and bad.events[0].error and "Unknown command /nope" in bad.events[0].text
    nothing = await drain(driver.command("/retry").turn())  # type: ignore[misc]
    assert notes_of(nothing)[-1] == "There is nothing to retry yet: type a message first."


async def test_a_review_streams_its_turn_then_its_findings_and_asks_before_saving(
        startup: Startup, workspace: Workspace, scripted: ScriptedProvider) -> None:
    (workspace.root / "views.py").write_text(VIEWS)
    scripted.enqueue(tool_call("report_finding", {"path": "views.py", "line": 2, "severity": "high", "category": "security",
                                                  "title": "Unchecked id", "detail": "d", "suggestion": "s"}),
                     reply("Fix the id handling."))
    approver = Approver([Decision.DENY])
    driver = driver_for(startup, workspace, approve=approver)
    result = driver.command("/review views.py")
    # Requirements is left with work open: the driver asks first (nobody to ask here: it moves on).
    assert result.events == () and result.turn is not None
    events = await drain(result.turn())
    assert notes_of(events)[0].startswith("Leaving the Requirements phase for Review (7 checklist items still open")
    assert "\nReviewing views.py in the Review phase" in notes_of(events)[0]
    assert startup.assistant.workflow_view().current == "review"  # type: ignore[union-attr]
    [findings] = [e for e in events if isinstance(e, FindingsShown)]
    assert [f.title for f in findings.findings] == ["Unchecked id"] and findings.text.startswith("Findings (1 high):")
    [asked] = approver.asked  # only saving the report asks
    assert asked.title.startswith("save the review as docs/backdev/reviews/review-")
    assert "The review was not saved (you declined)" in notes_of(events)[-1]
    assert isinstance(events[-1], ReviewFinished) and events[-1].finished and events[-1].report.summary == "Fix the id handling."
    shown = driver.command("/findings").events
    assert isinstance(shown[0], FindingsShown) and shown[0].scope == "views.py"


async def test_approvals_go_to_the_callback_given_at_construction(workspace: Workspace, scripted: ScriptedProvider) -> None:
    written: list[str] = []
    tools = ToolRegistry()
    tools.register(Tool("write", "w", {"type": "object"}, lambda a: (written.append("x"), ToolOutcome("ok", "write"))[1],
                        approval=lambda a: ApprovalRequest("write", "write", "write notes.md", "+hello")))
    scripted.enqueue(tool_call("write", {}), reply("Written."), tool_call("write", {}), reply("Again."))
    approver = Approver([Decision.APPROVE_SESSION])
    driver = driver_for(start_with(workspace, scripted, tools=tools), workspace, approve=approver)
    await drain(driver.send("write it"))
    await drain(driver.send("and again"))  # granted for the session: not asked twice
    assert written == ["x", "x"] and [a.title for a in approver.asked] == ["write notes.md"]


async def test_nobody_to_ask_means_nothing_is_written(workspace: Workspace, scripted: ScriptedProvider) -> None:
    written: list[str] = []
    tools = ToolRegistry()
    tools.register(Tool("write", "w", {"type": "object"}, lambda a: (written.append("x"), ToolOutcome("ok", "write"))[1],
                        approval=lambda a: ApprovalRequest("write", "write", "write notes.md", "+hello")))
    scripted.enqueue(tool_call("write", {}), reply("Could not."))
    await drain(driver_for(start_with(workspace, scripted, tools=tools), workspace).send("write it"))
    assert written == []


class Asked:
    """A confirm callback that records the questions and answers from a script."""

    def __init__(self, *answers: bool) -> None:
        self.answers = list(answers)
        self.questions: list[Question] = []

    async def __call__(self, question: Question) -> bool:
        self.questions.append(question)
        return self.answers.pop(0)


async def test_missing_paths_and_secret_files_are_asked_through_confirm(git_repo: Path, scripted: ScriptedProvider) -> None:
    workspace = open_workspace(make_shop_with_secrets(git_repo))
    asked = Asked(False, True, False, True)
    startup = start_session(workspace, open_store(), scripted)
    driver = driver_for(startup, workspace, confirm=asked)
    driver.attach_repository(driver.read_repository())
    refused = await drain(driver.send("see @shop/viewz.py"))
    assert refused == [NotSent("see @shop/viewz.py", "missing_paths",
                               "Not sent: @shop/viewz.py does not exist. Fix the path and press Enter again.")]
    anyway = await drain(driver.send("see @shop/viewz.py"))
    assert "Sent without @shop/viewz.py (not found)." in notes_of(anyway)
    declined = await drain(driver.send("check @.env"))
    assert isinstance(declined[-1], NotSent) and declined[-1].reason == "secret_files"
    sent = await drain(driver.send("check @.env"))
    [question] = [q for q in asked.questions[3:]]
    assert isinstance(asked.questions[0], MissingPaths) and isinstance(question, SecretFiles)
    assert question.files == (".env",) and "SECRET_KEY=[REDACTED:secret-value]" in question.preview
    [message] = [e for e in sent if isinstance(e, MessageSent)]
    assert message.attachments == (".env",) and "🔒 Redacted before sending: secret-value" in notes_of(sent)
    assert "SECRET_KEY=[REDACTED:secret-value]" in json.dumps(scripted.history[-1].messages)
    assert [r.text for r in startup.assistant.messages() if r.role == "user"] == ["see @shop/viewz.py", "check @.env"]


async def test_a_message_waits_for_the_background_start_and_is_kept_if_cancelled(
        startup: Startup, workspace: Workspace, scripted: ScriptedProvider) -> None:
    driver = ChatDriver(startup, workspace, background_start=True)
    assert not driver.ready
    events: list[object] = []

    async def consume() -> None:
        async for event in driver.send("early"):
            events.append(event)

    waiting = asyncio.create_task(consume())
    await asyncio.sleep(0.05)
    assert events == [] and not waiting.done()  # preparing waits for the repository
    driver.attach_repository(None)
    await asyncio.sleep(0.05)
    assert [type(e) for e in events] == [MessageSent, Note] and events[1].text == WAITING_NOTE  # type: ignore[attr-defined]
    waiting.cancel()
    await asyncio.gather(waiting, return_exceptions=True)
    driver.save_draft("")
    assert startup.assistant.draft() == "early" and startup.assistant.messages() == []
    assert driver.take_unsent() == "early" and driver.take_unsent() is None
    assert await driver.warm_up() == "" and driver.ready
    assert [type(e) for e in await drain(driver.send("now"))][-1] is TurnFinished


async def test_opening_another_session_gives_its_transcript_and_notes(startup: Startup, workspace: Workspace,
                                                                      scripted: ScriptedProvider) -> None:
    driver = driver_for(startup, workspace)
    await drain(driver.send("in the first"))
    first = driver.session_id
    driver.command("/new")
    events = driver.open_session(first, draft="typed in the second")
    assert isinstance(events[0], TranscriptCleared) and isinstance(events[1], SessionOpened)
    assert [i.text for i in events[1].items][0] == "in the first" and events[1].sent == ("in the first",)
    assert notes_of(events)[0] == "Resumed the session of in the first."
    assert notes_of(events)[1].startswith("Workflow: Requirements")
    assert [row.id for row in driver.sessions()][-1] == first


async def test_the_tool_order_stays_put_across_switches_and_late_attachment(git_repo: Path,
                                                                           scripted: ScriptedProvider) -> None:
    folder = git_repo / ".backdev" / "personas"
    folder.mkdir(parents=True)
    (folder / "plain.md").write_text("---\nname: plain\ndescription: d\n---\nChat.\n")
    workspace = open_workspace(git_repo)
    startup = start_session(workspace, open_store(), scripted)
    driver = driver_for(startup, workspace)
    driver.attach_repository(driver.read_repository())  # after the workflow's tools, as in the app

    def names() -> list[str]:
        return [spec["name"] for spec in startup.assistant.prompt().tool_specs()]

    before = names()
    assert before == ["list_files", "read_file", "search", "git_diff", "git_log", "git_show", "django_info",
                      "update_checklist", "write_artifact", "propose_edit", "edit_files", "run_tests", "report_finding"]
    driver.command("/persona plain")
    driver.command("/persona backend-developer")
    assert names() == before
    driver.command("/new")
    assert names() == before


def test_an_unattended_session_offers_only_tools_that_never_ask(workspace: Workspace, scripted: ScriptedProvider) -> None:
    startup = start_session(workspace, open_store(), scripted, access=ToolAccess.NO_APPROVAL)
    assert set(startup.assistant.tools.tools) == {"update_checklist", "report_finding"}


def test_prompt_shows_each_block_and_the_tools_with_their_estimated_size(startup: Startup, workspace: Workspace) -> None:
    driver = driver_for(startup, workspace)
    [shown] = driver.command("/prompt").events
    text = shown.text  # type: ignore[attr-defined]
    prompt = startup.assistant.prompt()
    persona, phase = prompt.system
    assert f"system 1 · persona backend-developer  ~{-(-len(persona.text) // 4):,} tokens" in text
    assert "system 2 · phase requirements" in text and "tools (6)" in text and "4 characters each" in text
    assert persona.text.strip() in text and phase.text.strip() in text
    assert "update_checklist (~" in text and "report_finding (~" in text


def test_one_safety_policy_reaches_every_part_of_the_session(git_repo: Path, scripted: ScriptedProvider) -> None:
    workspace = open_workspace(git_repo)
    startup = start_session(workspace, open_store(), scripted)
    driver = driver_for(startup, workspace)
    driver.attach_repository(driver.read_repository())
    assistant = startup.assistant
    assert assistant.repository is not None and assistant.workflow is not None
    assert assistant.policy is workspace.policy
    assert assistant.repository.repo.policy is workspace.policy and assistant.workflow.policy is workspace.policy
