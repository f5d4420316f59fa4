"""The one way to build the app — for the CLI, the tests, the snapshots and the benchmarks.

As Posting's `make_posting`, everything that differs between those callers is an argument here,
so what the tests drive is exactly what `backdev chat` runs. The arguments that exist only to make
screenshots deterministic (the time zone of dates) default to what a person wants.
"""

from __future__ import annotations

from typing import Any

from backdev.compose import Startup, Workspace
from backdev.tui.app import BackdevApp
from backdev.tui.options import AppOptions


def make_app(startup: Startup, workspace: Workspace, **options: Any) -> BackdevApp:
    """Build the Textual app over a started session (see `AppOptions` for the options)."""
    return BackdevApp(AppOptions(startup, workspace, **options))
