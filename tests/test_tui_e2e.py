"""`backdev chat` for real, in a real terminal (tmux), against the fake API running in its own process."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from backdev.compose import open_store
from backdev.fakeapi.process import FakeApiProcess

pytestmark = [pytest.mark.e2e, pytest.mark.slow,
              pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (.ci/run installs it)")]


@pytest.fixture
def fake_api_process() -> Iterator[FakeApiProcess]:
    """The fake API in a separate process (it must not share the GIL with what it serves)."""
    with FakeApiProcess() as api:
        yield api


class Terminal:
    """A tmux session on a private server socket."""

    def __init__(self, socket: Path, cwd: Path, env: dict[str, str], size: tuple[int, int] = (100, 30)) -> None:
        self.socket = socket
        exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        self.tmux("new-session", "-d", "-s", "e2e", "-x", str(size[0]), "-y", str(size[1]), "-c", str(cwd),
                  f"env {exports} bash --norc --noprofile")

    def tmux(self, *args: str) -> str:
        return subprocess.run(["tmux", "-S", str(self.socket), *args], check=True, capture_output=True, text=True).stdout

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", "e2e", *keys)

    def type(self, text: str) -> None:
        self.tmux("send-keys", "-t", "e2e", "-l", text)

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "e2e")

    def wait_for(self, check: Callable[[str], bool], what: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            shown = self.screen()
            if check(shown):
                return shown
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; the screen shows:\n{shown}")
            time.sleep(0.1)

    def wait_text(self, text: str, timeout: float = 30.0) -> str:
        return self.wait_for(lambda shown: text in shown, repr(text), timeout)

    def click(self, label: str) -> None:
        """Click the middle of `label` where the screen shows it (an SGR mouse press and release)."""
        for row, line in enumerate(self.screen().splitlines()):
            column = line.find(label)
            if column >= 0:
                x, y = column + len(label) // 2 + 1, row + 1
                self.type(f"\x1b[<0;{x};{y}M\x1b[<0;{x};{y}m")
                return
        raise AssertionError(f"{label!r} is not on the screen:\n{self.screen()}")

    def close(self) -> None:
        subprocess.run(["tmux", "-S", str(self.socket), "kill-server"], capture_output=True)


def test_chat_streams_cancels_quits_and_resumes_in_a_real_terminal(tmp_path: Path, isolated_home: Path,
                                                                   fake_api_process: FakeApiProcess) -> None:
    project = tmp_path / "project"
    project.mkdir()
    env = {"BACKDEV_HOME": str(isolated_home), "ANTHROPIC_BASE_URL": fake_api_process.url, "PATH": os.environ["PATH"],
           "HOME": str(tmp_path), "TERM": "xterm-256color", "PS1": "e2e$ "}
    command = f"{shlex.quote(sys.executable)} -m backdev chat"
    terminal = Terminal(tmp_path / "tmux.sock", project, env)
    try:
        terminal.wait_text("e2e$")
        terminal.type(command)
        terminal.keys("Enter")
        terminal.wait_text("Enter sends")  # the prompt's placeholder: the app is up

        fake_api_process.enqueue({"type": "text", "text": "The **answer** is forty-two.", "chunk": 4, "delay": 0.01})
        terminal.type("what is the answer?")
        terminal.keys("Enter")
        terminal.wait_text("The answer is forty-two.")
        terminal.wait_for(lambda shown: "streaming…" not in shown, "the turn to end")

        fake_api_process.enqueue({"type": "text", "text": "slowly " * 600, "chunk": 7, "delay": 0.03})
        terminal.type("tell me a long story")
        terminal.keys("Enter")
        terminal.wait_text("slowly slowly slowly")
        terminal.keys("Escape")
        terminal.wait_text("Cancelled — what arrived is kept")

        terminal.type("a draft for later")
        terminal.keys("C-c")
        terminal.wait_text("Press Ctrl+C again")
        terminal.keys("C-c")
        terminal.wait_for(lambda shown: shown.rstrip().endswith("e2e$"), "the shell prompt after quitting")

        terminal.type(command + " --resume")
        terminal.keys("Enter")
        # The draft is back in the prompt, and the history is on screen.
        terminal.wait_for(lambda shown: "a draft for later" in shown
                          and ("what is the answer?" in shown or "tell me a long story" in shown), "the resumed session")
        terminal.keys("C-u")  # clear the restored draft (Ctrl+U deletes to the start of the line)
        terminal.wait_text("Enter sends")  # the empty prompt shows its placeholder again
        terminal.type("/quit")
        terminal.keys("Enter")
        terminal.wait_for(lambda shown: shown.rstrip().endswith("e2e$"), "the shell prompt after /quit")
    finally:
        terminal.close()

    [summary] = open_store().list_sessions()
    rows = open_store().messages(summary.record.id)
    assert [(r.role, r.status) for r in rows] == [("user", "complete"), ("assistant", "complete"),
                                                 ("user", "complete"), ("assistant", "cancelled")]
    assert rows[1].text == "The **answer** is forty-two." and rows[3].text.startswith("slowly slowly")
    assert summary.record.draft == ""


def test_an_edit_is_approved_and_denied_by_the_visible_buttons_at_80x24(tmp_path: Path, isolated_home: Path,
                                                                        fake_api_process: FakeApiProcess) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "notes.md").write_text("# Notes\n")
    env = {"BACKDEV_HOME": str(isolated_home), "ANTHROPIC_BASE_URL": fake_api_process.url, "PATH": os.environ["PATH"],
           "HOME": str(tmp_path), "TERM": "xterm-256color", "PS1": "e2e$ "}
    terminal = Terminal(tmp_path / "tmux.sock", project, env, size=(80, 24))
    edit = {"type": "tool_use", "calls": [{"name": "propose_edit",
                                           "input": {"path": "notes.md", "content": "# Notes\nUse select_related.\n"}}]}
    try:
        terminal.wait_text("e2e$")
        terminal.type(f"{shlex.quote(sys.executable)} -m backdev chat")
        terminal.keys("Enter")
        terminal.wait_text("Enter sends")
        terminal.type("/phase tdd")  # where edits belong
        terminal.wait_text("/phase tdd")  # typed in full before Enter (the command menu follows the typing)
        terminal.keys("Escape")
        terminal.keys("Enter")
        terminal.wait_text("Move on (y)")  # Requirements is left with its items open: asked first
        terminal.keys("y")
        terminal.wait_text("· TDD")

        fake_api_process.enqueue(edit, {"type": "text", "text": "Written."})
        terminal.type("note it down")
        terminal.keys("Enter")
        shown = terminal.wait_text("Deny (n)")
        assert "Approve once (y)" in shown and "For this session (a)" in shown  # every button fits at 80x24
        terminal.click("Approve once (y)")
        terminal.wait_text("Written.")
        assert (project / "notes.md").read_text() == "# Notes\nUse select_related.\n"

        fake_api_process.enqueue({**edit, "calls": [{"name": "propose_edit",
                                                     "input": {"path": "notes.md", "content": "gone\n"}}]},
                                 {"type": "text", "text": "Left as it is."})
        terminal.type("now wipe it")
        terminal.keys("Enter")
        terminal.wait_text("Deny (n)")
        terminal.click("Deny (n)")
        terminal.wait_text("Left as it is.")
        assert (project / "notes.md").read_text() == "# Notes\nUse select_related.\n"  # denied: unchanged
        terminal.keys("C-q")
        terminal.wait_for(lambda shown: shown.rstrip().endswith("e2e$"), "the shell prompt after quitting")
    finally:
        terminal.close()
