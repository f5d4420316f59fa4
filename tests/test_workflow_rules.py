"""The rules the core holds a phase to, through the fake API (real SDK over HTTP): each phase's own
tools, one taxonomy for review checklist ids and finding categories (either spelling of `-`/`_`),
artifacts held against their outline, and what a phase leaves open when the person leaves it."""

from __future__ import annotations

from pathlib import Path

from backdev.assistant import drain
from backdev.compose import Workspace
from backdev.fakeapi import FakeAnthropic
from backdev.repo.context import open_repo_context
from backdev.workflow.phases.definition import parse_workflow

from .workflow_helpers import Approver, assistant_with, call, text, tool_results


async def test_a_tool_outside_its_phase_is_refused_naming_the_phases_that_use_it_and_nothing_is_asked(
        fake_api: FakeAnthropic, workspace: Workspace) -> None:
    approver = Approver()
    assistant = assistant_with(fake_api, workspace)
    assistant.attach_repository(open_repo_context(workspace.cwd, workspace.settings, workspace.policy))
    assistant.workflow.switch("design")
    fake_api.enqueue(
        call("propose_edit", path="shop.py", content="x = 1\n"),
        call("report_finding", path="shop.py", line=1, severity="low", category="testing", title="t", detail="d",
             suggestion="s"),
        call("list_files"),
        text("Back to the design."),
    )
    await drain(assistant.send("just write the code", approve=approver))
    [(edit, edit_error)] = tool_results(fake_api, 1)
    assert edit_error and edit.startswith("Refused: propose_edit is not used in the Design phase; it belongs to the "
                                          "TDD and Handoff phases. Nothing was run.")
    [(finding, finding_error)] = tool_results(fake_api, 2)
    assert finding_error and "it belongs to the Review phase" in finding
    [(listing, listing_error)] = tool_results(fake_api, 3)
    assert not listing_error  # reading is part of every phase
    assert approver.asked == [] and not (workspace.root / "shop.py").exists()
    # Every tool stays on offer in every phase: the request's tool list (the cached prefix) is the same.
    requests = fake_api.message_requests
    assistant.workflow.switch("tdd")
    fake_api.enqueue(text("ok"))
    await drain(assistant.send("and now?", approve=approver))
    assert requests[-1].body["tools"] == requests[0].body["tools"]


def test_a_workflow_without_tools_lists_allows_every_tool_and_a_bad_list_is_named(tmp_path: Path) -> None:
    path = tmp_path / "w.workflow.yaml"
    plain = parse_workflow("phases:\n  - {id: a, title: A, goal: g, instructions: i}\n", path)
    assert plain.phase("a").allows("propose_edit", read_only=False)
    listed = parse_workflow("phases:\n  - {id: a, title: A, goal: g, instructions: i, tools: [read]}\n", path)
    assert listed.phase("a").allows("read_file", read_only=True)
    assert not listed.phase("a").allows("run_tests", read_only=False)


async def test_review_checklist_ids_are_the_finding_categories_in_either_spelling(
        fake_api: FakeAnthropic, workspace: Workspace) -> None:
    (workspace.root / "views.py").write_text("def view(request):\n    return request.GET['id']\n")
    assistant = assistant_with(fake_api, workspace)
    assistant.workflow.switch("review")
    review = assistant.workflow.phase
    assert {i.id for i in review.checklist} <= {c.id for c in review.categories}
    fake_api.enqueue(
        call("report_finding", path="views.py", line=2, severity="medium", category="error_handling",
             title="A missing id is a 500", detail="KeyError", suggestion="return 400"),
        call("update_checklist", item="error_handling", state="done", note="one finding"),
        call("update_checklist", item="sensitive-data", state="na", note="nothing logged"),
        text("Done."),
    )
    await drain(assistant.send("review views.py", approve=Approver()))
    results = [tool_results(fake_api, i)[0] for i in (1, 2, 3)]
    assert [is_error for _, is_error in results] == [False, False, False]
    assert results[0][0].startswith("Recorded finding #1: medium error-handling at views.py:2")
    assert [f.category for f in assistant.workflow.state.findings] == ["error-handling"]
    assert assistant.workflow.state.item("review", "error-handling").state == "done"


async def test_an_artifact_missing_sections_is_reported_and_a_complete_one_is_not(
        fake_api: FakeAnthropic, workspace: Workspace) -> None:
    assistant = assistant_with(fake_api, workspace)
    assistant.workflow.switch("design")
    adr = "# Use Redis\n\n## Status\nAccepted\n\n## Context\nc\n\n## Decision\nd\n\n## Consequences\nx\n"
    whole = "\n\n".join(f"## {i}. {s}\ntext" for i, s in enumerate(
        assistant.workflow.phase.artifacts[0].sections, 1))
    fake_api.enqueue(
        call("write_artifact", name="adr/0001-use-redis.md", markdown=adr),
        call("write_artifact", name="design.md", markdown=whole),
        text("Written."),
    )
    await drain(assistant.send("write them", approve=Approver()))
    [(partial, _)] = tool_results(fake_api, 1)
    assert ("Its outline (adr/{number}-{slug}.md) also has these sections, which have no heading yet: "
            "Alternatives considered.") in partial
    assert tool_results(fake_api, 2)[0] == ("Wrote docs/backdev/design.md (35 lines).", False)


async def test_leaving_a_phase_reports_open_items_and_incomplete_artifacts(
        fake_api: FakeAnthropic, workspace: Workspace) -> None:
    assistant = assistant_with(fake_api, workspace)
    workflow = assistant.workflow
    for item in workflow.open_items():
        workflow.update_checklist(item, "na", "small change")
    assert workflow.open_exit_work().describe() == "requirements.md: not written"
    fake_api.enqueue(call("write_artifact", name="requirements.md", markdown="# R\n\n## Summary\ns\n\n## Answers\na\n"),
                     text("ok"))
    await drain(assistant.send("write it", approve=Approver()))
    left = workflow.open_exit_work()
    assert left and left.items == ()
    assert left.artifacts == (("requirements.md", "missing sections: Assumptions, Open questions"),)
    workflow.switch("design")
    assert workflow.open_exit_work(workflow.workflow.phase("requirements")) == left
    # The optional ADRs of the design phase are not asked for; design.md is.
    assert [path for path, _ in workflow.open_exit_work().artifacts] == ["design.md"]
