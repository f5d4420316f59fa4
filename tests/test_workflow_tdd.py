"""TDD mode, verified: a real small pytest project, a red run then a green run, a premature green refused;
propose_edit confined to the repository and refused for secret files; run_tests approvals and grants."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from backdev.assistant import drain
from backdev.compose import Workspace, open_workspace
from backdev.fakeapi import FakeAnthropic
from backdev.tools.base import Decision

from .workflow_helpers import Approver, assistant_with, call, text, tool_results

FAILING_TEST = "from shop import refund\n\n\ndef test_refund_returns_the_amount():\n    assert refund(5) == 5\n"
FIX = "--- a/shop.py\n+++ b/shop.py\n@@ -1,2 +1,2 @@\n def refund(amount):\n-    return 0\n+    return amount\n"


@pytest.fixture
def shop(project: Path) -> Workspace:
    """A real pytest project; the test command is this interpreter's pytest (set in the project's
    config, which the person trusts)."""
    (project / "shop.py").write_text("def refund(amount):\n    return 0\n")
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    (project / ".backdev.yaml").write_text(f"test_command: {command!r}\ntest_timeout: 120\n".replace("'", '"'))
    return open_workspace(project, trust=True)


async def test_red_then_green_with_real_runs_and_a_premature_green_refused(fake_api: FakeAnthropic, shop: Workspace) -> None:
    approver = Approver()
    assistant = assistant_with(fake_api, shop)
    assistant.workflow.switch("tdd")
    fake_api.enqueue(
        call("propose_edit", path="test_shop.py", content=FAILING_TEST, reason="the behaviour first"),   # 1
        call("update_checklist", item="failing_test", state="done", note="test_shop.py"),               # 2
        call("update_checklist", item="red_confirmed", state="done"),                                   # 3 refused: no run
        call("run_tests", selection="test_shop.py"),                                                    # 4 red
        call("update_checklist", item="red_confirmed", state="done", note="assert 0 == 5"),             # 5
        call("update_checklist", item="green_confirmed", state="done"),                                 # 6 refused: premature
        call("propose_edit", path="shop.py", diff=FIX),                                                 # 7
        call("run_tests"),                                                                              # 8 green
        call("update_checklist", item="green_confirmed", state="done"),                                 # 9
        text("Red, then green."),
    )
    await drain(assistant.send("Refunds must return the amount.", approve=approver))
    assert (shop.root / "test_shop.py").read_text() == FAILING_TEST
    assert (shop.root / "shop.py").read_text() == "def refund(amount):\n    return amount\n"
    [(refused_red, is_error)] = tool_results(fake_api, 3)
    assert is_error and "there has been no test run yet" in refused_red
    [(red, _)] = tool_results(fake_api, 4)
    assert red.startswith("Test run #1: failed (exit status 1)") and "1 failed" in red and "assert 0 == 5" in red
    [(premature, is_error)] = tool_results(fake_api, 6)
    assert is_error and "Refused: 'green_confirmed' needs a run_tests run that passed" in premature
    assert "the last run (#1) failed" in premature
    assert tool_results(fake_api, 5) == [("red_confirmed is now done. TDD checklist: 2 of 6 checked; open: implementation, "
                                          "green_confirmed, refactor, green_again.", False)]
    [(green, _)] = tool_results(fake_api, 8)
    assert green.startswith("Test run #2: passed (exit status 0)") and "1 passed" in green
    assert tool_results(fake_api, 9)[0] == ("green_confirmed is now done. TDD checklist: 3 of 6 checked; open: "
                                            "implementation, refactor, green_again.", False)
    # What the person was asked: the new test as a diff, the exact commands, the fix as a diff.
    assert [a.title for a in approver.asked] == [
        "create test_shop.py (+5 −0)", f"run {sys.executable} -m pytest -q -p no:cacheprovider test_shop.py",
        "edit shop.py (+1 −1)", f"run {sys.executable} -m pytest -q -p no:cacheprovider"]
    assert approver.asked[0].detail.startswith("the behaviour first\n\n--- /dev/null\n+++ b/test_shop.py")
    assert "time limit 120 s" in approver.asked[1].detail
    view = assistant.workflow_view()
    assert view is not None and view.last_test_run is not None and view.last_test_run.startswith("#2 passed · exit 0 · 1 passed")
    states = {i.id: i.state for i in view.checklist}
    assert states == {"failing_test": "done", "red_confirmed": "done", "implementation": "open",
                      "green_confirmed": "done", "refactor": "open", "green_again": "open"}
    saved = assistant.store.get_session(assistant.session.id).state["workflow"]
    assert [(r["id"], r["outcome"], r["exit_status"]) for r in saved["runs"]] == [(1, "failed", 1), (2, "passed", 0)]


async def test_the_natural_order_write_run_tick_is_accepted_and_a_run_before_the_edit_is_not(
        fake_api: FakeAnthropic, shop: Workspace) -> None:
    (shop.root / "test_old.py").write_text("def test_old_failure():\n    assert False\n")
    assistant = assistant_with(fake_api, shop)
    assistant.workflow.switch("tdd")
    fake_api.enqueue(
        call("run_tests"),                                                                              # 1 an old failure
        call("propose_edit", path="test_shop.py", content=FAILING_TEST),                                # 2
        call("update_checklist", item="failing_test", state="done"),                                    # 3
        call("update_checklist", item="red_confirmed", state="done"),                                   # 4 refused: stale
        call("run_tests", selection="test_shop.py"),                                                    # 5 red
        call("update_checklist", item="red_confirmed", state="done", note="assert 0 == 5"),             # 6
        text("Red."),
    )
    await drain(assistant.send("Refunds must return the amount.", approve=Approver()))
    [(stale, is_error)] = tool_results(fake_api, 4)
    assert is_error and "the last run (#1) came before the last edit" in stale
    assert tool_results(fake_api, 6) == [("red_confirmed is now done. TDD checklist: 2 of 6 checked; open: implementation, "
                                          "green_confirmed, refactor, green_again.", False)]
    # The next behaviour, in the order a person would do it: the test, its run, then both ticks.
    second = FAILING_TEST.replace("refund(5) == 5", "refund(7) == 7").replace("amount(", "amount_seven(")
    for item in ("failing_test", "red_confirmed"):
        assistant.workflow.update_checklist(item, "open")
    fake_api.enqueue(
        call("propose_edit", path="test_shop_seven.py", content=second),                                # 8
        call("run_tests", selection="test_shop_seven.py"),                                              # 9 red
        call("update_checklist", item="failing_test", state="done"),                                    # 10
        call("update_checklist", item="red_confirmed", state="done"),                                   # 11
        text("Red again."),
    )
    await drain(assistant.send("And for seven.", approve=Approver()))
    assert [is_error for i in (9, 10, 11) for _, is_error in tool_results(fake_api, i)] == [False, False, False]
    assert assistant.workflow.state.item("tdd", "red_confirmed").run == 3


async def test_a_denied_run_records_nothing_and_a_session_grant_is_not_asked_again(
        fake_api: FakeAnthropic, shop: Workspace) -> None:
    (shop.root / "test_shop.py").write_text(FAILING_TEST)
    approver = Approver([Decision.DENY, Decision.APPROVE_SESSION])
    assistant = assistant_with(fake_api, shop)
    assistant.workflow.switch("tdd")  # where edits and test runs belong
    fake_api.enqueue(call("run_tests"), call("run_tests"), call("run_tests"), text("done"))
    await drain(assistant.send("run them", approve=approver))
    assert len(approver.asked) == 2  # denied, then allowed for the session; the third run is not asked
    denied, first, second = (tool_results(fake_api, i)[0] for i in (1, 2, 3))
    assert denied[1] and "denied" in denied[0]
    assert first[0].startswith("Test run #1: failed") and second[0].startswith("Test run #2: failed")
    view = assistant.workflow_view()
    assert view is not None and view.last_test_run is not None and view.last_test_run.startswith("#2")


async def test_run_tests_without_a_test_command_says_how_to_set_one(fake_api: FakeAnthropic, workspace: Workspace) -> None:
    approver = Approver()
    assistant = assistant_with(fake_api, workspace)
    assistant.workflow.switch("tdd")  # where edits and test runs belong
    fake_api.enqueue(call("run_tests"), text("ok"))
    await drain(assistant.send("run", approve=approver))
    [(content, is_error)] = tool_results(fake_api, 1)
    assert is_error and "No test command was found" in content and "test_command" in content
    assert approver.asked == []  # nothing to approve


async def test_propose_edit_outside_the_repository_or_onto_a_secret_is_refused_unasked(
        fake_api: FakeAnthropic, git_repo: Path, tmp_path: Path) -> None:
    workspace = open_workspace(git_repo)
    (git_repo / ".env").write_text("SECRET_KEY=abc\n")
    outside = tmp_path / "victim.py"
    outside.write_text("x = 1\n")
    approver = Approver()
    assistant = assistant_with(fake_api, workspace)
    assistant.workflow.switch("tdd")  # where edits and test runs belong
    fake_api.enqueue(
        call("propose_edit", path="../victim.py", content="x = 2\n"),
        call("propose_edit", path=str(outside), content="x = 2\n"),
        call("propose_edit", path=".env", content="SECRET_KEY=changed\n"),
        text("I cannot edit those."),
    )
    await drain(assistant.send("edit them", approve=approver))
    results = [tool_results(fake_api, i)[0] for i in (1, 2, 3)]
    assert all(is_error for _, is_error in results)
    assert "outside the repository" in results[0][0] and "absolute path" in results[1][0] and "secret file" in results[2][0]
    assert approver.asked == []
    assert outside.read_text() == "x = 1\n" and (git_repo / ".env").read_text() == "SECRET_KEY=abc\n"


async def test_a_denied_edit_changes_nothing(fake_api: FakeAnthropic, shop: Workspace) -> None:
    approver = Approver([Decision.DENY])
    assistant = assistant_with(fake_api, shop)
    assistant.workflow.switch("tdd")  # where edits and test runs belong
    fake_api.enqueue(call("propose_edit", path="shop.py", diff=FIX), text("ok"))
    await drain(assistant.send("fix", approve=approver))
    assert (shop.root / "shop.py").read_text() == "def refund(amount):\n    return 0\n"
    assert "-    return 0\n+    return amount" in approver.asked[0].detail
    assert approver.asked[0].grant_key == "propose_edit:shop.py"
    [(content, is_error)] = tool_results(fake_api, 1)
    assert is_error and "denied" in content


async def test_test_output_is_redacted_before_the_model_sees_it(fake_api: FakeAnthropic, shop: Workspace) -> None:
    leaky = 'def test_settings():\n    print("AWS key AKIAIOSFODNN7EXAMPLE")\n    assert False\n'
    (shop.root / "test_leak.py").write_text(leaky)
    approver = Approver()
    assistant = assistant_with(fake_api, shop)
    assistant.workflow.switch("tdd")
    fake_api.enqueue(call("run_tests", selection="test_leak.py"), text("Seen."))
    await drain(assistant.send("run it", approve=approver))
    [(output, _)] = tool_results(fake_api, 1)
    assert "AKIAIOSFODNN7EXAMPLE" not in output and "[REDACTED:aws-access-key]" in output
    stored = [r for r in assistant.messages() if r.kind == "tool_results"][0]
    assert "AKIAIOSFODNN7EXAMPLE" not in str(stored.content) and "redacted: aws-access-key" in stored.text
