"""Classes resolved as Python resolves them: bases anywhere, third-party bases, nested classes, no name collisions."""

from __future__ import annotations

from pathlib import Path

from backdev.repo.django.render import render_project

from .django_project import names, only, summarize, write_tree

MANAGE = """
    import os
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_conf.settings")
"""
SETTINGS = """
    INSTALLED_APPS = ["django.contrib.auth", "rest_framework", {apps}]
    DATABASES = {{"default": {{"ENGINE": "django.db.backends.mysql", "NAME": "x"}}}}
"""


def project(tmp_path: Path, apps: list[str], files: dict[str, str]) -> Path:
    installed = ", ".join(f'"{a}"' for a in apps)
    return write_tree(tmp_path, {"manage.py": MANAGE, "site_conf/__init__.py": "",
                                 "site_conf/settings.py": SETTINGS.format(apps=installed), **files})


def test_a_base_in_a_mixins_module_makes_every_subclass_a_model(tmp_path: Path) -> None:
    root = project(tmp_path, ["db"], {
        "db/__init__.py": "",
        "db/mixins.py": """
            from django.db import models

            class TimeAuditModel(models.Model):
                created_at = models.DateTimeField(auto_now_add=True)
                class Meta:
                    abstract = True

            class AuditModel(TimeAuditModel):
                created_by = models.ForeignKey("db.User", on_delete=models.SET_NULL, null=True)
                class Meta:
                    abstract = True
        """,
        "db/models/__init__.py": "from .issue import Issue\nfrom .user import User\n",
        "db/models/base.py": """
            import uuid
            from django.db import models
            from ..mixins import AuditModel

            class BaseModel(AuditModel):
                id = models.UUIDField(default=uuid.uuid4, primary_key=True)
                class Meta:
                    abstract = True
        """,
        "db/models/user.py": """
            from django.contrib.auth.models import AbstractBaseUser
            class User(AbstractBaseUser):
                pass
        """,
        "db/models/issue.py": """
            from django.db import models
            from . import base

            class Issue(base.BaseModel):
                name = models.CharField(max_length=255)

            class IssueProxy(Issue):
                class Meta:
                    proxy = True
        """,
    })
    summary = only(summarize(root))
    models = {m.name: m for m in summary.models}
    assert sorted(models) == ["AuditModel", "BaseModel", "Issue", "IssueProxy", "TimeAuditModel", "User"]
    assert models["Issue"].inherited == ["created_at", "created_by", "id"] and not models["Issue"].abstract
    assert models["BaseModel"].abstract and models["IssueProxy"].proxy
    assert {m.app for m in summary.models} == {"db"}
    text = render_project(summary).text
    assert "  db: TimeAuditModel (abstract), AuditModel (abstract), BaseModel (abstract), Issue, IssueProxy (proxy), User" \
        in text.splitlines()


def test_wagtail_and_other_well_known_third_party_bases(tmp_path: Path) -> None:
    root = project(tmp_path, ["site"], {
        "site/__init__.py": "",
        "site/models.py": """
            from wagtail.models import Page, Orderable
            from wagtail.contrib.forms.models import AbstractEmailForm, AbstractFormField
            from wagtail.contrib.settings.models import BaseSiteSetting
            from modelcluster.models import ClusterableModel
            from modelcluster.fields import ParentalKey
            from taggit.models import TaggedItemBase
            from mptt.models import MPTTModel, TreeForeignKey
            from polymorphic.models import PolymorphicModel
            from model_utils.models import TimeStampedModel
            from treebeard.mp_tree import MP_Node
            from allauth.account.models import EmailAddress

            class BlogPage(Page):
                pass

            class BlogPageTag(TaggedItemBase):
                content_object = ParentalKey("BlogPage", related_name="tagged_items")

            class Gallery(ClusterableModel):
                pass

            class FormPage(AbstractEmailForm):
                pass

            class FormField(AbstractFormField):
                page = ParentalKey("FormPage", related_name="form_fields")

            class SocialSettings(BaseSiteSetting):
                pass

            class Related(Orderable):
                pass

            class Category(MPTTModel):
                parent = TreeForeignKey("self", null=True, on_delete=None)

            class Animal(PolymorphicModel):
                pass

            class Note(TimeStampedModel):
                pass

            class Node(MP_Node):
                pass

            class Address(EmailAddress):
                class Meta:
                    proxy = True

            class NotAModel(object):
                pass
        """,
    })
    summary = only(summarize(root))
    assert names(summary.models) == ["BlogPage", "BlogPageTag", "Gallery", "FormPage", "FormField", "SocialSettings",
                                     "Related", "Category", "Animal", "Note", "Node", "Address"]
    fields = {m.name: {f.name: (f.kind, f.target) for f in m.fields} for m in summary.models}
    assert fields["BlogPageTag"]["content_object"] == ("ParentalKey", "site.BlogPage")
    assert fields["Category"]["parent"] == ("TreeForeignKey", "site.Category")


def test_more_bases_from_the_django_bases_setting(tmp_path: Path) -> None:
    root = project(tmp_path, ["things"], {
        "things/__init__.py": "",
        "things/models.py": "from corelib.base import Record\n\nclass Invoice(Record):\n    pass\n",
        "things/api.py": "from corelib.rest import Endpoint\n\nclass InvoiceEndpoint(Endpoint):\n    pass\n",
    })
    assert only(summarize(root)).models == []
    summary = only(summarize(root, extra_bases=["model:corelib.base.Record", "view:corelib.rest.Endpoint", "nonsense"]))
    assert names(summary.models) == ["Invoice"] and names(summary.views) == ["InvoiceEndpoint"]


def test_serializers_and_views_wherever_they_live_and_nested(tmp_path: Path) -> None:
    root = project(tmp_path, ["users", "dcim"], {
        "users/__init__.py": "",
        "users/models.py": "from django.db import models\n\nclass Profile(models.Model):\n    bio = models.TextField()\n",
        "users/apis.py": """
            from rest_framework import serializers
            from rest_framework.views import APIView

            class UserListApi(APIView):
                class FilterSerializer(serializers.Serializer):
                    email = serializers.EmailField(required=False)

                class OutputSerializer(serializers.ModelSerializer):
                    class Meta:
                        fields = ("id", "email")

                def get(self, request):
                    pass
        """,
        "users/custom_serializers.py": """
            from rest_framework.serializers import ModelSerializer
            from .models import Profile

            class ProfileSerializer(ModelSerializer):
                class Meta:
                    model = Profile
                    fields = "__all__"
        """,
        "dcim/__init__.py": "",
        "dcim/api/__init__.py": "",
        "dcim/api/serializers_/__init__.py": "from .devices import *\n",
        "dcim/api/serializers_/base.py": """
            from rest_framework import serializers

            class NetBoxModelSerializer(serializers.HyperlinkedModelSerializer):
                pass
        """,
        "dcim/api/serializers_/devices.py": """
            from .base import NetBoxModelSerializer

            class DeviceSerializer(NetBoxModelSerializer):
                pass
        """,
        "dcim/views/__init__.py": "",
        "dcim/views/racks/__init__.py": "",
        "dcim/views/racks/base.py": """
            from rest_framework import viewsets, mixins

            class RackViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
                pass
        """,
    })
    summary = only(summarize(root))
    assert names(summary.serializers) == ["NetBoxModelSerializer", "DeviceSerializer", "UserListApi.FilterSerializer",
                                          "UserListApi.OutputSerializer", "ProfileSerializer"]
    assert names(summary.views) == ["RackViewSet", "UserListApi"]
    assert [(s.name, s.app) for s in summary.serializers][:3] == [
        ("NetBoxModelSerializer", "dcim"), ("DeviceSerializer", "dcim"), ("UserListApi.FilterSerializer", "users")]
    rack = next(v for v in summary.views if v.name == "RackViewSet")
    assert not rack.has_detail  # list-only viewset: the router gives it no detail route


def test_a_django_view_is_no_drf_view_because_a_drf_view_shares_its_name(tmp_path: Path) -> None:
    root = project(tmp_path, ["accounts", "api"], {
        "accounts/__init__.py": "",
        "accounts/views.py": """
            from django.views.generic import FormView

            class LoginView(FormView):
                template_name = "login.html"

            class SignupView(LoginView):
                pass
        """,
        "api/__init__.py": "",
        "api/views.py": """
            from rest_framework.views import APIView
            from rest_framework.generics import *
            from rest_framework.decorators import api_view

            class LoginView(APIView):
                pass

            class TokenList(ListAPIView):
                pass

            @api_view(["POST"])
            def logout(request):
                pass
        """,
    })
    summary = only(summarize(root))
    assert [(v.name, v.path) for v in summary.views] == [
        ("LoginView", "api/views.py"), ("TokenList", "api/views.py"), ("logout", "api/views.py")]


def test_a_copy_of_drf_kept_in_the_repository_counts_as_drf(tmp_path: Path) -> None:
    root = project(tmp_path, ["base", "projects"], {
        "base/__init__.py": "",
        "base/api/__init__.py": "",
        "base/api/views.py": "from django.views.generic import View\n\nclass APIView(View):\n    pass\n",
        "base/api/viewsets.py": "from . import views\n\nclass ModelViewSet(views.APIView):\n    pass\n",
        "base/api/serializers.py": "class Serializer(object):\n    pass\n\nclass ModelSerializer(Serializer):\n    pass\n",
        "projects/__init__.py": "",
        "projects/api.py": """
            from base.api import viewsets, serializers

            class ProjectViewSet(viewsets.ModelViewSet):
                pass

            class ProjectSerializer(serializers.ModelSerializer):
                pass
        """,
    })
    summary = only(summarize(root))
    assert "ProjectViewSet" in names(summary.views) and "ProjectSerializer" in names(summary.serializers)
