"""The repository overview: tree, languages, stack, test command, Django summary; capped and cached."""

from __future__ import annotations

from pathlib import Path

import pytest

from backdev import paths
from backdev.repo import overview as overview_module
from backdev.repo.overview import build_overview, compact_tree
from backdev.repo.repository import Repository
from backdev.settings import Settings

from .django_project import write_django_project
from .repo_helpers import commit_all


@pytest.fixture
def site(git_repo: Path) -> Path:
    write_django_project(git_repo)
    commit_all(git_repo, "django site")
    return git_repo


def test_overview_of_a_django_repository(site: Path) -> None:
    result = build_overview(Repository.open(site), Settings())
    text = result.text
    assert text.startswith("# Repository overview\n")
    assert f"Root: {site.resolve()} · branch main · 24 files" in text
    assert "Languages: Python 21, Markdown 1" in text
    assert "Frameworks and tools: Django, Django REST framework, Celery, pytest (pytest-django), MySQL client, Redis" in text
    assert "Test command: python -m pytest (detected)" in text
    assert "  shop/ 7" in text and "Top level: 4 files: manage.py, pytest.ini, README.md, requirements.txt" in text
    assert "shop.Product (shop/models.py:15) bases TimeStamped; inherits created_at, updated_at" in text
    assert result.test_command == ["python", "-m", "pytest"] and not result.from_cache


def test_the_configured_test_command_wins(site: Path) -> None:
    result = build_overview(Repository.open(site), Settings(test_command=("make", "check")))
    assert "Test command: make check (from the test_command setting)" in result.text
    assert result.test_command == ["make", "check"]


def test_a_plain_repository_is_capped_by_the_token_budget(tmp_path: Path) -> None:
    for n in range(60):
        (tmp_path / f"package{n:02d}").mkdir()
        (tmp_path / f"package{n:02d}" / "module.py").write_text("x = 1\n")
    result = build_overview(Repository.open(tmp_path), Settings(overview_max_tokens=100))
    assert len(result.text) <= 100 * 4
    assert result.text.rstrip().endswith("the rest is left out: read the files with read_file or search.]")


def test_the_django_names_are_a_floor_the_tree_gives_way_first(site: Path) -> None:
    result = build_overview(Repository.open(site), Settings(overview_max_tokens=200))
    text = result.text
    for names in ("  shop: Category, Tag, Product", "  orders: Order, OrderItem", "  shop: ProductViewSet",
                  "  shop: ProductSerializer"):
        assert names in text
    assert "  shop/ 7" not in text  # the tree's lines went first
    assert "[Overview cut" not in text


def test_the_budget_is_filled_progressively(site: Path) -> None:
    full = build_overview(Repository.open(site), Settings()).text
    for tokens in (450, 600, 800):
        text = build_overview(Repository.open(site), Settings(overview_max_tokens=tokens)).text
        assert tokens * 4 * 0.8 <= len(text) <= tokens * 4 < len(full)  # most of the budget used, none exceeded
        assert "(Left out for the budget: " in text and "shop.Product (shop/models.py:15)" in text
    roomy = build_overview(Repository.open(site), Settings(overview_max_tokens=5000)).text
    assert roomy == full and "(Left out" not in roomy


def test_cached_by_head_and_dirty_state(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = Repository.open(site)
    first = build_overview(repo, Settings())
    assert list((paths.data_dir() / "overview").glob("*.json"))

    def must_not_parse(*args: object) -> None:
        raise AssertionError("an unchanged repository was parsed again")

    # A context, not monkeypatch.undo(): undo() would also undo the autouse home isolation and
    # the next build would write into the person's real data folder.
    with monkeypatch.context() as patched:
        patched.setattr(overview_module, "summarize_repository", must_not_parse)
        again = build_overview(Repository.open(site), Settings())
    assert again.from_cache and again.text == first.text and again.test_command == first.test_command
    (site / "shop" / "models.py").write_text((site / "shop" / "models.py").read_text() + "\nclass Coupon(models.Model):\n"
                                             "    code = models.CharField(max_length=12)\n")
    changed = build_overview(repo, Settings())
    assert not changed.from_cache and "shop.Coupon" in changed.text


def test_plain_folder_and_redaction(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "main.py").write_text("print(1)\n")
    result = build_overview(Repository.open(tmp_path), Settings())
    assert "not a git repository" in result.text and "Languages: Python 1" in result.text
    assert "Test command: none found" in result.text and result.test_command is None


def test_compact_tree_caps_folders() -> None:
    files = [f"pkg{n}/mod{m}.py" for n in range(40) for m in range(n + 1)] + ["setup.py"]
    lines = compact_tree(files, max_folders=5)
    assert lines[0] == "Tree (files per folder, 821 files):"
    assert lines[1] == "  pkg39/ 40" and len([x for x in lines if x.startswith("  pkg")]) == 5
    assert lines[-2] == "  … 35 more folders with 630 files"
    assert lines[-1] == "Top level: 1 file: setup.py"


def test_the_names_floor_has_a_ceiling(site: Path) -> None:
    models = site / "shop" / "models.py"
    models.write_text(models.read_text() + "".join(f"\nclass Generated{n:04d}(models.Model):\n    pass\n" for n in range(400)))
    text = build_overview(Repository.open(site), Settings(overview_max_tokens=100)).text
    assert len(text) <= 10 * 100 * 4 and "Generated0000" in text
    assert text.rstrip().endswith("the rest is left out: read the files with read_file or search.]")
