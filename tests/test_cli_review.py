"""`backdev review` as a shell or CI runs it: the real command line in a subprocess against the fake API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from backdev.fakeapi import FakeAnthropic

from .conftest import git, run_backdev
from .sarif_schema import check_sarif_2_1_0
from .test_workflow_review import FINDING, VIEWS
from .workflow_helpers import calls

pytestmark = pytest.mark.slow


def api_env(api: FakeAnthropic, key: str = "test-key") -> dict[str, str]:
    return {"ANTHROPIC_BASE_URL": api.url, "ANTHROPIC_API_KEY": key}


def enqueue_review(api: FakeAnthropic, *findings: dict[str, object]) -> None:
    api.enqueue(calls(*(("report_finding", f) for f in findings)) if findings else {"type": "text", "text": "Looking."},
                {"type": "text", "text": "Verdict: one injection to fix."})


@pytest.fixture
def repo(git_repo: Path) -> Path:
    (git_repo / "views.py").write_text(VIEWS)
    return git_repo


def test_json_report_on_stdout_progress_on_stderr(repo: Path, fake_api: FakeAnthropic) -> None:
    enqueue_review(fake_api, FINDING)
    result = run_backdev("review", "views.py", "--format", "json", "--fail-on", "critical", cwd=repo, env=api_env(fake_api))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["schema"] == "backdev.review/1" and data["scope"] == "views.py"
    assert [{k: v for k, v in f.items() if k in FINDING} for f in data["findings"]] == [FINDING]
    assert data["summary"] == "Verdict: one injection to fix." and data["counts"]["high"] == 1
    assert "backdev review · views.py · backend-developer" in result.stderr
    assert "• finding high · security · views.py:6 · SQL built from request input" in result.stderr
    assert result.stderr.rstrip().endswith("1 high")
    # What was sent: the review phase's standards and the file with line numbers; only approval-free tools.
    body = fake_api.message_requests[0].body
    phase = body["messages"][0]["content"][0]["text"]  # the phase is announced in the conversation
    assert "# Review (one non-interactive pass)" in phase
    assert "`security` — Security: injection" in phase  # the review standards
    assert "6	    cursor.execute" in body["messages"][0]["content"][2]["text"]
    assert {t["name"] for t in body["tools"]} == {"update_checklist", "report_finding", "list_files", "read_file",
                                                  "search", "git_diff", "git_log", "git_show", "django_info"}


def test_fail_on_threshold_exits_one(repo: Path, fake_api: FakeAnthropic) -> None:
    enqueue_review(fake_api, FINDING, dict(FINDING, severity="low", line=1, title="Unused import"))
    result = run_backdev("review", "views.py", "--fail-on", "medium", cwd=repo, env=api_env(fake_api))
    assert result.returncode == 1, result.stderr
    assert result.stdout.startswith("# Review: views.py") and "**1 high, 1 low**" in result.stdout


def test_sarif_to_a_file(repo: Path, fake_api: FakeAnthropic) -> None:
    enqueue_review(fake_api, FINDING)
    result = run_backdev("review", "views.py", "--format", "sarif", "--output", "out.sarif", cwd=repo, env=api_env(fake_api))
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and "Report written to out.sarif" in result.stderr
    log = json.loads((repo / "out.sarif").read_text())
    check_sarif_2_1_0(log)
    assert log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "views.py"


def test_diff_review_of_uncommitted_changes(repo: Path, fake_api: FakeAnthropic) -> None:
    git(repo, "add", "views.py")
    enqueue_review(fake_api)
    result = run_backdev("review", "--diff", "--format", "json", cwd=repo, env=api_env(fake_api))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["scope"] == "uncommitted changes"
    sent = fake_api.message_requests[0].body["messages"][0]["content"][1:]  # after the phase announcement
    assert "+++ b/views.py" in sent[1]["text"] and sent[2]["text"].startswith('<file path="views.py">')


@pytest.mark.parametrize("args, message", [
    ([], "Name what to review"),
    (["missing.py"], "There is no missing.py"),
    (["../outside.py"], "outside the repository"),
    (["views.py", "--diff"], "one at a time"),
    (["--base", "no-such-branch"], "No commit or branch named 'no-such-branch'"),
    (["views.py", "--fail-on", "severe"], "invalid choice"),
    (["views.py", "--model", "gpt-4"], "gpt-4"),
])
def test_usage_errors_exit_two(repo: Path, args: list[str], message: str) -> None:
    result = run_backdev("review", *args, cwd=repo)
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert result.stdout == ""


def test_diff_outside_a_repository_exits_two(project: Path) -> None:
    result = run_backdev("review", "--diff", cwd=project)
    assert result.returncode == 2 and "need a git repository" in result.stderr


def test_api_errors_exit_two(repo: Path, fake_api: FakeAnthropic) -> None:
    result = run_backdev("review", "views.py", cwd=repo, env=api_env(fake_api, key="wrong"))
    assert result.returncode == 2 and "The API rejected the API key (401)" in result.stderr
    assert result.stdout == ""


def test_review_help(project: Path) -> None:
    result = run_backdev("review", "--help", cwd=project)
    assert result.returncode == 0 and "--fail-on SEVERITY" in result.stdout and "{md,json,sarif,github,codeclimate}" in result.stdout
