"""The one way to build the app — for the CLI, the tests, the snapshots and the benchmarks.

As Posting's `make_posting`, everything that differs between those callers is an argument here,
so what the tests drive is exactly what `backdev chat` runs. The arguments that exist only to make
screenshots deterministic (the time zone of dates) default to what a person wants.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from backdev.assistant import Assistant
from backdev.compose import Startup, Workspace
from backdev.tui.project import load_project


@dataclass
class AppOptions:
    """What the app is built from.

    Attributes:
        startup: the assistant on its session (new or resumed) and the start-up notes.
        workspace: the folder, its settings and personas.
        load_project: reads the repository (runs in a thread after the first frame).
        timezone: for dates shown in pickers (None: the local zone).
        history_window: transcript entries built at once when a long session is resumed.
    """

    startup: Startup
    workspace: Workspace
    load_project: Callable[[Assistant, Workspace], Any] = load_project
    timezone: dt.tzinfo | None = None
    history_window: int = 40


def make_app(startup: Startup, workspace: Workspace, **options: Any) -> Any:
    """Build the Textual app over a started session (see `AppOptions` for the options)."""
    from backdev.tui.app import BackdevApp

    return BackdevApp(AppOptions(startup, workspace, **options))
