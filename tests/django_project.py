"""A small Django/DRF project written to disk for the summary tests (never imported or run)."""

from __future__ import annotations

import textwrap
from pathlib import Path

FILES = {
    "manage.py": """
        import os, sys
        if __name__ == "__main__":
            os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")
            from django.core.management import execute_from_command_line
            execute_from_command_line(sys.argv)
    """,
    "requirements.txt": "Django==5.1\ndjangorestframework==3.15\ncelery[redis]>=5.3\nmysqlclient\npytest-django\n",
    "pytest.ini": "[pytest]\nDJANGO_SETTINGS_MODULE = mysite.settings\n",
    "mysite/__init__.py": "",
    "mysite/settings.py": """
        import os
        SECRET_KEY = "django-insecure-abcdefghijklmnop"
        DJANGO_APPS = [
            "django.contrib.admin",
            "django.contrib.auth",
            "django.contrib.contenttypes",
        ]
        THIRD_PARTY = ["rest_framework", "django_filters"]
        LOCAL_APPS = ["accounts", "shop.apps.ShopConfig", "orders"]
        INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY + LOCAL_APPS
        ROOT_URLCONF = "mysite.urls"
        AUTH_USER_MODEL = "accounts.User"
        DATABASES = {
            "default": {
                "ENGINE": "django.db.backends.mysql",
                "NAME": "shop",
                "PASSWORD": os.environ.get("DB_PASSWORD", ""),
            }
        }
        REST_FRAMEWORK = {
            "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
            "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
            "PAGE_SIZE": 50,
        }
    """,
    "mysite/urls.py": """
        from django.contrib import admin
        from django.urls import include, path

        urlpatterns = [
            path("admin/", admin.site.urls),
            path("api/", include("shop.urls")),
            path("orders/", include("orders.urls")),
        ]
    """,
    "core/__init__.py": "",
    "core/models.py": """
        from django.db import models

        class TimeStamped(models.Model):
            created_at = models.DateTimeField(auto_now_add=True)
            updated_at = models.DateTimeField(auto_now=True)

            class Meta:
                abstract = True
    """,
    "accounts/__init__.py": "",
    "accounts/apps.py": """
        from django.apps import AppConfig

        class AccountsConfig(AppConfig):
            name = "accounts"
    """,
    "accounts/models.py": """
        from django.contrib.auth.models import AbstractUser
        from django.db import models

        class User(AbstractUser):
            phone = models.CharField(max_length=20, blank=True)
    """,
    "shop/__init__.py": "",
    "shop/apps.py": """
        from django.apps import AppConfig

        class ShopConfig(AppConfig):
            name = "shop"
            label = "shop"
    """,
    "shop/models.py": """
        from django.db import models
        from core.models import TimeStamped

        class Category(models.Model):
            name = models.CharField(max_length=100, unique=True)
            parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children")

            class Meta:
                verbose_name_plural = "categories"
                ordering = ["name"]

        class Tag(models.Model):
            label = models.SlugField()

        class Product(TimeStamped):
            name = models.CharField(max_length=200)
            price = models.DecimalField(max_digits=10, decimal_places=2)
            category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
            tags = models.ManyToManyField("Tag", blank=True)
            stock = models.PositiveIntegerField(default=0, db_index=True)

            objects = models.Manager()

            class Meta:
                db_table = "shop_product"
                ordering = ["-created_at"]
                indexes = [models.Index(fields=["name", "price"], name="product_name_price")]
                constraints = [models.CheckConstraint(check=models.Q(price__gte=0), name="price_not_negative")]

            def __str__(self):
                return self.name
    """,
    "shop/serializers.py": """
        from rest_framework import serializers
        from .models import Product

        class ProductSerializer(serializers.ModelSerializer):
            category_name = serializers.CharField(source="category.name", read_only=True)

            class Meta:
                model = Product
                fields = ["id", "name", "price", "category_name"]
                read_only_fields = ["id"]
    """,
    "shop/permissions.py": """
        from rest_framework.permissions import BasePermission

        class IsStaffOrReadOnly(BasePermission):
            def has_permission(self, request, view):
                return True
    """,
    "shop/views.py": """
        from rest_framework import viewsets
        from rest_framework.decorators import action
        from rest_framework.permissions import IsAuthenticated
        from .models import Product
        from .permissions import IsStaffOrReadOnly
        from .serializers import ProductSerializer

        class ProductViewSet(viewsets.ModelViewSet):
            queryset = Product.objects.select_related("category")
            serializer_class = ProductSerializer
            permission_classes = [IsAuthenticated, IsStaffOrReadOnly]

            @action(detail=True, methods=["post"])
            def restock(self, request, pk=None):
                pass
    """,
    "shop/urls.py": """
        from django.urls import path
        from rest_framework.routers import DefaultRouter
        from . import views

        router = DefaultRouter()
        router.register(r"products", views.ProductViewSet, basename="product")

        urlpatterns = router.urls
    """,
    "orders/__init__.py": "",
    "orders/models.py": """
        from django.conf import settings
        from django.db import models

        class Order(models.Model):
            class Status(models.TextChoices):
                NEW = "new"
                PAID = "paid"

            customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
            status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEW)

        class OrderItem(models.Model):
            order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
            product = models.ForeignKey("shop.Product", on_delete=models.PROTECT)
            quantity = models.PositiveSmallIntegerField()

            class Meta:
                unique_together = [("order", "product")]
    """,
    "orders/views.py": """
        from django.http import JsonResponse
        from rest_framework.decorators import api_view

        @api_view(["GET"])
        def order_detail(request, pk):
            return JsonResponse({})

        def health(request):
            return JsonResponse({"ok": True})
    """,
    "orders/urls.py": """
        from django.urls import path, re_path
        from . import views

        urlpatterns = [
            path("<int:pk>/", views.order_detail, name="order-detail"),
            re_path(r"^health/$", views.health),
        ]
    """,
    "orders/migrations/0001_initial.py": "from django.db import migrations\nclass Migration(migrations.Migration):\n    pass\n",
}


def write_tree(root: Path, files: dict[str, str]) -> Path:
    """Write `files` (path → text, dedented) under `root`."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    return root


def write_django_project(root: Path) -> Path:
    """Write the project under `root` (which may already be a git repository)."""
    return write_tree(root, FILES)


def summarize(root: Path, **options: object):  # type: ignore[no-untyped-def]
    """Every project of the folder `root` (all its files), as the overview reads them."""
    from backdev.repo.django.project import summarize_repository
    from backdev.repo.repository import walk_files

    return summarize_repository(root, walk_files(root), **options)  # type: ignore[arg-type]


def only(facts, root: str = ""):  # type: ignore[no-untyped-def]
    """The project or app summarised at `root`."""
    return next(p for p in facts.projects if p.root == root)


def names(items) -> list[str]:  # type: ignore[no-untyped-def]
    return [item.name for item in items]


def write_large_project(root: Path, apps: int, models: int, *, routes: int = 0, fields: int = 6) -> Path:
    """A project of `apps` apps with `models` models each (a viewset and a serializer per model), related
    across apps, and `routes` plain routes per app besides the router's."""
    files = {
        "manage.py": "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'conf.settings')\n",
        "conf/__init__.py": "",
        "conf/settings.py": "INSTALLED_APPS = ['rest_framework', " + ", ".join(f"'app{a}'" for a in range(apps)) + "]\n"
                            "ROOT_URLCONF = 'conf.urls'\nDATABASES = {'default': {'ENGINE': 'django.db.backends.mysql'}}\n",
        "conf/urls.py": "from django.urls import include, path\nurlpatterns = [\n" + "".join(
            f"    path('app{a}/', include('app{a}.urls')),\n" for a in range(apps)) + "]\n",
    }
    for a in range(apps):
        model_names = [f"CustomerRecord{a}x{m}" for m in range(models)]
        body = ["from django.db import models", ""]
        for m, name in enumerate(model_names):
            body.append(f"class {name}(models.Model):")
            body += [f"    field_{f} = models.CharField(max_length={f + 10}, db_index=True)" for f in range(fields)]
            body.append(f"    other = models.ForeignKey('app{(a + 1) % apps}.CustomerRecord{(a + 1) % apps}x{m}', "
                        "on_delete=models.CASCADE)")
            body.append("")
        files[f"app{a}/__init__.py"] = ""
        files[f"app{a}/models.py"] = "\n".join(body)
        files[f"app{a}/serializers.py"] = "from rest_framework import serializers\nfrom . import models\n" + "".join(
            f"class {n}Serializer(serializers.ModelSerializer):\n    class Meta:\n        model = models.{n}\n"
            f"        fields = '__all__'\n" for n in model_names)
        files[f"app{a}/views.py"] = "from rest_framework import viewsets\nfrom . import models, serializers\n" + "".join(
            f"class {n}ViewSet(viewsets.ModelViewSet):\n    queryset = models.{n}.objects.all()\n"
            f"    serializer_class = serializers.{n}Serializer\n" for n in model_names) + "".join(
            f"def page{r}(request):\n    pass\n" for r in range(routes))
        files[f"app{a}/urls.py"] = ("from django.urls import path\nfrom rest_framework.routers import DefaultRouter\n"
                                    "from . import views\nrouter = DefaultRouter()\n" + "".join(
                                        f"router.register('r{m}', views.{n}ViewSet)\n" for m, n in enumerate(model_names))
                                    + "urlpatterns = router.urls + [\n" + "".join(
                                        f"    path('page{r}/', views.page{r}),\n" for r in range(routes)) + "]\n")
    return write_tree(root, files)
