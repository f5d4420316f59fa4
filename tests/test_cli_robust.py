"""The command line as a good Unix tool: no traceback for any input, exit 0/1/2, messages that fit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from backdev.fakeapi import FakeAnthropic

from .conftest import run_backdev

NESTED = "model: " + "[" * 5000 + "]" * 5000 + "\n"


def nasty_project(project: Path, case: str) -> None:
    """Put what `case` needs into the project folder."""
    if case == "non-utf8-config":
        (project / ".backdev.yaml").write_bytes(b"model: caf\xe9\n")
    elif case == "nested-config":
        (project / ".backdev.yaml").write_text(NESTED)
    elif case == "nested-persona":
        agents = project / ".claude" / "agents"
        agents.mkdir(parents=True)
        (agents / "deep.md").write_text("---\nname: deep\ndescription: " + "[" * 5000 + "]" * 5000 + "\n---\nx\n")
        (agents / "bytes.md").write_bytes(b"---\nname: bytes\ndescription: \xff\xfe\n---\nx\n")


CASES = [
    # (case, arguments, stdin, expected exit status, words on stderr)
    ("plain", ["chat", "--model", ""], "", 2, "Unknown model ''"),
    ("plain", ["chat", "--plain", "--model", "sonet"], "", 2, "did you mean sonnet?"),
    ("plain", ["review", "--model", "", "x.py"], "", 2, "Unknown model ''"),
    ("plain", ["chta"], "", 2, "unknown command 'chta' (did you mean chat?); the commands are chat, review"),
    ("plain", ["sesions", "list"], "", 2, "did you mean sessions?"),
    ("plain", ["sessions", "lst"], "", 2, "invalid choice: 'lst'"),
    ("plain", ["chat", "--persona", ""], "", 2, "No persona named ''"),
    ("plain", ["chat", "--plain", "--resume", "nope"], "", 2, "No session 'nope'"),
    ("plain", ["sessions", "show", ""], "", 2, "No session ''"),
    ("plain", ["sessions", "export", "x", "-o", "missing/folder/t.md"], "", 2, "the folder missing/folder does not exist"),
    ("plain", ["review", "app.py", "-o", "missing/r.sarif"], "", 2, "the folder missing does not exist"),
    ("plain", ["review", "-o", "."], "", 2, "it is a folder"),
    ("plain", ["review"], "", 2, "Name what to review"),
    ("plain", ["chat", "--plain"], "", 0, "ANTHROPIC_API_KEY"),
    ("non-utf8-config", ["chat", "--plain"], "hi\n", 2, "is not UTF-8 text (byte 0xe9 at offset 10); save it as UTF-8"),
    ("nested-config", ["chat", "--plain"], "hi\n", 2, "is not valid YAML (nested too deeply)"),
    ("nested-config", ["doctor"], "", 1, ""),
    ("nested-persona", ["personas", "list"], "", 0, "nested too deeply"),
    ("nested-persona", ["chat", "--plain"], "", 0, ""),
]


@pytest.mark.parametrize(("case", "args", "stdin", "status", "words"), CASES,
                         ids=[" ".join(c[1]) + f" [{c[0]}]" for c in CASES])
def test_nasty_invocations_end_in_a_sentence_not_a_traceback(project: Path, case: str, args: list[str],
                                                             stdin: str | None, status: int, words: str) -> None:
    nasty_project(project, case)
    result = run_backdev(*args, cwd=project, input=stdin)
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout, result.stderr
    assert result.returncode == status, result.stderr
    assert words in result.stderr
    if status == 2:
        assert len(result.stderr.strip().splitlines()) <= 2  # one sentence (argparse adds its usage line)


def test_a_paid_request_is_never_made_before_the_output_is_checked(project: Path, fake_api: FakeAnthropic,
                                                                   git_repo: Path) -> None:
    (git_repo / "app.py").write_text("print(1)\n")
    env = {"ANTHROPIC_BASE_URL": fake_api.url, "ANTHROPIC_API_KEY": "test-key"}
    result = run_backdev("review", "app.py", "-o", "no/such/dir/report.md", cwd=git_repo, env=env)
    assert result.returncode == 2 and "does not exist" in result.stderr
    assert fake_api.message_requests == []


@pytest.mark.parametrize("command", ["doctor", "sessions list", "personas list", "personas show backend-developer"])
def test_output_cut_short_by_head_ends_quietly(project: Path, command: str) -> None:
    for _ in range(3):  # something to list
        run_backdev("chat", "--plain", cwd=project, input="a question\n")
    shell = f"{sys.executable} -m backdev {command} | head -c 10 >/dev/null; echo \"status ${{PIPESTATUS[0]}}\""
    result = subprocess.run(["bash", "-c", shell], cwd=project, capture_output=True, text=True, timeout=60,
                            env={**os.environ, "COLUMNS": "80"})
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr and "Exception" not in result.stderr
    assert result.stdout.strip() in ("status 0", "status 1")


def test_input_that_is_not_utf8_is_kept_with_a_note(project: Path, fake_api: FakeAnthropic) -> None:
    env = {"ANTHROPIC_BASE_URL": fake_api.url, "ANTHROPIC_API_KEY": "test-key"}
    result = subprocess.run([sys.executable, "-m", "backdev", "chat", "--plain"], cwd=project, capture_output=True,
                            input=b"caf\xe9 au lait\nfine\n", env={**os.environ, **env}, timeout=60)
    stderr = result.stderr.decode()
    assert result.returncode == 0 and "Traceback" not in stderr
    assert "line 1 of the input is not valid UTF-8" in stderr
    sent = fake_api.message_requests[0].body["messages"][-1]["content"][-1]["text"]
    assert sent == "caf\ufffd au lait"
    assert "you said: fine" in result.stdout.decode()


def test_doctor_shows_the_settings_list_a_config_error_points_to(project: Path) -> None:
    (project / ".backdev.yaml").write_text("modl: opus\n")
    result = run_backdev("doctor", cwd=project)
    assert result.returncode == 1
    assert "'modl' is not a setting (did you mean 'model'?); see `backdev doctor` for the list" in result.stdout
    listed = result.stdout.split("The settings a config file may hold:")[1]
    for name in ("model", "max_retries", "prices", "headers", "test_command"):
        assert f"    {name} " in listed
    assert "api_key" not in listed  # never in a file
    assert "headers" in listed and "(your config only, never a project's)" in listed.split("    headers")[1].split("\n")[0]


def test_review_and_doctor_never_say_retry_or_restart(project: Path, git_repo: Path, fake_api: FakeAnthropic) -> None:
    (git_repo / "app.py").write_text("print(1)\n")
    fake_api.enqueue({"type": "error", "status": 529, "times": 3})
    env = {"ANTHROPIC_BASE_URL": fake_api.url, "ANTHROPIC_API_KEY": "test-key"}
    review = run_backdev("review", "app.py", cwd=git_repo, env=env)
    assert review.returncode == 2 and "overloaded" in review.stderr
    doctor = run_backdev("doctor", cwd=project)  # no key at all
    assert "No API key is set" in doctor.stdout
    for shown in (review.stderr, doctor.stdout):
        assert "/retry" not in shown and "restart backdev" not in shown
