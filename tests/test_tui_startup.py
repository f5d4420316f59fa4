"""Start-up: the status bar names only what is still loading; collection waits for the SDK import."""

from __future__ import annotations

from backdev.compose import Workspace, open_store, start_session
from backdev.tui.widgets.status import StatusBar

from .test_tui_chat import GatedStart
from .tuikit import build, wait_for


async def test_the_status_bar_says_what_is_still_loading_and_nothing_once_ready(workspace: Workspace) -> None:
    provider = GatedStart()
    app = build(start_session(workspace, open_store(), provider), workspace)
    warmed: list[bool] = []
    app.after_warm_up.append(lambda: warmed.append(app.driver.still_loading == "reading the repository…"
                                                   or app.ready_for_turns))
    async with app.run_test(size=(100, 30)) as pilot:
        status = app.chat.query_one(StatusBar)
        await wait_for(lambda: app.driver.still_loading == "loading the API client…", what="the repository")
        await pilot.pause()
        shown = str(status.render())
        assert "loading the API client…" in shown and "repository" not in shown and warmed == []
        provider.gate.set()
        await wait_for(lambda: app.ready_for_turns, what="the provider")
        await pilot.pause()
        shown = str(status.render())
        assert "loading" not in shown and "starting" not in shown and shown.startswith("backend-developer")
        assert warmed == [True]  # run_app resumes garbage collection from here


async def test_the_key_bar_does_not_keep_the_keys_it_replaced() -> None:
    import gc

    from textual.app import App, ComposeResult
    from textual.binding import Binding
    from textual.widgets._footer import FooterKey

    from backdev.tui.widgets.footer import KeyFooter

    class Keys(App[None]):
        BINDINGS = [Binding("ctrl+b", "bell", "Panel"), Binding("ctrl+o", "bell", "Copy")]

        def compose(self) -> ComposeResult:
            yield KeyFooter()

    def keys() -> list[object]:
        gc.collect()
        return [o for o in gc.get_objects() if isinstance(o, FooterKey)]

    before = {id(o) for o in keys()}  # other tests' apps may still be about
    app = Keys()
    async with app.run_test() as pilot:
        for _ in range(30):  # what every turn does (its worker starts and ends)
            app.screen.refresh_bindings()
            await pilot.pause()
        assert len([o for o in keys() if id(o) not in before]) < 10  # Textual's Footer: about 60


async def test_what_the_first_reply_draws_with_loads_while_the_api_client_still_loads(workspace: Workspace) -> None:
    # The SDK loads in another process: this one is idle meanwhile, and must not load the reply's
    # renderers only once the API is ready, beside the message that was waiting to leave.
    provider = GatedStart()
    app = build(start_session(workspace, open_store(), provider), workspace)
    preloaded: list[bool] = []
    app._preload = lambda: preloaded.append(provider.gate.is_set())  # type: ignore[method-assign]
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(lambda: bool(preloaded), what="the preload")
        provider.gate.set()
        await wait_for(lambda: app.ready_for_turns, what="the provider")
        await pilot.pause()
    assert preloaded == [False]


async def test_the_first_frame_is_laid_out_once_and_a_new_size_still_is(workspace: Workspace, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # Textual sends a new screen Resize events of the size it was just laid out at, and lays the
    # whole screen out for each: three more layouts before the first frame here. A new size must
    # still be laid out (the panel gives way below its breakpoint).
    from backdev.tui.screens.chat import ChatScreen
    from backdev.tui.widgets.workflow_panel import WorkflowPanel

    layouts: list[tuple[int, int]] = []
    refresh_layout = ChatScreen._refresh_layout

    def counted(self, size=None, scroll=False):  # type: ignore[no-untyped-def]
        layouts.append(tuple(size or self.outer_size))
        return refresh_layout(self, size, scroll)

    monkeypatch.setattr(ChatScreen, "_refresh_layout", counted)
    app = build(start_session(workspace, open_store(), GatedStart()), workspace)
    at_first_frame: list[list[tuple[int, int]]] = []
    original_ready = type(app).on_ready

    def on_ready(self) -> None:  # type: ignore[no-untyped-def]
        at_first_frame.append(list(layouts))
        original_ready(self)

    monkeypatch.setattr(type(app), "on_ready", on_ready)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(lambda: bool(at_first_frame), what="the first frame")
        assert at_first_frame == [[(100, 30)]]
        panel = app.chat.query_one(WorkflowPanel)
        assert panel.display
        await pilot.resize_terminal(60, 20)
        await wait_for(lambda: (60, 20) in layouts, what="a layout at the new size")
        await pilot.pause()
        assert not panel.display and app.chat.transcript.outer_size.width == 60


def test_collection_waits_from_the_chats_first_step_to_the_first_frame(project, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # The core's modules and the session are built before the app: the collector walking them
    # there was ~10 ms of the first frame. Plain mode gets it back before its REPL starts.
    import gc
    import sys

    import backdev.compose
    import backdev.tui.launch
    from backdev import cli
    from backdev.llm.worker_process import ApiWorker

    seen: dict[str, bool] = {}
    opened = backdev.compose.open_workspace

    def open_workspace(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen["building the session"] = gc.isenabled()
        return opened(*args, **kwargs)

    def run_tui(startup, workspace) -> int:  # type: ignore[no-untyped-def]
        seen["at the app"] = gc.isenabled()
        return 0

    monkeypatch.chdir(project)
    monkeypatch.setattr(ApiWorker, "start", classmethod(lambda cls: None))
    monkeypatch.setattr(backdev.compose, "open_workspace", open_workspace)
    monkeypatch.setattr(backdev.tui.launch, "run_tui", run_tui)
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    assert gc.isenabled()
    try:
        assert cli.main(["chat"]) == 0
        assert seen == {"building the session": False, "at the app": False}
    finally:
        gc.enable()
