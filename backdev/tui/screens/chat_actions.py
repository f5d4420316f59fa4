"""What the chat screen does from the palette and its keys: pickers, switching, copying.

Every action is also a palette row (see `backdev.tui.palette`). What changes the session goes
through the driver as the matching slash command, so the palette, the keys and a typed command
do the same thing. Pickers are modal screens imported on first use, so they cost nothing at
start-up.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from rich.text import Text
from textual import events

from backdev.llm.models import ALIASES
from backdev.tui.screens.chat_core import ChatCore
from backdev.tui.widgets.workflow_panel import WorkflowPanel
from backdev.tui.safe import safe_text, visible


class ChatActions(ChatCore):
    """Palette and key actions of the chat screen."""

    async def action_go_to_phase(self, phase_id: str) -> None:
        """A click on a phase in the side panel switches to it (as `/phase ID` does)."""
        await self.run_command(f"/phase {phase_id}")

    # --- sessions ------------------------------------------------------------------------------

    async def action_new_session(self) -> None:
        await self.run_command("/new")

    def action_resume_session(self) -> None:
        from backdev.tui.screens.sessions import SessionPickerScreen  # pickers load on first use

        if self.busy:
            self.notify("A reply is streaming: press Esc to cancel it first.", severity="warning")
            return
        self.app.push_screen(SessionPickerScreen(self.driver, timezone=self.options.timezone), self._resume_chosen)

    async def _resume_chosen(self, session_id: str | None) -> None:
        if session_id:
            await self.open_session(session_id)

    async def open_session(self, session_id: str) -> None:
        """Switch the conversation to a saved session: its history, its draft, its model."""
        for event in self.driver.open_session(session_id, draft=self.prompt.text):
            await self.show(event)
        self.refresh_panel()
        self.refresh_status()

    # --- persona, model, phase -----------------------------------------------------------------

    def action_switch_persona(self) -> None:
        from backdev.tui.screens.choice import ChoiceScreen  # pickers load on first use

        current = self.driver.persona_name
        options = []
        for persona in self.driver.personas():
            # Names and descriptions come from persona files, possibly the repository's own.
            label = safe_text(persona.name, style="bold")
            label.append(visible(f"  ({persona.source}){'  · current' if persona.name == current else ''}\n"), style="dim")
            label.append(visible(persona.description[:160]))
            options.append((persona.name, label))
        self.app.push_screen(ChoiceScreen("Switch persona", options), self._run_with("/persona"))

    def action_switch_model(self) -> None:
        from backdev.tui.screens.choice import ChoiceScreen  # pickers load on first use

        current = self.driver.model_id
        options = [(alias, Text(f"{alias}  {model_id}{'  · current' if model_id == current else ''}"))
                   for alias, model_id in ALIASES.items()]
        self.app.push_screen(ChoiceScreen("Switch model", options), self._run_with("/model"))

    def action_switch_phase(self) -> None:
        from backdev.tui.screens.choice import ChoiceScreen  # pickers load on first use

        view = self.driver.workflow_view()
        if view is None:
            self.notify("This persona has no workflow, so there is no phase to switch to.")
            return
        options = [(p.id, Text(("▶ " if p.id == view.current else "  ") + p.title)) for p in view.phases]
        self.app.push_screen(ChoiceScreen("Switch phase", options), self._run_with("/phase", "Switching phase"))

    def _run_with(self, command: str, what: str = "") -> Callable[[str | None], Awaitable[None]]:
        async def chosen(value: str | None) -> None:
            if not value:
                return
            if not self.driver.has_command(command.lstrip("/")):
                self.notify(f"{what or command} is not available in this version yet.")
                return
            await self.run_command(f"{command} {value}")

        return chosen

    # --- files ---------------------------------------------------------------------------------

    def _pick_path(self, title: str, then: Callable[[str | None], None] | Callable[[str | None], Awaitable[None]]) -> None:
        from backdev.tui.screens.paths import PathPickerScreen  # pickers load on first use

        index = self.driver.path_index
        if index is None:
            self.notify("The repository's file list is still loading; try again in a moment.")
            return
        self.app.push_screen(PathPickerScreen(title, index), then)

    def action_attach_file(self) -> None:
        def chosen(path: str | None) -> None:
            if path:
                self.composer.attach(path)

        self._pick_path("Attach a file", chosen)

    def action_review_file(self) -> None:
        if not self.driver.has_command("review"):
            self.notify("Reviewing a file is not available in this version yet.")
            return
        self._pick_path("Review a file", self._run_with("/review", "Review"))

    async def action_export_transcript(self) -> None:
        await self.run_command("/export")

    # --- copying -------------------------------------------------------------------------------

    def action_copy_reply(self) -> None:
        """Copy the newest reply's markdown source (not the wrapped lines on screen)."""
        text = self.transcript.last_reply_text()
        if text is None:
            self.notify("There is no reply to copy yet.")
            return
        self.app.copy_to_clipboard(text)
        self.notify(f"Copied the last reply ({len(text):,} characters).")

    def action_copy_code_block(self) -> None:
        from backdev.tui.codeblocks import CodeBlock, code_blocks  # markdown-it: on first use
        from backdev.tui.screens.choice import ChoiceScreen

        blocks: list[CodeBlock] = []
        for reply in reversed(self.transcript.replies()):
            blocks.extend(reversed(code_blocks(reply.source)))
            if len(blocks) >= 30:
                break
        if not blocks:
            self.notify("There is no code block in the replies yet.")
            return
        options = [(str(i), safe_text(block.preview)) for i, block in enumerate(blocks)]

        def chosen(value: str | None) -> None:
            if value is not None:
                block = blocks[int(value)]
                self.app.copy_to_clipboard(block.code)
                self.notify(f"Copied the code block ({block.line_count} line{'s' if block.line_count != 1 else ''}).")

        self.app.push_screen(ChoiceScreen("Copy a code block (newest first)", options), chosen)

    # --- panel ---------------------------------------------------------------------------------

    # Below this width the side panel (34 columns) gives its room to the transcript: at 60 columns
    # it left the transcript 26. It comes back when the terminal grows.
    PANEL_BREAKPOINT = 90
    _narrow_choice: bool | None = None  # Ctrl+B in a narrow terminal: for now only, never saved
    _panel_saved: bool | None = None  # Ctrl+B in a wide terminal, saved (None: as the settings say)

    @property
    def narrow(self) -> bool:
        return self.app.size.width < self.PANEL_BREAKPOINT

    def place_panel(self) -> None:
        """Show the side panel as the saved preference says, unless the terminal is too narrow for it."""
        if not self.narrow:
            self._narrow_choice = None
        preference = self.driver.settings.side_panel if self._panel_saved is None else self._panel_saved
        self.query_one(WorkflowPanel).display = preference if not self.narrow else bool(self._narrow_choice)

    def on_resize(self, event: events.Resize) -> None:
        # Textual sends a new screen Resize events (three at start-up) of the size it has just been
        # laid out at, and lays the whole screen out again for each: ~15-30 ms of the first frame.
        # Only a size the screen has not been laid out at needs Textual's handling.
        if event.size == self.outer_size:
            event.prevent_default()
        self.place_panel()

    def action_toggle_panel(self) -> None:
        """Ctrl+B: show or hide the side panel; remembered for later sessions only in a wide terminal."""
        shown = not self.query_one(WorkflowPanel).display
        if self.narrow:
            self._narrow_choice = shown
        elif self.save_setting("side_panel", shown):
            self._panel_saved = shown
        self.place_panel()
