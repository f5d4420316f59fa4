"""A static summary of a Django/DRF project, built with Python's `ast` — never importing or running it.

From the settings: the apps, the database engine, ROOT_URLCONF, AUTH_USER_MODEL and REST_FRAMEWORK
defaults. From the apps: models with fields, types, relations, indexes and Meta
(`django_models.py`), URL routes with their views (`django_urls.py`), and DRF views, viewsets,
serializers and permissions. Only files whose names say what they hold are parsed (models, views,
serializers, urls, settings, ...), so a 100,000-file repository costs little. A file that does not
parse is skipped and named in `problems`.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from backdev.repo.django_models import (
    ModelInfo,
    assignments,
    constant_text,
    find_models,
    last_name,
    nested_class,
    resolve_relations,
    source,
)
from backdev.repo.django_render import ENGINE_NAMES, render_django
from backdev.repo.django_urls import RouteInfo, UrlReader
from backdev.repo.safety import inside_or_none

RELEVANT_STEMS = frozenset({"models", "views", "viewsets", "api", "apis", "serializers", "permissions", "urls",
                            "apps", "settings"})
RELEVANT_FOLDERS = frozenset({"models", "views", "viewsets", "api", "serializers", "permissions", "settings"})
MAX_FILE_BYTES = 1_000_000
VIEW_ATTRIBUTES = ("serializer_class", "queryset", "permission_classes", "authentication_classes", "pagination_class",
                   "filterset_class", "filter_backends", "throttle_classes", "lookup_field")


@dataclass(frozen=True)
class AppInfo:
    label: str
    path: str


@dataclass
class ViewInfo:
    """A DRF view, viewset or `@api_view` function."""

    name: str
    path: str
    bases: list[str]
    serializer: str | None = None
    queryset: str | None = None
    permissions: list[str] = field(default_factory=list)
    extra: dict[str, str] = field(default_factory=dict)
    actions: list[str] = field(default_factory=list)


@dataclass
class SerializerInfo:
    name: str
    path: str
    base: str
    model: str | None = None
    fields: str | None = None
    declared: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PermissionInfo:
    name: str
    path: str


@dataclass
class DjangoSummary:
    """Everything the summary found; `render_django` turns it into text."""

    settings_path: str | None = None
    db_engine: str | None = None
    root_urlconf: str | None = None
    auth_user_model: str | None = None
    apps: list[AppInfo] = field(default_factory=list)
    third_party_apps: list[str] = field(default_factory=list)
    rest_framework: dict[str, str] = field(default_factory=dict)
    models: list[ModelInfo] = field(default_factory=list)
    routes: list[RouteInfo] = field(default_factory=list)
    views: list[ViewInfo] = field(default_factory=list)
    serializers: list[SerializerInfo] = field(default_factory=list)
    permissions: list[PermissionInfo] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def render(self, detail: str = "full") -> str:
        """See `django_render.render_django` (`full`, `compact` or `names`)."""
        return render_django(self, detail)


def _relevant(path: str) -> bool:
    parts = PurePosixPath(path).parts
    if not path.endswith(".py") or "migrations" in parts or "node_modules" in parts or "site-packages" in parts:
        return False
    stem = PurePosixPath(path).stem
    return stem in RELEVANT_STEMS or (len(parts) > 1 and parts[-2] in RELEVANT_FOLDERS)


class _Project:
    """The parsed files of one project, and module-name ↔ path lookups."""

    def __init__(self, root: Path, files: list[str]) -> None:
        self.root = root
        self.files = [f for f in files if _relevant(f)]
        self.problems: list[str] = []
        self._parsed: dict[str, ast.Module | None] = {}
        self.modules: dict[str, str] = {}
        bases = {""} | {str(PurePosixPath(f).parent) + "/" for f in files if PurePosixPath(f).name == "manage.py"}
        bases |= {"src/"}
        for path in files:
            if not path.endswith(".py"):
                continue
            dotted = path[:-3].removesuffix("/__init__").replace("/", ".")
            for base in bases:
                prefix = base.replace("/", ".") if base not in ("", "./") else ""
                if prefix and dotted.startswith(prefix):
                    self.modules.setdefault(dotted[len(prefix):], path)
            self.modules.setdefault(dotted, path)

    def parse(self, path: str) -> ast.Module | None:
        if path not in self._parsed:
            module = None
            try:
                full = inside_or_none(self.root, path)  # a link out of the repository is not read
                if full is not None and full.stat().st_size <= MAX_FILE_BYTES:
                    module = ast.parse(full.read_bytes(), path)
            except SyntaxError as exc:
                self.problems.append(f"{path}: syntax error on line {exc.lineno} (not summarised)")
            except (OSError, ValueError):
                pass
            self._parsed[path] = module
        return self._parsed[path]

    def module_file(self, dotted: str) -> str | None:
        return self.modules.get(dotted)


def _strings(node: ast.expr | None, names: dict[str, ast.expr], depth: int = 0) -> list[str]:
    """A list of strings from a settings expression: literals, names, `+` of lists."""
    if node is None or depth > 6:
        return []
    if isinstance(node, (ast.List, ast.Tuple)):
        return [t for t in (constant_text(e) for e in node.elts) if t]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _strings(node.left, names, depth + 1) + _strings(node.right, names, depth + 1)
    if isinstance(node, ast.Name):
        return _strings(names.get(node.id), names, depth + 1)
    return []


def _module_settings(module: ast.Module) -> dict[str, ast.expr]:
    names = {name: value for name, value, _ in assignments(module.body)}
    for statement in module.body:  # INSTALLED_APPS += [...]
        if isinstance(statement, ast.AugAssign) and isinstance(statement.target, ast.Name) and statement.target.id in names:
            names[statement.target.id] = ast.BinOp(names[statement.target.id], ast.Add(), statement.value)
    return names


def _engine(node: ast.expr | None) -> str | None:
    """The ENGINE of DATABASES['default'], or where it comes from (an env variable, a URL)."""
    if isinstance(node, ast.Dict):
        for key, value in zip(node.keys, node.values, strict=False):
            if constant_text(key) == "default" and isinstance(value, ast.Dict):
                for inner_key, inner in zip(value.keys, value.values, strict=False):
                    if constant_text(inner_key) == "ENGINE":
                        return constant_text(inner) or _default_of(inner) or source(inner)
                return None
            if constant_text(key) == "default" and isinstance(value, ast.Call):
                return _engine_from_url_call(value)
    if isinstance(node, ast.Call):
        return _engine_from_url_call(node)
    return None


def _default_of(call: ast.expr) -> str | None:
    if isinstance(call, ast.Call):
        for keyword in call.keywords:
            if keyword.arg == "default":
                return constant_text(keyword.value)
        if len(call.args) > 1:
            return constant_text(call.args[1])
    return None


def _engine_from_url_call(call: ast.Call) -> str:
    url = _default_of(call) or ""
    scheme = url.split("://", 1)[0] if "://" in url else ""
    found = next((name for key, name in ENGINE_NAMES.items() if scheme.startswith(key[:5])), None)
    return f"from DATABASE_URL ({source(call.func)}){', default ' + found if found else ''}"


def _read_settings(project: _Project, summary: DjangoSummary) -> list[str]:
    """Fill the settings part of the summary; return the INSTALLED_APPS entries."""
    candidates = [f for f in project.files if PurePosixPath(f).stem == "settings" or "/settings/" in f"/{f}"]
    preferred = ("settings.py", "base.py", "common.py", "__init__.py")
    candidates.sort(key=lambda f: (PurePosixPath(f).name not in preferred, preferred.index(PurePosixPath(f).name)
                                   if PurePosixPath(f).name in preferred else 9, f))
    wanted = {"INSTALLED_APPS": None, "DATABASES": None, "ROOT_URLCONF": None, "AUTH_USER_MODEL": None, "REST_FRAMEWORK": None}
    apps: list[str] = []
    for path in candidates:
        module = project.parse(path)
        if module is None:
            continue
        names = _module_settings(module)
        for key in wanted:
            if wanted[key] is None and key in names:
                wanted[key] = path
                value = names[key]
                if key == "INSTALLED_APPS":
                    summary.settings_path = path
                    apps = _strings(value, names)
                elif key == "DATABASES":
                    summary.db_engine = _engine(value)
                elif key == "ROOT_URLCONF":
                    summary.root_urlconf = constant_text(value)
                elif key == "AUTH_USER_MODEL":
                    summary.auth_user_model = constant_text(value)
                elif key == "REST_FRAMEWORK" and isinstance(value, ast.Dict):
                    for k, v in zip(value.keys, value.values, strict=False):
                        items = v.elts if isinstance(v, (ast.List, ast.Tuple)) else [v]
                        shown = [(constant_text(i) or source(i)).rsplit(".", 1)[-1] for i in items]
                        summary.rest_framework[constant_text(k) or source(k)] = ", ".join(shown)
    return apps


def _read_apps(project: _Project, summary: DjangoSummary, installed: list[str]) -> None:
    for entry in installed:
        if entry.startswith("django."):
            continue
        module, label = entry, entry.rsplit(".", 1)[-1]
        if ".apps." in entry:  # "shop.apps.ShopConfig": the AppConfig says the name and label
            module = entry.split(".apps.")[0]
            label = module.rsplit(".", 1)[-1]
            config_file = project.module_file(module + ".apps")
            tree = project.parse(config_file) if config_file else None
            for node in tree.body if tree else []:
                if isinstance(node, ast.ClassDef) and node.name == entry.rsplit(".", 1)[-1]:
                    values = {n: constant_text(v) for n, v, _ in assignments(node.body)}
                    module = values.get("name") or module
                    label = values.get("label") or module.rsplit(".", 1)[-1]
        init = project.module_file(module)
        folder = str(PurePosixPath(init).parent) if init and init.endswith("__init__.py") else None
        if folder is None:
            folder = next((parent for parent in (str(PurePosixPath(f).parent) for f in project.files)
                           if (dotted := parent.replace("/", ".")) == module or dotted.endswith("." + module)), None)
        if folder is None:
            summary.third_party_apps.append(entry)
        else:
            summary.apps.append(AppInfo(label, folder))


def _app_of(path: str, apps: list[AppInfo]) -> str:
    owners = [a for a in apps if path.startswith(a.path.rstrip("/") + "/")]
    if owners:
        return max(owners, key=lambda a: len(a.path)).label
    parts = PurePosixPath(path).parts
    folder_index = -3 if len(parts) > 2 and parts[-2] == "models" else -2
    return parts[folder_index] if len(parts) >= -folder_index else "project"


def _is_models_file(path: str) -> bool:
    parts = PurePosixPath(path).parts
    return PurePosixPath(path).stem == "models" or (len(parts) > 1 and parts[-2] == "models")


def _drf_classes(project: _Project, summary: DjangoSummary) -> None:
    classes: list[tuple[ast.ClassDef, str]] = []
    for path in project.files:
        if _is_models_file(path) or PurePosixPath(path).stem in ("settings", "urls", "apps"):
            continue
        module = project.parse(path)
        for node in module.body if module else []:
            if isinstance(node, ast.ClassDef):
                classes.append((node, path))
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for decorator in node.decorator_list:
                    if last_name(decorator) == "api_view":
                        summary.views.append(ViewInfo(node.name, path, [f"@{source(decorator)}"]))
    views = {n.name for n, _ in classes if any(_is_view_base(last_name(b)) for b in n.bases)}
    serializers = {n.name for n, _ in classes if any(last_name(b).endswith("Serializer") for b in n.bases)}
    for node, path in classes:
        bases = [last_name(b) for b in node.bases]
        if node.name in views or any(b in views for b in bases):
            summary.views.append(_view(node, path, bases))
        elif node.name in serializers or any(b in serializers for b in bases):
            summary.serializers.append(_serializer(node, path, bases))
        elif any(b.endswith(("Permission", "Permissions")) for b in bases):
            summary.permissions.append(PermissionInfo(node.name, path))


def _is_view_base(name: str) -> bool:
    return name.endswith(("ViewSet", "APIView")) or name in ("ViewSetMixin", "GenericAPIView")


def _view(node: ast.ClassDef, path: str, bases: list[str]) -> ViewInfo:
    view = ViewInfo(node.name, path, [b for b in bases if not b.endswith("Mixin")] or bases)
    for name, value, _ in assignments(node.body):
        if name == "serializer_class":
            view.serializer = source(value)
        elif name == "queryset":
            view.queryset = source(value)
        elif name == "permission_classes":
            items = value.elts if isinstance(value, (ast.List, ast.Tuple)) else [value]
            view.permissions = [source(i) for i in items]
        elif name in VIEW_ATTRIBUTES:
            view.extra[name] = source(value)
    for item in node.body:
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for decorator in item.decorator_list:
                if isinstance(decorator, ast.Call) and last_name(decorator) == "action":
                    options = {k.arg: k.value for k in decorator.keywords}
                    detail = options.get("detail")
                    scope = "detail" if isinstance(detail, ast.Constant) and detail.value else "list"
                    methods = _plain_strings(options.get("methods")) or ["get"]
                    view.actions.append(f"{item.name} ({scope}; {', '.join(m.lower() for m in methods)})")
    return view


def _plain_strings(node: ast.expr | None) -> list[str]:
    return [t for t in (constant_text(e) for e in node.elts) if t] if isinstance(node, (ast.List, ast.Tuple)) else []


def _serializer(node: ast.ClassDef, path: str, bases: list[str]) -> SerializerInfo:
    info = SerializerInfo(node.name, path, bases[0] if bases else "")
    for name, value, _ in assignments(node.body):
        if isinstance(value, ast.Call) and last_name(value.func).endswith(("Field", "Serializer")):
            info.declared.append(name)
    meta = nested_class(node, "Meta")
    for name, value, _ in assignments(meta.body) if meta else []:
        if name == "model":
            info.model = source(value)
        elif name == "fields":
            info.fields = source(value)
        elif name == "exclude" and info.fields is None:
            info.fields = "all but " + source(value)
    return info


def summarize_django(root: Path, files: list[str]) -> DjangoSummary | None:
    """The summary of the Django project in `root` (None when there is no sign of Django)."""
    project = _Project(root, files)
    summary = DjangoSummary()
    installed = _read_settings(project, summary)
    _read_apps(project, summary, installed)
    candidates = []
    for path in project.files:
        if not _is_models_file(path):
            continue
        module = project.parse(path)
        app = _app_of(path, summary.apps)
        candidates += [(n, app, path) for n in (module.body if module else []) if isinstance(n, ast.ClassDef)]
    summary.models = find_models(candidates)
    resolve_relations(summary.models, summary.auth_user_model)
    has_manage = any(PurePosixPath(f).name == "manage.py" for f in files)
    if not (summary.settings_path or summary.models or has_manage):
        return None
    root_file = project.module_file(summary.root_urlconf) if summary.root_urlconf else None
    reader = UrlReader(project.parse, project.module_file)
    if root_file:
        reader.read(root_file)
    else:  # no ROOT_URLCONF found: each urls module on its own
        for path in (f for f in project.files if PurePosixPath(f).stem == "urls"):
            reader.read(path, f"({path}) ")
    summary.routes = reader.routes
    _drf_classes(project, summary)
    summary.problems = project.problems
    return summary

