"""Leaving a phase with work open in the app (issue 11): a dialog asks once, Stay is the default."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Button

from backdev.compose import Startup, Workspace
from backdev.tui.screens.confirm import ConfirmScreen
from backdev.tui.widgets.entries import WelcomeEntry
from backdev.tui.widgets.status import StatusBar
from backdev.tui.widgets.workflow_panel import WorkflowPanel

from .test_tui_sizes import fully_on_screen
from .tuikit import build, entries, notes, rendered, started, submit, turn_done, wait_for


async def asked(pilot: Any) -> ConfirmScreen:
    app = pilot.app
    modal = await wait_for(lambda: isinstance(app.screen, ConfirmScreen) and app.screen, what="the question")
    await pilot.pause()
    return modal


@pytest.mark.parametrize("size", [(120, 40), (60, 20)], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_next_asks_and_stay_the_default_keeps_the_phase(startup: Startup, workspace: Workspace,
                                                              size: tuple[int, int]) -> None:
    app = build(startup, workspace)
    async with app.run_test(size=size) as pilot:
        chat = await started(pilot)
        await submit(pilot, "/next")
        modal = await asked(pilot)
        assert "Leave the Requirements phase?" in str(modal.query_one("#title").render())
        body = str(modal.query_one("#question").render())
        assert "open items: scale, data_volume" in body and "Move on to Design anyway?" in body
        buttons = list(modal.query(Button))
        assert [b.id for b in buttons] == ["no", "yes"] and modal.focused is buttons[0]  # Stay first and focused
        assert str(buttons[0].label) == "Stay (n)" and str(buttons[1].label) == "Move on (y)"
        for button in buttons:
            assert fully_on_screen(app, button), (size, button.id, button.region)
        # While the dialog asks, the status says the session waits for the person, not that a reply streams.
        state = chat.query_one(StatusBar).info.state
        assert state == "waiting for you…", state
        await pilot.press("enter")  # a stray Enter stays
        await turn_done(pilot)
        assert app.screen is chat and chat.prompt.has_focus
        assert startup.assistant.workflow.phase.id == "requirements"
        assert "Staying in the Requirements phase; nothing changed. /phase shows what is open." in notes(chat)
        assert chat.query_one(StatusBar).info.state != "waiting for you…"
        [welcome] = entries(chat, WelcomeEntry)  # staying is not the conversation starting
        assert "Requirements phase" in rendered(welcome)


async def test_move_on_switches_and_the_panel_follows(startup: Startup, workspace: Workspace) -> None:
    app = build(startup, workspace)
    async with app.run_test(size=(120, 40)) as pilot:
        chat = await started(pilot)
        await submit(pilot, "/phase tdd")
        await asked(pilot)
        await pilot.click("#yes")
        await turn_done(pilot)
        assert startup.assistant.workflow.phase.id == "tdd"
        await wait_for(lambda: [w for w in entries(chat, WelcomeEntry) if "TDD phase" in rendered(w)],
                       what="the welcome to name the phase moved to")
        assert any(n.startswith("Phase: TDD") and "Requirements is left with open items" in n for n in notes(chat))
        await wait_for(lambda: "▶ TDD" in str(chat.query_one(WorkflowPanel).query_one("#workflow-text").render()),
                       what="the panel to show the new phase")
        await submit(pilot, "/phase requirements")  # TDD leaves work open too: asked again; Esc stays
        await asked(pilot)
        await pilot.press("escape")
        await turn_done(pilot)
        assert startup.assistant.workflow.phase.id == "tdd"


async def test_staying_in_the_same_phase_does_not_ask(startup: Startup, workspace: Workspace) -> None:
    app = build(startup, workspace)
    async with app.run_test(size=(100, 30)) as pilot:
        chat = await started(pilot)
        await submit(pilot, "/phase requirements")
        await pilot.pause()
        assert app.screen is chat and any(n.startswith("Phase: Requirements") for n in notes(chat))
