"""The status bar: persona, model, repository and branch, phase, tokens and session cost."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widgets import Static

from backdev.chat.events import SessionStatus
from backdev.llm.cost import format_cost


@dataclass(frozen=True)
class StatusInfo:
    """What the status bar shows: the session's status (from the driver) and the app's own state."""

    session: SessionStatus
    state: str = ""  # "starting…", "streaming…" or nothing


def status_text(info: StatusInfo) -> Text:
    """One line: `[streaming… · ]backend-developer · claude-sonnet-5-5 · shop (main*) · design · $0.0029 · in 1,200 out 30 cache 800`.

    The cost comes before the token counts so a narrow terminal cuts tokens, not dollars.
    """
    text = Text(no_wrap=True, overflow="ellipsis")
    session = info.session
    if info.state:  # first: it is what changes, and a narrow terminal cuts the end
        text.append(f"{info.state} · ", style="italic")
    text.append(session.persona, style="bold")
    text.append(f" · {session.model} · {session.repository}")
    if session.phase:
        text.append(" · ")
        text.append(session.phase, style="bold")
    usage = session.usage
    text.append(f" · {format_cost(session.cost)} · in {usage.input:,} out {usage.output:,} cache {usage.cache_read:,}")
    return text


class StatusBar(Static):
    """A one-line bar above the footer."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self.info: StatusInfo | None = None

    def show(self, info: StatusInfo) -> None:
        if info != self.info:
            self.info = info
            self.update(status_text(info))
