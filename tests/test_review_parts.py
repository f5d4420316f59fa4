"""Large reviews: split into parts of related files, run side by side (`--jobs`), merged into one
report, with progress per part on stderr; `--max-cost` stops before a request that would pass it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from backdev.compose import open_store
from backdev.fakeapi import FakeAnthropic
from backdev.workflow.review.parts import groups_of

from .conftest import git
from .review_cli import finding, run_review

FOLDERS = ("orders", "billing", "users")


@pytest.fixture
def big_branch(git_repo: Path) -> Path:
    """A branch that changes 10 files in three folders (4 + 3 + 3)."""
    git(git_repo, "checkout", "-q", "-b", "feature")
    for index in range(10):
        folder = FOLDERS[0 if index < 4 else 1 if index < 7 else 2]
        path = git_repo / folder / f"m{index}.py"
        path.parent.mkdir(exist_ok=True)
        path.write_text(f"def f{index}(request):\n    return request.GET['x{index}']\n")
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-qm", "ten files")
    return git_repo


def changed(repo: Path) -> list[str]:
    return sorted(str(p.relative_to(repo)) for p in repo.glob("*/m*.py"))


def script_parts(api: FakeAnthropic, repo: Path, **step: Any) -> list[list[str]]:
    """For each part, a reply filing one finding per file of the part, then its summary."""
    groups = groups_of(changed(repo))
    for group in groups:
        match = f'<file path=\\"{group[0]}\\">'
        api.enqueue({"type": "tool_use", "match": match, **step,
                     "calls": [{"name": "report_finding", "input": finding(p, 2, severity="medium", title=f"Unvalidated {p}")}
                               for p in group]},
                    {"type": "text", "match": match, "text": f"Checked {len(group)} files.", **step})
    return groups


def test_groups_keep_folders_together_and_stay_small() -> None:
    files = ["a/1.py", "b/1.py", "a/2.py", "a/3.py", "a/4.py", "a/5.py"]
    assert groups_of(files, 4) == [["a/1.py", "a/2.py", "a/3.py", "a/4.py"], ["a/5.py"], ["b/1.py"]]


def test_a_large_review_runs_in_parts_and_merges_into_one_report(
        big_branch: Path, fake_api: FakeAnthropic, monkeypatch: pytest.MonkeyPatch) -> None:
    groups = script_parts(fake_api, big_branch, hang=0.5)
    run = run_review(big_branch, "--base", "main", "--jobs", "3", "--format", "json", api=fake_api, monkeypatch=monkeypatch)
    assert run.status == 0, run.err
    data = json.loads(run.out)
    assert sorted(f["path"] for f in data["findings"]) == changed(big_branch)       # every part's findings
    assert sorted(data["files"]) == changed(big_branch)
    assert data["summary"].count("Checked") == len(groups) == 3
    # Each part saw only its files and its diff sections.
    for request in fake_api.message_requests[::2]:
        sent = json.dumps(request.body["messages"][0])
        folders = {folder for folder in FOLDERS if f"{folder}/m" in sent}
        assert len(folders) == 1
    assert "3 parts, 3 at a time" in run.err
    assert all(f"[{n}/3]" in run.err for n in (1, 2, 3)) and "reviewing" in run.err
    assert len(fake_api.message_requests) == 6
    # Side by side: all three parts' first requests are sent before any reply arrives.
    assert [len(r.body["messages"]) for r in fake_api.message_requests] == [1, 1, 1, 3, 3, 3]
    assert len(open_store().list_sessions(str(big_branch), kind="review")) == 3
    # Every part sees the repository: the read tools and the same overview, read once.
    systems = {json.dumps(request.body["system"]) for request in fake_api.message_requests}
    assert len(systems) == 1 and "# Repository overview" in systems.pop()
    assert all("read_file" in {t["name"] for t in r.body["tools"]} for r in fake_api.message_requests)


def test_jobs_one_runs_the_parts_one_after_another(
        big_branch: Path, fake_api: FakeAnthropic, monkeypatch: pytest.MonkeyPatch) -> None:
    script_parts(fake_api, big_branch)
    run = run_review(big_branch, "--base", "main", "--jobs", "1", "--format", "json", api=fake_api, monkeypatch=monkeypatch)
    assert run.status == 0, run.err
    # One at a time: each part's two requests come before the next part's first.
    assert [len(r.body["messages"]) for r in fake_api.message_requests] == [1, 3] * 3


def test_max_cost_stops_before_a_request_that_would_pass_it(
        big_branch: Path, fake_api: FakeAnthropic, monkeypatch: pytest.MonkeyPatch) -> None:
    script_parts(fake_api, big_branch, usage={"input_tokens": 100_000, "output_tokens": 10})
    run = run_review(big_branch, "--base", "main", "--jobs", "1", "--max-cost", "0.3", "--format", "json",
                     api=fake_api, monkeypatch=monkeypatch)
    assert run.status == 2, run.err
    assert "Stopped before a request that would pass --max-cost $0.30" in run.err
    assert "parts were not reviewed" in run.err
    data = json.loads(run.out)                      # what was found is kept
    assert data["findings"] and "not reviewed" in data["summary"]
    # Each request reports 100k input tokens (about $0.20 for Sonnet): the first part's two requests fit, the
    # second part's first would not.
    assert len(fake_api.message_requests) == 2


def test_max_cost_needs_a_known_price(big_branch: Path, fake_api: FakeAnthropic, monkeypatch: pytest.MonkeyPatch) -> None:
    run = run_review(big_branch, "--base", "main", "--model", "my-gateway-model", "--max-cost", "1",
                     api=fake_api, monkeypatch=monkeypatch)
    assert run.status == 2 and "add it under `prices:`" in run.err and fake_api.message_requests == []


@pytest.mark.parametrize("argv, message", [(["--jobs", "0"], "whole number from 1"), (["--max-cost", "free"], "dollars")])
def test_bad_jobs_and_cost(big_branch: Path, argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        run_review(big_branch, "--base", "main", *argv)
    assert message in capsys.readouterr().err
