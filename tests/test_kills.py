"""backdev killed for real (SIGKILL, SIGTERM, SIGHUP): the streaming reply and pending approvals survive."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from backdev.compose import open_store
from backdev.fakeapi import FakeAnthropic

from .conftest import run_backdev

LONG = {"type": "text", "text": "lorem ipsum dolor " * 300, "chunk": 6, "delay": 0.01}


def start_plain(project: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "backdev", "chat", "--plain"], cwd=project,
                            env={**os.environ, **env}, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)


def close(victim: subprocess.Popen[bytes], signum: int) -> bytes:
    """Send `signum` and wait for the exit; stdin stays open until then (closing it would be an end of input)."""
    victim.send_signal(signum)
    victim.wait(timeout=20)
    assert victim.stderr is not None
    return victim.stderr.read()


def wait_for_text(api: FakeAnthropic, chars: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not api.message_requests or api.message_requests[-1].streamed_chars < chars:
        assert time.monotonic() < deadline, "the reply never streamed"
        time.sleep(0.02)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGKILL])
def test_a_reply_streaming_when_the_process_is_killed_is_kept(project: Path, fake_api: FakeAnthropic,
                                                              signum: signal.Signals) -> None:
    fake_api.enqueue(LONG)
    victim = start_plain(project, {"ANTHROPIC_BASE_URL": fake_api.url, "ANTHROPIC_API_KEY": "test-key"})
    assert victim.stdin is not None
    victim.stdin.write(b"a long answer please\n")
    victim.stdin.flush()
    wait_for_text(fake_api, 600)
    time.sleep(0.5)
    streamed = fake_api.message_requests[-1].streamed_chars
    err = close(victim, signum)
    assert b"Traceback" not in err and b"Fatal Python error" not in err
    store = open_store()
    [summary] = store.list_sessions()
    reply = store.messages(summary.record.id)[-1]
    assert (reply.role, reply.status) == ("assistant", "interrupted")
    assert reply.text.startswith("lorem ipsum")
    if signum == signal.SIGKILL:
        assert victim.returncode == -signal.SIGKILL
        assert len(reply.text) >= streamed - 600  # at most a fraction of a second lost (6 chars per 10 ms)
    else:
        assert victim.returncode == 128 + signum
        assert len(reply.text) >= streamed - 30 and f"({signum.name})" in reply.meta["error"]
    # Resumed, the conversation goes on: the cut reply is sent, marked, and the request is valid.
    again = run_backdev("chat", "--plain", "--continue", cwd=project,
                        env={"ANTHROPIC_BASE_URL": fake_api.url, "ANTHROPIC_API_KEY": "test-key"}, input="go on\n")
    assert again.returncode == 0, again.stderr
    sent = fake_api.message_requests[-1].body["messages"]
    assert "cut off here" in sent[1]["content"][0]["text"]


def read_until(fd: int, text: bytes, timeout: float = 40) -> bytes:
    seen = b""
    deadline = time.monotonic() + timeout
    while text not in seen:
        assert time.monotonic() < deadline, f"never saw {text!r}; saw {seen[-400:]!r}"
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                seen += os.read(fd, 4096)
            except OSError:
                break
    return seen


def test_killed_while_an_approval_is_pending_then_resumed(git_repo: Path, fake_api: FakeAnthropic) -> None:
    """The issue's known case: kill -9 at the approval prompt, and every later request used to be invalid."""
    fake_api.enqueue({"type": "tool_use", "text": "I will fix it.",
                      "calls": [{"name": "propose_edit", "input": {"path": "README.md", "content": "# fixed\n"}}]})
    env = {**os.environ, "ANTHROPIC_BASE_URL": fake_api.url, "ANTHROPIC_API_KEY": "test-key", "TERM": "xterm",
           "COLUMNS": "100", "LINES": "30"}
    leader, follower = pty.openpty()
    victim = subprocess.Popen([sys.executable, "-m", "backdev", "chat", "--plain"], cwd=git_repo, env=env,
                              stdin=follower, stdout=follower, stderr=follower, start_new_session=True)
    os.close(follower)
    try:
        read_until(leader, b"Enter sends")
        os.write(leader, b"/phase tdd\r")  # edits belong to the TDD phase
        read_until(leader, b"anyway?")  # Requirements is left with its items open: asked first
        os.write(leader, b"y")
        read_until(leader, b"Phase: TDD")
        os.write(leader, b"fix the readme\r")
        read_until(leader, b"Allow?")
        victim.kill()
        victim.wait(timeout=10)
    finally:
        os.close(leader)
    assert (git_repo / "README.md").read_text() == "# demo\n"  # nothing was written
    resumed = run_backdev("chat", "--plain", "--continue", cwd=git_repo,
                          env={"ANTHROPIC_BASE_URL": fake_api.url, "ANTHROPIC_API_KEY": "test-key"}, input="what now?\n")
    assert resumed.returncode == 0, resumed.stderr
    assert "propose_edit was waiting for your answer when backdev was closed: it was not run" in resumed.stderr
    sent = fake_api.message_requests[-1].body["messages"]  # valid: the fixture checks every request
    result = sent[2]["content"][0]
    assert result["type"] == "tool_result" and "backdev was closed before the person answered" in result["content"]
    shown = run_backdev("sessions", "show", open_store().list_sessions()[0].record.id, cwd=git_repo)
    assert "propose_edit · not run (backdev was closed)" in shown.stdout


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_close_while_waiting_for_the_next_line_exits_at_once(project: Path, fake_api: FakeAnthropic,
                                                               signum: signal.Signals) -> None:
    victim = start_plain(project, {"ANTHROPIC_BASE_URL": fake_api.url, "ANTHROPIC_API_KEY": "test-key"})
    assert victim.stdin is not None and victim.stdout is not None
    victim.stdin.write(b"hi\n")
    victim.stdin.flush()  # and the pipe stays open: the REPL waits for the next line
    deadline = time.monotonic() + 30
    while not any(r.status == "complete" and r.role == "assistant"
                  for s in open_store().list_sessions() for r in open_store().messages(s.record.id)):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    err = close(victim, signum)
    assert victim.returncode == 128 + signum
    assert b"Traceback" not in err and b"Fatal Python error" not in err
