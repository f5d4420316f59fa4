"""`backdev chat --plain`: the conversation in a line-mode REPL (prompt-toolkit).

Enter sends; Esc then Enter inserts a newline; Ctrl+C while a reply streams cancels it (what
arrived is kept, marked cancelled); Ctrl+C at the prompt keeps what was typed as the session's
draft and clears the line; Ctrl+D or /quit leaves. When stdin is not a terminal, every line is one
message (or command) and the exit status is 1 if any reply failed. SIGTERM or SIGHUP (a closed
terminal) stops a streaming reply and keeps it, marked interrupted, keeps what is typed as the
draft, and exits with 128 + the signal's number (see `backdev.session.closing`).

At start the repository is attached (tools, memory, overview); `@path` attaches a file, with
completion over the file list. A message naming a missing path, or a secret file, is not sent
until the person says so; when it is not sent it comes back at the prompt (or, in a script, is
kept as the draft).
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import AsyncIterator, Iterable
from contextlib import aclosing
from typing import Any, TextIO

from backdev import paths
from backdev.assistant import NothingToRetryError
from backdev.commands import is_command, unescape_message
from backdev.compose import Startup, Workspace, make_command_runner
from backdev.llm.errors import MISSING_KEY
from backdev.llm.events import LoopEvent, TurnFailed, TurnFinished, Usage
from backdev.repl.render import TurnPrinter
from backdev.repl.script_input import script_lines
from backdev.repo.attachments import PreparedMessage, prepare_message
from backdev.repo.commands import register_repo_commands
from backdev.repo.context import ProjectContext, attach_repository
from backdev.session import closing
from backdev.session.context import unanswered_turns
from backdev.safe_text import lines_of, safe_stream
from backdev.tools.base import ApprovalRequest, Decision

APPROVAL_ANSWERS = {"y": Decision.APPROVE_ONCE, "a": Decision.APPROVE_SESSION, "n": Decision.DENY}


class PlainRepl:
    """The plain front end over one assistant."""

    def __init__(
        self,
        startup: Startup,
        workspace: Workspace,
        *,
        interactive: bool | None = None,
        prompt_input: Any = None,
        prompt_output: Any = None,
        out: TextIO | None = None,
        err: TextIO | None = None,
    ) -> None:
        self.startup = startup
        self.assistant = startup.assistant
        self.workspace = workspace
        self.runner = make_command_runner(self.assistant, workspace.catalog)
        # Every line the REPL prints may carry text from the model or the repository (see safe_text).
        self.out = safe_stream(out or sys.stdout)
        self.err = safe_stream(err or sys.stderr)
        stdin = sys.stdin
        self.interactive = (stdin is not None and stdin.isatty()) if interactive is None else interactive
        self.prompt_input = prompt_input
        self.prompt_output = prompt_output
        self.any_failed = False
        self._prompt: Any = None
        self.assistant.approve = self._approve
        self.context: ProjectContext | None = None
        self._back_to_prompt = ""  # a message that was not sent, offered again at the next prompt
        self.closed_by: int | None = None  # the signal that closed backdev (SIGTERM, SIGHUP)
        self._main: asyncio.Task[Any] | None = None
        self._turn: asyncio.Future[Any] | None = None

    # --- start ---------------------------------------------------------------------------------

    def _say(self, line: str) -> None:
        self.err.write(line + "\n")
        self.err.flush()

    async def attach(self) -> None:
        """Read the repository (tools, memory, overview, file index) off the event loop."""
        self.context = await asyncio.to_thread(attach_repository, self.assistant, self.workspace)
        register_repo_commands(self.runner, self.context)

    def greet(self) -> None:
        a = self.assistant
        where = f" · {self.context.info.label}" if self.context and self.context.info.is_git else ""
        self._say(f"backdev · {a.persona.name} · {a.model.model_id} · {self.workspace.root}{where} · session {a.session.id}")
        for note in [*self.startup.notes, *(self.context.notes if self.context else [])]:
            self._say(f"  note: {note}")
        if not getattr(a.provider, "has_credentials", True):
            self._say(f"  {MISSING_KEY.message}")
        self._phase_line()
        if self.startup.resumed:
            self._show_recent()
        if self.interactive:
            self._say("  Enter sends · Esc Enter for a newline · Ctrl+C cancels a reply · /help · Ctrl+D quits")

    def _show_recent(self, count: int = 4) -> None:
        history = self.assistant.history()
        unanswered = unanswered_turns(history)
        rows = [r for r in history if r.kind == "message" and r.status != "superseded"]
        self._say(f"  resumed: {len(rows)} messages so far; the last ones:")
        for row in rows[-count:]:
            who = "you" if row.role == "user" else self.assistant.persona.name
            text = " ".join(row.text.split())
            mark = f" [{row.status}]" if row.status != "complete" else ""
            if row.role == "user" and row.turn in unanswered:
                mark = " [not answered]"
            self._say(f"  {who}{mark}: {text[:200]}{'…' if len(text) > 200 else ''}")
        if rows and rows[-1].role == "assistant" and rows[-1].status != "complete":
            self._say("  The last reply did not finish: /retry asks again.")

    # --- approvals -----------------------------------------------------------------------------

    async def _approve(self, action: ApprovalRequest) -> Decision:
        self._say(f"\n  {action.title}\n" + "\n".join(f"    {line}" for line in lines_of(action.detail)))
        if not self.interactive or self._prompt is None:
            self._say("  Denied: approvals need an interactive terminal.")
            return Decision.DENY
        while True:
            answer = await self._ask("  Allow? [y] once / [a] for this session / [n] no: ")
            decision = APPROVAL_ANSWERS.get(answer.strip().lower()[:1])
            if decision is not None:
                return decision

    # --- turns ---------------------------------------------------------------------------------

    async def _consume(self, events: AsyncIterator[LoopEvent], printer: TurnPrinter) -> Usage | None:
        """Print every event to the end of the stream (a review's notices follow its turn)."""
        usage = None
        async with aclosing(events) as stream:
            async for event in stream:
                printer.handle(event)
                if isinstance(event, (TurnFinished, TurnFailed)):
                    usage = event.usage
        return usage

    async def run_turn(self, events: AsyncIterator[LoopEvent]) -> None:
        """Print one turn; Ctrl+C (SIGINT) cancels it and keeps what arrived."""
        printer = TurnPrinter(self.out, self.err, markdown=self.interactive)
        task = self._turn = asyncio.ensure_future(self._consume(events, printer))
        loop = asyncio.get_running_loop()
        try:
            loop.add_signal_handler(signal.SIGINT, task.cancel)
            handler_set = True
        except (NotImplementedError, RuntimeError, ValueError):
            handler_set = False
        try:
            usage = await task
        except asyncio.CancelledError:
            if not task.cancelled():
                raise
            if self.closed_by is None:
                printer.cancelled()
            else:
                printer.closed()
            return
        finally:
            if handler_set:
                loop.remove_signal_handler(signal.SIGINT)
        if printer.failed:
            self.any_failed = True
        if usage is not None:
            totals = self.assistant.totals()
            printer.status(usage, self.assistant.turn_cost(usage), totals.cost)
        self._phase_line()

    def _phase_line(self) -> None:
        """One line with the workflow's phase and checklist progress (when the persona has a workflow)."""
        workflow = self.assistant.workflow
        if workflow is not None:
            self._say(f"  ◆ {workflow.summary_line()} · /phase")

    async def _review(self) -> None:
        """Send the review `/review` prepared; its findings and the saved report follow as notices."""
        from backdev.workflow.review.artifact import review_turn

        await self.run_turn(review_turn(self.assistant))

    async def handle_line(self, line: str) -> bool:
        """Handle one line of input; False means quit."""
        if not line.strip():
            return True
        if is_command(line):
            outcome = self.runner.run(line)
            if outcome.text:
                self._say(outcome.text)
            if outcome.error:
                self.any_failed = self.any_failed or not self.interactive
            if outcome.action == "quit":
                return False
            if outcome.action == "retry":
                try:
                    await self.run_turn(self.assistant.retry())
                except NothingToRetryError as exc:
                    self._say(str(exc))
            if outcome.action == "review":
                await self._review()
            return True
        await self.send_message(unescape_message(line))
        return True

    # --- attachments ---------------------------------------------------------------------------

    async def _yes(self, question: str) -> bool:
        answer = await self._ask(f"  {question} [y/n]: ")
        return answer.strip().lower().startswith("y")

    async def _ask(self, question: str) -> str:
        """An answer to a question (approvals, y/n): not a line of input history."""
        from backdev.repl.history import ask_outside_history

        return await ask_outside_history(self._prompt, question)

    def _not_sent(self, text: str, why: str) -> None:
        """Nothing typed is lost: back at the prompt, or kept as the draft in a script."""
        if self.interactive and self._prompt is not None:
            self._back_to_prompt = text
            self._say("  Not sent: your message is back at the prompt.")
        else:
            self.any_failed = True
            self.assistant.save_draft(text)
            self._say(f"  Not sent ({why}); it is kept as this session's draft.")

    async def _prepare(self, text: str) -> PreparedMessage | None:
        """The message with its attachments, once the person fixed or confirmed what needs it."""
        assert self.context is not None
        settings = self.workspace.settings
        prepared = prepare_message(text, self.context.repo, settings)
        skip = False
        if prepared.missing or prepared.refused:
            self._say(prepared.problem())
            if not (self.interactive and self._prompt is not None and await self._yes("Send without them?")):
                self._not_sent(text, "a path to fix")
                return None
            skip = True
            prepared = prepare_message(text, self.context.repo, settings, skip_missing=True)
        if prepared.secret_files:
            if not (self.interactive and self._prompt is not None):
                for name in prepared.secret_files:
                    self._say(f"  @{name} is a secret file: it needs your confirmation in an interactive terminal.")
                self._not_sent(text, "a secret file to confirm")
                return None
            self._say(prepared.confirmation())
            if not await self._yes("Send it?"):
                self._not_sent(text, "a secret file declined")
                return None
            prepared = prepare_message(text, self.context.repo, settings, confirmed_secrets=prepared.secret_files,
                                       skip_missing=skip)
        return prepared

    async def send_message(self, text: str) -> None:
        """Send one message, with its `@path` attachments (see the module docstring)."""
        if self.context is None:
            await self.run_turn(self.assistant.send(text))
            return
        prepared = await self._prepare(text)
        if prepared is None:
            return
        for note in prepared.notes:
            self._say(f"  {note}")
        if prepared.meta.get("attachments"):
            self._say(f"  📎 {', '.join(prepared.meta['attachments'])}")
        if prepared.redactions:
            self._say(f"  🔒 Redacted before sending: {', '.join(prepared.redactions)}")
        await self.run_turn(self.assistant.send(prepared.text, extra_blocks=prepared.extra_blocks,
                                                meta=prepared.meta or None))

    # --- loops ---------------------------------------------------------------------------------

    async def run(self, lines: Iterable[str] | None = None) -> int:
        """Run until /quit, end of input or a close signal; return the exit status."""
        self._main = asyncio.current_task()
        uninstall = closing.install(asyncio.get_running_loop(), self._close)
        try:
            await self.attach()
            self.greet()
            if self.interactive:
                await self._interactive()
            else:
                await self._script(lines)
        except asyncio.CancelledError:
            if self.closed_by is None:
                raise
        finally:
            uninstall()
        if self.closed_by is not None:
            return closing.exit_status(self.closed_by)
        return 1 if self.any_failed else 0

    async def _script(self, lines: Iterable[str] | None) -> None:
        source = script_lines(self._say) if lines is None else _each(lines)
        async with aclosing(source) as stream:
            async for raw in stream:
                if not await self.handle_line(raw.rstrip("\n")) or self.closed_by is not None:
                    return

    def _close(self, signum: int) -> None:
        """SIGTERM or SIGHUP: stop the running reply (it is kept, marked interrupted), keep the draft, leave."""
        closing.mark_closing(signum)
        self.closed_by = signum
        if self._prompt is not None and self._prompt.default_buffer.text.strip():
            self.assistant.save_draft(self._prompt.default_buffer.text)
        if self._turn is not None and not self._turn.done():
            self._turn.cancel()
        elif self._main is not None:
            self._main.cancel()

    def _make_prompt(self) -> Any:
        from prompt_toolkit import PromptSession
        from prompt_toolkit.key_binding import KeyBindings

        from backdev.repl.completion import repl_completer
        from backdev.repl.history import RedactingFileHistory

        bindings = KeyBindings()

        @bindings.add("escape", "enter")
        def _newline(event: Any) -> None:
            event.current_buffer.insert_text("\n")

        history = RedactingFileHistory(str(paths.ensure_dir(paths.data_dir()) / "repl_history"))
        return PromptSession(
            history=history, complete_while_typing=True,
            completer=repl_completer(self.runner, lambda: self.context.index if self.context else None),
            key_bindings=bindings, input=self.prompt_input, output=self.prompt_output,
        )

    async def _interactive(self) -> None:
        self._prompt = self._make_prompt()
        draft = self.assistant.session.draft
        while True:
            try:
                line = await self._prompt.prompt_async("› ", default=draft)
            except KeyboardInterrupt:
                typed = self._prompt.default_buffer.text
                if typed.strip():
                    self.assistant.save_draft(typed)
                    self._say("  (kept as a draft: it comes back next time)")
                draft = ""
                continue
            except EOFError:
                return
            if not await self.handle_line(line) or self.closed_by is not None:
                return
            draft, self._back_to_prompt = self._back_to_prompt, ""


async def _each(lines: Iterable[str]) -> AsyncIterator[str]:
    for line in lines:
        yield line
