"""The status bar: persona, model, repository and branch, phase, context fill, tokens and session cost."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widgets import Static

from backdev.chat.events import SessionStatus
from backdev.llm.cost import format_cost
from backdev.tui.safe import visible


@dataclass(frozen=True)
class StatusInfo:
    """What the status bar shows: the session's status (from the driver) and the app's own state."""

    session: SessionStatus
    state: str = ""  # "starting…", "streaming…", "waiting for you…" or nothing


# Fields in the order they are shown, each with its priority (lower is kept longer): when the line
# does not fit, whole fields are dropped, least useful first, so a narrow terminal still shows what
# is happening, which phase the work is in, and what it cost.
_PRIORITY = {"state": 0, "phase": 1, "cost": 2, "persona": 3, "repo": 4, "context": 4.5, "model": 5, "tokens": 6}


def _fields(info: StatusInfo) -> list[tuple[str, str, str]]:
    """(name, text, style) of each field that has something to say."""
    session = info.session
    usage = session.usage
    # Names, ids and folder names can come from the repository: shown visibly, never as markup.
    fields = [
        ("state", visible(info.state), "italic"),
        ("persona", visible(session.persona), "bold"),
        ("model", visible(session.model), ""),
        ("repo", visible(session.repository), ""),
        ("phase", visible(session.phase), "bold"),
        ("cost", format_cost(session.cost), ""),
        ("context", session.context_fill, ""),
        ("tokens", f"in {usage.input:,} out {usage.output:,} cache read {usage.cache_read:,} write {usage.cache_write:,}",
         "dim"),
    ]
    return [field for field in fields if field[1]]


def status_text(info: StatusInfo, width: int | None = None) -> Text:
    """One line such as `streaming… · backend-developer · claude-sonnet-5-5 · shop (main*) · Design · $0.0029 · in …`.

    Args:
        info: what to show.
        width: the room there is; fields are dropped by priority until the line fits (None: keep all).
    """
    fields = _fields(info)
    while width is not None and len(fields) > 1 and len(" · ".join(f[1] for f in fields)) > width:
        fields.remove(max(fields, key=lambda f: _PRIORITY[f[0]]))
    text = Text(no_wrap=True, overflow="ellipsis")
    for index, (_, value, style) in enumerate(fields):
        if index:
            text.append(" · ")
        text.append(value, style=style)
    return text


class StatusBar(Static):
    """A one-line bar above the footer."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self.info: StatusInfo | None = None

    def show(self, info: StatusInfo) -> None:
        if info != self.info:
            self.info = info
            self._render_info()

    def on_resize(self) -> None:
        self._render_info()

    def _render_info(self) -> None:
        if self.info is not None:
            self.update(status_text(self.info, self.size.width or None))
