"""The workflow in the plain REPL and on the command line: phase line, /phase, approvals with diffs, personas show."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from backdev.compose import Startup, Workspace
from backdev.fakeapi import FakeAnthropic
from backdev.llm.scripted import ScriptedProvider, reply, tool_call
from backdev.repl.app import PlainRepl

from .conftest import run_backdev


async def test_phase_line_after_each_reply_and_phase_after_switching(
        startup: Startup, workspace: Workspace, scripted: ScriptedProvider) -> None:
    scripted.enqueue(tool_call("update_checklist", {"item": "scale", "state": "done", "note": "40 rps"}), reply("Noted."))
    repl = PlainRepl(startup, workspace, interactive=False, out=io.StringIO(), err=io.StringIO())
    assert await repl.run(["40 requests per second at peak", "/next", "/phase"]) == 0
    err = repl.err.getvalue()  # type: ignore[attr-defined]
    assert err.index("◆ Requirements · 0/7 checked") < err.index("⚙ checklist scale → done")  # at start, then after the reply
    assert "◆ Requirements · 1/7 checked · /phase" in err
    assert "Phase: Design — Decide how it will be built" in err
    assert "Phase 2 of 5: Design" in err and "[ ] architecture: Architecture pattern" in err


async def test_an_edit_is_approved_at_the_prompt_after_seeing_its_diff(
        startup: Startup, workspace: Workspace, scripted: ScriptedProvider) -> None:
    (workspace.root / "app.py").write_text("DEBUG = True\n")
    startup.assistant.workflow.switch("tdd")  # where edits belong
    scripted.enqueue(tool_call("propose_edit", {"path": "app.py", "content": "DEBUG = False\n", "reason": "never in production"}),
                     reply("Done."))
    with create_pipe_input() as pipe:
        pipe.send_text("turn debug off\ry\r/quit\r")
        repl = PlainRepl(startup, workspace, interactive=True, prompt_input=pipe, prompt_output=DummyOutput(),
                         out=io.StringIO(), err=io.StringIO())
        await repl.run()
    err = repl.err.getvalue()  # type: ignore[attr-defined]
    assert "edit app.py (+1 −1)" in err and "never in production" in err
    assert "-DEBUG = True" in err and "+DEBUG = False" in err
    assert (workspace.root / "app.py").read_text() == "DEBUG = False\n"


@pytest.mark.slow
def test_piped_chat_switches_phases_and_resume_keeps_them(project: Path, fake_api: FakeAnthropic) -> None:
    env = {"ANTHROPIC_BASE_URL": fake_api.url, "ANTHROPIC_API_KEY": "test-key"}
    first = run_backdev("chat", "--plain", cwd=project, env=env, input="/phase tdd\nhello\n")
    assert first.returncode == 0, first.stderr
    assert "Phase: TDD" in first.stderr and "◆ TDD · 0/6 checked" in first.stderr
    again = run_backdev("chat", "--plain", "--continue", cwd=project, env=env, input="/phase\n")
    assert "Phase 3 of 5: TDD" in again.stderr and "[ ] red_confirmed" in again.stderr


@pytest.mark.slow
def test_personas_show_names_the_workflow_or_its_error(project: Path) -> None:
    shown = run_backdev("personas", "show", "backend-developer", cwd=project)
    assert "backend-developer.workflow.yaml (requirements → design → tdd → review → handoff)" in shown.stdout
    folder = project / ".backdev" / "personas"
    folder.mkdir(parents=True)
    (folder / "mine.md").write_text("---\nname: mine\ndescription: d\n---\nBody.\n")
    (folder / "mine.workflow.yaml").write_text("phases: []\n")
    broken = run_backdev("personas", "show", "mine", cwd=project)
    assert "workflow:    cannot be used:" in broken.stdout and "`phases` must list at least one phase" in broken.stdout


async def test_a_change_set_is_one_diff_approved_once_at_the_prompt(
        startup: Startup, workspace: Workspace, scripted: ScriptedProvider) -> None:
    (workspace.root / "a.py").write_text("A = 1\n")
    (workspace.root / "b.py").write_text("B = 1\n")
    changes = [{"command": "str_replace", "path": "a.py", "old_str": "A = 1", "new_str": "A = 2"},
               {"command": "str_replace", "path": "b.py", "old_str": "B = 1", "new_str": "B = 2"}]
    scripted.enqueue(tool_call("edit_files", {"command": "change_set", "changes": changes}), reply("Done."))
    startup.assistant.workflow.switch("tdd")  # where edits belong
    with create_pipe_input() as pipe:
        pipe.send_text("bump both\ry\r/quit\r")
        repl = PlainRepl(startup, workspace, interactive=True, prompt_input=pipe, prompt_output=DummyOutput(),
                         out=io.StringIO(), err=io.StringIO())
        await repl.run()
    err = repl.err.getvalue()  # type: ignore[attr-defined]
    assert "edit 2 files: a.py, b.py (+2 −2)" in err  # one "y" answered the whole change set
    assert "+A = 2" in err and "+B = 2" in err
    assert (workspace.root / "a.py").read_text() == "A = 2\n" and (workspace.root / "b.py").read_text() == "B = 2\n"


async def test_leaving_a_phase_with_work_open_asks_y_or_n_by_one_key(startup: Startup, workspace: Workspace) -> None:
    workflow = startup.assistant.workflow
    with create_pipe_input() as pipe:
        pipe.send_text("/next\rn/phase\r/next\ry/quit\r")  # no Enter needed after the letter
        repl = PlainRepl(startup, workspace, interactive=True, prompt_input=pipe, prompt_output=DummyOutput(),
                         out=io.StringIO(), err=io.StringIO())
        await repl.run()
    err = repl.err.getvalue()  # type: ignore[attr-defined]
    assert err.count("The Requirements phase is not finished: open items: scale, data_volume") == 2
    assert "requirements.md: not written." in err
    stayed = err.index("Staying in the Requirements phase; nothing changed.")
    assert stayed < err.index("Phase 1 of 5: Requirements") < err.index("Phase: Design")  # n stayed, y moved on
    assert workflow.phase.id == "design"


async def test_a_script_moves_on_without_asking_and_says_what_stays_open(startup: Startup, workspace: Workspace) -> None:
    repl = PlainRepl(startup, workspace, interactive=False, out=io.StringIO(), err=io.StringIO())
    assert await repl.run(["/next"]) == 0
    err = repl.err.getvalue()  # type: ignore[attr-defined]
    assert "Phase: Design" in err and "(Requirements is left with open items: scale" in err
    assert "anyway?" not in err and startup.assistant.workflow.phase.id == "design"
