"""`backdev chat` in a terminal: build the app with the factory and run it."""

from __future__ import annotations

import gc
from typing import Any

from backdev.compose import Startup, Workspace


def run_tui(startup: Startup, workspace: Workspace) -> int:
    """Run the full-screen app until the person quits; returns the exit status."""
    gc.disable()  # see run_app; from here, so that importing the app is covered too
    from backdev.tui.factory import make_app  # after gc.disable: the import is part of start-up

    return run_app(make_app(startup, workspace))


def run_app(app: Any, **run_options: Any) -> int:
    """Run a built app (`run_options` go to `App.run`, e.g. `headless=True` for benchmarks).

    Start-up allocates a great many long-lived objects (modules, widgets, styles) and the cyclic
    garbage collector would walk them over and over before the first frame: about a third of the
    app's own start-up time here. The API client's import, right after the first frame, is the
    same again (10-20% of it). So collection waits until the client is loaded; then everything
    alive is frozen out of later collections (it lives as long as the app) and the collector
    resumes.
    """
    gc.disable()

    def resume_collection() -> None:
        gc.freeze()
        gc.enable()

    app.after_warm_up.append(resume_collection)
    try:
        app.run(**run_options)
    finally:
        gc.enable()
    return app.return_code or 0
