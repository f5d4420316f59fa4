"""`backdev chat --plain`: the conversation in a line-mode REPL (prompt-toolkit), over the session driver.

Enter sends; Esc then Enter inserts a newline; Ctrl+C while a reply streams cancels it (what
arrived is kept, marked cancelled); Ctrl+C at the prompt keeps what was typed as the session's
draft and clears the line; Ctrl+D or /quit leaves. When stdin is not a terminal, every line is one
message (or command) and the exit status is 1 if any reply failed. SIGTERM or SIGHUP (a closed
terminal) stops a streaming reply and keeps it, marked interrupted, keeps what is typed as the
draft, and exits with 128 + the signal's number (see `backdev.session.closing`).

The REPL is a renderer of the driver's events (`backdev.chat`) and a source of its input: it reads
the repository before the first prompt, asks the driver's questions (approvals, paths to send
without, secret files, leaving a phase with work open) at the prompt by a single key, and prints.
A message that is not sent comes back at the prompt (or, in a script, is kept as the draft).
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import AsyncGenerator, AsyncIterator, Iterable
from contextlib import aclosing
from typing import Any, TextIO

from backdev import paths
from backdev.chat.driver import ChatDriver
from backdev.chat.events import (
    RANGE,
    Answer,
    ChatEvent,
    CostLimit,
    FindingsShown,
    LargeMessage,
    LeavingPhase,
    MissingPaths,
    Note,
    NotSent,
    QuitRequested,
    Question,
    ReportShown,
)
from backdev.commands.syntax import is_command, unescape_message
from backdev.compose import Startup, Workspace
from backdev.llm.events import TurnFailed, TurnFinished, Usage
from backdev.repl.render import TurnPrinter
from backdev.repl.script_input import script_lines
from backdev.safe_text import lines_of, safe_stream
from backdev.session import closing
from backdev.tools.base import ApprovalRequest, Approver, Decision

APPROVAL_ANSWERS = {"y": Decision.APPROVE_ONCE, "a": Decision.APPROVE_SESSION, "n": Decision.DENY}
NOT_SENT_WHY = {"missing_paths": "a path to fix", "secret_files": "a secret file to confirm",
                "no_repository": "the repository could not be read", "too_large": "a large attachment to confirm",
                "over_budget": "the session's cost limit"}
LARGE_ANSWERS: dict[str, Answer] = {"r": RANGE, "c": True, "n": False}


class PlainRepl:
    """The plain front end over one session.

    Args:
        approve: answers approvals instead of asking at the prompt (embedding, tests).
    """

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
        approve: Approver | None = None,
    ) -> None:
        self.workspace = workspace
        self.driver = ChatDriver(startup, workspace, approve=approve or self._approve, confirm=self._confirm)
        # Every line the REPL prints may carry text from the model or the repository (see safe_text).
        self.out = safe_stream(out or sys.stdout)
        self.err = safe_stream(err or sys.stderr)
        stdin = sys.stdin
        self.interactive = (stdin is not None and stdin.isatty()) if interactive is None else interactive
        self.prompt_input = prompt_input
        self.prompt_output = prompt_output
        self.any_failed = False
        self._said_once: set[str] = set()  # see TurnPrinter.said_once (piped runs only)
        self._prompt: Any = None
        self._repository_notes: list[str] = []
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
        self._repository_notes = await self.driver.open_repository()

    def greet(self) -> None:
        d = self.driver
        where = f" · {d.repository_state}" if d.repository_state else ""
        self._say(f"backdev · {d.persona_name} · {d.model_id} · {self.workspace.root}{where} · session {d.session_id}")
        for note in [*d.startup_notes, *self._repository_notes]:
            self._say(f"  note: {note}")
        missing_key = d.credentials_note()
        if missing_key:
            self._say(f"  {missing_key}")
            self._said_once.add("missing_key")
        welcome = d.welcome()
        if welcome is not None:
            for line in welcome.lines(app=False):
                self._say(f"  {line}")
        self._phase_line()
        if d.resumed:
            self._show_recent()
        if self.interactive:
            self._say("  Enter sends · Esc Enter for a newline · Ctrl+C cancels a reply · /help · Ctrl+D quits")

    def _show_recent(self, count: int = 4) -> None:
        items = [i for i in self.driver.transcript_items() if i.kind != "tool"]
        messages = [i for i in items if i.kind in ("user", "reply")]
        self._say(f"  resumed: {len(messages)} messages so far; the last ones:")
        for item in messages[-count:]:
            who = "you" if item.kind == "user" else self.driver.persona_name
            text = " ".join(item.text.split())
            mark = f" [{item.status}]" if item.status != "complete" else ""
            self._say(f"  {who}{mark}: {text[:200]}{'…' if len(text) > 200 else ''}")
        if items and (items[-1].kind == "error" or (items[-1].kind == "reply" and items[-1].status != "complete")):
            self._say("  The last reply did not finish: /retry asks again.")

    # --- what the driver asks ------------------------------------------------------------------

    @property
    def _can_ask(self) -> bool:
        return self.interactive and self._prompt is not None

    async def _approve(self, action: ApprovalRequest) -> Decision:
        self._say(f"\n  {action.title}\n" + "\n".join(f"    {line}" for line in lines_of(action.detail)))
        if not self._can_ask:
            self._say("  Denied: approvals need an interactive terminal.")
            return Decision.DENY
        # One key answers (Enter after it is harmless); Ctrl+C or Ctrl+D denies.
        return await self._key("  Allow? [y] once / [a] for this session / [n] no: ", APPROVAL_ANSWERS, default="n")

    async def _confirm(self, question: Question) -> Answer:
        if isinstance(question, LargeMessage):
            self._say(f"  {question.problem}")
            if not self._can_ask:
                self._say("  Sent as it is: nobody to ask.")
                return True
            return await self._key("  [r] attach a range instead / [c] continue / [n] cancel: ", LARGE_ANSWERS, default="n")
        if isinstance(question, CostLimit):
            self._say(f"  {question.problem}")
            return self._can_ask and await self._yes("Send it anyway (and for the rest of this session)?")
        if isinstance(question, LeavingPhase):
            if not self._can_ask:  # a script's command said to move: it moves, and says what stays open
                return True
            self._say(f"  {question.problem}")
            return await self._yes(question.question)  # n (and Ctrl+C) stays: nothing changes
        if isinstance(question, MissingPaths):
            self._say(question.problem)
            return self._can_ask and await self._yes("Send without them?")
        if not self._can_ask:
            for name in question.files:
                self._say(f"  @{name} is a secret file: it needs your confirmation in an interactive terminal.")
            return False
        self._say(question.preview)
        return await self._yes("Send it?")

    async def _yes(self, question: str) -> bool:
        return await self._key(f"  {question} [y/n]: ", {"y": True, "n": False}, default="n")

    async def _key(self, question: str, choices: dict[str, Any], *, default: str) -> Any:
        """A single-keypress answer (backdev.repl.keys), read from the prompt's own input."""
        from backdev.repl.keys import ask_key  # with the prompt, in an interactive terminal

        return await ask_key(question, choices, default=default, input=self.prompt_input, output=self.prompt_output)

    async def _ask(self, question: str) -> str:
        """An answer to a question (approvals, y/n): not a line of input history."""
        from backdev.repl.history import ask_outside_history  # with the prompt, in an interactive terminal

        return await ask_outside_history(self._prompt, question)

    def _not_sent(self, event: NotSent) -> None:
        """Nothing typed is lost: back at the prompt, or kept as the draft in a script."""
        if self._can_ask:
            self._back_to_prompt = event.typed
            self._say("  Not sent: your message is back at the prompt.")
        else:
            self.any_failed = True
            self.driver.save_draft(event.typed)
            self._say(f"  Not sent ({NOT_SENT_WHY[event.reason]}); it is kept as this session's draft.")

    # --- turns ---------------------------------------------------------------------------------

    async def _consume(self, events: AsyncGenerator[ChatEvent, None], printer: TurnPrinter) -> Usage | None:
        """Print every event to the end of the stream (a review's findings follow its turn)."""
        usage = None
        async with aclosing(events) as stream:
            async for event in stream:
                if isinstance(event, NotSent):
                    self._not_sent(event)
                    continue
                printer.handle(event)
                if isinstance(event, (TurnFinished, TurnFailed)):
                    usage = event.usage
        return usage

    async def run_turn(self, events: AsyncGenerator[ChatEvent, None]) -> None:
        """Print one stream of events; Ctrl+C (SIGINT) cancels it and keeps what arrived."""
        printer = TurnPrinter(self.out, self.err, markdown=self.interactive,
                              said_once=None if self.interactive else self._said_once)
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
            status = self.driver.status()
            printer.status(usage, self.driver.turn_cost(usage), status.cost, status.context_fill)
            self._phase_line()

    def _phase_line(self) -> None:
        """One line with the workflow's phase and checklist progress (when the persona has a workflow)."""
        line = self.driver.phase_line()
        if line is not None:
            self._say(f"  ◆ {line} · /phase")

    async def handle_line(self, line: str) -> bool:
        """Handle one line of input; False means quit."""
        if not line.strip():
            return True
        if not is_command(line):
            await self.run_turn(self.driver.send(unescape_message(line)))
            return True
        result = self.driver.command(line)
        for event in result.events:
            if isinstance(event, QuitRequested):
                return False
            if isinstance(event, (Note, FindingsShown, ReportShown)):  # a command's output as it is (no turn to mark up)
                self._say(event.text)
        if result.failed:
            self.any_failed = self.any_failed or not self.interactive
        if result.turn is not None:
            await self.run_turn(result.turn())
        return True

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
            self.driver.save_draft(self._prompt.default_buffer.text)
        if self._turn is not None and not self._turn.done():
            self._turn.cancel()
        elif self._main is not None:
            self._main.cancel()

    def _make_prompt(self) -> Any:
        from prompt_toolkit import PromptSession  # only an interactive terminal needs the prompt
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
            completer=repl_completer(self.driver.completions, lambda: self.driver.path_index),
            key_bindings=bindings, input=self.prompt_input, output=self.prompt_output,
        )

    async def _interactive(self) -> None:
        self._prompt = self._make_prompt()
        draft = self.driver.draft()
        while True:
            try:
                line = await self._prompt.prompt_async("› ", default=draft)
            except KeyboardInterrupt:
                typed = self._prompt.default_buffer.text
                if typed.strip():
                    self.driver.save_draft(typed)
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
