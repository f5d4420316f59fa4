"""Django models read with `ast` (never imported): fields, relations, Meta, managers, bases.

Which classes are models is decided by `classes.ClassIndex` (their resolved bases); this module
reads what a model class declares and, once all models are known, resolves each relation's
target to `app.Model` and lists the fields a model inherits from its abstract project bases.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable

from backdev.repo.django.facts import FieldInfo, ModelInfo

RELATIONS = frozenset({"ForeignKey", "OneToOneField", "ManyToManyField", "ParentalKey", "ParentalManyToManyField",
                       "TreeForeignKey", "TreeOneToOneField", "TreeManyToManyField"})
OTHER_FIELDS = frozenset({"GenericForeignKey", "GenericRelation", "TaggableManager", "ClusterTaggableManager",
                          "StreamField", "RichTextField"})
META_KEYS = ("db_table", "ordering", "unique_together", "index_together", "verbose_name", "verbose_name_plural",
             "default_related_name", "get_latest_by", "managed", "proxy", "permissions")
MAX_SOURCE = 160
_MODELS_PREFIX = re.compile(r"\bmodels\.")


def _dotted(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    return ".".join([node.id, *reversed(parts)]) if isinstance(node, ast.Name) else None


def source(node: ast.AST | None) -> str:
    """Compact source text of an expression (`models.` dropped, long text shortened)."""
    if node is None:
        return ""
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, int, float, bool, type(None))):
        text = repr(node.value)  # the common cases, without ast.unparse's cost
    elif (dotted := _dotted(node)) is not None:
        text = dotted.removeprefix("models.")
    else:
        text = _MODELS_PREFIX.sub("", " ".join(ast.unparse(node).split()))
    return text if len(text) <= MAX_SOURCE else text[: MAX_SOURCE - 1] + "…"


def last_name(node: ast.AST | None) -> str:
    """`models.CharField(...)` → `CharField`; `viewsets.ModelViewSet` → `ModelViewSet`."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Call):
        return last_name(node.func)
    if isinstance(node, ast.Subscript):
        return last_name(node.value)
    return ""


def constant_text(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def assignments(body: list[ast.stmt]) -> list[tuple[str, ast.expr, int]]:
    """(name, value, line) of every `name = value` (or annotated) statement in a body."""
    found = []
    for statement in body:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name):
            found.append((statement.targets[0].id, statement.value, statement.lineno))
        elif isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name) and statement.value:
            found.append((statement.target.id, statement.value, statement.lineno))
    return found


def nested_class(node: ast.ClassDef, name: str) -> ast.ClassDef | None:
    return next((s for s in node.body if isinstance(s, ast.ClassDef) and s.name == name), None)


def _is_field(call: ast.Call) -> bool:
    name = last_name(call.func)
    return name in RELATIONS or name in OTHER_FIELDS or name.endswith("Field")


def _is_manager(call: ast.Call) -> bool:
    return last_name(call.func).endswith("Manager") or (
        isinstance(call.func, ast.Attribute) and call.func.attr in ("as_manager", "from_queryset"))


def _read_meta(model: ModelInfo, meta: ast.ClassDef) -> None:
    for name, value, _ in assignments(meta.body):
        if name in ("abstract", "proxy"):
            setattr(model, name, isinstance(value, ast.Constant) and value.value is True)
        elif name == "app_label" and isinstance(value, ast.Constant) and isinstance(value.value, str):
            model.app = value.value
        elif name in ("indexes", "constraints"):
            items = value.elts if isinstance(value, (ast.List, ast.Tuple)) else [value]
            getattr(model, name).extend(source(item) for item in items)
        elif name in META_KEYS:
            model.meta[name] = source(value)


def read_model(node: ast.ClassDef, app: str, path: str, qualname: str | None = None) -> ModelInfo:
    """The fields, Meta and managers of a model class (relation targets resolved later)."""
    model = ModelInfo(app, qualname or node.name, path, node.lineno, [last_name(b) for b in node.bases])
    for name, value, _ in assignments(node.body):
        if not isinstance(value, ast.Call):
            continue
        if _is_manager(value):
            model.managers.append(f"{name}: {source(value)}")
            continue
        if not _is_field(value):
            continue
        kind = last_name(value.func)
        options = {k.arg: source(k.value) for k in value.keywords if k.arg and k.arg != "to"}
        info = FieldInfo(name, kind, options=options)
        if kind in RELATIONS:
            target = next((k.value for k in value.keywords if k.arg == "to"), value.args[0] if value.args else None)
            if target is not None:
                model.raw_targets[name] = target
            if len(value.args) > 1 and "on_delete" not in options:
                options["on_delete"] = source(value.args[1])
        model.fields.append(info)
    meta = nested_class(node, "Meta")
    if meta is not None:
        _read_meta(model, meta)
    return model


def resolve_relations(models: list[ModelInfo], auth_user_model: str | None,
                      others: dict[str, ModelInfo] | None = None,
                      resolve: Callable[[ModelInfo, str], str | None] | None = None) -> None:
    """Turn each relation's target (`"self"`, `"Tag"`, `Category`, `settings.AUTH_USER_MODEL`) into `app.Model`,
    and list the fields each model inherits from abstract project bases.

    `resolve(model, dotted)` gives the label of a class named in the model's module through its
    imports (`User` imported from `django.contrib.auth.models` is `auth.User`), when it can."""
    by_name: dict[str, list[ModelInfo]] = {}
    for model in models:
        by_name.setdefault(model.name, []).append(model)

    def label_of(name: str, near: ModelInfo) -> str:
        found = by_name.get(name, [])
        same = [m for m in found if m.path == near.path or m.app == near.app]
        chosen = same or found
        return chosen[0].label if len(chosen) == 1 or same else f"{near.app}.{name}"

    for model in models:
        for info in model.fields:
            target = model.raw_targets.get(info.name)
            if target is None:
                continue
            text = constant_text(target)
            if text == "self":
                info.target = model.label
            elif text is not None:
                info.target = text if "." in text else label_of(text, model)
            elif last_name(target) == "AUTH_USER_MODEL" or last_name(target) == "get_user_model":
                info.target = auth_user_model or "settings.AUTH_USER_MODEL"
            elif isinstance(target, (ast.Name, ast.Attribute)):
                dotted = source(target)
                info.target = (resolve(model, dotted) if resolve else None) or label_of(last_name(target), model)
            else:
                info.target = source(target)
        model.raw_targets = {}

    by_key = {**(others or {}), **{m.key: m for m in models}}

    def inherited(model: ModelInfo, seen: set[str]) -> list[str]:
        names: list[str] = []
        for key in model.parents:
            parent = by_key.get(key)
            if parent is not None and parent.abstract and parent.key not in seen:
                seen.add(parent.key)
                names += inherited(parent, seen) + [f.name for f in parent.fields if f.name not in names]
        return names

    for model in models:
        model.inherited = list(dict.fromkeys(inherited(model, {model.key})))
