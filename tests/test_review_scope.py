"""`backdev review` findings point at real code, paths work as a shell gives them, and reviews are
stored as reviews: in-process runs of the real command against the fake API, in real git repos."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from backdev.compose import open_store
from backdev.fakeapi import FakeAnthropic
from backdev.settings import Settings
from backdev.workflow.review.paths import exclusion_patterns, is_excluded

from .conftest import git
from .review_cli import file_findings, finding, run_review, tool_results

VIEWS = ("from django.db import connection\n\n\ndef refund(request):\n    cursor = connection.cursor()\n"
         "    cursor.execute(f\"SELECT * FROM orders WHERE id = {request.GET['id']}\")\n")
SQL_LINE = "cursor.execute(f\"SELECT * FROM orders WHERE id = {request.GET['id']}\")"


@pytest.fixture
def shop(git_repo: Path) -> Path:
    (git_repo / "shop").mkdir()
    (git_repo / "shop" / "views.py").write_text(VIEWS)
    (git_repo / "shop" / "pricing.py").write_text("def price(x):\n    return x * 1.2\n")
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-q", "-m", "shop")
    return git_repo


# --- item 2: findings that point at real code --------------------------------------------------


def test_findings_on_missing_files_lines_past_the_end_or_out_of_scope_are_refused_with_a_reason(
        shop: Path, fake_api: FakeAnthropic, monkeypatch: pytest.MonkeyPatch) -> None:
    file_findings(fake_api,
                  finding("shop/missing.py", 1),                 # no such file
                  finding("shop/views.py", 500),                 # past the end (6 lines)
                  finding("shop/pricing.py", 1),                 # a real file, not under review
                  finding("../outside.py", 1),                   # outside the repository
                  finding("b/shop/views.py", 6),                 # a diff prefix: normalised
                  finding(str(shop / "shop" / "views.py"), 5, title="Cursor never closed", severity="low"))
    run = run_review(shop, "shop/views.py", "--format", "json", api=fake_api, monkeypatch=monkeypatch)
    assert run.status == 0, run.err
    results = tool_results(fake_api)
    errors = [r["content"] for r in results if r.get("is_error")]
    assert len(errors) == 4
    assert "not in this review's scope" in errors[0] and "shop/views.py" in errors[0]
    assert "has 6 lines, so line 500 does not exist" in errors[1]
    assert "not in this review's scope" in errors[2]
    assert "outside the repository" in errors[3]
    data = json.loads(run.out)
    assert [(f["path"], f["line"], f["source"]) for f in data["findings"]] == [
        ("shop/views.py", 6, SQL_LINE), ("shop/views.py", 5, "cursor = connection.cursor()")]
    assert "⚠ report_finding refused" in run.err  # the person sees the refusals too


def test_a_base_review_normalises_diff_prefixes_and_checks_the_new_side(
        shop: Path, fake_api: FakeAnthropic, monkeypatch: pytest.MonkeyPatch) -> None:
    git(shop, "checkout", "-q", "-b", "feature")
    (shop / "shop" / "pricing.py").write_text("def price(x):\n    return x * 1.2\n\n\ndef discount(x):\n    return x - 5\n")
    git(shop, "commit", "-qam", "discount")
    file_findings(fake_api, finding("a/shop/pricing.py", 6, category="validation", title="Negative prices"),
                  finding("shop/pricing.py", 7), finding("shop/views.py", 6))
    run = run_review(shop, "--base", "main", "--format", "sarif", api=fake_api, monkeypatch=monkeypatch)
    assert run.status == 0, run.err
    errors = [r["content"] for r in tool_results(fake_api) if r.get("is_error")]
    assert "line 7 does not exist" in errors[0] and "not in this review's scope" in errors[1]
    results = json.loads(run.out)["runs"][0]["results"]
    assert [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results] == ["shop/pricing.py"]
    assert results[0]["locations"][0]["physicalLocation"]["region"]["snippet"]["text"] == "return x - 5"


def test_the_source_line_is_redacted_like_what_the_model_sees(
        git_repo: Path, fake_api: FakeAnthropic, monkeypatch: pytest.MonkeyPatch) -> None:
    (git_repo / "client.py").write_text('KEY = "sk-ant-api03-' + "a" * 40 + '"\n')
    file_findings(fake_api, finding("client.py", 1, category="sensitive-data", title="Hard-coded key"))
    run = run_review(git_repo, "client.py", "--format", "json", api=fake_api, monkeypatch=monkeypatch)
    source = json.loads(run.out)["findings"][0]["source"]
    assert "REDACTED" in source and "aaaa" not in source


# --- item 3: paths as a shell gives them -------------------------------------------------------


def test_paths_relative_to_a_subfolder_and_absolute_paths_inside_the_repository(
        shop: Path, fake_api: FakeAnthropic, monkeypatch: pytest.MonkeyPatch) -> None:
    file_findings(fake_api)
    run = run_review(shop / "shop", "views.py", str(shop / "shop" / "pricing.py"), "--format", "json",
                     api=fake_api, monkeypatch=monkeypatch)
    assert run.status == 0, run.err
    assert json.loads(run.out)["files"] == ["shop/views.py", "shop/pricing.py"]
    blocks = fake_api.message_requests[0].body["messages"][0]["content"]
    assert any('<file path="shop/views.py">' in block["text"] for block in blocks)


@pytest.mark.parametrize("argument, files", [
    (".", ["shop/pricing.py", "shop/views.py"]),
    ("../shop", ["shop/pricing.py", "shop/views.py"]),
    ("*.py", ["shop/pricing.py", "shop/views.py"]),
    ("v*.py", ["shop/views.py"]),
])
def test_folders_and_globs_from_a_subfolder(shop: Path, fake_api: FakeAnthropic, monkeypatch: pytest.MonkeyPatch,
                                            argument: str, files: list[str]) -> None:
    (shop / "shop" / ".env").write_text("SECRET=1\n")
    file_findings(fake_api)
    run = run_review(shop / "shop", argument, "--format", "json", api=fake_api, monkeypatch=monkeypatch)
    assert run.status == 0, run.err
    assert json.loads(run.out)["files"] == files


@pytest.mark.parametrize("argument, message", [
    ("nothing.py", "There is no nothing.py in"),
    ("../../elsewhere.py", "outside the repository"),
    ("*.rb", "No file of the repository matches *.rb"),
])
def test_bad_paths_stop_before_any_request(shop: Path, fake_api: FakeAnthropic, monkeypatch: pytest.MonkeyPatch,
                                           argument: str, message: str) -> None:
    run = run_review(shop / "shop", argument, api=fake_api, monkeypatch=monkeypatch)
    assert run.status == 2 and message in run.err
    assert fake_api.message_requests == []


def test_diff_leaves_out_backdevs_artifacts_and_transcripts(
        shop: Path, fake_api: FakeAnthropic, monkeypatch: pytest.MonkeyPatch) -> None:
    (shop / "docs" / "backdev" / "reviews").mkdir(parents=True)
    (shop / "docs" / "backdev" / "reviews" / "review-1.md").write_text("# Review\n")
    (shop / "backdev-session-1234abcd.md").write_text("# Session\n")
    (shop / "shop" / "views.py").write_text(VIEWS + "\n# changed\n")
    file_findings(fake_api)
    run = run_review(shop, "--diff", "--format", "json", api=fake_api, monkeypatch=monkeypatch)
    assert run.status == 0, run.err
    assert json.loads(run.out)["files"] == ["shop/views.py"]
    sent = json.dumps(fake_api.message_requests[0].body["messages"][0])
    assert "review-1.md" not in sent and "backdev-session-" not in sent
    assert "Left out backdev's own files" in run.err


def test_the_exclusions_are_a_setting() -> None:
    patterns = exclusion_patterns(Settings(artifacts_dir="notes/ai"))
    assert is_excluded("notes/ai/design.md", patterns) and is_excluded("sub/backdev-session-1.md", patterns)
    assert not is_excluded("docs/backdev/x.md", patterns) and not is_excluded("shop/views.py", patterns)
    assert exclusion_patterns(Settings(review_exclude=())) == []


# --- item 7: tidy state ------------------------------------------------------------------------


def test_a_review_is_stored_as_a_review_and_a_failed_one_stores_nothing(
        shop: Path, fake_api: FakeAnthropic, monkeypatch: pytest.MonkeyPatch) -> None:
    assert run_review(shop, "shop/nothing.py", api=fake_api, monkeypatch=monkeypatch).status == 2
    assert run_review(shop, "shop/views.py", "-o", str(shop / "no" / "such" / "r.sarif"),
                      api=fake_api, monkeypatch=monkeypatch).status == 2
    assert run_review(shop, "shop/views.py", "--baseline", "missing.sarif", api=fake_api, monkeypatch=monkeypatch).status == 2
    with monkeypatch.context() as without_key:
        without_key.delenv("ANTHROPIC_API_KEY")
        without_key.delenv("ANTHROPIC_BASE_URL")
        run = run_review(shop, "shop/views.py")
        assert run.status == 2 and "No API key is set" in run.err
    store = open_store()
    assert store.list_sessions(None, kind=None) == [] and fake_api.message_requests == []
    file_findings(fake_api)
    assert run_review(shop, "shop/views.py", api=fake_api, monkeypatch=monkeypatch).status == 0
    assert store.list_sessions(str(shop)) == []                       # not among chats
    assert len(store.list_sessions(str(shop), kind="review")) == 1
    assert store.latest_session(str(shop)) is None                    # `chat --resume` never resumes a review


def test_output_is_checked_before_any_request(shop: Path, fake_api: FakeAnthropic, monkeypatch: pytest.MonkeyPatch) -> None:
    run = run_review(shop, "shop/views.py", "-o", "missing-folder/report.sarif", api=fake_api, monkeypatch=monkeypatch)
    assert run.status == 2 and "the folder" in run.err and "does not exist" in run.err
    run = run_review(shop, "shop/views.py", "-o", "shop", api=fake_api, monkeypatch=monkeypatch)
    assert run.status == 2 and "is a folder" in run.err
    assert fake_api.message_requests == []


# --- item 1: a review that sees the repository -------------------------------------------------


def test_the_review_gets_read_tools_overview_memory_and_a_one_pass_prompt(
        shop: Path, fake_api: FakeAnthropic, monkeypatch: pytest.MonkeyPatch) -> None:
    (shop / "CLAUDE.md").write_text("Money is always Decimal in this project.\n")
    fake_api.enqueue({"type": "tool_use", "calls": [{"name": "read_file", "input": {"path": "shop/pricing.py"}}]},
                     {"type": "text", "text": "Verdict: fine."})
    run = run_review(shop, "shop/views.py", api=fake_api, monkeypatch=monkeypatch)
    assert run.status == 0, run.err
    body = fake_api.message_requests[0].body
    system = "\n".join(block["text"] for block in body["system"])
    assert "Money is always Decimal" in system                         # project memory
    assert "# Repository overview" in system and "shop/ 2" in system  # the repository overview
    phase = body["messages"][0]["content"][0]["text"]  # the review phase, announced in the conversation
    assert "runs non-interactively" in phase and "Before filing" in phase and "in parallel" in phase
    assert "moves on with /next" not in system
    assert {"read_file", "search", "list_files", "git_diff"} <= {t["name"] for t in body["tools"]}
    assert not {"write_artifact", "propose_edit", "edit_files", "run_tests"} & {t["name"] for t in body["tools"]}
    assert "return x * 1.2" in json.dumps(tool_results(fake_api)[0])  # the read was answered


def test_sessions_list_shows_chats_and_reviews_apart(shop: Path, fake_api: FakeAnthropic, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    from backdev.cli import main

    file_findings(fake_api)
    assert run_review(shop, "shop/views.py", api=fake_api, monkeypatch=monkeypatch).status == 0
    monkeypatch.chdir(shop)
    capsys.readouterr()
    assert main(["sessions", "list"]) == 0
    assert "No sessions in this folder" in capsys.readouterr().out
    assert main(["sessions", "list", "--reviews"]) == 0
    [line] = capsys.readouterr().out.splitlines()
    assert "backend-developer" in line
    assert main(["sessions", "list", "--all"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 1


def test_a_persona_without_a_review_phase_is_a_usage_error_that_stores_nothing(
        shop: Path, fake_api: FakeAnthropic, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = shop / ".backdev" / "personas"
    folder.mkdir(parents=True)
    (folder / "plain.md").write_text("---\nname: plain\ndescription: d\n---\nChat.\n")
    run = run_review(shop, "shop/views.py", "--persona", "plain", api=fake_api, monkeypatch=monkeypatch)
    assert run.status == 2 and "has no review phase" in run.err
    assert open_store().list_sessions(None, kind=None) == [] and fake_api.message_requests == []
