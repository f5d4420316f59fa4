"""Review mode: what a review sends (files with line numbers, diffs, standards), the report formats,
the /phase /next /review /findings commands, and the REPL's review flow."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from backdev.commands.base import CommandOutcome, LeavePhase
from backdev.compose import Startup, Workspace, open_store, open_workspace, start_session
from backdev.llm.scripted import ScriptedProvider, reply, tool_call
from backdev.repl.app import PlainRepl
from backdev.settings import Settings
from backdev.workflow.phases.definition import Category
from backdev.workflow.review.findings import Finding
from backdev.repo.safety import SafetyPolicy
from backdev.workflow.review.formats import render
from backdev.workflow.review.report import ReviewReport
from backdev.workflow.review.request import ReviewError, ReviewRequest, ReviewTarget, parse_review_argument, prepare_review
from backdev.workflow.review.sarif import to_sarif

from .conftest import git
from .sarif_schema import check_sarif_2_1_0

def prepared(root: Path, target: ReviewTarget, settings: Settings) -> ReviewRequest:
    """The review request, read with these settings' safety policy (as a session builds it once)."""
    return prepare_review(root, target, settings, SafetyPolicy.from_settings(settings))


VIEWS = "from django.db import connection\n\n\ndef refund(request):\n    cursor = connection.cursor()\n" \
        "    cursor.execute(f\"SELECT * FROM orders WHERE id = {request.GET['id']}\")\n"
FINDING = {"path": "views.py", "line": 6, "severity": "high", "category": "security", "title": "SQL built from request input",
           "detail": "The id goes into the SQL text: injection.", "suggestion": "cursor.execute('... id = %s', [order_id])"}


# --- what is sent ------------------------------------------------------------------------------


@pytest.mark.parametrize("argument, target", [
    ("app/views.py", ReviewTarget(("app/views.py",))),
    ("a.py 'b c.py'", ReviewTarget(("a.py", "b c.py"))),
    ("--diff", ReviewTarget(diff=True)),
    ("--base main", ReviewTarget(base="main")),
    ("--base=release/1.2", ReviewTarget(base="release/1.2")),
])
def test_review_arguments(argument: str, target: ReviewTarget) -> None:
    assert parse_review_argument(argument) == target


@pytest.mark.parametrize("argument, message", [
    ("", "Name what to review"), ("--diff app.py", "one at a time"), ("--base", "needs a branch"),
    ("--staged", "Unknown option --staged"), ("'unclosed", "Cannot read the arguments"),
])
def test_bad_review_arguments_say_what_to_type(argument: str, message: str) -> None:
    with pytest.raises(ReviewError, match=message):
        parse_review_argument(argument)


def test_a_file_is_sent_with_line_numbers(git_repo: Path) -> None:
    (git_repo / "views.py").write_text(VIEWS)
    request = prepared(git_repo, ReviewTarget(("views.py",)), Settings())
    assert request.scope == "views.py" and request.slug == "views-py" and request.files == ["views.py"]
    block = request.blocks[0]["text"]
    assert block.startswith('<file path="views.py">\n1\tfrom django.db import connection\n')
    assert "6\t    cursor.execute(f\"SELECT" in block


def test_long_files_are_cut_at_the_read_cap_with_a_note(git_repo: Path) -> None:
    (git_repo / "big.py").write_text("".join(f"x{i} = {i}\n" for i in range(50)))
    request = prepared(git_repo, ReviewTarget(("big.py",)), Settings(read_max_lines=10))
    assert "10\tx9 = 9" in request.blocks[0]["text"] and "x10" not in request.blocks[0]["text"]
    assert request.notes == ["big.py: only the first 10 lines were sent (read_max_lines / read_max_bytes)."]


@pytest.mark.parametrize("path, message", [
    ("../elsewhere.py", "outside the repository"), ("missing.py", "There is no missing.py"),
    (".env", "secret file"), ("blob.bin", "binary file"),
])
def test_files_that_cannot_be_reviewed(git_repo: Path, path: str, message: str) -> None:
    (git_repo / ".env").write_text("SECRET_KEY=abc\n")
    (git_repo / "blob.bin").write_bytes(b"\x00\x01")
    with pytest.raises(ReviewError, match=message):
        prepared(git_repo, ReviewTarget((path,)), Settings())


def test_uncommitted_changes_are_a_diff_plus_the_changed_files_never_secrets(git_repo: Path) -> None:
    (git_repo / "README.md").write_text("# demo\n\nNow with refunds.\n")
    (git_repo / "refunds.py").write_text("def refund():\n    pass\n")  # untracked
    (git_repo / ".env").write_text("API_TOKEN=very-secret\n")
    git(git_repo, "add", ".env")
    request = prepared(git_repo, ReviewTarget(diff=True), Settings())
    assert request.scope == "uncommitted changes" and request.files == ["README.md", "refunds.py"]
    everything = "\n".join(b["text"] for b in request.blocks)
    assert "+Now with refunds." in everything and "+++ b/refunds.py" in everything
    assert "very-secret" not in everything and ".env" not in request.blocks[0]["text"]
    assert request.notes == [".env: a secret file, left out of the review."]
    assert '<file path="refunds.py">\n1\tdef refund():' in everything


def test_a_branch_is_reviewed_since_its_merge_base(git_repo: Path) -> None:
    git(git_repo, "checkout", "-q", "-b", "feature")
    (git_repo / "orders.py").write_text("ORDERS = []\n")
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-q", "-m", "orders")
    git(git_repo, "checkout", "-q", "main")
    (git_repo / "main_only.py").write_text("x = 1\n")
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-q", "-m", "main moves on")
    git(git_repo, "checkout", "-q", "feature")
    request = prepared(git_repo, ReviewTarget(base="main"), Settings())
    assert request.scope == "changes since the merge base with main" and request.files == ["orders.py"]
    assert "+ORDERS = []" in request.blocks[0]["text"] and "main_only" not in request.blocks[0]["text"]
    with pytest.raises(ReviewError, match="No commit or branch named 'nope'"):
        prepared(git_repo, ReviewTarget(base="nope"), Settings())


def test_no_changes_and_no_repository(git_repo: Path, project: Path) -> None:
    with pytest.raises(ReviewError, match="There are no uncommitted changes to review"):
        prepared(git_repo, ReviewTarget(diff=True), Settings())
    with pytest.raises(ReviewError, match="need a git repository"):
        prepared(project, ReviewTarget(diff=True), Settings())


# --- reports -----------------------------------------------------------------------------------

CATEGORIES = (Category("security", "Security: injection and other OWASP Top 10 risks"), Category("performance", "N+1"))


def report_of(*findings: Finding) -> ReviewReport:
    return ReviewReport.build(scope="views.py", files=["views.py"], findings=findings, summary="One real problem.",
                              model="claude-sonnet-5-5", categories=CATEGORIES)


LOW = Finding("views.py", 1, "low", "performance", "Unused import", "d", "s")
HIGH = Finding.from_json(FINDING)


def test_json_report_has_the_documented_shape() -> None:
    data = json.loads(render(report_of(LOW, HIGH), "json"))
    assert list(data) == ["schema", "tool", "model", "created", "scope", "files", "summary", "counts", "findings"]
    assert data["schema"] == "backdev.review/1" and data["tool"]["name"] == "backdev"
    assert data["counts"] == {"critical": 0, "high": 1, "medium": 0, "low": 1}
    assert {k: v for k, v in data["findings"][0].items() if k in FINDING} == FINDING  # most severe first
    assert [list(f) for f in data["findings"]] == [["path", "line", "severity", "category", "title", "detail", "suggestion",
                                                    "source", "fingerprint"]] * 2


def test_sarif_is_valid_2_1_0_with_rules_per_category_and_physical_locations() -> None:
    log = json.loads(render(report_of(LOW, HIGH, Finding("a.py", 3, "critical", "security", "t")), "sarif"))
    check_sarif_2_1_0(log)
    run = log["runs"][0]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["security", "performance"]
    assert [(r["ruleId"], r["level"], r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in run["results"]] == [
        ("security", "error", 3), ("security", "error", 6), ("performance", "note", 1)]
    assert run["tool"]["driver"]["rules"][0]["properties"]["security-severity"] == "9.5"  # the worst of its results
    check_sarif_2_1_0(to_sarif(report_of()))  # no findings: still a valid log


def test_markdown_report_lists_findings_most_severe_first() -> None:
    text = render(report_of(LOW, HIGH), "md")
    assert text.startswith("# Review: views.py\n") and "**1 high, 1 low**" in text and "One real problem." in text
    assert text.index("SQL built from request input") < text.index("Unused import")
    assert "| 1 | high | security | `views.py:6` | SQL built from request input |" in text
    assert report_of(LOW, HIGH).worst_at_least("high") and not report_of(LOW).worst_at_least("medium")


# --- commands and the REPL ---------------------------------------------------------------------


def make_repl(startup: Startup, workspace: Workspace) -> PlainRepl:
    return PlainRepl(startup, workspace, interactive=False, out=io.StringIO(), err=io.StringIO())


def moving_on(repl: PlainRepl, line: str) -> CommandOutcome:
    """A command's outcome once the person answers "move on" (leaving a phase with work open asks first)."""
    outcome = repl.driver.commands.run(line)
    return outcome.then.proceed() if isinstance(outcome.then, LeavePhase) else outcome


async def test_phase_and_next_commands(startup: Startup, workspace: Workspace) -> None:
    repl = make_repl(startup, workspace)
    assert repl.driver.commands.run("/phase").text.startswith("Phase 1 of 5: Requirements")
    moved = moving_on(repl, "/next")
    assert startup.assistant.workflow_view().current == "design" and moved.text.startswith("Phase: Design")
    assert "Requirements is left with open items: scale, data_volume" in moved.text
    assert "requirements.md: not written; /phase requirements goes back." in moved.text
    assert moving_on(repl, "/phase 3").text.startswith("Phase: TDD")
    bad = repl.driver.commands.run("/phase deploy")
    assert bad.error and "the phases are: requirements, design, tdd, review, handoff" in bad.text
    moving_on(repl, "/phase handoff")
    assert "last phase" in repl.driver.commands.run("/next").text
    assert repl.driver.commands.run("/findings").text.startswith("No review yet")


async def test_plain_persona_commands_say_there_is_no_workflow(workspace: Workspace, scripted: ScriptedProvider) -> None:
    folder = workspace.root / ".backdev" / "personas"
    folder.mkdir(parents=True)
    (folder / "plain.md").write_text("---\nname: plain\ndescription: d\n---\nChat.\n")
    ws = open_workspace(workspace.root)
    startup = start_session(ws, open_store(), scripted)
    repl = make_repl(startup, ws)
    outcome = repl.driver.commands.run("/persona plain")
    assert startup.assistant.workflow is None and "update_checklist" not in startup.assistant.tools.tools
    assert "plain chat" in repl.driver.commands.run("/phase").text and repl.driver.commands.run("/review x.py").error
    back = repl.driver.commands.run("/persona backend-developer")
    assert outcome.text.startswith("Persona: plain") and "Workflow: Requirements · 0/7 checked" in back.text
    assert "phase 1 of 5" in startup.assistant.system_blocks()[-1]


async def test_a_workflow_without_a_review_phase_cannot_review(workspace: Workspace, scripted: ScriptedProvider) -> None:
    from .test_workflow_definition import MINIMAL

    folder = workspace.root / ".backdev" / "personas"
    folder.mkdir(parents=True)
    (folder / "mini.md").write_text("---\nname: mini\ndescription: d\n---\nChat.\n")
    (folder / "mini.workflow.yaml").write_text(MINIMAL)
    (workspace.root / "a.py").write_text("x = 1\n")
    ws = open_workspace(workspace.root)
    repl = make_repl(start_session(ws, open_store(), scripted, persona_name="mini"), ws)
    assert repl.driver.commands.run("/phase").text.startswith("Phase 1 of 2: One")
    outcome = repl.driver.commands.run("/review a.py")
    assert outcome.error and "The persona mini has no review phase" in outcome.text


async def test_new_session_starts_a_fresh_workflow(startup: Startup, workspace: Workspace) -> None:
    repl = make_repl(startup, workspace)
    moving_on(repl, "/phase design")
    first = startup.assistant.session.id
    repl.driver.commands.run("/new")
    assert startup.assistant.session.id != first and startup.assistant.workflow.phase.id == "requirements"
    assert startup.assistant.store.get_session(first).state["workflow"]["current"] == "design"


async def test_review_in_the_repl_lists_findings_and_saves_the_summary(
        startup: Startup, workspace: Workspace, scripted: ScriptedProvider) -> None:
    (workspace.root / "views.py").write_text(VIEWS)
    scripted.enqueue(tool_call("report_finding", FINDING), reply("Verdict: fix the injection before shipping."))
    repl = make_repl(startup, workspace)
    assert await repl.handle_line("/review views.py")
    request = scripted.history[0]
    phase = request.messages[0]["content"][0]["text"]  # the phase is announced in the conversation
    assert "phase 4 of 5 — Review" not in "".join(request.system)
    assert "phase 4 of 5 — Review" in phase and "OWASP Top 10" in phase
    assert "N+1" in phase and "Sensitive data in logs" in phase
    assert "do not write it yourself" in phase and "write_artifact(name=" not in phase
    sent = request.messages[-1]["content"][1:]  # after the phase announcement
    assert sent[0]["text"].startswith("Review `views.py`") and "6\t    cursor.execute" in sent[1]["text"]
    err = repl.err.getvalue()  # type: ignore[attr-defined]
    assert "Findings (1 high):" in err and " 1. [high] security · views.py:6 · SQL built from request input" in err
    # Outside a terminal the REPL cannot ask, so the summary was not saved; the findings stay.
    assert "The review was not saved (you declined)" in err
    assert "views.py:6" in repl.driver.commands.run("/findings").text
    assert startup.assistant.workflow.finding_scope is None  # type: ignore[union-attr]  # confined during the turn only


async def test_a_chat_review_refuses_findings_outside_its_files(
        startup: Startup, workspace: Workspace, scripted: ScriptedProvider) -> None:
    (workspace.root / "views.py").write_text(VIEWS)
    (workspace.root / "other.py").write_text("x = 1\n")
    scripted.enqueue(tool_call("report_finding", dict(FINDING, path="other.py", line=1)), reply("Verdict: fine."))
    repl = make_repl(startup, workspace)
    await repl.handle_line("/review views.py")
    assert "not in this review's scope" in json.dumps(scripted.history[1].messages[-1]["content"])
    assert repl.driver.commands.run("/findings").text.endswith("No findings.")


async def test_review_summary_is_saved_as_an_artifact_after_approval(
        startup: Startup, workspace: Workspace, scripted: ScriptedProvider) -> None:
    from backdev.tools.base import Decision

    (workspace.root / "views.py").write_text(VIEWS)
    scripted.enqueue(tool_call("report_finding", FINDING), reply("Verdict: fix the injection."))
    asked: list[Any] = []

    async def approve(action):  # type: ignore[no-untyped-def]
        asked.append(action)
        return Decision.APPROVE_ONCE

    repl = PlainRepl(startup, workspace, interactive=False, out=io.StringIO(), err=io.StringIO(), approve=approve)
    await repl.handle_line("/review views.py")
    [artifact] = list((workspace.root / "docs" / "backdev" / "reviews").glob("review-*-views-py.md"))
    text = artifact.read_text()
    assert text.startswith("# Review: views.py") and "Verdict: fix the injection." in text and "SQL built from request input" in text
    assert asked[0].title == f"save the review as docs/backdev/reviews/{artifact.name}"
    view = startup.assistant.workflow_view()
    assert view is not None and view.artifacts == (f"docs/backdev/reviews/{artifact.name}",)
    assert f"Review saved to docs/backdev/reviews/{artifact.name}." in repl.err.getvalue()  # type: ignore[attr-defined]


async def test_a_second_review_of_the_same_file_the_same_day_never_overwrites_the_first(
        startup: Startup, workspace: Workspace, scripted: ScriptedProvider) -> None:
    from backdev.tools.base import Decision

    (workspace.root / "views.py").write_text(VIEWS)
    scripted.enqueue(reply("Verdict one."), reply("Verdict two."), reply("Verdict three."))

    async def approve(action):  # type: ignore[no-untyped-def]
        return Decision.APPROVE_ONCE

    repl = PlainRepl(startup, workspace, interactive=False, out=io.StringIO(), err=io.StringIO(), approve=approve)
    for _ in range(3):
        await repl.handle_line("/review views.py")
    reviews = workspace.root / "docs" / "backdev" / "reviews"
    saved = sorted(reviews.glob("review-*-views-py*.md"), key=lambda p: p.stat().st_mtime_ns)
    assert [p.read_text().count("Verdict") for p in saved] == [1, 1, 1]
    assert [next(line for line in p.read_text().splitlines() if "Verdict" in line) for p in saved] == [
        "Verdict one.", "Verdict two.", "Verdict three."]
    assert saved[1].name == saved[0].name.replace(".md", "-2.md") and saved[2].name.endswith("-3.md")


async def test_review_outside_the_review_phase_says_it_switches_and_what_stays_open(
        startup: Startup, workspace: Workspace) -> None:
    (workspace.root / "views.py").write_text(VIEWS)
    repl = make_repl(startup, workspace)
    moving_on(repl, "/phase tdd")
    said = moving_on(repl, "/review views.py").text
    assert said.startswith("Leaving the TDD phase for Review (") and "still open there; /phase tdd goes back)." in said
    assert "Reviewing views.py in the Review phase…" in said
    again = repl.driver.commands.run("/review views.py").text  # already there: nothing to say about phases
    assert again.startswith("Reviewing views.py")


async def test_findings_filed_in_a_chat_are_what_findings_shows_and_the_phase_line_counts(
        startup: Startup, workspace: Workspace, scripted: ScriptedProvider) -> None:
    (workspace.root / "views.py").write_text(VIEWS)
    scripted.enqueue(tool_call("report_finding", FINDING), reply("Filed one."))
    repl = make_repl(startup, workspace)
    moving_on(repl, "/phase review")
    await repl.handle_line("is views.py safe?")
    assert "1 finding" in (repl.driver.phase_line() or "")
    shown = repl.driver.commands.run("/findings")
    assert shown.text.startswith("Findings of this session:") and "SQL built from request input" in shown.text
