"""The command palette and its commands; the theme and side panel persist in the user config."""

from __future__ import annotations

import asyncio
from pathlib import Path

from backdev import paths
from backdev.assistant import drain
from backdev.compose import Startup, Workspace, open_store, open_workspace, start_session
from backdev.llm.scripted import ScriptedProvider, reply
from backdev.settings import load_settings
from backdev.tui.palette import PALETTE_COMMANDS
from backdev.tui.widgets.entries import NoteEntry, UserEntry
from backdev.tui.widgets.status import StatusBar
from backdev.tui.widgets.workflow_panel import WorkflowPanel

from .tuikit import build, entries, notes, started, wait_for


async def run_palette(pilot, query: str) -> None:  # type: ignore[no-untyped-def]
    """Open the palette with Ctrl+P, type `query`, run the first match."""
    app = pilot.app
    await pilot.press("ctrl+p")
    await wait_for(lambda: type(app.screen).__name__ == "CommandPalette", what="the palette")
    await pilot.press(*query)
    await wait_for(lambda: app.screen.query("CommandList Option") or app.screen.query_one("CommandList").option_count,
                   what="matches")
    await pilot.pause(0.2)
    await pilot.press("enter")
    await pilot.pause()


async def test_the_palette_offers_every_command(startup: Startup, workspace: Workspace) -> None:
    app = build(startup, workspace)
    async with app.run_test(size=(100, 30)) as pilot:
        chat = await started(pilot)
        titles = [command.title for command in app.get_system_commands(chat)]
        for expected in ("New session", "Resume session", "Switch persona", "Switch model", "Switch phase",
                         "Attach file", "Review file", "Export transcript", "Copy last reply", "Copy a code block",
                         "Toggle side panel", "Theme"):
            assert expected in titles
        assert len(PALETTE_COMMANDS) == 11


async def test_export_from_the_palette_writes_the_transcript(startup: Startup, workspace: Workspace) -> None:
    await drain(startup.assistant.send("export me"))
    app = build(startup, workspace)
    async with app.run_test(size=(100, 30)) as pilot:
        chat = await started(pilot)
        await run_palette(pilot, "export tra")
        await wait_for(lambda: any("Transcript written to" in n for n in notes(chat)), what="the export")
    written = workspace.root / f"backdev-session-{startup.assistant.session.id}.md"
    assert "export me" in written.read_text()


async def test_new_session_clears_the_transcript(startup: Startup, workspace: Workspace) -> None:
    await drain(startup.assistant.send("old question"))
    old = startup.assistant.session.id
    app = build(startup, workspace)
    async with app.run_test(size=(100, 30)) as pilot:
        chat = await started(pilot)
        assert entries(chat, UserEntry)
        await run_palette(pilot, "new session")
        await wait_for(lambda: startup.assistant.session.id != old, what="the new session")
        await pilot.pause()
        assert entries(chat, UserEntry) == [] and "New session" in entries(chat, NoteEntry)[-1].text


async def test_switching_model_and_persona_through_pickers(tmp_path: Path, project: Path) -> None:
    agents = project / ".claude" / "agents"
    agents.mkdir(parents=True)
    (agents / "dba.md").write_text("---\nname: dba\ndescription: MySQL tuning\nmodel: opus\n---\nYou tune MySQL.\n")
    workspace = open_workspace(project)
    startup = start_session(workspace, open_store(), ScriptedProvider())
    app = build(startup, workspace)
    async with app.run_test(size=(100, 30)) as pilot:
        chat = await started(pilot)
        await run_palette(pilot, "switch model")
        await wait_for(lambda: type(app.screen).__name__ == "ChoiceScreen", what="the model picker")
        await pilot.press("down", "enter")  # sonnet, opus, haiku
        await wait_for(lambda: startup.assistant.model.model_id == "claude-opus-5-5", what="the switch")
        await run_palette(pilot, "switch persona")
        await wait_for(lambda: type(app.screen).__name__ == "ChoiceScreen", what="the persona picker")
        options = app.screen.query_one("OptionList")
        labels = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert any(label.startswith("dba  (project .claude/agents)") and "MySQL tuning" in label for label in labels)
        index = next(i for i, label in enumerate(labels) if label.startswith("dba"))
        options.highlighted = index
        await pilot.press("enter")
        await wait_for(lambda: startup.assistant.persona.name == "dba", what="the persona switch")
        await pilot.pause()
        assert str(chat.query_one(StatusBar).render()).startswith("dba · claude-opus-5-5")


async def test_phase_and_review_say_when_they_are_not_available(startup: Startup, workspace: Workspace) -> None:
    app = build(startup, workspace)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        chat = await started(pilot)
        chat.action_switch_phase()
        chat.action_review_file()
        await pilot.pause()
        said = [n.message for n in app._notifications]
        assert "This persona has no workflow, so there is no phase to switch to." in said
        assert "Reviewing a file is not available in this version yet." in said


async def test_attach_file_from_the_palette(git_repo: Path) -> None:
    workspace = open_workspace(git_repo)
    app = build(start_session(workspace, open_store(), ScriptedProvider()), workspace)
    async with app.run_test(size=(100, 30)) as pilot:
        chat = await started(pilot)
        chat.prompt.set_text("summarise")
        await run_palette(pilot, "attach file")
        await wait_for(lambda: type(app.screen).__name__ == "PathPickerScreen", what="the path picker")
        await pilot.press(*"readm", "enter")
        await wait_for(lambda: app.screen is chat, what="the picker to close")
        assert chat.prompt.text == "summarise @README.md "


async def test_the_side_panel_toggle_is_remembered(startup: Startup, workspace: Workspace, project: Path) -> None:
    app = build(startup, workspace)
    async with app.run_test(size=(100, 30)) as pilot:
        chat = await started(pilot)
        panel = chat.query_one(WorkflowPanel)
        assert panel.display
        await pilot.press("ctrl+b")
        assert not panel.display
    assert load_settings(project, env={}).side_panel is False
    assert "side_panel: false" in paths.user_config_file().read_text()

    again = start_session(open_workspace(project), open_store(), ScriptedProvider())
    app = build(again, open_workspace(project))
    async with app.run_test(size=(100, 30)) as pilot:
        chat = await started(pilot)
        assert not chat.query_one(WorkflowPanel).display


async def test_the_theme_is_applied_and_remembered(startup: Startup, workspace: Workspace, project: Path) -> None:
    app = build(startup, workspace)
    async with app.run_test(size=(100, 30)) as pilot:
        await started(pilot)
        assert app.theme == "textual-dark"
        app.theme = "nord"
        await pilot.pause()
    assert load_settings(project, env={}).theme == "nord"
    workspace = open_workspace(project)
    app = build(start_session(workspace, open_store(), ScriptedProvider()), workspace)
    async with app.run_test(size=(100, 30)) as pilot:
        await started(pilot)
        assert app.theme == "nord"


async def test_an_unknown_theme_in_the_config_is_said_and_the_default_used(project: Path) -> None:
    paths.ensure_dir(paths.config_dir())
    paths.user_config_file().write_text("theme: no-such-theme\n")
    workspace = open_workspace(project)
    app = build(start_session(workspace, open_store(), ScriptedProvider()), workspace)
    async with app.run_test(size=(100, 30)) as pilot:
        chat = await started(pilot)
        assert app.theme == "textual-dark"
        assert "Unknown theme 'no-such-theme' in your config; using textual-dark." in notes(chat)


async def test_quit_command_leaves_and_saves_an_empty_draft(startup: Startup, workspace: Workspace) -> None:
    startup.assistant.save_draft("old draft")
    app = build(startup, workspace)
    async with app.run_test(size=(100, 30)) as pilot:
        chat = await started(pilot)
        assert chat.prompt.text == "old draft"
        chat.prompt.set_text("/quit")
        chat.composer.close_menu()
        await pilot.press("enter")
        await wait_for(lambda: not app.is_running, what="the app to exit")
    assert startup.assistant.store.get_session(startup.assistant.session.id).draft == ""


async def test_commands_that_change_the_turn_wait_until_the_reply_is_done(startup: Startup, workspace: Workspace) -> None:
    from backdev.llm.events import TextDelta

    startup.assistant.provider.enqueue([TextDelta("Thinking it over"), 30.0])  # type: ignore[attr-defined]
    app = build(startup, workspace)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        chat = await started(pilot)
        chat.prompt.set_text("a question")
        chat.composer.close_menu()
        await pilot.press("enter")
        await wait_for(lambda: chat.busy and entries(chat, UserEntry), what="the turn to start")
        model = startup.assistant.model.model_id
        await chat.run_command("/model opus")  # as the palette's model picker does
        chat.prompt.set_text("/new")
        chat.composer.close_menu()
        await asyncio.create_task(pilot.press("enter"))
        assert startup.assistant.model.model_id == model and chat.prompt.text == "/new"
        said = [n.message for n in app._notifications]
        assert "/model waits until the reply is done: press Esc to cancel it first." in said
        await chat.run_command("/cost")  # harmless ones still run
        assert notes(chat)[-1].startswith("Session ")
        chat.turn.cancel()
        await wait_for(lambda: not chat.busy, what="the cancel")


async def test_review_runs_through_the_runner_and_streams_the_assistants_review(git_repo: Path) -> None:
    from backdev.commands import CommandOutcome, CommandSpec
    from backdev.tui.widgets.entries import ReplyEntry

    workspace = open_workspace(git_repo)
    provider = ScriptedProvider()
    provider.enqueue(reply("**High** · README.md:1 · the title says nothing."))
    startup = start_session(workspace, open_store(), provider)
    reviewed: list[str] = []

    def review(path: str):  # type: ignore[no-untyped-def]  # stands in for the workflow's Assistant.review
        reviewed.append(path)
        return startup.assistant.send(f"Review {path}")

    startup.assistant.review = review  # type: ignore[attr-defined]
    app = build(startup, workspace)
    async with app.run_test(size=(100, 30)) as pilot:
        chat = await started(pilot)
        app.runner.register(CommandSpec("review", "PATH", "review a file"),
                            lambda argument: CommandOutcome(action="review", argument=argument))
        await run_palette(pilot, "review file")
        await wait_for(lambda: type(app.screen).__name__ == "PathPickerScreen", what="the path picker")
        await pilot.press(*"readme", "enter")
        await wait_for(lambda: entries(chat, ReplyEntry), what="the review")
        await wait_for(lambda: not chat.busy, what="the review to end")
        assert reviewed == ["README.md"] and "Reviewing README.md…" in notes(chat)
        assert entries(chat, ReplyEntry)[0].source.startswith("**High**")
