"""Real repositories for the repository-context tests (built with git in tmp dirs)."""

from __future__ import annotations

from pathlib import Path

from .conftest import git


def commit_all(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def make_shop(repo: Path) -> Path:
    """Add to a one-commit repository: an app, an ignored folder and log, and an untracked file."""
    (repo / ".gitignore").write_text("*.log\nbuild/\n")
    (repo / "shop").mkdir()
    (repo / "shop" / "models.py").write_text("class Product:\n    name = 'x'\n")
    (repo / "shop" / "views.py").write_text("def index(request):\n    return 'hello'\n")
    commit_all(repo, "shop app")
    (repo / "build").mkdir()
    (repo / "build" / "out.txt").write_text("built\n")
    (repo / "debug.log").write_text("noise\n")
    (repo / "notes.md").write_text("untracked notes\n")
    return repo


def add_submodule(repo: Path, tmp_path: Path, where: str = "vendor/lib") -> None:
    """Make a small repository and add it to `repo` as a submodule at `where`."""
    lib = tmp_path / "lib"
    lib.mkdir()
    git(lib, "init", "-q", "-b", "main")
    (lib / "inner.py").write_text("inner = True\n")
    commit_all(lib, "lib")
    git(repo, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(lib), where)
    commit_all(repo, "add submodule")


def add_symlinks(root: Path, outside: Path, inside_folder: str) -> None:
    """Links out of `root` (`link-out.txt` to a file, `linked-folder` to a folder) and one in (`alias`)."""
    import os

    outside.mkdir()
    (outside / "secret.txt").write_text("top secret: hunter2\n")
    os.symlink(outside / "secret.txt", root / "link-out.txt")
    os.symlink(outside, root / "linked-folder")
    os.symlink(root / inside_folder, root / "alias")


def make_shop_with_secrets(repo: Path) -> Path:
    """`make_shop`, plus a settings file holding a password and a committed `.env`."""
    root = make_shop(repo)
    (root / "shop" / "settings.py").write_text("DEBUG = True\nDB_PASSWORD = 'hunter2-hunter2'\nTIMEOUT = 30\n")
    (root / ".env").write_text("DEBUG=1\nSECRET_KEY=abc123def456\n")
    commit_all(root, "settings")
    return root
