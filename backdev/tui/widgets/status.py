"""The status bar: persona, model, repository and branch, phase, tokens and session cost."""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.text import Text
from textual.widgets import Static

from backdev.llm.cost import format_cost
from backdev.llm.events import Usage
from backdev.tui.safe import visible


@dataclass(frozen=True)
class StatusInfo:
    """What the status bar shows."""

    persona: str
    model: str
    repo: str
    phase: str = ""
    usage: Usage = field(default_factory=Usage)
    cost: float | None = 0.0
    state: str = ""


def status_text(info: StatusInfo) -> Text:
    """One line: `[streaming… · ]backend-developer · claude-sonnet-5-5 · shop (main*) · design · $0.0029 · in 1,200 out 30 cache 800`.

    The cost comes before the token counts so a narrow terminal cuts tokens, not dollars.
    """
    text = Text(no_wrap=True, overflow="ellipsis")
    if info.state:  # first: it is what changes, and a narrow terminal cuts the end
        text.append(f"{info.state} · ", style="italic")
    # Persona names, model ids and folder names can come from the repository: shown as text.
    text.append(visible(info.persona), style="bold")
    text.append(visible(f" · {info.model} · {info.repo}"))
    if info.phase:
        text.append(" · ")
        text.append(visible(info.phase), style="bold")
    usage = info.usage
    text.append(f" · {format_cost(info.cost)} · in {usage.input:,} out {usage.output:,} cache {usage.cache_read:,}")
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
