"""The repository through git, on real repositories made in tmp dirs."""

from __future__ import annotations

from pathlib import Path

import pytest

from backdev.repo.repository import RepoError, Repository
from backdev.repo.safety import SafetyPolicy

from .conftest import git
from .repo_helpers import add_submodule, add_symlinks, commit_all, make_shop


@pytest.fixture
def shop(git_repo: Path) -> Path:
    return make_shop(git_repo)


def test_found_from_a_subfolder_with_branch_and_dirty_state(shop: Path) -> None:
    repo = Repository.open(shop / "shop")
    info = repo.info()
    assert repo.root == shop.resolve() and info.is_git and info.branch == "main"
    assert info.dirty and info.label == "main*" and info.has_commits and len(info.commit or "") == 40


def test_file_list_is_tracked_plus_untracked_not_ignored(shop: Path) -> None:
    assert Repository.open(shop).files() == [".gitignore", "README.md", "notes.md", "shop/models.py", "shop/views.py"]


def test_ignored_files(shop: Path) -> None:
    repo = Repository.open(shop)
    assert repo.is_ignored("debug.log") and repo.is_ignored("build/out.txt") and repo.is_ignored(".git/config")
    assert not repo.is_ignored("shop/views.py") and not repo.is_ignored("notes.md")


def test_not_a_git_repository_walks_the_folder(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "main.py").write_text("print(1)\n")
    (tmp_path / "node_modules" / "x").mkdir(parents=True)
    (tmp_path / "node_modules" / "x" / "index.js").write_text("")
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "m.pyc").write_bytes(b"\0")
    repo = Repository.open(tmp_path)
    assert not repo.is_git and repo.info().label == "not a git repo"
    assert repo.files() == ["app/main.py"]
    assert repo.is_ignored("node_modules/x/index.js") and not repo.is_ignored("app/main.py")
    assert repo.grep("print").matches[0].path == "app/main.py"
    with pytest.raises(RepoError, match="not a git repository"):
        repo.diff("unstaged")
    assert repo.log() == []


def test_search_outside_git_never_follows_a_link_out(tmp_path: Path) -> None:
    root = tmp_path / "plain"
    root.mkdir()
    (root / "app.py").write_text("needle = 1\n")
    add_symlinks(root, tmp_path / "outside", ".")
    (tmp_path / "outside" / "needle.txt").write_text("needle outside\n")
    found = Repository.open(root).grep("needle|hunter2")
    assert found.paths() == ["app.py"]


def test_empty_repository(tmp_path: Path) -> None:
    root = tmp_path / "empty"
    root.mkdir()
    git(root, "init", "-q", "-b", "trunk")
    repo = Repository.open(root)
    info = repo.info()
    assert not info.has_commits and info.label == "trunk (no commits)" and info.commit is None
    assert repo.files() == [] and repo.log() == []
    (root / "a.py").write_text("x = 1\n")
    git(root, "add", "a.py")
    assert repo.files() == ["a.py"]
    assert "+x = 1" in repo.diff("staged") and repo.changed_files("staged") == ["a.py"]
    assert "+x = 1" in repo.diff("path", path="a.py")
    with pytest.raises(RepoError, match="no commits yet"):
        repo.show("HEAD", "a.py")
    with pytest.raises(RepoError, match="no commits yet"):
        repo.diff("base", base="main")


def test_detached_head(shop: Path) -> None:
    sha = git(shop, "rev-parse", "HEAD").strip()
    git(shop, "checkout", "-q", "--detach", "HEAD~1")
    info = Repository.open(shop).info()
    parent = git(shop, "rev-parse", "HEAD").strip()
    assert info.detached and info.branch is None and info.commit == parent != sha
    assert info.label == f"detached@{parent[:7]}*"


def test_submodules_are_listed_not_entered(shop: Path, tmp_path: Path) -> None:
    add_submodule(shop, tmp_path)
    repo = Repository.open(shop)
    assert repo.submodules() == ["vendor/lib"]
    assert "vendor/lib" in repo.files() and "vendor/lib/inner.py" not in repo.files()
    assert repo.submodule_of("vendor/lib/inner.py") == "vendor/lib" and repo.submodule_of("shop/views.py") is None


def test_a_linked_worktree(shop: Path, tmp_path: Path) -> None:
    other = tmp_path / "wt"
    git(shop, "worktree", "add", "-q", "-b", "feature", str(other))
    repo = Repository.open(other / "shop")
    assert repo.root == other.resolve() and repo.info().branch == "feature"
    assert "shop/views.py" in repo.files() and "notes.md" not in repo.files()


def test_show_gives_exact_bytes_at_a_revision(shop: Path) -> None:
    (shop / "exact.txt").write_bytes(b"no strip\n\n")
    commit_all(shop, "exact")
    (shop / "exact.txt").write_text("changed\n")
    repo = Repository.open(shop)
    assert repo.show("HEAD", "exact.txt") == b"no strip\n\n"
    assert repo.show("HEAD~1", "shop/views.py") == b"def index(request):\n    return 'hello'\n"
    with pytest.raises(RepoError, match="does not exist at HEAD~1"):
        repo.show("HEAD~1", "exact.txt")
    with pytest.raises(RepoError, match="is a folder"):
        repo.show("HEAD", "shop")
    with pytest.raises(RepoError, match="No commit or branch named"):
        repo.show("no-such-branch", "exact.txt")
    with pytest.raises(RepoError, match="not a revision"):
        repo.show("--output=/tmp/x", "exact.txt")


def test_grep_with_glob_cap_and_no_match(shop: Path) -> None:
    repo = Repository.open(shop)
    found = repo.grep(r"def \w+")
    assert [(m.path, m.line, m.text) for m in found.matches] == [("shop/views.py", 1, "def index(request):")]
    assert repo.grep("hello", glob="*.py").paths() == ["shop/views.py"]
    assert repo.grep("notes").paths() == ["notes.md"]  # untracked files are searched too
    assert repo.grep("noise").matches == []  # ignored files are not
    empty = repo.grep("no such text anywhere")
    assert empty.matches == [] and not empty.truncated
    for n in range(30):
        (shop / f"many{n}.txt").write_text("needle\n")
    capped = repo.grep("needle", max_results=10)
    assert len(capped.matches) == 10 and capped.truncated
    with pytest.raises(RepoError, match="not a valid regular expression"):
        repo.grep("(")


def test_grep_leaves_out_secret_files_and_redacts(shop: Path) -> None:
    (shop / ".env").write_text("DJANGO_DEBUG=1\n")
    (shop / "settings.py").write_text("DEBUG = True\nPASSWORD = 'hunter2-hunter2'\n")
    repo = Repository.open(shop)
    result = repo.grep("DEBUG|PASSWORD")
    assert result.paths() == ["settings.py"] and result.secret_files == [".env"]
    assert result.matches[1].text == "PASSWORD = '[REDACTED:password]'" and result.redactions == ("password",)
    loose = Repository.open(shop, policy=SafetyPolicy(redact=False, refuse_secret_files=False))
    assert loose.grep("DEBUG").paths() == [".env", "settings.py"]


def test_diff_scopes(shop: Path) -> None:
    git(shop, "checkout", "-q", "-b", "feature")
    (shop / "shop" / "views.py").write_text("def index(request):\n    return 'bye'\n")
    git(shop, "commit", "-q", "-am", "change greeting")
    (shop / "shop" / "models.py").write_text("class Product:\n    name = 'y'\n")
    git(shop, "add", "shop/models.py")
    (shop / "README.md").write_text("# demo\nmore\n")
    repo = Repository.open(shop)
    unstaged = repo.diff("unstaged")
    assert "+more" in unstaged and "name = 'y'" not in unstaged
    assert "+untracked notes" in unstaged  # new files are part of what changed
    assert "+    name = 'y'" in repo.diff("staged") and "+more" not in repo.diff("staged")
    base = repo.diff("base", base="main")
    assert "+    return 'bye'" in base and "+    name = 'y'" in base and "+more" in base and "+untracked notes" in base
    assert repo.diff("path", path="README.md").count("diff --git") == 1
    assert repo.changed_files("unstaged") == ["README.md", "notes.md"]
    assert repo.changed_files("staged") == ["shop/models.py"]
    assert repo.changed_files("base", base="main") == ["README.md", "notes.md", "shop/models.py", "shop/views.py"]
    assert "+untracked notes" in repo.diff("path", path="notes.md")
    with pytest.raises(RepoError, match="No commit or branch named"):
        repo.diff("base", base="nope")
    with pytest.raises(RepoError, match="Unknown diff scope"):
        repo.diff("everything")
    with pytest.raises(RepoError, match="needs a base"):
        repo.diff("base")


def test_diff_leaves_out_secret_files_and_redacts(shop: Path) -> None:
    (shop / ".env.local").write_text("API_TOKEN=abcdef123456\n")
    (shop / "config.py").write_text("DB = 'mysql://app:pw-1234@db/shop'\n")
    diff = Repository.open(shop).diff("unstaged")
    assert "abcdef123456" not in diff and "[left out: .env.local is a secret file]" in diff
    assert "mysql://app:[REDACTED:url-password]@db/shop" in diff


def test_log(shop: Path) -> None:
    repo = Repository.open(shop)
    commits = repo.log()
    assert [c.subject for c in commits] == ["shop app", "initial"]
    assert repo.log(count=1)[0].subject == "shop app"
    assert [c.subject for c in repo.log(path="README.md")] == ["initial"]
    assert commits[0].author == "T" and len(commits[0].date) == 10


def test_show_commit(shop: Path) -> None:
    text = Repository.open(shop).show_commit("HEAD")
    assert "shop app" in text and "shop/views.py" in text and "+def index(request):" in text


def test_state_key_changes_only_when_the_repository_does(shop: Path) -> None:
    repo = Repository.open(shop)
    first = repo.state_key()
    assert repo.state_key() == first
    (shop / "notes.md").write_text("edited notes, longer than before\n")
    assert repo.state_key() != first


def test_a_huge_diff_is_capped_as_git_produces_it(git_repo: Path) -> None:
    import tracemalloc

    from backdev.repo.history import diff

    big = git_repo / "data.txt"
    big.write_text("".join(f"old line {n}\n" for n in range(400_000)))  # ~5.5 MB
    git(git_repo, "add", "data.txt")
    git(git_repo, "commit", "-qm", "data")
    big.write_text("".join(f"new line {n}\n" for n in range(400_000)))
    repo = Repository.open(git_repo)
    tracemalloc.start()
    try:
        result = diff(repo, "unstaged", max_bytes=50_000)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.truncated and len(result.text) < 60_000
    assert "[diff truncated at 50,000 bytes" in result.text
    assert peak < 2_000_000  # the whole 11 MB diff is never held
    whole = diff(repo, "unstaged")  # without a cap of its own, the built-in ceiling applies
    assert whole.truncated and len(whole.text.encode()) <= 4_100_000
