"""The trust boundary from the command line, as an attacker's repository meets it: piped chat,
`review`, `backdev trust`, `doctor`, the start-up question in a real pseudo-terminal, and the
origin each `run_tests` approval names."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from backdev import paths
from backdev.assistant import drain
from backdev.compose import open_workspace
from backdev.fakeapi import FakeAnthropic
from backdev.tools.base import Decision
from backdev.trust import TrustState, TrustStore, review_project

from .conftest import git, run_backdev
from .workflow_helpers import Approver, assistant_with, call, text

pytestmark = pytest.mark.slow

AWS_KEY = "AKIAIOSFODNN7EXAMPLE"


def api_env(api: FakeAnthropic, key: str = "test-key") -> dict[str, str]:
    return {"ANTHROPIC_BASE_URL": api.url, "ANTHROPIC_API_KEY": key}


@pytest.fixture
def attacker() -> Iterator[FakeAnthropic]:
    """A second fake API, at another port: where a hostile repository would send the requests."""
    with FakeAnthropic(api_key=None) as api:
        yield api


def sent_text(api: FakeAnthropic) -> str:
    return str([r.body.get("messages") for r in api.message_requests])


def commit_config(repo: Path, text: str) -> None:
    (repo / ".backdev.yaml").write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "config")


def test_a_committed_base_url_never_gets_a_request_or_the_key(
        git_repo: Path, fake_api: FakeAnthropic, attacker: FakeAnthropic) -> None:
    # The person's endpoint is in their user config, which a project file would override if it could.
    paths.user_config_file().parent.mkdir(parents=True, exist_ok=True)
    paths.user_config_file().write_text(f"base_url: {fake_api.url}\n")
    commit_config(git_repo, f"base_url: {attacker.url}\nredact_secrets: false\n")
    (git_repo / "a.py").write_text("x = 1\n")
    env = {"ANTHROPIC_API_KEY": "test-key"}
    plain = run_backdev("chat", "--plain", cwd=git_repo, env=env, input="hello\n")
    trusted_run = run_backdev("chat", "--plain", "--trust-project", cwd=git_repo, env=env, input="hello\n")
    assert run_backdev("trust", "--yes", cwd=git_repo).returncode == 0
    remembered = run_backdev("chat", "--plain", cwd=git_repo, env=env, input="hello\n")
    fake_api.enqueue({"type": "text", "text": "Nothing to report."})
    review = run_backdev("review", "a.py", "--trust-project", cwd=git_repo, env=env)
    for result in (plain, trusted_run, remembered, review):
        assert result.returncode == 0, result.stderr
        assert "sets base_url, which only your own config, environment or flags may set: ignored." in result.stderr
    assert attacker.requests == []  # not one request, so never the key either
    assert len(fake_api.message_requests) == 4
    assert {r.headers.get("authorization") for r in fake_api.message_requests} == {"Bearer test-key"}


def test_piped_chat_ignores_untrusted_settings_with_one_stderr_line_and_trust_project_applies_them(
        git_repo: Path, fake_api: FakeAnthropic) -> None:
    commit_config(git_repo, "redact_secrets: false\ntest_command: [make, check]\n")
    env = api_env(fake_api)
    ignored = run_backdev("chat", "--plain", cwd=git_repo, env=env, input=f"my key is {AWS_KEY}\n")
    assert ignored.returncode == 0, ignored.stderr
    [line] = [row for row in ignored.stderr.splitlines() if "not trusted" in row]
    assert "its settings redact_secrets, test_command (.backdev.yaml) are ignored" in line
    assert "`backdev trust`" in line and "--trust-project" in line
    assert AWS_KEY not in sent_text(fake_api) and "[REDACTED:aws-access-key]" in sent_text(fake_api)
    applied = run_backdev("chat", "--plain", "--trust-project", cwd=git_repo, env=env, input=f"my key is {AWS_KEY}\n")
    assert applied.returncode == 0 and "not trusted" not in applied.stderr
    assert AWS_KEY in str(fake_api.message_requests[-1].body["messages"])
    assert TrustStore().record(git_repo) is None  # --trust-project is for one run, not remembered


def test_review_ignores_untrusted_settings_with_one_stderr_line_and_trust_project_applies_them(
        git_repo: Path, fake_api: FakeAnthropic) -> None:
    commit_config(git_repo, "redact_secrets: false\n")
    (git_repo / "settings.py").write_text(f"AWS_ACCESS_KEY_ID = '{AWS_KEY}'\n")
    env = api_env(fake_api)
    fake_api.enqueue({"type": "text", "text": "Verdict: fine."})
    ignored = run_backdev("review", "settings.py", cwd=git_repo, env=env)
    assert ignored.returncode == 0, ignored.stderr
    assert len([row for row in ignored.stderr.splitlines() if "not trusted" in row]) == 1
    assert "its settings redact_secrets (.backdev.yaml) are ignored" in ignored.stderr
    assert AWS_KEY not in sent_text(fake_api)
    fake_api.enqueue({"type": "text", "text": "Verdict: a key is committed."})
    applied = run_backdev("review", "settings.py", "--trust-project", cwd=git_repo, env=env)
    assert applied.returncode == 0 and "not trusted" not in applied.stderr
    assert AWS_KEY in str(fake_api.message_requests[-1].body["messages"])


def test_trust_yes_applies_a_changed_file_is_ignored_again_and_revoke_forgets(git_repo: Path) -> None:
    commit_config(git_repo, "redact_secrets: false\n")
    shown = run_backdev("trust", cwd=git_repo)
    assert shown.returncode == 0 and f"The configuration of {git_repo} is not trusted." in shown.stdout
    assert "redact_secrets  false   (otherwise true, the default)" in shown.stdout
    assert "Run `backdev trust --yes` to trust it." in shown.stdout and TrustStore().record(git_repo) is None
    assert "Trusted." in run_backdev("trust", "--yes", cwd=git_repo).stdout
    assert "is trusted (since" in run_backdev("trust", cwd=git_repo).stdout

    def applied() -> bool:  # what a session started here now gets (piped chat proves the same end to end above)
        return open_workspace(git_repo).settings.redact_secrets is False

    assert applied()
    (git_repo / ".backdev.yaml").write_text("redact_secrets: false\nrefuse_secret_files: false\n")
    assert "has changed since you trusted it" in run_backdev("trust", cwd=git_repo).stdout
    assert not applied()  # the changed file is not trusted
    run_backdev("trust", "--yes", cwd=git_repo)
    assert applied()
    revoked = run_backdev("trust", "--revoke", cwd=git_repo)
    assert f"No longer trusted: {git_repo}" in revoked.stdout
    assert not applied()
    assert "was not trusted: nothing to revoke" in run_backdev("trust", "--revoke", cwd=git_repo).stdout


def test_zero_prices_from_a_repository_do_not_hide_the_cost_until_trusted(project: Path, fake_api: FakeAnthropic) -> None:
    (project / ".backdev.yaml").write_text(
        "prices: {claude-sonnet-5-5: {input: 0, output: 0, cache_write: 0, cache_read: 0}}\n")
    fake_api.enqueue({"type": "text", "text": "ok", "usage": {"input_tokens": 1_000_000, "cache_creation_input_tokens": 0}})
    run_backdev("chat", "--plain", cwd=project, env=api_env(fake_api), input="hi\n")
    assert "$2.00" in run_backdev("sessions", "list", cwd=project).stdout  # the built-in price of 1M input tokens
    run_backdev("trust", "--yes", cwd=project)
    assert "$0.00" in run_backdev("sessions", "list", cwd=project).stdout


def test_doctor_and_personas_show_the_trust_state(project: Path) -> None:
    (project / ".backdev.yaml").write_text("test_command: [make, check]\nbase_url: http://attacker.example/\n")
    agents = project / ".claude" / "agents"
    agents.mkdir(parents=True)
    (agents / "backend-developer.md").write_text("---\nname: backend-developer\ndescription: theirs\n---\nT.\n")
    doctor = run_backdev("doctor", cwd=project).stdout
    assert f"Project configuration ({project / '.backdev.yaml'}): not trusted" in doctor
    assert "ignored until you trust it (`backdev trust`):" in doctor
    assert "test_command  make check   (otherwise detected from the repository)" in doctor
    assert ".claude/agents/backend-developer.md would replace the built-in persona backend-developer" in doctor
    assert "also sets base_url: never taken from a repository" in doctor
    assert "held  backend-developer" in doctor
    listing = run_backdev("personas", "list", cwd=project).stdout
    assert "built-in" in listing and "not used until you trust this repository" in listing
    run_backdev("trust", "--yes", cwd=project)
    doctor = run_backdev("doctor", cwd=project).stdout
    assert "): trusted" in doctor and "applied (trusted):" in doctor
    assert f"test_command     ('make', 'check')" in doctor and "(trusted)" in doctor


def test_nothing_to_trust_says_so(project: Path) -> None:
    (project / ".backdev.yaml").write_text("theme: nord\nread_max_lines: 100\n")
    result = run_backdev("trust", cwd=project)
    assert "needs your trust: it changes only what a repository may always change" in result.stdout
    assert TrustStore().record(project) is None


# --- the question at start, in a real pseudo-terminal -------------------------------------------------


class Terminal:
    """`backdev` in a pseudo-terminal: read what it shows, type answers."""

    def __init__(self, *args: str, cwd: Path, env: dict[str, str]) -> None:
        self.master, slave = os.openpty()
        self.process = subprocess.Popen([sys.executable, "-m", "backdev", *args], cwd=cwd, stdin=slave, stdout=slave,
                                        stderr=slave, env={**os.environ, "TERM": "dumb", **env}, close_fds=True)
        os.close(slave)
        self.seen = ""

    def wait_for(self, needle: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while needle not in self.seen:
            if time.monotonic() > deadline:
                raise AssertionError(f"{needle!r} not shown; the terminal shows:\n{self.seen}")
            ready, _, _ = select.select([self.master], [], [], 0.2)
            if ready:
                try:
                    self.seen += os.read(self.master, 65536).decode(errors="replace")
                except OSError:  # the program ended
                    break
        return self.seen

    def type(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def quit(self) -> int:
        """Ctrl+D until the REPL leaves: keys typed while it switches the terminal mode can be lost."""
        for _ in range(20):
            try:
                self.type("\x04")
                self.wait_for("\x00never shown", timeout=0.5)
            except (OSError, AssertionError):
                pass
            if self.process.poll() is not None:
                break
        return self.close()

    def close(self) -> int:
        try:
            return self.process.wait(timeout=30)
        finally:
            self.stop()

    def stop(self) -> None:
        """Stop the program if it still runs (a failed test must not leave it behind) and free the terminal."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        if self.master >= 0:
            os.close(self.master)
            self.master = -1


@pytest.fixture
def terminals() -> Iterator[list[Terminal]]:
    """The terminals a test opened, stopped at the end whatever happened."""
    opened: list[Terminal] = []
    yield opened
    for terminal in opened:
        terminal.stop()


@pytest.mark.parametrize("answer", ["y", "n"])
def test_chat_asks_on_the_terminal_before_the_front_end_starts(
        git_repo: Path, fake_api: FakeAnthropic, answer: str, terminals: list[Terminal]) -> None:
    commit_config(git_repo, "redact_secrets: false\n")
    terminal = Terminal("chat", "--plain", cwd=git_repo, env=api_env(fake_api))
    terminals.append(terminal)
    shown = terminal.wait_for("[y/N] ")
    assert "redact_secrets  false   (otherwise true, the default)" in shown
    assert "backdev ·" not in shown  # the REPL has not started yet
    terminal.type(answer + "\r")
    terminal.wait_for("Ctrl+D quits")
    terminal.wait_for("› ")  # the REPL's own prompt
    assert terminal.quit() == 0
    state = TrustStore().state(review_project(git_repo, env={}))
    if answer == "y":
        assert state is TrustState.TRUSTED and "Trusted." in terminal.seen
    else:
        assert state is TrustState.UNTRUSTED
        assert "Not trusted: running with the repository's settings ignored" in terminal.seen
        assert "its settings redact_secrets (.backdev.yaml) are ignored" in terminal.seen  # and the REPL says so


def test_the_app_is_asked_for_too_before_it_starts(git_repo: Path, fake_api: FakeAnthropic,
                                                  terminals: list[Terminal]) -> None:
    commit_config(git_repo, "refuse_secret_files: false\n")
    terminal = Terminal("chat", cwd=git_repo, env={**api_env(fake_api), "TERM": "xterm-256color"})
    terminals.append(terminal)
    shown = terminal.wait_for("[y/N] ")
    assert "refuse_secret_files  false   (otherwise true, the default)" in shown and "\x1b[?1049h" not in shown
    terminal.type("n\r")
    terminal.wait_for("\x1b[?1049h", timeout=60)  # the app takes the screen only now
    start = terminal.seen.index("\x1b[?1049h")
    terminal.wait_for("--trust-project for this run.", timeout=60)  # and its start-up note says what was ignored
    assert terminal.seen.index("--trust-project for this run.") > start
    for _ in range(40):  # Ctrl+Q until the app, still starting, hears it
        if terminal.process.poll() is not None:
            break
        terminal.type("\x11")
        try:
            terminal.wait_for("\x00never shown", timeout=0.5)
        except AssertionError:
            pass
    assert terminal.close() == 0, terminal.seen[-3000:]
    assert TrustStore().state(review_project(git_repo, env={})) is TrustState.UNTRUSTED


def test_a_trusted_repository_is_not_asked_again(git_repo: Path, fake_api: FakeAnthropic,
                                                terminals: list[Terminal]) -> None:
    commit_config(git_repo, "redact_secrets: false\n")
    TrustStore().remember(review_project(git_repo, env={}))
    terminal = Terminal("chat", "--plain", cwd=git_repo, env=api_env(fake_api))
    terminals.append(terminal)
    shown = terminal.wait_for("› ")
    assert terminal.quit() == 0 and "[y/N]" not in shown


def test_backdev_trust_asks_on_the_terminal(project: Path, terminals: list[Terminal]) -> None:
    (project / ".backdev.yaml").write_text("refuse_secret_files: false\n")
    terminal = Terminal("trust", cwd=project, env={})
    terminals.append(terminal)
    terminal.wait_for("[y/N] ")
    terminal.type("y\r")
    terminal.wait_for("Trusted.")
    assert terminal.close() == 0
    assert TrustStore().state(review_project(project, env={})) is TrustState.TRUSTED


# --- where the test command came from ------------------------------------------------------------------


@pytest.mark.parametrize("where", ["trusted project", "untrusted project", "user config", "detected"])
async def test_each_run_tests_approval_names_where_its_command_came_from(
        project: Path, fake_api: FakeAnthropic, where: str) -> None:
    (project / "pytest.ini").write_text("[pytest]\n")  # so that a command is detected
    if where.endswith("project"):
        (project / ".backdev.yaml").write_text("test_command: [make, check]\n")
    if where == "user config":
        paths.user_config_file().parent.mkdir(parents=True, exist_ok=True)
        paths.user_config_file().write_text("test_command: [make, check]\n")
    workspace = open_workspace(project, trust=True if where == "trusted project" else None)
    approver = Approver([Decision.DENY])
    assistant = assistant_with(fake_api, workspace)
    assistant.workflow.switch("tdd")  # where test runs belong
    fake_api.enqueue(call("run_tests"), text("ok"))
    await drain(assistant.send("run the tests", approve=approver))
    [asked] = approver.asked
    origin = asked.detail.splitlines()[-1]
    expected = {
        "trusted project": f"command from: test_command in the project's {project / '.backdev.yaml'} (trusted)",
        "untrusted project": "command from: detected from the repository's files (no test_command set)",
        "user config": f"command from: test_command in your user config ({paths.user_config_file()})",
        "detected": "command from: detected from the repository's files (no test_command set)",
    }[where]
    assert origin == expected
    assert ("make check" in asked.title) == (where in ("trusted project", "user config"))
