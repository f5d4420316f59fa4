"""The overview budget spent well: every name first, then the most central details, most of it used."""

from __future__ import annotations

import re
from pathlib import Path

from backdev.repo.overview import build_overview
from backdev.repo.repository import Repository
from backdev.settings import Settings

from .django_project import write_large_project

BUDGET = Settings().overview_max_tokens * 4


def overview(root: Path, **settings: object) -> str:
    return build_overview(Repository.open(root), Settings(**settings)).text  # type: ignore[arg-type]


def test_six_hundred_names_always_fit_the_default_budget(tmp_path: Path) -> None:
    root = write_large_project(tmp_path, apps=10, models=20)  # 200 models, 200 viewsets, 200 serializers
    text = overview(root)
    for a in range(10):
        for m in range(20):
            for suffix in ("", "ViewSet", "Serializer"):
                assert re.search(rf"\bCustomerRecord{a}x{m}{suffix}\b", text), f"CustomerRecord{a}x{m}{suffix}"
    # Names this long (25 characters on average) need more than the budget: the floor wins, nothing else is added.
    assert "Models in detail" not in text and "Tree (files per folder" not in text and "  app0/" not in text
    assert "[Overview cut" not in text


def test_a_budget_is_mostly_used_and_never_exceeded_when_the_names_fit(tmp_path: Path) -> None:
    root = write_large_project(tmp_path, apps=4, models=10, fields=12)
    text = overview(root)
    assert 0.9 * BUDGET <= len(text) <= BUDGET
    assert "(Left out for the budget: " in text and "django_info(" in text
    bigger = overview(root, overview_max_tokens=6000)
    assert 0.9 * 6000 * 4 <= len(bigger) <= 6000 * 4 and bigger.count("field_") > text.count("field_") > 0


def test_routes_do_not_crowd_out_the_models(tmp_path: Path) -> None:
    root = write_large_project(tmp_path, apps=2, models=6, routes=80)  # 12 models, 12 viewsets, ~200 routes
    text = overview(root)
    for a in range(2):
        for m in range(6):  # every model keeps its fields
            assert f"app{a}.CustomerRecord{a}x{m} (app{a}/models.py:" in text
    assert "URL routes (" in text and "shown):" in text


def test_the_most_referenced_models_come_first(tmp_path: Path) -> None:
    root = write_large_project(tmp_path, apps=3, models=4)
    models = root / "app0" / "models.py"
    models.write_text(models.read_text() + "\n\nclass Hub(models.Model):\n    name = models.CharField(max_length=5)\n")
    for a in (1, 2):
        path = root / f"app{a}" / "models.py"
        path.write_text(path.read_text() + "\n\nclass Spoke(models.Model):\n" + "".join(
            f"    hub{n} = models.ForeignKey('app0.Hub', on_delete=models.CASCADE)\n" for n in range(3)))
    text = overview(root, overview_max_tokens=5000)
    details = text.split("Models in detail (most referenced first):\n", 1)[1]
    assert details.startswith("app0.Hub (app0/models.py:")
