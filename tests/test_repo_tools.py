"""The seven read-only tools the model explores the repository with, on real repositories."""

from __future__ import annotations

from pathlib import Path

import pytest

from backdev.repo.repository import Repository
from backdev.repo.safety import SafetyPolicy
from backdev.repo.tools import TOOL_NAMES, repo_tools
from backdev.settings import Settings
from backdev.tools.base import ToolOutcome

from .conftest import git
from .repo_helpers import add_submodule, add_symlinks, make_shop_with_secrets


@pytest.fixture
def shop(git_repo: Path) -> Path:
    return make_shop_with_secrets(git_repo)


def tools_for(root: Path, **settings: object) -> dict:
    chosen = Settings(**settings)  # type: ignore[arg-type]
    repo = Repository.open(root, policy=SafetyPolicy.from_settings(chosen))
    return {tool.name: tool for tool in repo_tools(repo, chosen)}


async def call(tools: dict, name: str, **arguments: object) -> ToolOutcome:
    return await tools[name].run(arguments)


def test_seven_tools_in_a_stable_order_with_precise_schemas(shop: Path) -> None:
    tools = tools_for(shop)
    assert list(tools) == list(TOOL_NAMES) == ["list_files", "read_file", "search", "git_diff", "git_log", "git_show",
                                               "django_info"]
    for tool in tools.values():
        spec = tool.spec()
        assert spec["input_schema"]["type"] == "object" and spec["input_schema"]["additionalProperties"] is False
        assert 20 < len(spec["description"]) < 400 and tool.approval is None  # read-only: never asks
    assert tools["read_file"].input_schema["required"] == ["path"]
    assert tools["git_diff"].input_schema["properties"]["scope"]["enum"] == ["unstaged", "staged", "base", "path"]
    assert tools["search"].input_schema["required"] == ["pattern"]
    assert tools["git_show"].input_schema["required"] == ["revision"]


async def test_read_file_with_line_numbers_and_summary(shop: Path) -> None:
    outcome = await call(tools_for(shop), "read_file", path="shop/views.py")
    assert not outcome.is_error
    assert outcome.summary == "read_file shop/views.py · lines 1–2 of 2"
    assert outcome.content == "shop/views.py (lines 1–2 of 2)\n1\tdef index(request):\n2\t    return 'hello'\n"


async def test_read_file_range_and_truncation_note(shop: Path) -> None:
    (shop / "long.py").write_text("".join(f"x{n} = {n}\n" for n in range(1, 51)))
    tools = tools_for(shop, read_max_lines=10)
    outcome = await call(tools, "read_file", path="long.py")
    assert outcome.summary == "read_file long.py · lines 1–10 of 50 (truncated)"
    assert "Lines 11–50 of long.py were left out (at most 10 lines per read). Ask for them with start_line=11" in outcome.content
    ranged = await call(tools, "read_file", path="long.py", start_line=20, end_line=22)
    assert ranged.summary == "read_file long.py · lines 20–22 of 50"
    assert "20\tx20 = 20\n21\tx21 = 21\n22\tx22 = 22\n" in ranged.content


async def test_read_file_redacts_and_says_so(shop: Path) -> None:
    outcome = await call(tools_for(shop), "read_file", path="shop/settings.py")
    assert "hunter2" not in outcome.content and "2\tDB_PASSWORD = '[REDACTED:password]'" in outcome.content
    assert outcome.summary == "read_file shop/settings.py · lines 1–3 of 3 · redacted: password"
    assert "Secret-looking values were replaced by [REDACTED:kind]" in outcome.content


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("../../etc/passwd", "outside the repository"),
        ("/etc/passwd", "absolute path"),
        ("~/.bashrc", "home folder"),
        (".env", "secret file"),
        ("debug.log", "ignored by git"),
        ("build/out.txt", "ignored by git"),
        (".git/config", "ignored by git"),
        ("shop", "is a folder"),
        ("nope.py", "does not exist"),
    ],
)
async def test_read_file_refusals(shop: Path, path: str, reason: str) -> None:
    outcome = await call(tools_for(shop), "read_file", path=path)
    assert outcome.is_error and reason in outcome.content
    assert outcome.summary.startswith(f"read_file {path} · ")
    assert "\n" not in outcome.summary


async def test_symlinks_out_and_through_folders(shop: Path, tmp_path: Path) -> None:
    add_symlinks(shop, tmp_path / "outside", "shop")
    tools = tools_for(shop)
    for path in ("link-out.txt", "linked-folder/secret.txt"):
        outcome = await call(tools, "read_file", path=path)
        assert outcome.is_error and "outside the repository" in outcome.content and "hunter2" not in outcome.content
    inside = await call(tools, "read_file", path="alias/views.py")
    assert not inside.is_error and "def index" in inside.content


async def test_secret_files_can_be_allowed_in_config_and_stay_redacted(shop: Path) -> None:
    outcome = await call(tools_for(shop, refuse_secret_files=False), "read_file", path=".env")
    assert not outcome.is_error and "SECRET_KEY=[REDACTED:secret-value]" in outcome.content
    raw = await call(tools_for(shop, refuse_secret_files=False, redact_secrets=False), "read_file", path=".env")
    assert "abc123def456" in raw.content


async def test_binary_deleted_and_submodule_files(shop: Path, tmp_path: Path) -> None:
    (shop / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0")
    add_submodule(shop, tmp_path)
    tools = tools_for(shop)
    binary = await call(tools, "read_file", path="logo.png")
    assert binary.is_error and "binary file" in binary.content
    sub = await call(tools, "read_file", path="vendor/lib/inner.py")
    assert sub.is_error and "submodule" in sub.content
    listing = await call(tools, "list_files")
    assert "vendor/lib (submodule: not entered)" in listing.content
    (shop / "notes.md").unlink()  # listed a moment ago, gone now
    gone = await call(tools, "read_file", path="notes.md")
    assert gone.is_error and "does not exist" in gone.content


async def test_list_files_with_folder_glob_and_cap(shop: Path) -> None:
    tools = tools_for(shop)
    everything = await call(tools, "list_files")
    assert everything.summary == "list_files · 7 files"
    assert "debug.log" not in everything.content and "shop/views.py" in everything.content
    assert (await call(tools, "list_files", path="shop")).content.splitlines()[1:] == [
        "shop/models.py", "shop/settings.py", "shop/views.py"]
    only_py = await call(tools, "list_files", glob="*.py")
    assert only_py.summary == "list_files *.py · 3 files"
    capped = await call(tools_for(shop, list_max_files=2), "list_files")
    assert capped.summary == "list_files · 2 of 7 files (capped)"
    assert "5 more files were not listed: narrow the listing with path or glob." in capped.content
    bad = await call(tools, "list_files", path="../")
    assert bad.is_error and "outside the repository" in bad.content


async def test_search(shop: Path) -> None:
    tools = tools_for(shop)
    found = await call(tools, "search", pattern="def index|PASSWORD")
    assert found.summary == "search “def index|PASSWORD” · 2 matches in 2 files · redacted: password"
    assert "shop/settings.py:2: DB_PASSWORD = '[REDACTED:password]'" in found.content
    assert "shop/views.py:1: def index(request):" in found.content
    none = await call(tools, "search", pattern="no such thing")
    assert not none.is_error and none.summary == "search “no such thing” · no match" and "No match" in none.content
    secret = await call(tools, "search", pattern="SECRET_KEY")
    assert "abc123" not in secret.content and "Matches in 1 secret file (.env) were left out" in secret.content
    glob = await call(tools, "search", pattern="def", glob="views.py")
    assert glob.summary == "search “def” in views.py · 1 match in 1 file"
    bad = await call(tools, "search", pattern="(")
    assert bad.is_error and "not a valid regular expression" in bad.content


async def test_git_diff_log_and_show(shop: Path) -> None:
    (shop / "shop" / "views.py").write_text("def index(request):\n    return 'bye'\n")
    tools = tools_for(shop)
    diff = await call(tools, "git_diff", scope="unstaged")
    assert "+    return 'bye'" in diff.content and diff.summary == "git_diff unstaged · 1 file"
    nothing = await call(tools, "git_diff", scope="staged")
    assert nothing.content == "No changes." and nothing.summary == "git_diff staged · no changes"
    bad = await call(tools, "git_diff", scope="everything")
    assert bad.is_error and "Unknown diff scope" in bad.content
    log = await call(tools, "git_log", count=2)
    assert log.summary == "git_log · 2 commits" and "settings" in log.content.splitlines()[0]
    shown = await call(tools, "git_show", revision="HEAD~1", path="shop/views.py")
    assert shown.summary == "git_show HEAD~1:shop/views.py · lines 1–2 of 2"
    assert "2\t    return 'hello'" in shown.content
    combined = await call(tools, "git_show", revision="HEAD:shop/settings.py")
    assert "[REDACTED:password]" in combined.content and "hunter2" not in combined.content
    secret = await call(tools, "git_show", revision="HEAD", path=".env")
    assert secret.is_error and "secret file" in secret.content
    commit = await call(tools, "git_show", revision="HEAD")
    assert "settings" in commit.content and "[left out: .env is a secret file]" in commit.content
    assert "abc123def456" not in commit.content and commit.summary.startswith("git_show HEAD · ")


async def test_bad_arguments_are_clear_errors(shop: Path) -> None:
    tools = tools_for(shop)
    missing = await call(tools, "read_file")
    assert missing.is_error and "path is required" in missing.content
    wrong = await call(tools, "read_file", path="shop/views.py", start_line="ten")
    assert wrong.is_error and "start_line must be a whole number" in wrong.content


async def test_works_outside_git_and_in_an_empty_repository(tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "app.py").write_text("print('hi')\n")
    tools = tools_for(tmp_path / "plain")
    assert (await call(tools, "read_file", path="app.py")).summary == "read_file app.py · lines 1–1 of 1"
    assert (await call(tools, "search", pattern="hi")).summary.endswith("1 match in 1 file")
    diff = await call(tools, "git_diff", scope="unstaged")
    assert diff.is_error and "not a git repository" in diff.content
    empty = tmp_path / "empty"
    empty.mkdir()
    git(empty, "init", "-q")
    log = await call(tools_for(empty), "git_log")
    assert log.summary == "git_log · no commits" and not log.is_error


async def test_a_hard_link_to_a_file_outside_is_refused_everywhere(shop: Path, tmp_path: Path) -> None:
    import os

    from backdev.workflow.actions.edits import ChangeRefused, prepare_edit

    outside = tmp_path / "outside-secret.txt"
    outside.write_text("token_value = 'outside-content-XYZ'\n")
    os.link(outside, shop / "linked.txt")
    tools = tools_for(shop)
    read = await call(tools, "read_file", path="linked.txt")
    assert read.is_error and "hard link" in read.content and "outside-content" not in read.content
    found = await call(tools, "search", pattern="outside-content")
    assert "outside-content" not in found.content and "hard link" in found.content
    diff = await call(tools, "git_diff", scope="unstaged")
    assert "outside-content" not in diff.content
    with pytest.raises(ChangeRefused, match="hard link"):
        prepare_edit(shop, "linked.txt", content="changed\n")
    assert outside.read_text() == "token_value = 'outside-content-XYZ'\n"


@pytest.mark.parametrize("path", [".GIT/config", ".Git/HEAD", "sub/.gIt/config"])
async def test_the_git_folder_is_refused_whatever_its_case(shop: Path, path: str) -> None:
    from backdev.workflow.actions.edits import ChangeRefused, prepare_edit

    folder = shop / Path(path).parent
    folder.mkdir(parents=True, exist_ok=True)
    (shop / path).write_text("[core]\n")
    outcome = await call(tools_for(shop), "read_file", path=path)
    assert outcome.is_error
    with pytest.raises(ChangeRefused, match="inside .git"):
        prepare_edit(shop, path, content="[core]\n\tfsmonitor = evil\n")


KEY_BODY = "MIIEowIBAAKCAQEAs3cr3tK3yB0dyL1neTh4tMu5tN3v3rL3ak"


async def test_a_private_key_body_is_redacted_in_search_lines_and_partial_reads(shop: Path) -> None:
    (shop / "deploy").mkdir()
    (shop / "deploy" / "bootstrap.txt").write_text(  # not named like a secret file: only the content tells
        "notes\n-----BEGIN RSA PRIVATE KEY-----\n" + f"{KEY_BODY}\n" * 3 + "-----END RSA PRIVATE KEY-----\nafter\n")
    tools = tools_for(shop)
    found = await call(tools, "search", pattern="MIIEow")
    assert KEY_BODY not in found.content and "[REDACTED:private-key]" in found.content
    assert "redacted: private-key" in found.summary
    middle = await call(tools, "read_file", path="deploy/bootstrap.txt", start_line=4, end_line=7)
    assert KEY_BODY not in middle.content and "[REDACTED:private-key]" in middle.content
    assert "7\tafter" in middle.content  # the lines after the block are kept, numbered right


async def test_a_diff_line_assigning_a_password_is_redacted(shop: Path) -> None:
    (shop / "docker-compose.yml").write_text("services:\n  db:\n    environment:\n      POSTGRES_PASSWORD: s3cr3t-pw\n")
    tools = tools_for(shop)
    diff = await call(tools, "git_diff", scope="unstaged")
    assert "s3cr3t-pw" not in diff.content and "+      POSTGRES_PASSWORD: [REDACTED:password]" in diff.content
