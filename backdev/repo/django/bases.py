"""Which third-party classes make a subclass a model, a DRF view, a serializer or a permission.

A table of well-known bases by their dotted name (Django, DRF, Wagtail, modelcluster, taggit,
MPTT, treebeard, polymorphic, django-model-utils, django-extensions, allauth, parler...), the
`django_bases` setting on top (`kind:dotted.Name`), then rules for the rest: a capitalised class
of a third-party `models` module is a model (`wagtail.models.Page`, `mptt.models.MPTTModel`), a
`...Serializer` is a serializer (never Django's own `django.core.serializers`), `...APIView` and
`...ViewSet` and any view class of a DRF package are DRF views.
"""

from __future__ import annotations

from collections.abc import Iterable

KINDS = ("model", "view", "serializer", "permission")

KNOWN_BASES: dict[str, str] = {
    "django.db.models.Model": "model", "django.db.models.base.Model": "model",
    "django.contrib.gis.db.models.Model": "model",
    "django.contrib.auth.models.AbstractUser": "model", "django.contrib.auth.models.AbstractBaseUser": "model",
    "django.contrib.auth.base_user.AbstractBaseUser": "model", "django.contrib.auth.models.PermissionsMixin": "model",
    "django.contrib.sessions.base_session.AbstractBaseSession": "model",
    "treebeard.mp_tree.MP_Node": "model", "treebeard.ns_tree.NS_Node": "model", "treebeard.al_tree.AL_Node": "model",
    "wagtail.models.DraftStateMixin": "model", "wagtail.models.RevisionMixin": "model",
    "wagtail.models.LockableMixin": "model", "wagtail.models.PreviewableMixin": "model",
    "wagtail.models.TranslatableMixin": "model", "wagtail.models.WorkflowMixin": "model",
    "wagtail.core.models.TranslatableMixin": "model", "wagtail.models.Orderable": "model",
    "wagtail.core.models.Orderable": "model", "wagtail.models.Page": "model", "wagtail.core.models.Page": "model",
    "wagtail.contrib.settings.models.BaseSiteSetting": "model", "wagtail.contrib.settings.models.BaseGenericSetting": "model",
    "wagtail.contrib.settings.models.BaseSetting": "model",
    "wagtail.contrib.forms.models.AbstractForm": "model", "wagtail.contrib.forms.models.AbstractEmailForm": "model",
    "wagtail.contrib.forms.models.AbstractFormField": "model", "wagtail.contrib.forms.models.AbstractFormSubmission": "model",
    "wagtail.images.models.AbstractImage": "model", "wagtail.images.models.AbstractRendition": "model",
    "wagtail.documents.models.AbstractDocument": "model", "taggit.models.TaggedItemBase": "model",
    "modelcluster.models.ClusterableModel": "model",
    "mptt.models.MPTTModel": "model", "polymorphic.models.PolymorphicModel": "model",
    "polymorphic_tree.models.PolymorphicMPTTModel": "model",
    "organizations.abstract.AbstractOrganization": "model", "organizations.abstract.AbstractOrganizationUser": "model",
    "organizations.abstract.AbstractOrganizationOwner": "model", "organizations.base.OrganizationBase": "model",
    "rest_framework.views.APIView": "view", "rest_framework.viewsets.ViewSetMixin": "",
    "rest_framework.permissions.BasePermission": "permission",
}
_DRF_VIEW_MODULES = ("rest_framework.views", "rest_framework.generics", "rest_framework.viewsets")
_DRF_PACKAGES = ("rest_framework", "drf_", "adrf", "dj_rest_auth", "djoser", "knox", "rest_auth")
_NOT_MODELS = ("Manager", "QuerySet", "Field", "Choices", "Mixin", "Form", "FormSet", "Admin", "Inline", "Descriptor",
               "Lookup", "Meta", "Error", "Exception", "Signal", "Storage", "Widget", "Serializer", "View", "Iterator")
# A project class with one of these names, whose own bases reach nothing known, is a copy or
# fork of DRF kept in the repository (taiga's `base.api`): its subclasses are DRF classes too.
VENDORED_ROOTS = {"APIView": "view", "GenericAPIView": "view", "ViewSet": "view", "GenericViewSet": "view",
                  "ModelViewSet": "view", "ReadOnlyModelViewSet": "view", "BaseSerializer": "serializer",
                  "Serializer": "serializer", "ModelSerializer": "serializer", "BasePermission": "permission"}
# Names used without any import we could follow (a star import of a package, say): known by name alone.
BARE_NAMES = {"Model": "model", "AbstractUser": "model", "AbstractBaseUser": "model", "Page": "model",
              "ClusterableModel": "model", "MPTTModel": "model", "PolymorphicModel": "model", "TimeStampedModel": "model",
              "APIView": "view", "GenericAPIView": "view", "ViewSet": "view", "GenericViewSet": "view",
              "ModelViewSet": "view", "ReadOnlyModelViewSet": "view", "ListAPIView": "view", "RetrieveAPIView": "view",
              "CreateAPIView": "view", "ListCreateAPIView": "view", "RetrieveUpdateDestroyAPIView": "view",
              "ModelSerializer": "serializer", "Serializer": "serializer", "HyperlinkedModelSerializer": "serializer",
              "BasePermission": "permission"}


class BaseTable:
    """The known bases with the person's `django_bases` entries on top."""

    def __init__(self, extra: Iterable[str] = ()) -> None:
        self.known = dict(KNOWN_BASES)
        for entry in extra:
            kind, _, dotted = entry.partition(":")
            if kind.strip() in KINDS and dotted.strip():
                self.known[dotted.strip()] = kind.strip()

    def kind_of(self, dotted: str) -> str:
        """The kind a third-party class gives its subclasses ("" for none)."""
        if dotted in self.known:
            return self.known[dotted]
        module, _, name = dotted.rpartition(".")
        if not name or not name[0].isupper():
            return ""
        if module.startswith("django.db.models") or module == "django.db":
            return "model" if name == "Model" else ""
        if module.startswith("django.") and not (module.startswith("django.contrib.") and module.endswith(".models")):
            return ""  # Django itself is in the table; `django.forms.models.BaseModelFormSet` is no model
        if module.startswith("rest_framework.permissions"):
            return "permission"
        if module.startswith(_DRF_VIEW_MODULES):
            return "" if name.endswith("Mixin") else "view"
        if name.endswith("Serializer") and not module.startswith("django.core.serializers"):
            return "serializer"
        if name.endswith(("APIView", "ViewSet")) or (name.endswith(("View", "ViewBase")) and module.startswith(_DRF_PACKAGES)):
            return "view"
        if name.endswith("Permission") and module.startswith(_DRF_PACKAGES):
            return "permission"
        parts = module.split(".")
        if "models" in parts and not name.endswith(_NOT_MODELS) and not module.startswith("rest_framework"):
            return "model"
        return ""
