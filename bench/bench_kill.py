"""Benchmark: kill backdev while a reply streams, again and again, and count what survives.

Run: `python bench/bench_kill.py [--kills 30] [--app] [--seed N]` (about a minute per 30 kills).

Each round starts `backdev chat --plain --continue` (or, with `--app`, the full-screen app in a
tmux terminal) on the same session and the same database, sends one message, and while the fake
API (in its own process) streams a long reply, waits a random time and sends the process one of
SIGKILL, SIGTERM and SIGHUP in turn. Every fifth round waits until the reply has completed before
the signal, so completed replies are killed over too. After each kill it checks:

- the database's integrity (`PRAGMA integrity_check`);
- completed messages lost: every complete row of earlier rounds is still there, unchanged (must be 0);
- the share of the streamed text kept: the text saved for the killed reply against the text that
  was on screen when the signal was sent (must be ≥ 95% for SIGTERM and SIGHUP, which save
  everything and exit with 128 + the signal, and ≥ 80% for kill -9, which loses what arrived since
  the last save, a quarter of a second at most). The reply is numbered words (`r07w0001 r07w0002 …`), so
  the last word on screen says how far it had got: in `--plain`, the words printed on stdout; in
  the app, the last word in the terminal (tmux `capture-pane`) just before the signal. What the
  fake had written to the socket by then is shown too (the app reads it later than the fake writes);
- for SIGTERM and SIGHUP, a clean exit (that status, no traceback).

Prints one line per round and a summary per signal; exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shlex
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from backdev.fakeapi.process import FakeApiProcess  # noqa: E402

SIGNALS = (signal.SIGKILL, signal.SIGTERM, signal.SIGHUP)
TARGETS = {signal.SIGKILL: 0.80, signal.SIGTERM: 0.95, signal.SIGHUP: 0.95}
WORDS = 700  # ≈ 6,300 characters
WORD = re.compile(r"r(\d\d)w(\d{4})")
CHUNK, DELAY = 8, 0.005  # ≈ 1,600 characters a second: faster than a fast model streams


@dataclass
class Round:
    number: int
    signum: signal.Signals
    offset: float
    streamed: int  # what the fake had written to the socket
    shown: int  # what was on screen
    kept: int
    status: str
    exit_code: int | None
    integrity: str
    lost: int
    traceback: bool

    @property
    def share(self) -> float:
        return 1.0 if self.shown == 0 else min(self.kept, self.shown) / self.shown


def reply_text(number: int) -> str:
    """Numbered words tagged with the round (`r07w0001 r07w0002 …`): the last one on screen says how far it got."""
    return " ".join(f"r{number:02d}w{i:04d}" for i in range(1, WORDS + 1))


def shown_chars(reply: str, screen: str) -> int:
    """How much of `reply` the `screen` had shown: up to the end of its highest numbered word on it
    (a resumed transcript also shows the replies of earlier rounds, with their own tag)."""
    number = reply[1:3]
    seen = [int(word) for tag, word in WORD.findall(screen) if tag == number]
    if not seen:
        return 0
    word = f"r{number}w{max(seen):04d}"
    return reply.index(word) + len(word)


def streamed_chars(api: FakeApiProcess) -> int:
    with urllib.request.urlopen(api.url + "/_fake/requests", timeout=5) as response:
        records = [r for r in json.loads(response.read()) if r["path"].startswith("/v1/messages")]
    return records[-1]["streamed_chars"] if records else 0


def complete_rows(db_path: Path) -> dict[int, tuple[str, str]]:
    with sqlite3.connect(db_path) as db:
        return {row[0]: (row[1], row[2]) for row in
                db.execute("SELECT id, text, content FROM messages WHERE status = 'complete'")}


def check(db_path: Path, number: int) -> tuple[str, str, int]:
    """(integrity, status of the round's reply, characters kept of it)."""
    with sqlite3.connect(db_path) as db:
        integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
        question = db.execute("SELECT turn FROM messages WHERE role = 'user' AND text = ? ORDER BY id DESC LIMIT 1",
                              (f"message {number}",)).fetchone()
        if question is None:
            return integrity, "no question", 0
        reply = db.execute("SELECT status, text FROM messages WHERE role = 'assistant' AND turn = ? AND "
                           "status != 'superseded' ORDER BY id DESC LIMIT 1", (question[0],)).fetchone()
    return (integrity, *reply[:1], len(reply[1])) if reply else (integrity, "no reply", 0)


class PlainVictim:
    """`backdev chat --plain --continue` with a pipe for stdin, as a script would run it."""

    def __init__(self, project: Path, env: dict[str, str]) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "backdev", "chat", "--plain", "--continue"], cwd=project,
                                        env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE)
        self.printed: list[bytes] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        while chunk := os.read(self.process.stdout.fileno(), 65536):
            self.printed.append(chunk)

    def screen(self) -> str:
        return b"".join(self.printed).decode(errors="replace")

    def send(self, text: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(f"{text}\n".encode())
        self.process.stdin.flush()  # stdin stays open: the REPL waits for more, as a long script would

    def kill(self, signum: int) -> tuple[int | None, bool]:
        self.process.send_signal(signum)
        try:
            self.process.wait(timeout=15)  # stdin stays open: closing it first would be an end of input
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return None, False
        assert self.process.stderr is not None
        err = self.process.stderr.read()
        return self.process.returncode, b"Traceback" in err or b"Fatal Python error" in err


class AppVictim:
    """`backdev chat --continue` (the Textual app) in a tmux terminal of its own."""

    def __init__(self, project: Path, env: dict[str, str], socket: Path) -> None:
        self.socket = socket  # one per round: a server still shutting down never answers the next one
        exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        self.status_file = socket.with_suffix(".status")
        # A shell runs the app and writes down how it ended; the pane stays, with what it printed last.
        command = (f"env {exports} {shlex.quote(sys.executable)} -m backdev chat --continue; "
                   f"echo $? > {shlex.quote(str(self.status_file))}")
        self.tmux("new-session", "-d", "-s", "kill", "-x", "110", "-y", "32", "-c", str(project), command,
                  ";", "set-option", "-w", "-t", "kill", "remain-on-exit", "on")
        shell = int(self.tmux("list-panes", "-t", "kill", "-F", "#{pane_pid}").strip())
        self.pid = self._child_of(shell)
        self.wait_for(lambda shown: " · $" in shown and "starting…" not in shown)  # ready for turns

    def tmux(self, *args: str) -> str:
        return subprocess.run(["tmux", "-S", str(self.socket), *args], capture_output=True, text=True, check=True).stdout

    @staticmethod
    def _child_of(pid: int) -> int:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
            if children:
                return int(children[0])
            time.sleep(0.02)
        raise RuntimeError("the app did not start")

    def wait_for(self, ready: Callable[[str], bool], timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not ready(self.screen()):
            if time.monotonic() > deadline:
                raise RuntimeError(f"the app never got ready; the screen shows:\n{self.screen()}")
            time.sleep(0.1)

    def send(self, text: str) -> None:
        self.tmux("send-keys", "-t", "kill", "-l", text)
        self.tmux("send-keys", "-t", "kill", "Enter")

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "kill")

    def kill(self, signum: int) -> tuple[int | None, bool]:
        os.kill(self.pid, signum)
        deadline = time.monotonic() + 30
        while not self.status_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        shown = self.tmux("capture-pane", "-p", "-t", "kill")
        subprocess.run(["tmux", "-S", str(self.socket), "kill-server"], capture_output=True)
        status = self.status_file.read_text().strip() if self.status_file.exists() else ""
        # The shell reports a death by signal N as 128 + N: SIGKILL shows as 137.
        exit_code = int(status) if status.isdigit() else None
        return exit_code, "Traceback" in shown or "Fatal Python error" in shown


def one_round(number: int, signum: signal.Signals, chance: random.Random, api: FakeApiProcess, project: Path,
              env: dict[str, str], db_path: Path, app: bool, before: dict[int, tuple[str, str]]) -> Round:
    reply = reply_text(number)
    api.enqueue({"type": "text", "text": reply, "chunk": CHUNK, "delay": DELAY})
    victim = AppVictim(project, env, project.parent / f"tmux-{number}.sock") if app else PlainVictim(project, env)
    victim.send(f"message {number}")
    deadline = time.monotonic() + 30
    while streamed_chars(api) == 0 or not _is_this_round(api, number):
        if time.monotonic() > deadline:
            raise RuntimeError("the reply never started streaming")
        time.sleep(0.01)
    offset = chance.uniform(0.05, len(reply) / CHUNK * DELAY * 1.15)
    started = time.monotonic()
    if number % 5 == 4:  # let this one complete: what is complete must survive any kill
        while check(db_path, number)[1] != "complete":
            if time.monotonic() - started > 60:
                raise RuntimeError("the reply never completed")
            time.sleep(0.05)
        offset = time.monotonic() - started
    else:
        time.sleep(offset)
    shown = shown_chars(reply, victim.screen())
    streamed = streamed_chars(api)
    exit_code, traceback = victim.kill(signum)
    integrity, status, kept = check(db_path, number)
    after = complete_rows(db_path)
    lost = sum(1 for key, value in before.items() if after.get(key) != value)
    return Round(number, signum, offset, streamed, shown, kept, status, exit_code, integrity, lost, traceback)


def _is_this_round(api: FakeApiProcess, number: int) -> bool:
    requests = [r for r in api.requests() if r["path"].startswith("/v1/messages")]
    if not requests:
        return False
    messages = requests[-1]["body"].get("messages") or []
    return bool(messages) and f"message {number}" in json.dumps(messages[-1])


def summary(rounds: list[Round]) -> bool:
    ok = True
    print("\nsignal   kills  integrity  completed lost  kept (of all text on screen)  worst round  clean exits")
    for signum in SIGNALS:
        mine = [r for r in rounds if r.signum == signum]
        if not mine:
            continue
        share = sum(min(r.kept, r.shown) for r in mine) / max(1, sum(r.shown for r in mine))
        worst = min(r.share for r in mine)
        intact = sum(r.integrity == "ok" for r in mine)
        lost = sum(r.lost for r in mine)
        clean = "n/a" if signum == signal.SIGKILL else \
            f"{sum(r.exit_code == 128 + signum and not r.traceback for r in mine)}/{len(mine)}"
        all_clean = clean in ("n/a", f"{len(mine)}/{len(mine)}")
        passed = intact == len(mine) and lost == 0 and share >= TARGETS[signum] and all_clean
        ok = ok and passed
        print(f"{signum.name:<8} {len(mine):>5}  {intact:>4}/{len(mine):<4}  {lost:>14}  {share:>7.1%} (target ≥ "
              f"{TARGETS[signum]:.0%})          {worst:>7.1%}    {clean:>6}  {'ok' if passed else 'MISSED'}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=30)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--app", action="store_true", help="kill the full-screen app in tmux instead of --plain")
    args = parser.parse_args()
    chance = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="backdev-kill-") as scratch:
        root = Path(scratch)
        home, project = root / "home", root / "project"
        project.mkdir()
        env = {"PATH": os.environ.get("PATH", ""), "HOME": str(root), "BACKDEV_HOME": str(home), "TERM": "xterm-256color",
               "LANG": os.environ.get("LANG", "C.UTF-8")}
        with FakeApiProcess(env={**env, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}) as api:
            env["ANTHROPIC_BASE_URL"] = api.url
            db_path = home / "data" / "sessions.db"
            rounds: list[Round] = []
            for number in range(args.kills):
                before = complete_rows(db_path) if db_path.exists() else {}
                result = one_round(number, SIGNALS[number % 3], chance, api, project, env, db_path, args.app, before)
                rounds.append(result)
                print(f"#{number:02d} {result.signum.name:<8} at {result.offset:4.2f} s: written {result.streamed:>5}, "
                      f"shown {result.shown:>5}, kept {result.kept:>5} ({result.share:6.1%}) as {result.status:<11} "
                      f"exit {result.exit_code} "
                      f"integrity {result.integrity} lost {result.lost}{' TRACEBACK' if result.traceback else ''}",
                      flush=True)
    return 0 if summary(rounds) else 1


if __name__ == "__main__":
    sys.exit(main())
