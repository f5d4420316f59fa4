"""URLs as Django resolves them: every include form, starred lists, routers in loops, conditions, prefixes."""

from __future__ import annotations

from pathlib import Path

from backdev.repo.django.render import route_line

from .django_project import only, summarize, write_tree

PROJECT = {
    "manage.py": "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'site_conf.settings')\n",
    "site_conf/__init__.py": "",
    "site_conf/settings.py": "INSTALLED_APPS = ['shop', 'blog']\nROOT_URLCONF = 'site_conf.urls'\nBASE_PATH = ''\n",
    "site_conf/urls.py": """
        from django.conf import settings
        from django.conf.urls.i18n import i18n_patterns
        from django.urls import include, path, re_path
        from shop import urls as shop_urls
        from shop.api_urls import api_patterns
        from blog import views as blog_views
        from blog.routers import router as v2_router

        def extra_patterns():
            return [path("status/", blog_views.status)]

        urlpatterns = [
            path(f"{settings.BASE_PATH}api/", include("shop.api_urls")),
            path(settings.BASE_PATH + "shop/", include(shop_urls)),
            path("extra/", include(extra_patterns())),
            path("inline/", include([path("one/", blog_views.one), path("two/", blog_views.two)])),
            path("accounts/", include("allauth.urls")),
            path("v2/", include(v2_router.urls)),
            *api_patterns,
        ]
        urlpatterns += i18n_patterns(path("about/", blog_views.about), prefix_default_language=False)
        urlpatterns.append(re_path(r"^legacy/(?P<slug>[-\\w]+)/$", blog_views.legacy, name="legacy"))

        if settings.DEBUG:
            urlpatterns += [path("__debug__/", include("debug_toolbar.urls"))]
    """,
    "shop/__init__.py": "",
    "shop/urls.py": """
        from django.urls import path
        from . import views
        urlpatterns = [path("cart/", views.cart, name="cart")]
    """,
    "shop/api_urls.py": """
        from django.urls import path
        from rest_framework.routers import DefaultRouter
        from .viewsets import ProductViewSet, OrderViewSet, TagViewSet

        router = DefaultRouter()
        for prefix, viewset in [("products", ProductViewSet), ("orders", OrderViewSet)]:
            router.register(prefix, viewset)
        REGISTRY = {"tags": TagViewSet}
        for prefix, viewset in REGISTRY.items():
            router.register(prefix, viewset, basename="tag")

        urlpatterns = router.urls
        api_patterns = [path("health/", ProductViewSet.as_view({"get": "list"}), name="health")]
    """,
    "shop/viewsets.py": """
        from rest_framework import mixins, viewsets
        from rest_framework.decorators import action

        class ProductViewSet(viewsets.ModelViewSet):
            lookup_field = "slug"

            @action(detail=True, methods=["post"], url_path="re-stock")
            def restock(self, request, slug=None):
                pass

            @action(detail=False)
            def featured(self, request):
                pass

        class OrderViewSet(mixins.CreateModelMixin, viewsets.GenericViewSet):
            pass

        class TagViewSet(viewsets.ReadOnlyModelViewSet):
            pass
    """,
    "blog/__init__.py": "",
    "blog/routers.py": """
        from rest_framework.routers import SimpleRouter
        from shop.viewsets import TagViewSet
        router = SimpleRouter()
        router.register("labels", TagViewSet)
    """,
    "blog/views.py": "def status(r): pass\ndef one(r): pass\ndef two(r): pass\ndef about(r): pass\ndef legacy(r): pass\n",
}


def test_every_url_form(tmp_path: Path) -> None:
    summary = only(summarize(write_tree(tmp_path, PROJECT)))
    assert [route_line(r) for r in summary.routes] == [
        "/{settings.BASE_PATH}api/products/ → ProductViewSet (router)",
        "/{settings.BASE_PATH}api/products/featured/ → ProductViewSet (router)",
        "/{settings.BASE_PATH}api/products/<slug>/ → ProductViewSet (router)",
        "/{settings.BASE_PATH}api/products/<slug>/re-stock/ → ProductViewSet (router)",
        "/{settings.BASE_PATH}api/orders/ → OrderViewSet (router)",
        "/{settings.BASE_PATH}api/tags/ → TagViewSet (router, name=tag)",
        "/{settings.BASE_PATH}api/tags/<pk>/ → TagViewSet (router, name=tag)",
        "/{settings.BASE_PATH}shop/cart/ → views.cart (name=cart)",
        "/extra/status/ → blog_views.status",
        "/inline/one/ → blog_views.one",
        "/inline/two/ → blog_views.two",
        "/accounts/ → include('allauth.urls')",
        "/v2/labels/ → TagViewSet (router)",
        "/v2/labels/<pk>/ → TagViewSet (router)",
        "/health/ → ProductViewSet.as_view({'get': 'list'}) (name=health)",
        "/about/ → blog_views.about",
        "/legacy/(?P<slug>[-\\w]+)/ → blog_views.legacy (name=legacy)",
        "/__debug__/ → include('debug_toolbar.urls') (when settings.DEBUG)",
    ]


def test_urls_without_a_root_urlconf_are_read_module_by_module(tmp_path: Path) -> None:
    files = dict(PROJECT)
    files["site_conf/settings.py"] = "INSTALLED_APPS = ['shop']\n"
    summary = only(summarize(write_tree(tmp_path, files)))
    assert "/(shop/urls.py) cart/ → views.cart (name=cart)" in [route_line(r) for r in summary.routes]
