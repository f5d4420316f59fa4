"""The first screen's welcome (backdev.welcome)."""

from __future__ import annotations

from backdev.compose import Startup, Workspace, open_store, start_session
from backdev.llm.scripted import ScriptedProvider, reply
from backdev.tui.widgets.entries import WelcomeEntry
from backdev.welcome import Welcome

from .test_repl import make_repl, output
from .tuikit import build, entries, rendered, started, submit, turn_done


def test_the_welcome_names_persona_phase_what_was_read_and_what_to_try() -> None:
    welcome = Welcome("backend-developer", "Requirements", ["Django", "DRF", "12 models", "MySQL"], ["pytest", "-q"])
    app = welcome.lines(app=True)
    assert app[0].startswith("backend-developer · Requirements phase")
    assert app[1] == "Read: Django · DRF · 12 models · MySQL · tests: pytest -q"
    assert "/help" in app[2] and "@path" in app[2] and "Ctrl+P" in app[2]
    plain = welcome.lines(app=False)
    assert len(plain) == 2 and "/help" in plain[1] and "Ctrl+P" not in " ".join(plain)


def test_a_persona_without_workflow_and_a_folder_without_tests() -> None:
    welcome = Welcome("dba")
    assert welcome.headline() == "dba: ask anything about this repository."
    assert welcome.found_line() == "Read: tests: none found"


async def test_the_app_opens_on_a_welcome_that_gives_way_once_the_conversation_starts(
        startup: Startup, workspace: Workspace, scripted: ScriptedProvider) -> None:
    (workspace.root / "pytest.ini").write_text("[pytest]\n")
    scripted.enqueue(reply("Hello."))
    app = build(startup, workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        chat = await started(pilot)
        [welcome] = entries(chat, WelcomeEntry)
        shown = rendered(welcome)
        assert shown.startswith(f"{startup.assistant.persona.name} · Requirements phase")
        assert "Read: " in shown and "tests: " in shown and "tests: none found" not in shown  # read, after the start
        assert "/help" in shown and "Ctrl+P" in shown
        await submit(pilot, "/help")  # a command keeps it
        assert entries(chat, WelcomeEntry)
        await submit(pilot, "hi")
        await turn_done(pilot)
        assert not entries(chat, WelcomeEntry)


async def test_plain_mode_greets_a_new_session_with_the_welcome_and_a_resumed_one_without(
        workspace: Workspace, scripted: ScriptedProvider) -> None:
    store = open_store()
    first = start_session(workspace, store, scripted)
    repl = make_repl(first, workspace)
    await repl.attach()
    repl.greet()
    err = output(repl)[1]
    assert f"  {first.assistant.persona.name} · Requirements phase" in err and "Read: " in err and "/help" in err
    scripted.enqueue(reply("ok"))
    await make_repl(first, workspace).run(["question one"])
    again = make_repl(start_session(workspace, store, scripted, resume=True), workspace)
    again.greet()
    assert "Read: " not in output(again)[1]


async def test_a_review_is_the_conversation_starting_and_the_welcome_gives_way(
        startup: Startup, workspace: Workspace, scripted: ScriptedProvider) -> None:
    from .test_tui_focus import reviewed
    from .test_tui_workflow import VIEWS, finding

    (workspace.root / "views.py").write_text(VIEWS)
    scripted.enqueue(finding(6, "low", "testing", "No test for refunds"), reply("One problem."))
    app = build(startup, workspace)
    async with app.run_test(size=(100, 30)) as pilot:
        chat, _ = await reviewed(pilot)
        assert not entries(chat, WelcomeEntry)
