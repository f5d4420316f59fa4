"""The input area: attachments above, the completion menu, and the prompt.

Attachments are the `@path` tokens of the text itself (what `prepare_message` reads when the
message is sent), shown as chips above the prompt; removing a chip removes its token. So typing
`@path` by hand and accepting a completion are the same thing, exactly as in the plain REPL.
"""

from __future__ import annotations

import re

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.content import Content
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, OptionList, TextArea
from textual.widgets.option_list import Option

from backdev.tui.completion import Completer, Completion
from backdev.tui.safe import safe_text, visible
from backdev.tui.widgets.prompt import PromptArea


class AttachmentChip(Button):
    """One attached path; pressing it removes the attachment."""

    def __init__(self, path: str) -> None:
        # Content(...) is plain text: a path with `[` in it is not read as markup.
        super().__init__(Content(visible(f"@{path} ✕")), classes="chip", compact=True, tooltip="remove this attachment")
        self.path = path


def remove_attachment(text: str, path: str) -> str:
    """`text` without its `@path` token(s) (and the space after each)."""
    from backdev.repo.attachments import ATTACHMENT_PATTERN  # with the first chip, not the first frame

    spans = [m.span() for m in ATTACHMENT_PATTERN.finditer(text) if m.group(1).rstrip("/") == path.rstrip("/")]
    for start, end in reversed(spans):
        end += 1 if text[end : end + 1] == " " else 0
        text = text[:start] + text[end:]
    return re.sub(r"^ +", "", text) if spans else text


class Composer(Vertical):
    """Attachments, completion and the prompt, as one block above the status bar."""

    def __init__(self, completer: Completer, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.completer = completer
        self.completion: Completion | None = None

    def compose(self) -> ComposeResult:
        yield Horizontal(id="attachments")
        menu = OptionList(id="completion-menu")
        menu.can_focus = False  # the prompt keeps the focus; it forwards the menu keys
        menu.display = False
        yield menu
        yield PromptArea(id="prompt")

    @property
    def prompt(self) -> PromptArea:
        return self.query_one(PromptArea)

    @property
    def menu(self) -> OptionList:
        return self.query_one("#completion-menu", OptionList)

    @property
    def menu_open(self) -> bool:
        return self.completion is not None

    # --- completion ----------------------------------------------------------------------------

    @on(TextArea.Changed, "#prompt")
    def _text_changed(self) -> None:
        self.refresh_completion()
        text = self.prompt.text
        if "@" in text or self.query(AttachmentChip):
            # Imported on the first `@`, not at start-up.
            from backdev.repo.attachments import attachment_paths

            # The word being typed is not an attachment yet (`@vie` on its way to a path).
            finished = text if not text or text[-1].isspace() else text[: max(text.rfind(" "), text.rfind("\n")) + 1]
            self._show_attachments(attachment_paths(finished))

    def refresh_completion(self) -> None:
        prompt = self.prompt
        cursor = prompt.document.get_index_from_location(prompt.cursor_location)
        self.show_completion(self.completer.complete(prompt.text, cursor))

    def show_completion(self, completion: Completion | None) -> None:
        self.completion = completion
        self.prompt.completing = completion is not None
        menu = self.menu
        menu.display = completion is not None
        if completion is None:
            return
        options = []
        width = max(len(c.label) for c in completion.candidates)
        for candidate in completion.candidates:
            # Candidates are file names from the repository: text, controls made visible.
            label = safe_text(candidate.label.ljust(width) if candidate.help else candidate.label, style="bold")
            if candidate.help:
                label.append(visible(f"  {candidate.help}"), style="dim")
            options.append(Option(label))
        menu.set_options(options)
        menu.highlighted = 0

    def close_menu(self) -> None:
        self.show_completion(None)

    @on(PromptArea.MenuMove)
    def _move(self, message: PromptArea.MenuMove) -> None:
        if self.completion is not None:
            count = len(self.completion.candidates)
            self.menu.highlighted = ((self.menu.highlighted or 0) + message.delta) % count

    @on(PromptArea.MenuAccept)
    def _accept_highlighted(self) -> None:
        completion = self.completion
        index = self.menu.highlighted or 0
        if completion is not None and 0 <= index < len(completion.candidates):
            text = self.prompt.text
            if completion.apply(text, completion.candidates[index])[0].rstrip() == text.rstrip():
                # Already complete (`/retry` typed in full): Enter sends it.
                self.close_menu()
                # Posted from here: a message does not bubble back to the widget that sent it.
                self.post_message(PromptArea.Submitted(self.prompt, text))
                return
        self.accept(index)

    @on(OptionList.OptionSelected, "#completion-menu")
    def _clicked(self, message: OptionList.OptionSelected) -> None:
        self.accept(message.option_index)

    def accept(self, index: int) -> None:
        """Put the candidate at `index` into the text."""
        completion = self.completion
        if completion is None or not 0 <= index < len(completion.candidates):
            return
        text, cursor = completion.apply(self.prompt.text, completion.candidates[index])
        self.close_menu()
        prompt = self.prompt
        prompt.load_text(text)
        prompt.move_cursor(prompt.document.get_location_from_index(cursor))
        prompt.focus()

    # --- attachments ---------------------------------------------------------------------------

    def _show_attachments(self, paths: list[str]) -> None:
        bar = self.query_one("#attachments", Horizontal)
        if [chip.path for chip in bar.query(AttachmentChip)] == paths:
            return
        bar.remove_children()
        bar.mount_all(AttachmentChip(path) for path in paths)
        bar.display = bool(paths)

    @on(Button.Pressed, ".chip")
    def _remove(self, message: Button.Pressed) -> None:
        assert isinstance(message.button, AttachmentChip)
        self.prompt.set_text(remove_attachment(self.prompt.text, message.button.path))
        self.prompt.focus()

    def attach(self, path: str) -> None:
        """Add `@path` to the message (the palette's "attach file")."""
        text = self.prompt.text
        separator = "" if not text or text.endswith((" ", "\n")) else " "
        self.prompt.set_text(f"{text}{separator}@{path} ")
        self.prompt.focus()
