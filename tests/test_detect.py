"""Frameworks, tools, languages and the test command, detected from the file list and config files."""

from __future__ import annotations

from pathlib import Path

import pytest

from backdev.repo.detect import detect_stack, detect_test_command, languages
from backdev.repo.repository import Repository, walk_files

from .django_project import write_django_project


def folder_with(tmp_path: Path, files: dict[str, str]) -> Repository:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return Repository.open(tmp_path)


def test_django_project_stack_and_test_command(tmp_path: Path) -> None:
    root = write_django_project(tmp_path)
    (root / "Dockerfile").write_text("FROM python:3.12\n")
    (root / "docker-compose.yml").write_text("services: {}\n")
    (root / ".github" / "workflows").mkdir(parents=True)
    (root / ".github" / "workflows" / "ci.yml").write_text("on: push\n")
    (root / "tox.ini").write_text("[tox]\n")
    (root / "pyproject.toml").write_text("[tool.ruff]\nline-length = 100\n")
    files = walk_files(root)
    assert detect_stack(root, files) == [
        "Django", "Django REST framework", "Celery", "pytest (pytest-django)", "tox", "Docker", "Docker Compose",
        "GitHub Actions", "Ruff", "MySQL client", "Redis",  # celery[redis] brings Redis
    ]
    assert detect_test_command(Repository.open(root)) == ["python", "-m", "pytest"]
    assert languages(files)[0] == ("Python", 21)


@pytest.mark.parametrize(
    ("files", "command"),
    [
        ({"manage.py": "", "shop/models.py": ""}, ["python", "manage.py", "test"]),
        ({"pyproject.toml": "[tool.pytest.ini_options]\naddopts = '-q'\n", "manage.py": ""}, ["python", "-m", "pytest"]),
        ({"setup.cfg": "[tool:pytest]\n", "lib.py": ""}, ["python", "-m", "pytest"]),
        ({"tox.ini": "[tox]\nenvlist = py311\n"}, ["tox"]),
        ({"Makefile": "lint:\n\truff .\n\ntest: lint\n\tpytest\n"}, ["make", "test"]),
        ({"tests/test_app.py": "def test_x(): pass\n"}, ["python", "-m", "pytest"]),
        ({"README.md": "hello\n", "Makefile": "build:\n\techo\n"}, None),
        ({"pytest.ini": "[pytest]\n"}, ["python", "-m", "pytest"]),
        ({"manage.py": "", "pytest.ini": "[pytest]\nDJANGO_SETTINGS_MODULE = x\n"}, ["python", "-m", "pytest"]),
        ({"test_b.py": ""}, ["python", "-m", "pytest"]),
    ],
)
def test_test_command(tmp_path: Path, files: dict[str, str], command: list[str] | None) -> None:
    assert detect_test_command(folder_with(tmp_path, files)) == command


def test_languages_by_file_count() -> None:
    files = ["a.py", "b.py", "c.js", "d.ts", "e.tsx", "f.html", "README.md", "Makefile", "data.bin"]
    assert languages(files) == [("Python", 2), ("TypeScript", 2), ("HTML", 1), ("JavaScript", 1), ("Markdown", 1)]
