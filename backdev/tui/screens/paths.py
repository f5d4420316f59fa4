"""Pick a repository file by typing part of its path (fuzzy, over the `@` path index)."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from backdev.tui.completion import PathSource
from backdev.tui.safe import safe_text

LIMIT = 50


class PathPickerScreen(ModalScreen[str | None]):
    """Dismisses with the chosen path, or None (Esc)."""

    CSS_PATH = "paths.tcss"
    BINDINGS = [
        Binding("escape", "dismiss(None)", "Close"),
        Binding("down", "move(1)", show=False),
        Binding("up", "move(-1)", show=False),
    ]

    def __init__(self, title: str, index: PathSource) -> None:
        super().__init__()
        self.title_text = title
        self.index = index

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Text(self.title_text, style="bold"), id="title")
            yield Input(placeholder="type part of a path…", id="query")
            yield OptionList(id="paths")

    def on_mount(self) -> None:
        self._fill("")
        self.query_one(Input).focus()

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    def _fill(self, query: str) -> None:
        found = self.index.complete(query.strip(), LIMIT)
        paths = self.query_one(OptionList)
        paths.set_options(Option(safe_text(p), id=p) for p in found)
        paths.highlighted = 0 if found else None

    def action_move(self, delta: int) -> None:
        paths = self.query_one(OptionList)
        if paths.option_count:
            paths.highlighted = ((paths.highlighted or 0) + delta) % paths.option_count

    @on(Input.Submitted)
    def _submitted(self) -> None:
        paths = self.query_one(OptionList)
        if paths.highlighted is not None:
            self.dismiss(paths.get_option_at_index(paths.highlighted).id)

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)
