"""What the app is built from (`AppOptions`), apart from the app and its factory so both can import it."""

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
