"""`backdev chat` in a terminal: build the app with the factory and run it."""

from __future__ import annotations

from backdev.compose import Startup, Workspace


def run_tui(startup: Startup, workspace: Workspace) -> int:
    """Run the full-screen app until the person quits; returns the exit status."""
    from backdev.tui.factory import make_app

    app = make_app(startup, workspace)
    app.run()
    return app.return_code or 0
