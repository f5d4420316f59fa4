"""`edit_files`: exact-replacement edits and change sets, through the fake API (real SDK over HTTP)."""

from __future__ import annotations

from pathlib import Path

import pytest

from backdev.assistant import drain
from backdev.compose import Workspace
from backdev.fakeapi import FakeAnthropic
from backdev.tools.base import ApprovalRequest, Decision
from backdev.workflow.actions.edits import ChangeRefused
from backdev.workflow.actions.replace import insert, prepare_change_set, str_replace

from .workflow_helpers import Approver, assistant_with, call, text, tool_results

VIEWS = "def orders(request):\n    return list_orders()\n\n\ndef refunds(request):\n    return list_orders()\n"


def _files(root: Path) -> dict[str, str]:
    files = {"shop/views.py": VIEWS, "shop/urls.py": "urlpatterns = [\n    path('orders/', orders),\n]\n",
             "tests/test_refunds.py": "# tests\n"}
    for name, content in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(content)
    return files


THREE_FILES = [
    {"command": "str_replace", "path": "shop/views.py", "old_str": "def refunds(request):\n    return list_orders()",
     "new_str": "def refunds(request):\n    return list_refunds()"},
    {"command": "insert", "path": "shop/urls.py", "insert_line": 2, "insert_text": "    path('refunds/', refunds),\n"},
    {"command": "str_replace", "path": "tests/test_refunds.py", "old_str": "# tests\n",
     "new_str": "def test_refunds_are_listed(client):\n    assert client.get('/refunds/').status_code == 200\n"},
]



def in_tdd(fake_api: FakeAnthropic, workspace: Workspace):  # type: ignore[no-untyped-def]
    """An assistant in the TDD phase, where edits belong (the requirements phase refuses them)."""
    assistant = assistant_with(fake_api, workspace)
    assistant.workflow.switch("tdd")
    return assistant

async def test_an_exact_replacement_is_applied_after_approval(fake_api: FakeAnthropic, workspace: Workspace) -> None:
    _files(workspace.root)
    approver = Approver()
    assistant = in_tdd(fake_api, workspace)
    fake_api.enqueue(call("edit_files", command="str_replace", path="shop/views.py",
                          old_str="    return list_orders()\n\n\ndef refunds", new_str="    return list_orders(paid=True)\n\n\ndef refunds"),
                     text("Done."))
    await drain(assistant.send("only paid orders", approve=approver))
    assert (workspace.root / "shop/views.py").read_text() == VIEWS.replace("list_orders()\n\n", "list_orders(paid=True)\n\n", 1)
    [asked] = approver.asked
    assert asked.title == "edit shop/views.py (+1 −1)" and "+    return list_orders(paid=True)" in asked.detail
    [(result, is_error)] = tool_results(fake_api, 1)
    assert not is_error and result.startswith("Applied: edit shop/views.py (+1 −1).")


async def test_a_match_that_is_not_unique_is_refused_saying_where_and_how_to_fix(
        fake_api: FakeAnthropic, workspace: Workspace) -> None:
    _files(workspace.root)
    approver = Approver()
    assistant = in_tdd(fake_api, workspace)
    fake_api.enqueue(call("edit_files", command="str_replace", path="shop/views.py",
                          old_str="    return list_orders()", new_str="    return []"), text("I will add context."))
    await drain(assistant.send("empty lists", approve=approver))
    assert approver.asked == []  # nothing to approve: the person is not asked
    [(result, is_error)] = tool_results(fake_api, 1)
    assert is_error and "old_str occurs 2 times in shop/views.py (at lines 2, 6)" in result
    assert "include more of the surrounding lines" in result
    assert (workspace.root / "shop/views.py").read_text() == VIEWS


async def test_a_three_file_change_set_is_one_diff_approved_once_and_written(
        fake_api: FakeAnthropic, workspace: Workspace) -> None:
    files = _files(workspace.root)
    approver = Approver()
    assistant = in_tdd(fake_api, workspace)
    fake_api.enqueue(call("edit_files", command="change_set", changes=THREE_FILES, reason="refunds endpoint"),
                     text("Done."))
    await drain(assistant.send("add the refunds endpoint", approve=approver))
    [asked] = approver.asked
    assert asked.title == "edit 3 files: shop/views.py, shop/urls.py, tests/test_refunds.py (+4 −2)"
    assert asked.grant_key == "edit_files:shop/views.py,shop/urls.py,tests/test_refunds.py"
    for header in ("+++ b/shop/views.py", "+++ b/shop/urls.py", "+++ b/tests/test_refunds.py"):
        assert header in asked.detail
    assert asked.detail.startswith("refunds endpoint\n\n")
    assert (workspace.root / "shop/views.py").read_text() == files["shop/views.py"].replace(
        "return list_orders()\n", "return list_refunds()\n").replace("list_refunds()", "list_orders()", 1)
    assert (workspace.root / "shop/urls.py").read_text().splitlines()[2] == "    path('refunds/', refunds),"
    assert (workspace.root / "tests/test_refunds.py").read_text().startswith("def test_refunds_are_listed")


async def test_nothing_is_written_when_one_file_changed_while_waiting(
        fake_api: FakeAnthropic, workspace: Workspace) -> None:
    files = _files(workspace.root)

    async def edits_meanwhile(request: ApprovalRequest) -> Decision:
        (workspace.root / "shop/urls.py").write_text(files["shop/urls.py"] + "# the person's edit\n")
        return Decision.APPROVE_ONCE

    assistant = in_tdd(fake_api, workspace)
    fake_api.enqueue(call("edit_files", command="change_set", changes=THREE_FILES), text("I will look again."))
    await drain(assistant.send("add the refunds endpoint", approve=edits_meanwhile))
    [(result, is_error)] = tool_results(fake_api, 1)
    assert is_error and "shop/urls.py changed while the change set was waiting" in result and "nothing was written" in result
    assert (workspace.root / "shop/views.py").read_text() == files["shop/views.py"]
    assert (workspace.root / "tests/test_refunds.py").read_text() == files["tests/test_refunds.py"]
    assert (workspace.root / "shop/urls.py").read_text().endswith("# the person's edit\n")


async def test_view_numbers_lines_and_refuses_secret_files(fake_api: FakeAnthropic, workspace: Workspace) -> None:
    _files(workspace.root)
    (workspace.root / ".env").write_text("SECRET=1\n")
    assistant = in_tdd(fake_api, workspace)
    fake_api.enqueue(call("edit_files", command="view", path="shop/views.py", view_range=[5, -1]),
                     call("edit_files", command="view", path=".env"), text("Seen."))
    await drain(assistant.send("look", approve=Approver()))
    [(viewed, _)] = tool_results(fake_api, 1)
    assert viewed == "shop/views.py, lines 5–6 of 6:\n     5\tdef refunds(request):\n     6\t    return list_orders()"
    [(secret, is_error)] = tool_results(fake_api, 2)
    assert is_error and "secret file" in secret and "SECRET" not in secret


def test_refusals_say_how_to_fix_the_call(git_repo: Path) -> None:
    with pytest.raises(ChangeRefused, match=r"not found in a.py\. The closest lines are:\n     1\tdef orders.*\n     2\t    return list_orders\(\)\n(.|\n)*View a.py \(command view\)"):
        str_replace(VIEWS, "a.py", "  return list_order()", "x")
    with pytest.raises(ChangeRefused, match="already exists: change it with str_replace"):
        prepare_change_set(git_repo, [{"command": "create", "path": "README.md", "file_text": "x"}])
    with pytest.raises(ChangeRefused, match="does not exist: use create"):
        prepare_change_set(git_repo, [{"command": "str_replace", "path": "nope.py", "old_str": "a", "new_str": "b"}])
    with pytest.raises(ChangeRefused, match=r"^Edit 2 of 2: .*outside|^Edit 2 of 2: .*repository"):
        prepare_change_set(git_repo, [{"command": "create", "path": "a.py", "file_text": "x\n"},
                                      {"command": "create", "path": "../b.py", "file_text": "x\n"}])
    with pytest.raises(ChangeRefused, match="insert_line must be a line number from 0 .* to 6"):
        insert(VIEWS, "a.py", 9, "x\n")
    assert not (git_repo / "a.py").exists()


def test_edits_keep_crlf_and_several_edits_to_one_file_apply_in_order(git_repo: Path) -> None:
    (git_repo / "w.py").write_bytes(b"a = 1\r\nb = 2\r\n")
    change_set = prepare_change_set(git_repo, [
        {"command": "str_replace", "path": "w.py", "old_str": "a = 1\nb = 2", "new_str": "a = 10\nb = 2"},
        {"command": "insert", "path": "w.py", "insert_line": 0, "insert_text": "# top"},
    ])
    [change] = change_set.changes
    assert change.new == "# top\r\na = 10\r\nb = 2\r\n"
    change_set.apply()
    assert (git_repo / "w.py").read_bytes() == b"# top\r\na = 10\r\nb = 2\r\n"


async def test_edit_files_is_refused_outside_the_phases_that_edit(fake_api: FakeAnthropic, workspace: Workspace) -> None:
    _files(workspace.root)
    approver = Approver()
    assistant = assistant_with(fake_api, workspace)  # requirements
    fake_api.enqueue(call("edit_files", command="create", path="new.py", file_text="x = 1\n"), text("Later, then."))
    await drain(assistant.send("write it now", approve=approver))
    [(result, is_error)] = tool_results(fake_api, 1)
    assert is_error and "TDD" in result and approver.asked == [] and not (workspace.root / "new.py").exists()


async def test_an_applied_edit_makes_earlier_test_runs_stale_for_the_gates(
        fake_api: FakeAnthropic, workspace: Workspace) -> None:
    _files(workspace.root)
    assistant = in_tdd(fake_api, workspace)
    seen_before = assistant.workflow.state.edit_run_seen
    assistant.workflow.state.edit_run_seen = -1  # as if no edit was recorded since the runs
    fake_api.enqueue(call("edit_files", command="create", path="new.py", file_text="x = 1\n"), text("Done."))
    await drain(assistant.send("add it", approve=Approver()))
    assert (workspace.root / "new.py").exists() and assistant.workflow.state.edit_run_seen == seen_before
