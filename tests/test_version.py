"""`backdev --version`: the version, and the commit it was built from, read without running git."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from backdev import __version__
from backdev._git_head import head_commit
from backdev.version import build_commit, version_line

from .conftest import REPO_ROOT, git, run_backdev


def test_version_line_with_and_without_a_commit() -> None:
    assert version_line("1.2.3") == "backdev 1.2.3"
    assert version_line("1.2.3", "0123456789abcdef0123456789abcdef01234567") == "backdev 1.2.3 (commit 0123456789ab)"


def test_head_commit_of_a_branch_in_a_loose_ref_and_after_packing(git_repo: Path) -> None:
    expected = git(git_repo, "rev-parse", "HEAD").strip()
    assert head_commit(git_repo) == expected
    git(git_repo, "pack-refs", "--all")
    assert not (git_repo / ".git" / "refs" / "heads" / "main").exists()
    assert head_commit(git_repo) == expected


def test_head_commit_of_a_detached_head(git_repo: Path) -> None:
    (git_repo / "b.txt").write_text("b\n")
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-q", "-m", "second")
    first = git(git_repo, "rev-parse", "HEAD~1").strip()
    git(git_repo, "checkout", "-q", "--detach", first)
    assert head_commit(git_repo) == first


def test_head_commit_of_a_linked_worktree(git_repo: Path, tmp_path: Path) -> None:
    linked = tmp_path / "linked"
    git(git_repo, "worktree", "add", "-q", "-b", "feature", str(linked))
    (linked / "f.txt").write_text("f\n")
    git(linked, "add", "-A")
    git(linked, "commit", "-q", "-m", "on the feature branch")
    assert (linked / ".git").is_file()
    assert head_commit(linked) == git(linked, "rev-parse", "HEAD").strip()
    assert head_commit(linked) != head_commit(git_repo)


def test_head_commit_is_none_where_it_cannot_be_told(tmp_path: Path) -> None:
    assert head_commit(tmp_path) is None  # not a checkout
    empty = tmp_path / "empty"
    empty.mkdir()
    git(empty, "init", "-q", "-b", "main")
    assert head_commit(empty) is None  # no commit yet
    (empty / ".git" / "HEAD").write_text("ref: ../../etc/passwd\n")
    assert head_commit(empty) is None  # not a ref git would accept
    (empty / ".git" / "HEAD").write_bytes(b"\xff\xfe")
    assert head_commit(empty) is None
    pointer = tmp_path / "dangling"
    pointer.mkdir()
    (pointer / ".git").write_text("gitdir: /nonexistent/worktrees/x\n")
    assert head_commit(pointer) is None


def test_a_wheels_stamp_wins_over_the_checkout(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys
    import types

    stamp = types.ModuleType("backdev._build_info")
    stamp.COMMIT = "f" * 40  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "backdev._build_info", stamp)
    assert build_commit() == "f" * 40
    stamp.COMMIT = None  # type: ignore[attr-defined]  # built outside a checkout
    assert build_commit() is None


@pytest.mark.skipif(not (REPO_ROOT / ".git").exists(), reason="run from a git checkout")
def test_version_from_this_checkout_names_its_commit(project: Path) -> None:
    result = run_backdev("--version", cwd=project)
    commit = git(REPO_ROOT, "rev-parse", "HEAD").strip()
    assert result.returncode == 0
    assert result.stdout.strip() == f"backdev {__version__} (commit {commit[:12]})"
    assert re.fullmatch(r"backdev \d+\.\d+\.\d+\S* \(commit [0-9a-f]{12}\)", result.stdout.strip())
