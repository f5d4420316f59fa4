"""The Django/DRF summary of a conventional project, built with `ast` only, checked field by field."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from backdev.repo.django.project import summarize_django, summarize_repository
from backdev.repo.django.render import render_project
from backdev.repo.repository import walk_files

from .django_project import write_django_project


@pytest.fixture
def summary(tmp_path: Path):  # type: ignore[no-untyped-def]
    root = write_django_project(tmp_path / "site")
    found = summarize_django(root, walk_files(root))
    assert found is not None
    return found


def fields_of(summary, label: str) -> dict:  # type: ignore[no-untyped-def]
    model = next(m for m in summary.models if m.label == label)
    return {f.name: (f.kind, f.target, f.options) for f in model.fields}


def render_django(summary) -> str:  # type: ignore[no-untyped-def]
    return render_project(summary).text


def test_settings_database_and_apps(summary) -> None:  # type: ignore[no-untyped-def]
    assert summary.settings_path == "mysite/settings.py" and summary.settings_module == "mysite.settings"
    assert [(d.alias, [e.value for e in d.engines]) for d in summary.databases] == [
        ("default", ["MySQL (django.db.backends.mysql)"])]
    assert summary.root_urlconf == "mysite.urls" and summary.auth_user_model == "accounts.User"
    assert [(a.label, a.path) for a in summary.apps] == [("accounts", "accounts"), ("shop", "shop"), ("orders", "orders")]
    assert summary.third_party_apps == ["rest_framework", "django_filters"]
    assert summary.rest_framework == {"DEFAULT_PERMISSION_CLASSES": "IsAuthenticated",
                                      "DEFAULT_AUTHENTICATION_CLASSES": "SessionAuthentication", "PAGE_SIZE": "50"}


def test_models_field_by_field(summary) -> None:  # type: ignore[no-untyped-def]
    assert sorted(m.label for m in summary.models) == [
        "accounts.User", "core.TimeStamped", "orders.Order", "orders.OrderItem", "shop.Category", "shop.Product",
        "shop.Tag"]
    assert fields_of(summary, "shop.Product") == {
        "name": ("CharField", None, {"max_length": "200"}),
        "price": ("DecimalField", None, {"max_digits": "10", "decimal_places": "2"}),
        "category": ("ForeignKey", "shop.Category", {"on_delete": "PROTECT", "related_name": "'products'"}),
        "tags": ("ManyToManyField", "shop.Tag", {"blank": "True"}),
        "stock": ("PositiveIntegerField", None, {"default": "0", "db_index": "True"}),
    }
    assert fields_of(summary, "shop.Category")["parent"] == (
        "ForeignKey", "shop.Category", {"null": "True", "blank": "True", "on_delete": "SET_NULL", "related_name": "'children'"})
    assert fields_of(summary, "orders.Order") == {
        "customer": ("ForeignKey", "accounts.User", {"on_delete": "CASCADE"}),
        "status": ("CharField", None, {"max_length": "10", "choices": "Status.choices", "default": "Status.NEW"}),
    }
    assert fields_of(summary, "orders.OrderItem")["product"] == ("ForeignKey", "shop.Product", {"on_delete": "PROTECT"})
    assert fields_of(summary, "accounts.User") == {"phone": ("CharField", None, {"max_length": "20", "blank": "True"})}


def test_model_meta_bases_and_managers(summary) -> None:  # type: ignore[no-untyped-def]
    models = {m.label: m for m in summary.models}
    product = models["shop.Product"]
    assert product.bases == ["TimeStamped"] and product.inherited == ["created_at", "updated_at"]
    assert product.meta == {"db_table": "'shop_product'", "ordering": "['-created_at']"}
    assert product.indexes == ["Index(fields=['name', 'price'], name='product_name_price')"]
    assert product.constraints == ["CheckConstraint(check=Q(price__gte=0), name='price_not_negative')"]
    assert product.managers == ["objects: Manager()"]
    assert (product.path, product.line) == ("shop/models.py", 15)
    assert models["core.TimeStamped"].abstract and not product.abstract
    assert models["orders.OrderItem"].meta == {"unique_together": "[('order', 'product')]"}
    assert models["shop.Category"].meta == {"verbose_name_plural": "'categories'", "ordering": "['name']"}
    assert models["accounts.User"].bases == ["AbstractUser"]


def test_url_routes_follow_includes_and_routers(summary) -> None:  # type: ignore[no-untyped-def]
    assert [(r.pattern, r.view, r.name, r.kind) for r in summary.routes] == [
        ("/admin/", "admin.site.urls", None, "path"),
        ("/api/products/", "views.ProductViewSet", "product", "router"),
        ("/api/products/<pk>/", "views.ProductViewSet", "product", "router-detail"),
        ("/api/products/<pk>/restock/", "views.ProductViewSet", "product", "router-action"),
        ("/orders/<int:pk>/", "views.order_detail", "order-detail", "path"),
        ("/orders/health/", "views.health", None, "re_path"),
    ]


def test_rest_framework_views_serializers_permissions(summary) -> None:  # type: ignore[no-untyped-def]
    views = {v.name: v for v in summary.views}
    product = views["ProductViewSet"]
    assert (product.path, product.bases) == ("shop/views.py", ["ModelViewSet"])
    assert product.serializer == "ProductSerializer"
    assert product.queryset == "Product.objects.select_related('category')"
    assert product.permissions == ["IsAuthenticated", "IsStaffOrReadOnly"]
    assert product.actions == ["restock (detail; post)"]
    assert views["order_detail"].bases == ["@api_view(['GET'])"]
    assert "health" not in views  # a plain Django view is a route, not a DRF view
    (serializer,) = summary.serializers
    assert (serializer.name, serializer.base, serializer.model) == ("ProductSerializer", "ModelSerializer", "Product")
    assert serializer.fields == "['id', 'name', 'price', 'category_name']" and serializer.declared == ["category_name"]
    assert [(p.name, p.path) for p in summary.permissions] == [("IsStaffOrReadOnly", "shop/permissions.py")]


def test_rendered_summary_is_compact_and_complete(summary) -> None:  # type: ignore[no-untyped-def]
    text = render_django(summary)
    for line in (
        "## Django project at the repository root (static summary: read with ast, never imported)",
        "Settings: mysite.settings (mysite/settings.py) · ROOT_URLCONF mysite.urls · AUTH_USER_MODEL accounts.User",
        "Database: default: MySQL (django.db.backends.mysql)",
        "Apps: accounts, shop, orders · third-party: rest_framework, django_filters",
        "shop.Product (shop/models.py:15) bases TimeStamped; inherits created_at, updated_at",
        "  category: ForeignKey → shop.Category (on_delete=PROTECT, related_name='products')",
        "  Meta: db_table='shop_product', ordering=['-created_at']",
        "  indexes: Index(fields=['name', 'price'], name='product_name_price')",
        "core.TimeStamped (core/models.py:3) abstract",
        "/api/products/ → views.ProductViewSet (router, name=product)",
        "ProductViewSet (ModelViewSet, shop/views.py): serializer ProductSerializer · queryset "
        "Product.objects.select_related('category') · permissions IsAuthenticated, IsStaffOrReadOnly · actions restock (detail; post)",
        "ProductSerializer (ModelSerializer of Product): fields ['id', 'name', 'price', 'category_name'] · declared category_name",
        "REST_FRAMEWORK: DEFAULT_PERMISSION_CLASSES=IsAuthenticated, DEFAULT_AUTHENTICATION_CLASSES=SessionAuthentication, PAGE_SIZE=50",
    ):
        assert line in text.splitlines(), line
    assert "django-insecure" not in text  # settings values other than the summary's are never copied


def test_never_imports_the_project(tmp_path: Path) -> None:
    root = write_django_project(tmp_path / "site")
    (root / "shop" / "models.py").write_text((root / "shop" / "models.py").read_text() + "\nraise SystemExit('imported!')\n")
    before = set(sys.modules)
    assert summarize_django(root, walk_files(root)) is not None
    assert not {m for m in set(sys.modules) - before if m.split(".")[0] in ("shop", "mysite", "django", "orders")}


def test_a_models_file_linking_out_of_the_repository_is_not_read(tmp_path: Path) -> None:
    root = write_django_project(tmp_path / "site")
    outside = tmp_path / "elsewhere.py"
    outside.write_text("from django.db import models\nclass Leaked(models.Model):\n    secret = models.TextField()\n")
    (root / "orders" / "models.py").unlink()
    (root / "orders" / "models.py").symlink_to(outside)
    summary = summarize_django(root, walk_files(root))
    assert summary is not None and "Leaked" not in render_django(summary)


def test_broken_files_and_non_django_projects(tmp_path: Path) -> None:
    root = write_django_project(tmp_path / "site")
    (root / "orders" / "models.py").write_text("class Broken(:\n")
    summary = summarize_django(root, walk_files(root))
    assert summary is not None and "orders.Order" not in [m.label for m in summary.models]
    assert summary.problems == ["orders/models.py: syntax error on line 1: invalid syntax"]
    assert "Not summarised: orders/models.py: syntax error on line 1: invalid syntax" in render_django(summary)
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "app.py").write_text("print('hi')\n")
    assert summarize_django(plain, ["app.py"]) is None


def test_a_small_budget_keeps_every_name_and_says_what_was_left_out(summary) -> None:  # type: ignore[no-untyped-def]
    full = render_project(summary).text
    small = render_project(summary, 900)
    for name in ("User", "TimeStamped (abstract)", "Order, OrderItem", "Category, Tag, Product", "ProductViewSet",
                 "order_detail", "ProductSerializer"):
        assert name in small.text
    assert len(small.text) <= max(900, small.floor) and len(small.text) < len(full)
    assert small.text.splitlines()[-1].startswith("(Left out for the budget: ")
    assert "django_info(" in small.text.splitlines()[-1]
    assert summarize_repository(summary_root(summary), []).projects == []


def summary_root(summary) -> Path:  # type: ignore[no-untyped-def]
    return Path("/nonexistent")


def test_a_step_that_fails_is_named_and_the_rest_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from backdev.repo.django import project

    root = write_django_project(tmp_path / "site")

    def broken(self) -> None:  # type: ignore[no-untyped-def]
        raise KeyError("odd shape")

    monkeypatch.setattr(project._ProjectReader, "urls", broken)
    facts = summarize_repository(root, walk_files(root))
    (summary,) = facts.projects
    assert summary.routes == [] and len(summary.models) == 7
    assert facts.problems == [".: part of the summary failed (KeyError: 'odd shape')"]


def test_a_relation_to_an_imported_django_model_gets_its_real_label(tmp_path: Path) -> None:
    root = write_django_project(tmp_path / "site")
    (root / "orders" / "models.py").write_text(
        "from django.contrib.auth.models import User, Group\nfrom django.db import models\nfrom shop import models as shop\n\n"
        "class Order(models.Model):\n    owner = models.ForeignKey(User, on_delete=models.CASCADE)\n"
        "    team = models.ForeignKey(Group, on_delete=models.CASCADE)\n"
        "    product = models.ForeignKey(shop.Product, on_delete=models.CASCADE)\n")
    facts = summarize_repository(root, walk_files(root))
    assert fields_of(facts.projects[0], "orders.Order") == {
        "owner": ("ForeignKey", "auth.User", {"on_delete": "CASCADE"}),
        "team": ("ForeignKey", "auth.Group", {"on_delete": "CASCADE"}),
        "product": ("ForeignKey", "shop.Product", {"on_delete": "CASCADE"}),
    }
