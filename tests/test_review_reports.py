"""Reports every CI accepts: SARIF against the official 2.1.0 schema with format checks, GitHub
annotations, Code Climate JSON; fingerprints that survive unrelated edits; `--baseline`."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from backdev import __version__
from backdev.fakeapi import FakeAnthropic
from backdev.workflow.phases.definition import Category
from backdev.workflow.review.ci_formats import escape_data, escape_property, to_codeclimate, to_github
from backdev.workflow.review.findings import Finding
from backdev.workflow.review.findings import SARIF_KEY, fingerprint
from backdev.workflow.review.report import ReviewReport
from backdev.workflow.review.sarif import artifact_uri, to_sarif

from .conftest import git
from .review_cli import file_findings, finding, run_review
from .sarif_schema import check_sarif_2_1_0, sarif_errors

CATEGORIES = (Category("security", "Security: injection"), Category("performance", "Query efficiency"))
ODD = Finding("my app/util é.py", 3, "critical", "security", "Shell built from input", "d", "s", "os.system(cmd)")
SLOW = Finding("shop/views.py", 9, "medium", "performance", "N+1 over orders", "", "", "for o in Order.objects.all():")


def report_of(*findings: Finding, root: str = "/srv/my repo") -> ReviewReport:
    return ReviewReport.build(scope="x", files=["x"], findings=findings, summary="Fix the shell call.",
                              model="claude-sonnet-5-5", categories=CATEGORIES, root=root)


# --- SARIF -------------------------------------------------------------------------------------


def test_sarif_passes_the_official_schema_with_uri_format_checks() -> None:
    log = to_sarif(report_of(ODD, SLOW), exit_code=1)
    check_sarif_2_1_0(log)
    check_sarif_2_1_0(to_sarif(report_of(root="")))  # no findings, no root: still valid
    # The format checks bite: an unencoded path is not a URI reference.
    broken = copy.deepcopy(log)
    broken["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] = "my app/util é.py"
    assert any("uri-reference" in e for e in sarif_errors(broken))


def test_sarif_has_what_code_scanning_services_read() -> None:
    run = to_sarif(report_of(ODD, SLOW), exit_code=1)["runs"][0]
    location = run["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "my%20app/util%20%C3%A9.py", "uriBaseId": "%SRCROOT%"}
    assert location["region"] == {"startLine": 3, "snippet": {"text": "os.system(cmd)"}}
    assert run["originalUriBaseIds"] == {"%SRCROOT%": {"uri": "file:///srv/my%20repo/"}}
    driver = run["tool"]["driver"]
    assert driver["informationUri"].startswith("https://") and driver["semanticVersion"] == __version__
    security, performance = driver["rules"]
    for rule in (security, performance):
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["help"]["text"] and rule["help"]["markdown"]
        assert "backdev" in rule["properties"]["tags"]
    assert security["properties"]["security-severity"] == "9.5" and "security" in security["properties"]["tags"]
    assert "security-severity" not in performance["properties"]  # not a security alert
    assert all("security-severity" not in r["properties"] for r in run["results"])
    assert run["results"][0]["partialFingerprints"] == {SARIF_KEY: fingerprint(ODD)}
    assert run["invocations"] == [{"executionSuccessful": True, "exitCode": 1}]
    # Messages and descriptions are sentences, as SARIF validators ask.
    assert run["results"][0]["message"]["text"] == "Shell built from input.\n\nd.\n\nSuggestion: s."
    assert all(r["shortDescription"]["text"].endswith(".") for r in driver["rules"])


def test_artifact_uris_are_percent_encoded_relative_references() -> None:
    assert artifact_uri("shop/views.py") == "shop/views.py"
    assert artifact_uri("a b/#x%.py") == "a%20b/%23x%25.py"


# --- fingerprints ------------------------------------------------------------------------------


def test_fingerprints_ignore_line_numbers_and_whitespace_but_not_the_code() -> None:
    moved = Finding(ODD.path, 40, ODD.severity, ODD.category, "  shell built from  INPUT ", "other", "", "  os.system(cmd) ")
    assert fingerprint(moved) == fingerprint(ODD)
    assert fingerprint(Finding(ODD.path, 3, "critical", "security", ODD.title, source="os.system(cmd2)")) != fingerprint(ODD)
    assert fingerprint(Finding("other.py", 3, "critical", "security", ODD.title, source=ODD.source)) != fingerprint(ODD)


# --- GitHub annotations and Code Climate -------------------------------------------------------


def test_github_annotations_escape_what_github_documents() -> None:
    assert escape_data("100%\r\ndone: a,b") == "100%25%0D%0Adone: a,b"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    hostile = Finding("shop/views.py", 6, "high", "security", "Bad, really: bad", "line one\n::stop-commands::x", "")
    text = to_github(report_of(hostile, SLOW))
    lines = text.splitlines()
    assert lines[0] == ("::error file=shop/views.py,line=6,title=high security%3A Bad%2C really%3A bad::"
                        "Bad, really: bad%0A%0Aline one%0A::stop-commands::x")
    assert lines[1].startswith("::warning file=shop/views.py,line=9,title=medium performance%3A N+1 over orders::")
    assert lines[2] == "::notice title=backdev review::Fix the shell call."
    assert len(lines) == 3  # a finding's newline never starts a command of its own


def test_codeclimate_is_the_json_gitlab_reads() -> None:
    issues = json.loads(to_codeclimate(report_of(ODD, SLOW)))
    assert issues[0] == {
        "type": "issue", "description": "Shell built from input: d", "check_name": "security", "categories": ["Security"],
        "fingerprint": fingerprint(ODD), "severity": "blocker",
        "location": {"path": "my app/util é.py", "lines": {"begin": 3}}, "content": {"body": "s"}}
    assert issues[1]["severity"] == "major" and issues[1]["categories"] == ["Performance"]
    assert {i["severity"] for i in issues} <= {"info", "minor", "major", "critical", "blocker"}
    assert json.loads(to_codeclimate(report_of())) == []


# --- through the command line ------------------------------------------------------------------

VIEWS = "import os\n\n\ndef run(request):\n    os.system(request.GET['cmd'])\n"


@pytest.fixture
def spaced(git_repo: Path) -> Path:
    (git_repo / "my app").mkdir()
    (git_repo / "my app" / "util é.py").write_text(VIEWS)
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-q", "-m", "app")
    return git_repo


def test_sarif_from_the_command_line_loads_without_warnings(
        spaced: Path, fake_api: FakeAnthropic, monkeypatch: pytest.MonkeyPatch) -> None:
    file_findings(fake_api, finding("my app/util é.py", 5, severity="critical", title="Command injection"))
    run = run_review(spaced, "my app/util é.py", "--format", "sarif", "--fail-on", "high", "-o", "out.sarif",
                     api=fake_api, monkeypatch=monkeypatch)
    assert run.status == 1, run.err
    log = json.loads((spaced / "out.sarif").read_text())
    check_sarif_2_1_0(log)
    run_ = log["runs"][0]
    assert run_["invocations"][0]["exitCode"] == 1
    assert run_["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "my%20app/util%20%C3%A9.py"
    assert run_["originalUriBaseIds"]["%SRCROOT%"]["uri"] == spaced.resolve().as_uri() + "/"


@pytest.mark.parametrize("fmt", ["github", "codeclimate"])
def test_ci_formats_from_the_command_line(spaced: Path, fake_api: FakeAnthropic, monkeypatch: pytest.MonkeyPatch,
                                          fmt: str) -> None:
    file_findings(fake_api, finding("my app/util é.py", 5, severity="critical", title="Command injection"))
    run = run_review(spaced, "my app/util é.py", "--format", fmt, api=fake_api, monkeypatch=monkeypatch)
    assert run.status == 0, run.err
    if fmt == "github":
        assert run.out.startswith("::error file=my app/util é.py,line=5,title=critical security%3A Command injection::")
    else:
        assert json.loads(run.out)[0]["location"] == {"path": "my app/util é.py", "lines": {"begin": 5}}


# --- --baseline --------------------------------------------------------------------------------


def test_baseline_counts_only_new_findings_and_survives_a_line_shift(
        spaced: Path, fake_api: FakeAnthropic, monkeypatch: pytest.MonkeyPatch) -> None:
    path = "my app/util é.py"
    old = finding(path, 5, severity="critical", title="Command injection")
    file_findings(fake_api, old)
    first = run_review(spaced, path, "--format", "sarif", "-o", "baseline.sarif", api=fake_api, monkeypatch=monkeypatch)
    assert first.status == 0, first.err
    # Lines added above: the old finding moves to line 8; a new one appears.
    (spaced / path).write_text("import logging\nimport os\nlog = logging.getLogger()\n\n\ndef run(request):\n"
                               "    log.info(request.GET)\n    os.system(request.GET['cmd'])\n")
    for fmt in ("json", "sarif"):
        file_findings(fake_api, dict(old, line=8),
                      finding(path, 7, severity="medium", category="sensitive-data", title="Request logged"))
        run = run_review(spaced, path, "--format", fmt, "--baseline", "baseline.sarif", "--fail-on", "high",
                         api=fake_api, monkeypatch=monkeypatch)
        assert run.status == 0, run.err  # the critical one is in the baseline; the new one is medium
        assert "1 critical, 1 medium (1 new, 1 in the baseline)" in run.err
        if fmt == "json":
            data = json.loads(run.out)
            assert [(f["line"], f["new"]) for f in data["findings"]] == [(8, False), (7, True)]
            (spaced / "baseline.json").write_text(run.out)
        else:
            check_sarif_2_1_0(json.loads(run.out))
            states = [r["baselineState"] for r in json.loads(run.out)["runs"][0]["results"]]
            assert states == ["unchanged", "new"]
    file_findings(fake_api, dict(old, line=8), finding(path, 7, severity="medium", category="sensitive-data",
                                                       title="Request logged"))
    run = run_review(spaced, path, "--baseline", "baseline.json", "--fail-on", "medium", api=fake_api, monkeypatch=monkeypatch)
    assert run.status == 0  # both are in the JSON baseline now
    file_findings(fake_api, dict(old, line=8))
    assert run_review(spaced, path, "--fail-on", "high", api=fake_api, monkeypatch=monkeypatch).status == 1  # no baseline


def test_a_baseline_that_is_not_a_report_is_a_usage_error(spaced: Path, fake_api: FakeAnthropic,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    (spaced / "notes.txt").write_text("hello")
    (spaced / "other.json").write_text('{"a": 1}')
    for name, message in (("notes.txt", "is not JSON"), ("other.json", "neither a SARIF log nor")):
        run = run_review(spaced, "my app/util é.py", "--baseline", name, api=fake_api, monkeypatch=monkeypatch)
        assert run.status == 2 and message in run.err
    assert fake_api.message_requests == []
