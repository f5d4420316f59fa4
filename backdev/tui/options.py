"""What the app is built from (`AppOptions`), apart from the app and its factory so both can import it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from backdev.compose import Startup, Workspace


@dataclass
class AppOptions:
    """What the app is built from.

    Attributes:
        startup: the session (new or resumed) and the start-up notes.
        workspace: the folder, its settings, personas and safety policy.
        timezone: for dates shown in pickers (None: the local zone).
        history_window: transcript entries built at once when a long session is resumed.
    """

    startup: Startup
    workspace: Workspace
    timezone: dt.tzinfo | None = None
    history_window: int = 40
