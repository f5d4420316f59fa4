"""Every dialog fits from 60×20 up: its body scrolls, its buttons always show, Deny is the default."""

from __future__ import annotations

import asyncio

import pytest
from textual.app import App
from textual.widgets import Button

from backdev.tools.base import ApprovalRequest, Decision
from backdev.tui.screens.approval import ApprovalScreen
from backdev.tui.screens.confirm import ConfirmScreen

from .tuikit import wait_for

SIZES = [(120, 40), (80, 24), (60, 20)]
LONG_DIFF = "--- a/shop/views.py\n+++ b/shop/views.py\n@@ -1,3 +1,120 @@\n" + "".join(
    f"+line {i} of a long change to the order list view\n" for i in range(120))


def fully_on_screen(app: App, widget: object) -> bool:
    region = widget.region  # type: ignore[attr-defined]
    screen = app.screen.region
    return region.width > 0 and region.height > 0 and screen.contains_region(region)


class Host(App[None]):
    def __init__(self, request: ApprovalRequest) -> None:
        super().__init__()
        self.request = request

    def on_mount(self) -> None:
        self.future: asyncio.Future[Decision] = asyncio.get_running_loop().create_future()
        ApprovalScreen.ask(self, self.request, self.future)


@pytest.mark.parametrize("size", SIZES)
async def test_the_approval_shows_all_three_buttons_with_deny_first_and_focused(size: tuple[int, int]) -> None:
    request = ApprovalRequest("propose_edit", "write", "edit shop/views.py (a long change)", LONG_DIFF,
                              grant="propose_edit:shop/orders/api/views/very_long_module_name.py")
    app = Host(request)
    async with app.run_test(size=size) as pilot:
        modal = await wait_for(lambda: isinstance(app.screen, ApprovalScreen) and app.screen, what="the approval")
        await pilot.pause()
        buttons = list(modal.query(Button))
        assert [b.id for b in buttons] == ["deny", "approve_once", "approve_session"]  # Deny first: the default
        for button in buttons:
            assert fully_on_screen(app, button), (size, button.id, button.region, app.screen.region)
        assert modal.focused is modal.query_one("#deny", Button)
        assert "very_long_module_name.py" in str(modal.query_one("#grant").render())  # what `a` covers is said
        await pilot.press("enter")  # a stray Enter denies
        assert app.future.result() is Decision.DENY


@pytest.mark.parametrize("size", SIZES)
async def test_a_confirmation_shows_its_buttons_at_every_size(size: tuple[int, int]) -> None:
    answers: list[bool | None] = []

    class ConfirmHost(App[None]):
        def on_mount(self) -> None:
            self.push_screen(ConfirmScreen("Attach a secret file?", "It would send:\n" + "KEY=[REDACTED]\n" * 60,
                                           yes="Send it", no="Don't send"), answers.append)

    app = ConfirmHost()
    async with app.run_test(size=size) as pilot:
        modal = await wait_for(lambda: isinstance(app.screen, ConfirmScreen) and app.screen, what="the confirmation")
        await pilot.pause()
        for button in modal.query(Button):
            assert fully_on_screen(app, button), (size, button.id, button.region)
        await pilot.press("enter")
        assert answers == [False]  # the safe answer is the focused one
