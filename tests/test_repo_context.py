"""Attaching the repository to a session: tools, memory + overview in the prefix, /memory, /overview,
and a tool call through the real SDK against the fake API, recorded in the session."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from backdev.assistant import Assistant, drain
from backdev.compose import Workspace, open_store, open_workspace, start_session
from backdev.fakeapi import FakeAnthropic
from backdev.llm.scripted import ScriptedProvider, reply, tool_call
from backdev.repo.context import RepoContext, open_repo_context
from backdev.session.export import export_markdown

from .conftest import driver_for, fake_provider
from .django_project import write_django_project
from .repo_helpers import commit_all


def attach_repository(assistant: Assistant, workspace: Workspace) -> RepoContext:
    """Read the repository and give it to the assistant, as the driver does."""
    context = open_repo_context(workspace.cwd, workspace.settings, workspace.policy)
    assistant.attach_repository(context)
    return context


@pytest.fixture
def site(git_repo: Path) -> Path:
    write_django_project(git_repo)
    (git_repo / "CLAUDE.md").write_text("Prefer select_related over N+1 loops.\n")
    commit_all(git_repo, "site")
    return git_repo


def test_attach_sets_repo_tools_and_project_context(site: Path, scripted: ScriptedProvider) -> None:
    workspace = open_workspace(site / "shop")
    assistant = start_session(workspace, open_store(), scripted).assistant
    context = attach_repository(assistant, workspace)
    assert assistant.repository is context and context.repo.root == site.resolve()
    repo_tools = ["list_files", "read_file", "search", "git_diff", "git_log", "git_show"]
    assert [spec["name"] for spec in assistant.tools.specs() if spec["name"] in repo_tools] == repo_tools
    project = assistant.system_blocks()[1]
    assert project.startswith("# Project instructions") and "Prefer select_related" in project
    assert "# Repository overview" in project and "shop.Product (shop/models.py:15)" in project
    assert context.notes == [] and context.info.label == "main"
    assert context.index.complete("shopser")[0] == "shop/serializers.py"  # the index is ready for @ completion
    assert context.test_command == ["python", "-m", "pytest"]
    assert "CLAUDE.md · " in context.memory.describe()


async def test_the_prefix_stays_byte_identical_between_turns(site: Path, scripted: ScriptedProvider) -> None:
    workspace = open_workspace(site)
    assistant = start_session(workspace, open_store(), scripted).assistant
    attach_repository(assistant, workspace)
    await drain(assistant.send("one"))
    await drain(assistant.send("two"))
    first, second = scripted.history
    assert first.system == second.system and first.tools == second.tools
    assert {"list_files", "read_file", "search", "git_diff", "git_log", "git_show"} <= {t["name"] for t in first.tools}


def test_not_a_git_repository_is_said_once_and_everything_works(project: Path, scripted: ScriptedProvider) -> None:
    (project / "app.py").write_text("print('hi')\n")
    workspace = open_workspace(project)
    assistant = start_session(workspace, open_store(), scripted).assistant
    context = attach_repository(assistant, workspace)
    assert context.notes == ["Not a git repository: files come from a walk of the folder (skipping .venv, "
                             "node_modules, build output…); diff and log need git."]
    assert context.index.complete("app") == ["app.py"] and assistant.repository is context


def test_git_that_cannot_run_falls_back_to_the_folder(site: Path, scripted: ScriptedProvider,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from backdev.repo.repository import Repository

    def no_git(self: Repository) -> list[str]:
        if self.is_git:
            raise OSError("git: command not found")
        return original(self)

    original = Repository.files
    monkeypatch.setattr(Repository, "files", no_git)
    workspace = open_workspace(site)
    assistant = start_session(workspace, open_store(), scripted).assistant
    context = attach_repository(assistant, workspace)
    assert context.notes == ["git could not be run (OSError): files come from a walk of the folder; "
                             "diff and log are unavailable."]
    assert not context.repo.is_git and "shop/models.py" in context.index.files


def test_memory_and_overview_commands(site: Path, scripted: ScriptedProvider) -> None:
    workspace = open_workspace(site)
    driver = driver_for(start_session(workspace, open_store(), scripted), workspace)
    driver.attach_repository(driver.read_repository())
    [memory] = driver.command("/memory").events
    assert "✓ CLAUDE.md · 38 bytes" in memory.text and "· AGENTS.md · not found" in memory.text
    [overview] = driver.command("/overview").events
    assert overview.text.startswith("# Repository overview") and "URL routes (6):" in overview.text
    assert [s.name for s in driver.completions("/me")] == ["memory"]


async def test_tool_calls_are_recorded_with_their_summary(site: Path, scripted: ScriptedProvider) -> None:
    workspace = open_workspace(site)
    startup = start_session(workspace, open_store(), scripted)
    attach_repository(startup.assistant, workspace)
    scripted.enqueue(tool_call("read_file", {"path": "shop/urls.py"}), reply("It registers a router."))
    await drain(startup.assistant.send("what does shop/urls.py do?"))
    rows = startup.assistant.messages()
    results = next(r for r in rows if r.kind == "tool_results")
    (call,) = results.meta["tool_calls"]
    assert call["summary"] == "read_file shop/urls.py · lines 1–8 of 8" and call["input"] == {"path": "shop/urls.py"}
    assert results.text == "read_file shop/urls.py · lines 1–8 of 8"
    transcript = export_markdown(startup.assistant.store, startup.assistant.session)
    assert "> 🔧 `read_file shop/urls.py · lines 1–8 of 8`" in transcript


async def test_read_file_through_the_real_sdk_and_the_fake_api(site: Path, fake_api: FakeAnthropic) -> None:
    (site / "mysite" / "local.py").write_text('DB_PASSWORD = "hunter2-production"\nDEBUG = False\n')
    workspace = open_workspace(site)
    startup = start_session(workspace, open_store(), fake_provider(fake_api))
    attach_repository(startup.assistant, workspace)
    fake_api.enqueue(
        {"type": "tool_use", "text": "Let me look.", "calls": [{"name": "read_file", "input": {"path": "mysite/local.py"}}]},
        {"type": "text", "text": "The password is set in local.py (redacted)."},
    )
    events = await drain(startup.assistant.send("where is the DB password set?"))
    assert type(events[-1]).__name__ == "TurnFinished"
    first, second = (r.body for r in fake_api.message_requests)
    repo_tools = ["list_files", "read_file", "search", "git_diff", "git_log", "git_show"]
    assert [t["name"] for t in first["tools"] if t["name"] in repo_tools] == repo_tools
    assert "# Repository overview" in json.dumps(first["system"])
    (result,) = [b for b in second["messages"][-1]["content"] if b.get("type") == "tool_result"]
    assert result["content"] == (
        "mysite/local.py (lines 1–2 of 2)\n1\tDB_PASSWORD = \"[REDACTED:password]\"\n2\tDEBUG = False\n"
        "\n[Secret-looking values were replaced by [REDACTED:kind] before this reached you.]")
    assert "hunter2" not in json.dumps([r.body for r in fake_api.message_requests])
    stored = json.dumps([r.content for r in startup.assistant.messages()])
    assert "hunter2" not in stored  # nor in the session record
