"""Each phase driven end to end through the fake API with scripted tool calls (real SDK over HTTP)."""

from __future__ import annotations

import json

from backdev.assistant import drain
from backdev.compose import Workspace, open_store, start_session
from backdev.fakeapi import FakeAnthropic
from backdev.llm.events import TurnFinished
from backdev.tools.base import Decision

from .conftest import fake_provider
from .workflow_helpers import Approver, assistant_with, call, calls, phase_text_of, system_of, text, tool_results

REQUIREMENTS_MD = "# Requirements\n\n## Answers\n- 2,000 users, 40 rps peak\n\n## Assumptions\n- EU only\n\n## Open questions\n- SSO?\n"


async def test_requirements_ticks_items_and_writes_the_artifact_after_approval(
        fake_api: FakeAnthropic, workspace: Workspace) -> None:
    approver = Approver()
    assistant = assistant_with(fake_api, workspace)
    fake_api.enqueue(
        call("update_checklist", item="scale", state="done", note="2,000 users, 40 rps peak"),
        calls(("update_checklist", {"item": "compliance", "state": "na", "note": "no regulated data"}),
              ("update_checklist", {"item": "latency", "state": "done", "note": "assumed p95 < 300 ms"})),
        call("write_artifact", name="requirements.md", markdown=REQUIREMENTS_MD),
        text("I wrote requirements.md."),
    )
    events = await drain(assistant.send("We need refunds in the shop.", approve=approver))
    assert isinstance(events[-1], TurnFinished)
    written = workspace.root / "docs" / "backdev" / "requirements.md"
    assert written.read_text() == REQUIREMENTS_MD
    # The person saw the whole new document before it was written.
    assert [(a.tool, a.kind, a.title) for a in approver.asked] == [("write_artifact", "write", "write docs/backdev/requirements.md (+10 −0)")]
    assert approver.asked[0].detail == REQUIREMENTS_MD
    # The model got each tick's result, and the artifact's.
    assert tool_results(fake_api, 1)[0][0].startswith("scale is now done. Requirements checklist: 1 of 7 checked")
    # It lacks a section of its outline (Summary): written as approved, and the model is told what to add.
    assert tool_results(fake_api, 3) == [("Wrote docs/backdev/requirements.md (10 lines). Its outline (requirements.md) "
                                          "also has these sections, which have no heading yet: Summary. Add each as a "
                                          "heading (with a line saying why when it does not apply) and write the "
                                          "document again.", False)]
    view = assistant.workflow_view()
    assert view is not None
    states = {i.id: (i.state, i.note) for i in view.checklist}
    assert states["scale"] == ("done", "2,000 users, 40 rps peak") and states["compliance"] == ("na", "no regulated data")
    assert states["security"] == ("open", "")
    assert view.artifacts == ("docs/backdev/requirements.md",)


async def test_a_denied_artifact_writes_nothing_and_the_model_is_told(fake_api: FakeAnthropic, workspace: Workspace) -> None:
    approver = Approver([Decision.DENY])
    assistant = assistant_with(fake_api, workspace)
    fake_api.enqueue(call("write_artifact", name="requirements.md", markdown=REQUIREMENTS_MD), text("Understood."))
    await drain(assistant.send("write it", approve=approver))
    assert not (workspace.root / "docs").exists()
    [(content, is_error)] = tool_results(fake_api, 1)
    assert is_error and "denied" in content and "nothing was changed" in content
    view = assistant.workflow_view()
    assert view is not None and view.artifacts == ()


async def test_updating_an_existing_artifact_shows_a_diff(fake_api: FakeAnthropic, workspace: Workspace) -> None:
    target = workspace.root / "docs" / "backdev" / "requirements.md"
    target.parent.mkdir(parents=True)
    target.write_text(REQUIREMENTS_MD)
    approver = Approver()
    assistant = assistant_with(fake_api, workspace)
    fake_api.enqueue(call("write_artifact", name="requirements.md", markdown=REQUIREMENTS_MD.replace("SSO?", "SSO via Okta?")),
                     text("Updated."))
    await drain(assistant.send("update it", approve=approver))
    detail = approver.asked[0].detail
    assert approver.asked[0].title.startswith("update docs/backdev/requirements.md")
    assert "--- a/docs/backdev/requirements.md" in detail and "-- SSO?" in detail and "+- SSO via Okta?" in detail
    assert "SSO via Okta?" in target.read_text()


def _cache_order(body: dict) -> str:  # type: ignore[type-arg]
    """tools, system, messages as the cache reads them (the moving cache_control markers left out)."""
    def strip(value):  # type: ignore[no-untyped-def]
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k != "cache_control"}
        return [strip(v) for v in value] if isinstance(value, list) else value
    return json.dumps(strip([body.get("tools"), body.get("system"), body.get("messages")]))


async def test_a_phase_switch_keeps_the_prefix_and_the_phase_is_announced_in_the_conversation(
        fake_api: FakeAnthropic, workspace: Workspace) -> None:
    approver = Approver()
    assistant = assistant_with(fake_api, workspace)
    fake_api.enqueue(call("update_checklist", item="scale", state="done", note="40 rps"), text("ok"), text("two"))
    await drain(assistant.send("one", approve=approver))  # two requests: a tool round, then the reply
    second_turn = await drain(assistant.send("two", approve=approver))
    first, middle, second = (json.dumps(system_of(fake_api, i)) for i in range(3))
    assert first == middle == second  # a tick does not touch the prefix
    tools = [json.dumps(r.body["tools"]) for r in fake_api.message_requests]
    assert len(set(tools)) == 1
    opening = fake_api.message_requests[2].body["messages"][0]["content"]
    assert "phase 1 of 5 — Requirements" in opening[0]["text"] and opening[1]["text"] == "one"
    assistant.workflow.advance()
    fake_api.enqueue(text("three"), text("four"))
    await drain(assistant.send("three", approve=approver))
    await drain(assistant.send("four", approve=approver))
    before, after, later = (fake_api.message_requests[i].body for i in (2, 3, 4))
    assert json.dumps(after["system"]) == second  # the system prefix does not change with the phase
    assert json.dumps(after["tools"]) == tools[0]  # the tools never change
    assert not any("phase 2 of 5" in b["text"] for b in after["system"])
    # The whole previous request is an unchanged prefix of the one after the switch...
    assert _cache_order(after).startswith(_cache_order(before)[:-2])
    # ...and the design phase is announced in the message that starts it, then kept as it was.
    announced = after["messages"][-1]["content"]
    assert "phase 2 of 5 — Design" in announced[0]["text"] and announced[-1]["text"] == "three"
    assert later["messages"][:len(after["messages"])][-1]["content"][0] == {"type": "text", "text": announced[0]["text"]}
    assert _cache_order(later).startswith(_cache_order(after)[:-2])
    # The fake API simulates prompt caching on the prefix: within the phase it was read from the cache.
    assert isinstance(second_turn[-1], TurnFinished) and second_turn[-1].usage.cache_read > 0


async def test_design_writes_design_md_and_an_adr(fake_api: FakeAnthropic, workspace: Workspace) -> None:
    approver = Approver()
    assistant = assistant_with(fake_api, workspace)
    assistant.workflow.switch("design")
    fake_api.enqueue(
        calls(("update_checklist", {"item": "data_model", "state": "done", "note": "Refund model, index on order_id"}),
              ("update_checklist", {"item": "caching", "state": "na", "note": "low traffic"})),
        call("write_artifact", name="design.md", markdown="# Design\n\n## Data model\nRefund(order FK, amount)\n"),
        call("write_artifact", name="adr/0001-refunds-in-the-orders-app.md",
             markdown="# 0001 Refunds live in the orders app\n\n## Alternatives considered\nA payments service.\n"),
        text("Design written, with one ADR."),
    )
    await drain(assistant.send("design it", approve=approver))
    folder = workspace.root / "docs" / "backdev"
    assert (folder / "design.md").read_text().startswith("# Design")
    assert "Alternatives considered" in (folder / "adr" / "0001-refunds-in-the-orders-app.md").read_text()
    view = assistant.workflow_view()
    assert view is not None and view.current == "design"
    assert view.artifacts == ("docs/backdev/design.md", "docs/backdev/adr/0001-refunds-in-the-orders-app.md")
    assert "Django models / MySQL schema" in phase_text_of(fake_api, 0)


async def test_handoff_is_written_from_the_session_artifacts(fake_api: FakeAnthropic, workspace: Workspace) -> None:
    approver = Approver()
    assistant = assistant_with(fake_api, workspace)
    fake_api.enqueue(call("write_artifact", name="design.md", markdown="# Design\nRefunds are asynchronous via Celery.\n"),
                     text("Written."))
    await drain(assistant.send("write the design", approve=approver))
    assistant.workflow.switch("handoff")
    fake_api.enqueue(
        call("update_checklist", item="env_secrets", state="done", note="STRIPE_API_KEY, DATABASE_URL"),
        call("write_artifact", name="handoff.md", markdown="# Handoff\n\n## Configuration and secrets\n- STRIPE_API_KEY\n"),
        text("Handoff written."),
    )
    await drain(assistant.send("hand it off", approve=approver))
    handoff_system = phase_text_of(fake_api, 2)
    assert "phase 5 of 5 — Handoff" in handoff_system
    assert '<artifact path="docs/backdev/design.md">' in handoff_system and "asynchronous via Celery" in handoff_system
    assert (workspace.root / "docs" / "backdev" / "handoff.md").read_text().startswith("# Handoff")
    view = assistant.workflow_view()
    assert view is not None and view.artifacts == ("docs/backdev/design.md", "docs/backdev/handoff.md")


async def test_review_findings_arrive_through_report_finding(fake_api: FakeAnthropic, workspace: Workspace) -> None:
    (workspace.root / "views.py").write_text("def refund(request):\n    cursor.execute(f'SELECT {request.GET[\"id\"]}')\n")
    approver = Approver()
    assistant = assistant_with(fake_api, workspace)
    assistant.workflow.begin_review("views.py")
    finding = {"path": "views.py", "line": 2, "severity": "critical", "category": "security",
               "title": "SQL built from request input", "detail": "Injection.", "suggestion": "Use parameters."}
    fake_api.enqueue(
        calls(("report_finding", finding),
              ("report_finding", dict(finding, line=1, severity="low", category="style", title="x")),
              ("report_finding", dict(finding, path="../etc/passwd"))),
        text("One critical problem."),
    )
    await drain(assistant.send("review views.py", approve=approver))
    results = tool_results(fake_api, 1)
    assert results[0] == ("Recorded finding #1: critical security at views.py:2.", False)
    assert results[1][1] and "`category` must be one of security, auth" in results[1][0]
    assert results[2][1] and "outside the repository" in results[2][0]
    view = assistant.workflow_view()
    assert view is not None and view.current == "review" and view.review_scope == "views.py"
    assert [(f.location, f.severity, f.title) for f in view.findings] == [("views.py:2", "critical", "SQL built from request input")]


async def test_phase_state_and_findings_survive_resume_through_the_api(fake_api: FakeAnthropic, workspace: Workspace) -> None:
    approver = Approver()
    assistant = assistant_with(fake_api, workspace)
    fake_api.enqueue(call("update_checklist", item="scale", state="done", note="40 rps"), text("noted"))
    await drain(assistant.send("40 rps", approve=approver))
    assistant.workflow.advance()
    resumed = start_session(workspace, open_store(), fake_provider(fake_api), resume=True).assistant
    view = resumed.workflow_view()
    assert view is not None and view.current == "design"
    resumed.workflow.switch("requirements")
    view = resumed.workflow_view()
    assert view is not None and view.checklist[0].note == "40 rps"
    await drain(resumed.send("go on"))
    assert "phase 1 of 5 — Requirements" in phase_text_of(fake_api, 2)



async def test_a_resumed_session_sends_the_same_prefix_after_a_switch(fake_api: FakeAnthropic, workspace: Workspace) -> None:
    assistant = assistant_with(fake_api, workspace)
    fake_api.enqueue(text("one"), text("two"), text("three"))
    await drain(assistant.send("first"))
    assistant.workflow.switch("design")
    await drain(assistant.send("second"))
    resumed = start_session(workspace, open_store(), fake_provider(fake_api), resume=True).assistant
    await drain(resumed.send("third"))
    before, after = (fake_api.message_requests[i].body for i in (1, 2))
    # The announcements are saved with the session: the design phase is not announced again.
    assert _cache_order(after).startswith(_cache_order(before)[:-2])
    assert sum("phase 2 of 5 — Design" in json.dumps(m, ensure_ascii=False) for m in after["messages"]) == 1


async def test_sizing_the_next_request_after_a_switch_does_not_move_the_phase_text(
        fake_api: FakeAnthropic, workspace: Workspace) -> None:
    # /context, /prompt and the size checks build the next request before the person's message is
    # stored: they must not announce the new phase on the message already sent (and cached).
    approver = Approver()
    assistant = assistant_with(fake_api, workspace)
    fake_api.enqueue(text("ok"), text("three"))
    await drain(assistant.send("one", approve=approver))
    assistant.workflow.advance()
    assistant.next_request_tokens()
    assistant.build_request()
    await drain(assistant.send("three", approve=approver))
    messages = fake_api.message_requests[1].body["messages"]
    assert not any("phase 2 of 5" in b.get("text", "") for b in messages[0]["content"])
    assert "phase 2 of 5 — Design" in messages[-1]["content"][0]["text"]
