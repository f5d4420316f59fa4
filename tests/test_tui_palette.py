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

from .tuikit import build, entries, move_on, notes, started, wait_for


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
    # Outside the repository by default: the data folder's exports/.
    written = paths.data_dir() / "exports" / f"backdev-session-{startup.assistant.session.id}.md"
    assert "export me" in written.read_text()
    assert not list(workspace.root.glob("backdev-session-*.md"))


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


async def test_switch_phase_from_the_palette(startup: Startup, workspace: Workspace) -> None:
    app = build(startup, workspace)
    async with app.run_test(size=(100, 30)) as pilot:
        chat = await started(pilot)
        await run_palette(pilot, "switch phase")
        await wait_for(lambda: type(app.screen).__name__ == "ChoiceScreen", what="the phase picker")
        await pilot.press("down", "enter")  # the phases in order; requirements is first
        await move_on(pilot)  # Requirements is left with its items open: asked first
        await wait_for(lambda: startup.assistant.workflow.view().current == "design", what="the switch")
        await wait_for(lambda: app.screen is chat, what="the picker to close")
        assert any(n.startswith("Phase: Design") for n in notes(chat))


async def test_phase_and_review_say_when_the_persona_has_no_workflow(project: Path) -> None:
    personas = project / ".backdev" / "personas"
    personas.mkdir(parents=True)
    (personas / "plain.md").write_text("---\nname: plain\ndescription: no workflow\n---\nJust talk.\n")
    workspace = open_workspace(project)
    app = build(start_session(workspace, open_store(), ScriptedProvider(), persona_name="plain"), workspace)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        chat = await started(pilot)
        chat.action_switch_phase()
        await chat.run_command("/review README.md")
        await pilot.pause()
        said = [n.message for n in app._notifications]
        assert "This persona has no workflow, so there is no phase to switch to." in said
        assert any("The persona plain has no workflow" in n for n in notes(chat))


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


async def test_review_file_from_the_palette_streams_the_review(git_repo: Path) -> None:
    from backdev.tui.widgets.entries import ReplyEntry

    workspace = open_workspace(git_repo)
    provider = ScriptedProvider()
    provider.enqueue(reply("The README says nothing about setup: no findings worth filing."))
    startup = start_session(workspace, open_store(), provider)
    app = build(startup, workspace)
    async with app.run_test(size=(100, 30)) as pilot:
        chat = await started(pilot)
        await run_palette(pilot, "review file")
        await wait_for(lambda: type(app.screen).__name__ == "PathPickerScreen", what="the path picker")
        await pilot.press(*"readme", "enter")
        await move_on(pilot)
        await wait_for(lambda: entries(chat, ReplyEntry), what="the review")
        # Saving the review report asks first; declined, nothing is written.
        await wait_for(lambda: type(app.screen).__name__ == "ApprovalScreen", what="the save approval")
        await pilot.press("n")
        await wait_for(lambda: not chat.busy, what="the review to end")
        assert any("\nReviewing README.md" in n and n.startswith("Leaving the Requirements phase") for n in notes(chat))
        assert "The review was not saved (you declined); the findings stay in this session (/findings)." in notes(chat)
        assert not (git_repo / "docs").exists()
        sent = provider.history[0].messages[0]["content"]
        assert sent[0]["text"].startswith("# Workflow: phase 4 of 5 — Review")  # the phase announced first
        assert sent[1]["text"].startswith("Review `README.md`") and "1\t# demo" in sent[2]["text"]
        assert startup.assistant.workflow.view().current == "review"



async def test_prompt_shows_the_assembled_prompt_in_the_transcript(startup: Startup, workspace: Workspace) -> None:
    app = build(startup, workspace)
    async with app.run_test(size=(100, 30)) as pilot:
        chat = await started(pilot)
        await chat.run_command("/prompt")
        shown = notes(chat)[-1]
        assert shown.startswith("The prompt before the conversation") and "system 1 · persona backend-developer" in shown
        assert "tools (13)" in shown and "── system 3 · phase requirements ──" in shown


async def test_the_side_panel_gives_way_in_a_narrow_terminal_without_touching_the_saved_choice(
        startup: Startup, workspace: Workspace, project: Path) -> None:
    app = build(startup, workspace)
    async with app.run_test(size=(60, 20)) as pilot:
        chat = await started(pilot)
        panel = chat.query_one(WorkflowPanel)
        assert not panel.display and chat.transcript.outer_size.width == 60  # the transcript has the whole width
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        assert panel.display  # back when the terminal grows
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert not panel.display
        await pilot.press("ctrl+b")  # shown for now, in this narrow terminal...
        assert panel.display
        await pilot.press("ctrl+b")
        assert not panel.display
    assert not paths.user_config_file().exists()  # ...and never saved for every later session
    assert load_settings(project, env={}).side_panel is True
