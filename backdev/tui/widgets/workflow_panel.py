"""The side panel: the workflow's phases with the current one marked, and its checklist.

It renders a `WorkflowView` (built by the core); a persona without a workflow has none, and the
panel says so. The chat screen refreshes it after every tool call and every command. A click on a
phase switches to it (the line carries the screen's `go_to_phase` action).
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from backdev.tui.safe import visible
from backdev.workflow.phases.view import WorkflowView

ITEM_MARKS = {"open": "☐", "done": "☑", "na": "–"}


def panel_text(view: WorkflowView | None) -> Text:
    """The panel's content for `view` (None: no workflow for this persona)."""
    if view is None:
        return Text("No workflow for this persona: a plain conversation.", style="dim italic")
    text = Text()
    text.append("Phases\n", style="bold underline")
    for phase in view.phases:
        current = phase.id == view.current
        click = Style(meta={"@click": f"screen.go_to_phase({phase.id!r})"})
        text.append(f"{'▶' if current else ' '} {visible(phase.title)}\n",
                    style=Style.parse("bold reverse") + click if current else click)
    if view.checklist:
        text.append("\nChecklist\n", style="bold underline")
        for item in view.checklist:
            style = "dim" if item.state != "open" else ""
            text.append(f"{ITEM_MARKS.get(item.state, '?')} {visible(item.text)}\n", style=style)
            if item.note:  # written by the model
                text.append(f"   {visible(item.note)}\n", style="dim italic")
    if view.artifacts:
        text.append("\nArtifacts\n", style="bold underline")
        for artifact in view.artifacts:
            text.append(f"• {visible(artifact)}\n")
    if view.last_test_run:
        text.append("\nLast test run\n", style="bold underline")
        text.append(visible(view.last_test_run) + "\n")
    text.rstrip()
    return text


class WorkflowPanel(VerticalScroll):
    """Phases and checklist, beside the transcript (Ctrl+B shows or hides it)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, can_focus=False)
        self.view: WorkflowView | None = None
        self._shown = False

    def compose(self):  # type: ignore[no-untyped-def]
        yield Static(panel_text(None), id="workflow-text")

    def show(self, view: WorkflowView | None) -> None:
        """Render `view` (does nothing when it has not changed)."""
        if self._shown and view == self.view:
            return
        self.view, self._shown = view, True
        self.query_one("#workflow-text", Static).update(panel_text(view))

    @property
    def current_phase(self) -> str:
        """The current phase's title, for the status bar."""
        view = self.view
        if view is None or view.current is None:
            return ""
        return next((p.title for p in view.phases if p.id == view.current), view.current)
