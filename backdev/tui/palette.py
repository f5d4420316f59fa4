"""The command palette's commands (Ctrl+P): one row per thing the chat screen can do.

Each is an action of the chat screen, so a key binding, a palette row and a test all go through
the same code. Textual's own system commands (Theme, Keys, Quit, Screenshot) follow them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

# (title, help, chat screen action)
PALETTE_COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("New session", "start a fresh session in this folder", "new_session"),
    ("Resume session", "pick a saved session of this folder (d deletes one)", "resume_session"),
    ("Switch persona", "choose another persona for the next turns", "switch_persona"),
    ("Switch model", "sonnet, opus or haiku for the next turns", "switch_model"),
    ("Switch phase", "move the workflow to another phase", "switch_phase"),
    ("Attach file", "add a repository file to the message (@path)", "attach_file"),
    ("Review file", "ask for a code review of one file", "review_file"),
    ("Export transcript", "write this session as markdown in the project folder", "export_transcript"),
    ("Copy last reply", "copy the newest reply's markdown to the clipboard", "copy_reply"),
    ("Copy a code block", "pick a code block of the recent replies and copy it", "copy_code_block"),
    ("Toggle side panel", "show or hide the workflow panel (remembered)", "toggle_panel"),
)


def palette_commands(screen: Any) -> Iterable[tuple[str, str, Any]]:
    """(title, help, callback) for each command, bound to the chat `screen`."""
    for title, help_text, action in PALETTE_COMMANDS:
        yield title, help_text, getattr(screen, f"action_{action}")
