"""What the chat screen does from the palette and its keys: pickers, switching, copying.

A mixin of `ChatScreen` (kept apart so neither file grows into a god class). Every action is
also a palette row (see `backdev.tui.palette`); pickers are modal screens imported on first use,
so they cost nothing at start-up.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text

from backdev.llm.models import ALIASES
from backdev.tui.safe import safe_text, visible


def command_name(line: str) -> str:
    """`/findings all` → `findings`."""
    return line.strip().lstrip("/").split(" ", 1)[0].lower()


class ChatActions:
    """Commands and palette actions; `self` is the ChatScreen (these names are defined there or by Screen)."""

    app: Any
    busy: bool
    transcript: Any
    composer: Any
    prompt: Any
    notify: Any
    query_one: Any
    send: Any
    refuses_while_busy: Any
    retry: Any
    run_turn: Any
    save_draft: Any
    refresh_panel: Any
    refresh_status: Any

    # --- commands ------------------------------------------------------------------------------

    def has_findings(self) -> bool:
        """True once a review ran in this session (its findings, possibly none, are in the workflow)."""
        workflow = self.app.assistant.workflow
        return bool(getattr(getattr(workflow, "state", None), "review_scope", ""))

    async def show_findings(self) -> None:
        """The last review's findings as a sortable table in the transcript."""
        from backdev.tui.widgets.findings import FindingsEntry

        state = self.app.assistant.workflow.state
        entry = FindingsEntry(list(state.findings), state.review_scope)
        await self.transcript.add(entry)
        if state.findings:
            entry.query_one("FindingsTable").focus()

    async def action_go_to_phase(self, phase_id: str) -> None:
        """A click on a phase in the side panel switches to it (as `/phase ID` does)."""
        await self.run_command(f"/phase {phase_id}")

    async def run_command(self, line: str) -> None:
        """Run a slash command (typed, or from the palette) and carry out its action."""
        if self.refuses_while_busy(line):
            return
        app = self.app
        outcome = app.runner.run(line)
        if outcome.action == "new":
            await self.transcript.clear()
        if outcome.text and not (command_name(line) == "findings" and self.has_findings()):
            await self.transcript.note(outcome.text, error=outcome.error)
        if outcome.action == "quit":
            await app.action_quit()
            return
        if outcome.action == "retry":
            self.retry()
        elif outcome.action == "review":
            # The core runs the review (backdev.workflow.review.artifact): the app streams it like any
            # turn; the findings table and the saved report arrive as notices at its end.
            from backdev.workflow.review.artifact import review_turn

            self.run_turn(lambda: review_turn(app.assistant))
        elif command_name(line) == "findings" and not outcome.error and self.has_findings():
            await self.show_findings()
        self.refresh_panel()
        self.refresh_status()

    def confirm_secret_files(self, prepared: Any, typed: str) -> None:
        """Ask before a secret file (.env, a key...) goes to the model; send only on yes."""
        from backdev.tui.screens.confirm import ConfirmScreen

        files = ", ".join(prepared.secret_files)
        question = (f"{files} look{'s' if len(prepared.secret_files) == 1 else ''} like a secret file. "
                    "Send its full content to the model with this message?")

        def answered(yes: bool | None) -> None:
            if yes:
                self.send(prepared.text, typed=typed, confirmed=tuple(prepared.secret_files))
            else:
                self.notify("Not sent: remove the secret file's @path, or confirm it.", severity="warning")

        self.app.push_screen(ConfirmScreen("Attach a secret file?", question, yes="Send it", no="Don't send"), answered)

    # --- sessions ------------------------------------------------------------------------------

    async def action_new_session(self) -> None:
        await self.run_command("/new")

    def action_resume_session(self) -> None:
        from backdev.tui.screens.sessions import SessionPickerScreen

        if self.busy:
            self.notify("A reply is streaming: press Esc to cancel it first.", severity="warning")
            return
        app = self.app
        picker = SessionPickerScreen(app.assistant.store, app.assistant.session.root, app.assistant.session.id,
                                     price_overrides=app.assistant.price_overrides, timezone=app.options.timezone)
        app.push_screen(picker, self._resume_chosen)

    async def _resume_chosen(self, session_id: str | None) -> None:
        if not session_id:
            return
        await self.open_session(session_id)

    async def open_session(self, session_id: str) -> None:
        """Switch the conversation to a saved session: its history, its draft, its model."""
        from backdev.tui.history import history_items, sent_messages

        app = self.app
        assistant = app.assistant
        if session_id == assistant.session.id:
            return
        self.save_draft()
        record = assistant.store.get_session(session_id)
        assistant.open_session(record, app.workspace.catalog.personas.get(record.persona))
        transcript = self.transcript
        await transcript.clear()
        rows = assistant.history()
        await transcript.show_history(history_items(rows))
        await transcript.note(f"Resumed the session of {record.title or 'an untitled conversation'!s}.")
        for note in assistant.take_switch_notes():  # e.g. that session's workflow phase
            await transcript.note(note)
        self.prompt.sent = sent_messages(rows)
        self.prompt.set_text(record.draft)
        self.refresh_panel()
        self.refresh_status()

    # --- persona, model, phase -----------------------------------------------------------------

    def action_switch_persona(self) -> None:
        from backdev.tui.screens.choice import ChoiceScreen

        current = self.app.assistant.persona.name
        options = []
        for persona in self.app.workspace.catalog.personas.values():
            # Names and descriptions come from persona files, possibly the repository's own.
            label = safe_text(persona.name, style="bold")
            label.append(visible(f"  ({persona.source}){'  · current' if persona.name == current else ''}\n"), style="dim")
            label.append(visible(persona.description[:160]))
            options.append((persona.name, label))
        self.app.push_screen(ChoiceScreen("Switch persona", options), self._run_with("/persona"))

    def action_switch_model(self) -> None:
        from backdev.tui.screens.choice import ChoiceScreen

        current = self.app.assistant.model.model_id
        options = [(alias, Text(f"{alias}  {model_id}{'  · current' if model_id == current else ''}"))
                   for alias, model_id in ALIASES.items()]
        self.app.push_screen(ChoiceScreen("Switch model", options), self._run_with("/model"))

    def action_switch_phase(self) -> None:
        from backdev.tui.screens.choice import ChoiceScreen

        view = self.app.assistant.workflow_view()
        if view is None:
            self.notify("This persona has no workflow, so there is no phase to switch to.")
            return
        options = [(p.id, Text(("▶ " if p.id == view.current else "  ") + p.title)) for p in view.phases]
        self.app.push_screen(ChoiceScreen("Switch phase", options), self._run_with("/phase", "Switching phase"))

    def _run_with(self, command: str, what: str = "") -> Any:
        async def chosen(value: str | None) -> None:
            if not value:
                return
            if command.lstrip("/") not in self.app.runner.specs:
                self.notify(f"{what or command} is not available in this version yet.")
                return
            await self.run_command(f"{command} {value}")

        return chosen

    # --- files ---------------------------------------------------------------------------------

    def _pick_path(self, title: str, then: Any) -> None:
        from backdev.tui.screens.paths import PathPickerScreen

        project = self.app.project
        if project is None:
            self.notify("The repository's file list is still loading; try again in a moment.")
            return
        self.app.push_screen(PathPickerScreen(title, project.index), then)

    def action_attach_file(self) -> None:
        def chosen(path: str | None) -> None:
            if path:
                self.composer.attach(path)

        self._pick_path("Attach a file", chosen)

    def action_review_file(self) -> None:
        if "review" not in self.app.runner.specs:
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
        from backdev.tui.codeblocks import code_blocks
        from backdev.tui.screens.choice import ChoiceScreen

        blocks = []
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

    def action_toggle_panel(self) -> None:
        from backdev.tui.widgets.workflow_panel import WorkflowPanel

        panel = self.query_one(WorkflowPanel)
        panel.display = not panel.display
        self.app.save_setting("side_panel", bool(panel.display))
