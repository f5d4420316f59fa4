"""What a DRF view, viewset, `@api_view` function or serializer class declares, read with `ast`.

Which classes these are is decided by `classes.ClassIndex`; this module reads their bodies:
serializer_class, queryset, permission_classes and the other view attributes, `@action`
methods (with their URL paths, for the router's routes), whether a viewset has detail routes,
and a serializer's Meta (model, fields) and declared fields.
"""

from __future__ import annotations

import ast

from backdev.repo.django.facts import SerializerInfo, ViewInfo
from backdev.repo.django.models import assignments, constant_text, last_name, nested_class, source

VIEW_ATTRIBUTES = ("serializer_class", "queryset", "permission_classes", "authentication_classes", "pagination_class",
                   "filterset_class", "filter_backends", "throttle_classes", "lookup_field", "http_method_names")
# Bases (by name) of viewsets that only list and create: DRF's router gives them no detail route.
_LIST_ONLY = frozenset({"ListModelMixin", "CreateModelMixin"})
_DETAIL_METHODS = frozenset({"retrieve", "update", "partial_update", "destroy"})


def _strings(node: ast.expr | None) -> list[str]:
    return [t for t in (constant_text(e) for e in node.elts) if t] if isinstance(node, (ast.List, ast.Tuple)) else []


def read_view(node: ast.ClassDef, path: str, name: str, app: str) -> ViewInfo:
    """The attributes and actions of a DRF view class."""
    bases = [last_name(b) for b in node.bases]
    view = ViewInfo(name, path, [b for b in bases if not b.endswith("Mixin")] or bases, app, node.lineno)
    for attribute, value, _ in assignments(node.body):
        if attribute == "serializer_class":
            view.serializer = source(value)
        elif attribute == "queryset":
            view.queryset = source(value)
        elif attribute == "permission_classes":
            items = value.elts if isinstance(value, (ast.List, ast.Tuple)) else [value]
            view.permissions = [source(i) for i in items]
        elif attribute == "lookup_field" and constant_text(value):
            view.lookup = constant_text(value) or "pk"
            view.extra[attribute] = source(value)
        elif attribute in VIEW_ATTRIBUTES:
            view.extra[attribute] = source(value)
    methods = set()
    for item in node.body:
        if not isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        methods.add(item.name)
        for decorator in item.decorator_list:
            if isinstance(decorator, ast.Call) and last_name(decorator) == "action":
                options = {k.arg: k.value for k in decorator.keywords}
                detail = options.get("detail")
                is_detail = isinstance(detail, ast.Constant) and bool(detail.value)
                methods_text = _strings(options.get("methods")) or ["get"]
                view.actions.append(f"{item.name} ({'detail' if is_detail else 'list'}; "
                                    f"{', '.join(m.lower() for m in methods_text)})")
                url_path = constant_text(options.get("url_path")) or item.name.replace("_", "-")
                (view.detail_actions if is_detail else view.list_actions).append(url_path)
    if set(bases) <= _LIST_ONLY | {"GenericViewSet", "ViewSetMixin"} and "GenericViewSet" in bases:
        view.has_detail = bool(methods & _DETAIL_METHODS)
    return view


def read_api_view(node: ast.FunctionDef | ast.AsyncFunctionDef, path: str, app: str) -> ViewInfo | None:
    """An `@api_view([...])` function, or None."""
    for decorator in node.decorator_list:
        if last_name(decorator) == "api_view":
            return ViewInfo(node.name, path, [f"@{source(decorator)}"], app, node.lineno)
    return None


def read_serializer(node: ast.ClassDef, path: str, name: str, app: str) -> SerializerInfo:
    """A serializer's base, Meta model and fields, and the fields it declares itself."""
    bases = [last_name(b) for b in node.bases]
    info = SerializerInfo(name, path, bases[0] if bases else "", app, node.lineno)
    for attribute, value, _ in assignments(node.body):
        if isinstance(value, ast.Call) and last_name(value.func).endswith(("Field", "Serializer")):
            info.declared.append(attribute)
    meta = nested_class(node, "Meta")
    for attribute, value, _ in assignments(meta.body) if meta else []:
        if attribute == "model":
            info.model = source(value)
        elif attribute == "fields":
            info.fields = source(value)
        elif attribute == "exclude" and info.fields is None:
            info.fields = "all but " + source(value)
    return info
