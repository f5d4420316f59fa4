"""Text from outside the program, made safe to show in the app.

Everything the app shows that it did not write itself — the person's messages, the model's text,
file names, tool summaries, findings, session titles, persona descriptions — may hold console
markup (`[/]` raises, `[@click=…]` binds an action) or terminal control sequences (an OSC 52
clipboard write, a screen clear, a carriage return that hides what came before it). So such text
is never given to a widget as a plain `str` (which Textual parses as markup): it goes through
`safe_text`, which returns a literal `rich.text.Text` with every control character made visible.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text

from backdev.safe_text import one_line, visible

__all__ = ["PlainNotifications", "safe_line", "safe_text", "visible"]


def safe_text(value: object, style: str = "") -> Text:
    """`value` as literal text (never markup), control characters shown visibly."""
    return Text(visible(str(value)), style=style)


def safe_line(value: object, style: str = "") -> Text:
    """As `safe_text`, on one row: newlines and tabs shown too (a table cell, a title)."""
    return Text(one_line(str(value)), style=style)


class PlainNotifications:
    """An App mixin: every toast is plain text, whatever the caller asked for.

    A toast may carry a path, a setting or the model's words, and widgets' own `notify` passes
    `markup=True` through, so the flag is ignored rather than trusted: nothing in a toast is ever
    parsed as markup, and control characters are shown visibly.
    """

    def notify(self, message: str, *, title: str = "", severity: Any = "information",
               timeout: float | None = None, markup: bool = True) -> None:
        super().notify(  # type: ignore[misc]
            visible(message), title=visible(title), severity=severity, timeout=timeout, markup=False
        )
