"""Paths are confined to the repository; secret files are recognised by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from backdev.repo.safety import PathRefused, is_secret_path, normalize_repo_path, resolve_in_repo

from .repo_helpers import add_symlinks


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "app").mkdir(parents=True)
    (root / "app" / "views.py").write_text("x = 1\n")
    add_symlinks(root, tmp_path / "outside", "app")
    return root


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("../../etc/passwd", "outside the repository"),
        ("app/../../outside/secret.txt", "outside the repository"),
        ("/etc/passwd", "absolute path"),
        ("~/.ssh/id_rsa", "home folder"),
        ("~", "home folder"),
        ("link-out.txt", "outside the repository"),
        ("linked-folder/secret.txt", "outside the repository"),
        ("linked-folder", "outside the repository"),
        ("", "empty path"),
        ("app/\0views.py", "not a valid path"),
    ],
)
def test_paths_leaving_the_repository_are_refused_with_a_reason(tree: Path, raw: str, reason: str) -> None:
    with pytest.raises(PathRefused) as caught:
        resolve_in_repo(tree, raw)
    assert reason in str(caught.value)


def test_paths_inside_are_resolved(tree: Path) -> None:
    assert resolve_in_repo(tree, "app/views.py") == (tree / "app" / "views.py").resolve()
    assert resolve_in_repo(tree, "./app/../app/views.py") == (tree / "app" / "views.py").resolve()
    # A symlinked folder that points inside the repository is fine.
    assert resolve_in_repo(tree, "alias/views.py") == (tree / "app" / "views.py").resolve()
    assert resolve_in_repo(tree, ".") == tree.resolve()
    assert resolve_in_repo(tree, "app/new-file.py") == (tree / "app" / "new-file.py").resolve()  # need not exist


def test_paths_at_a_revision_are_normalised_without_the_disk() -> None:
    assert normalize_repo_path("./app//views.py") == "app/views.py"
    for bad in ("../x", "/etc/passwd", "~/x", "a/../../b", ""):
        with pytest.raises(PathRefused):
            normalize_repo_path(bad)


@pytest.mark.parametrize(
    "path",
    [".env", ".env.production", "config/prod.env", "certs/server.pem", "server.key", "home/id_rsa", "id_rsa.pub",
     "id_ed25519", "cert.p12", ".netrc", "credentials.json", "aws/credentials", "client_secret.json", "my-secrets.yaml"],
)
def test_secret_file_names(path: str) -> None:
    assert is_secret_path(path)


@pytest.mark.parametrize("path", ["README.md", "app/views.py", "environment.py", "docs/keys.md", "app/models.py"])
def test_ordinary_file_names(path: str) -> None:
    assert not is_secret_path(path)


def test_configured_patterns_add_to_the_list() -> None:
    assert not is_secret_path("db.sqlite3")
    assert is_secret_path("db.sqlite3", ("*.sqlite3",))
    assert is_secret_path("deploy/vault/prod.yml", ("deploy/vault/*",))
