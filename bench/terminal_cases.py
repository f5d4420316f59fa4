"""The cases of bench/bench_tui.py measured in a real terminal: tmux 120x40, polling `capture-pane`.

What a person sees, not what the app thinks it drew: a line counts as on screen when tmux's copy of
the screen has it. Samples go through one control-mode client (`tmux -C`) rather than a `tmux
capture-pane` process each: spawning ~200 processes a second took most of a CPU, which the program
being measured (and the API worker beside it) then did not have. Times are good to about 10 ms, and
"distinct screens" undercounts updates that come faster than the polling.

- `backdev chat` (`python -m backdev chat`): process start to its first frame (the prompt's
  placeholder); a message typed and sent at once, to the moment it reaches the fake API (ready to
  send); that first reply, from the request to its last line on screen (cold); a second, from Enter
  to its last line (warm); a third streamed at a realistic pace (distinct screens a second).
- A bare Textual app (`Markdown` + `TextArea`): start to its first frame.
- A minimal Textual app showing the same reply with `Markdown.get_stream()` or one
  `Markdown.update()`: from Enter (which starts its request) to the last line (the floor we replace).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


class Terminal:
    """A tmux session on a private socket running one command."""

    opened = 0

    def __init__(self, socket: Path, cwd: Path, env: dict[str, str], command: str) -> None:
        # A socket of its own each time: a server just killed on the same path can refuse the next.
        Terminal.opened += 1
        self.socket = socket.with_name(f"{socket.stem}-{Terminal.opened}.sock")
        exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        self.started = time.perf_counter()
        self.started_wall = time.time()
        self.tmux("new-session", "-d", "-s", "bench", "-x", "120", "-y", "40", "-c", str(cwd), f"env -i {exports} {command}")
        # A client that reads no output and never sizes the window: it only answers capture-pane.
        self.control = subprocess.Popen(
            ["tmux", "-S", str(self.socket), "-C", "attach", "-t", "bench", "-f", "no-output,ignore-size,read-only"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        self._command("display -p control-ready")  # the attach's own reply comes first: read past it

    def tmux(self, *args: str) -> str:
        return subprocess.run(["tmux", "-S", str(self.socket), *args], check=True, capture_output=True, text=True).stdout

    def _command(self, command: str) -> str:
        """Run a command through the control client; its output (up to the `%end` of its block)."""
        assert self.control.stdin is not None and self.control.stdout is not None
        self.control.stdin.write(command + "\n")
        self.control.stdin.flush()
        while True:  # blocks of other commands (the attach) and notifications (%...) come and go
            lines: list[str] = []
            line = self.control.stdout.readline()
            if not line:
                raise SystemExit("the tmux control client ended")
            if not line.startswith("%begin"):
                continue
            while not (line := self.control.stdout.readline()).startswith(("%end", "%error")):
                lines.append(line)
            if command.startswith("display") and "".join(lines).strip() != command.split()[-1]:
                continue
            return "".join(lines)

    def screen(self) -> str:
        return self._command("capture-pane -p -t bench")

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", "bench", *keys)

    def type(self, text: str) -> None:
        self.tmux("send-keys", "-t", "bench", "-l", text)

    def until(self, check: Callable[[str], bool], what: str, timeout: float = 60.0) -> tuple[float, int]:
        """Poll until `check(screen)`; returns the time it held and how many distinct screens were seen."""
        deadline = time.perf_counter() + timeout
        seen, last = 0, None
        while True:
            shown = self.screen()
            now = time.perf_counter()
            if shown != last:
                seen, last = seen + 1, shown
            if check(shown):
                return now, seen
            if now > deadline:
                raise SystemExit(f"timed out waiting for {what}; the screen shows:\n{shown}")
            time.sleep(0.005)

    def close(self) -> None:
        self.control.kill()
        self.control.wait()
        subprocess.run(["tmux", "-S", str(self.socket), "kill-server"], capture_output=True)


def _base_env(env: dict[str, str]) -> dict[str, str]:
    keep = ("PATH", "BACKDEV_HOME", "PYTHONPATH", "LANG", "LC_ALL")
    return {**{k: env[k] for k in keep if k in env}, "TERM": "xterm-256color", "HOME": env.get("BACKDEV_HOME", "/tmp")}


def bare_start(scratch: Path, project: Path, env: dict[str, str]) -> float:
    command = f"{shlex.quote(sys.executable)} {shlex.quote(str(HERE / 'bench_tui.py'))} --child bare-tty"
    terminal = Terminal(scratch / "bare.sock", project, _base_env(env), command)
    try:
        shown_at, _ = terminal.until(lambda s: "bare-ready" in s, "the bare app's first frame")
        return shown_at - terminal.started
    finally:
        terminal.close()


def app_session(scratch: Path, project: Path, env: dict[str, str], fake: Any, tags: list[str], pace: float) -> dict[str, float]:
    """One `backdev chat` process: start-up, a message sent at once (cold reply), a warm and a paced one."""
    from stream_cases import REPLY_TEXT, reply_300, step

    from backdev.fakeapi.process import message_requests

    cold, warm, paced = tags
    fake.enqueue(step(reply_300(cold), 0), step(reply_300(warm), 0), step(reply_300(paced), pace))
    before = len(fake.requests())
    command = f"{shlex.quote(sys.executable)} -m backdev chat"
    terminal = Terminal(scratch / "app.sock", project, {**_base_env(env), "ANTHROPIC_BASE_URL": fake.url}, command)
    try:
        frame, _ = terminal.until(lambda s: "Enter sends" in s, "the first frame")
        terminal.type("first question")
        terminal.keys("Enter")
        # Asked gently, and timed by the fake's own clock: asking it every few milliseconds over HTTP
        # took CPU from the worker whose loading is what this measures.
        while not (messages := message_requests(fake.requests()[before:])):
            time.sleep(0.05)
        sent = messages[0]["at"] - terminal.started_wall + terminal.started
        cold_end, _ = terminal.until(lambda s: f"Reply ends here {cold}" in s, "the cold reply")
        terminal.until(lambda s: "streaming…" not in s, "the turn to end")
        terminal.type("second question")
        enter = time.perf_counter()
        asked = len(fake.requests())
        terminal.keys("Enter")
        shown, _ = terminal.until(lambda s: re.search(REPLY_TEXT.format(tag=warm), s) is not None, "the warm reply's text")
        shown_wall = time.time() - (time.perf_counter() - shown)
        warm_end, warm_screens = terminal.until(lambda s: f"Reply ends here {warm}" in s, "the warm reply")
        # The fake streams an instant reply in a few milliseconds: its request's arrival (the
        # fake's wall clock) stands for the first delta.
        request_at = message_requests(fake.requests()[asked:])[0]["at"]
        terminal.until(lambda s: "streaming…" not in s, "the turn to end")
        terminal.type("third question")
        paced_enter = time.perf_counter()
        terminal.keys("Enter")
        terminal.until(lambda s: "Where the time goes " + paced in s, "the paced reply's first section")
        paced_first = time.perf_counter()
        paced_end, paced_screens = terminal.until(lambda s: f"Reply ends here {paced}" in s, "the paced reply", 120)
        return {"frame": frame - terminal.started, "ready": sent - terminal.started, "cold": cold_end - sent,
                "warm": warm_end - enter, "warm_screens": warm_screens,
                "warm_first": shown - enter, "first_after_request": shown_wall - request_at, "paced_first": paced_first - paced_enter,
                "paced_rate": paced_screens / max(paced_end - paced_first, 1e-6)}
    finally:
        terminal.close()


def markdown_floor(scratch: Path, project: Path, env: dict[str, str], fake: Any, tag: str, mode: str) -> float:
    from stream_cases import reply_300, step

    fake.enqueue(step(reply_300(tag), 0))
    command = (f"{shlex.quote(sys.executable)} {shlex.quote(str(HERE / 'bench_tui.py'))} --child floor-tty {mode}"
               f" {shlex.quote(fake.url)} {tag}")
    terminal = Terminal(scratch / "floor.sock", project, _base_env(env), command)
    try:
        terminal.until(lambda s: "floor-ready" in s, "the floor app")
        enter = time.perf_counter()
        terminal.keys("Enter")
        end, _ = terminal.until(lambda s: f"Reply ends here {tag}" in s, "the floor's reply")
        return end - enter
    finally:
        terminal.close()


def child_bare_tty() -> None:
    from textual.app import App, ComposeResult
    from textual.widgets import Markdown, TextArea

    class Bare(App[None]):
        def compose(self) -> ComposeResult:
            yield Markdown("# bare-ready")
            yield TextArea()

    Bare().run()


def child_floor_tty(mode: str, url: str, tag: str) -> None:
    import anthropic
    from stream_cases import stream_into_markdown
    from textual.app import App, ComposeResult
    from textual.containers import VerticalScroll
    from textual.widgets import Markdown, Static

    class Floor(App[None]):
        BINDINGS = [("enter", "ask", "Ask")]

        def compose(self) -> ComposeResult:
            yield Static("floor-ready")
            yield VerticalScroll()

        def on_mount(self) -> None:
            self.query_one(VerticalScroll).anchor()

        async def action_ask(self) -> None:
            self.run_worker(self.ask())

        async def ask(self) -> None:
            client = anthropic.AsyncAnthropic(api_key="bench", base_url=url, max_retries=0)
            markdown = Markdown()
            await self.query_one(VerticalScroll).mount(markdown)
            await stream_into_markdown(client, markdown, tag, mode == "once", [])

    Floor().run()


def available() -> bool:
    return shutil.which("tmux") is not None and os.name == "posix"
