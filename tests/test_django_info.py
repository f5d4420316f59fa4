"""`django_info`: the details the overview had no room for, read-only, redacted and capped like the other tools."""

from __future__ import annotations

from pathlib import Path

import pytest

from backdev.repo.repository import Repository
from backdev.repo.safety import SafetyPolicy
from backdev.repo.tools import repo_tools
from backdev.settings import Settings
from backdev.tools.base import Tool

from .django_project import write_django_project
from .repo_helpers import commit_all


@pytest.fixture
def site(git_repo: Path) -> Path:
    write_django_project(git_repo)
    models = git_repo / "shop" / "models.py"
    models.write_text(models.read_text() + "\n\nclass Vendor(models.Model):\n"
                      "    api_key = models.CharField(max_length=64, default='sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789')\n")
    commit_all(git_repo, "site")
    return git_repo


def info_tool(root: Path, **settings: object) -> Tool:
    chosen = Settings(**settings)  # type: ignore[arg-type]
    repo = Repository.open(root, policy=SafetyPolicy.from_settings(chosen))
    return next(tool for tool in repo_tools(repo, chosen) if tool.name == "django_info")


async def test_without_arguments_it_lists_projects_and_apps(site: Path) -> None:
    outcome = await info_tool(site).run({})
    assert not outcome.is_error and outcome.summary == "django_info · 1 project"
    assert "Django project at the repository root: 8 models, 2 DRF views, 1 serializers, 6 routes" in outcome.content
    assert "  apps: accounts (1), core (1), orders (3), shop (6)" in outcome.content


async def test_one_model_with_what_is_built_on_it(site: Path) -> None:
    outcome = await info_tool(site).run({"model": "Product"})
    lines = outcome.content.splitlines()
    assert "shop.Product (shop/models.py:15) bases TimeStamped; inherits created_at, updated_at" in lines
    assert "  stock: PositiveIntegerField (default=0, db_index=True)" in lines
    assert any(line.startswith("ProductViewSet (ModelViewSet, shop/views.py): serializer ProductSerializer") for line in lines)
    assert any(line.startswith("ProductSerializer (ModelSerializer of Product)") for line in lines)
    assert "/api/products/<pk>/restock/ → views.ProductViewSet (router, name=product)" in lines
    assert outcome.summary == "django_info model=Product · 1 models, 1 views, 1 serializers, 3 routes"


async def test_an_app_routes_by_prefix_and_no_match(site: Path) -> None:
    tool = info_tool(site)
    app = await tool.run({"app": "orders"})
    assert "orders.OrderItem (orders/models.py:12)" in app.content and "order_detail (@api_view(['GET'])" in app.content
    routes = await tool.run({"routes": "/orders/"})
    assert routes.content.splitlines()[1:] == ["/orders/<int:pk>/ → views.order_detail (name=order-detail)",
                                               "/orders/health/ → views.health"]
    missing = await tool.run({"model": "Nope"})
    assert missing.summary == "django_info model=Nope · no match" and "call django_info without arguments" in missing.content
    unknown = await tool.run({"project": "elsewhere"})
    assert "No project at 'elsewhere'" in unknown.content


async def test_secrets_are_redacted_and_the_answer_is_capped(site: Path) -> None:
    outcome = await info_tool(site).run({"model": "Vendor"})
    assert "sk-ant-api03" not in outcome.content and "[REDACTED:" in outcome.content
    assert "redacted:" in outcome.summary
    capped = await info_tool(site, read_max_bytes=300).run({"app": "shop"})
    assert len(capped.content.encode()) < 600 and "Cut at the read cap (read_max_bytes)" in capped.content
    assert capped.summary.endswith("(truncated)")


async def test_a_repository_without_django(git_repo: Path) -> None:
    (git_repo / "main.go").write_text("package main\n")
    commit_all(git_repo, "go")
    outcome = await info_tool(git_repo).run({})
    assert outcome.content == "No Django project or app was found in this repository."
