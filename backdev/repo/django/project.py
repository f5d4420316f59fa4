"""The static Django/DRF summary of a repository, one `ProjectSummary` per project — never importing it.

1. `discovery.find_projects` finds the projects (and reusable apps) and their settings modules.
2. `classes.ClassIndex` classifies every class of the source tree by its resolved bases; the
   files that hold models, DRF views, serializers or permissions are then parsed with `ast` and
   classified again on the exact facts.
3. Each project reads its settings (`settings_reader`), its apps, models (`models.py`), DRF
   classes (`drf.py`) and URLs from ROOT_URLCONF (`urls.py`). A class belongs to the innermost
   project or app whose folder holds it, so a library and its example projects are never merged;
   Django code outside any of them is summarised as an app of the repository root.
"""

from __future__ import annotations

import ast
import gc
import logging
import re
import time
from collections.abc import Callable, Iterable
from pathlib import Path, PurePosixPath

from backdev.repo.django import settings_facts
from backdev.repo.django.bases import BaseTable
from backdev.repo.django.classes import ClassIndex, ClassRef, External
from backdev.repo.django.discovery import ProjectSpec, find_projects
from backdev.repo.django.drf import read_api_view, read_serializer, read_view
from backdev.repo.django.facts import AppInfo, DjangoFacts, ModelInfo, PermissionInfo, ProjectSummary
from backdev.repo.django.models import assignments, constant_text, read_model, resolve_relations
from backdev.repo.django.settings_reader import read_settings
from backdev.repo.django.sourcetree import SourceTree
from backdev.repo.django.urls import UrlReader

log = logging.getLogger(__name__)
ROUNDS = 3
_DEPENDENCIES = re.compile(r"requirements[\w.-]*\.(txt|in)|pyproject\.toml|setup\.py|setup\.cfg|Pipfile")
_COMPOSE = re.compile(r"(docker-)?compose([.\w-]*)?\.ya?ml")
_API_VIEW = re.compile(rb"@(\w+\.)?api_view\b")
_APP_MARKERS = ("apps.py", "models.py", "models/__init__.py")
_GENERIC_FOLDERS = frozenset({"models", "views", "viewsets", "serializers", "api", "apis", "permissions", "v1", "v2",
                              "serializers_", "rest", "drf", "base"})


_DJANGO_STEMS = frozenset({"models", "views", "viewsets", "serializers", "urls", "api", "apis", "permissions"})


def _looks_django(path: str) -> bool:
    parts = path.split("/")
    return parts[-1][:-3] in _DJANGO_STEMS or (len(parts) > 1 and parts[-2] in _DJANGO_STEMS)


def _inside(path: str, folder: str) -> bool:
    return not folder or path == folder or path.startswith(folder + "/")


class _Classified:
    """The Django classes of the whole source tree, each read once."""

    def __init__(self, tree: SourceTree, index: ClassIndex) -> None:
        self.tree = tree
        self.index = index
        self.kinds: dict[ClassRef, str] = {}
        self.api_views: list[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]] = []
        for _ in range(ROUNDS):
            found = {ref: kind for ref in index.classes() if (kind := index.kind(ref))}
            unparsed = {ref.path for ref in found if not tree.is_parsed(ref.path) and ref.path not in tree.problems}
            if not unparsed and found.keys() == self.kinds.keys():
                self.kinds = found
                break
            for path in sorted(unparsed):
                tree.parse(path)
            index.reset()
            self.kinds = found
        self.kinds = {ref: kind for ref, kind in self.kinds.items() if self._node(ref) is not None}
        for path in tree.sources:
            data = tree.read(path) or b""
            if b"api_view" in data and _API_VIEW.search(data):
                module = tree.parse(path)
                for node in module.body if module else []:
                    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        self.api_views.append((path, node))

    def _node(self, ref: ClassRef) -> ast.ClassDef | None:
        fact = self.index.fact(ref)
        return fact.node if fact is not None else None

    def of_kind(self, kind: str) -> list[tuple[ClassRef, ast.ClassDef]]:
        found = [(ref, self._node(ref)) for ref, k in self.kinds.items() if k == kind]
        return [(ref, node) for ref, node in found if node is not None]


def _app_label(path: str, apps: list[AppInfo], files: set[str], root: str) -> str:
    owners = [a for a in apps if path.startswith(a.path + "/")]
    if owners:
        return max(owners, key=lambda a: len(a.path)).label
    folder = PurePosixPath(path).parent
    while str(folder) not in (".", root) and str(folder) != "":
        if any(f"{folder}/{marker}" in files for marker in _APP_MARKERS) and folder.name not in _GENERIC_FOLDERS:
            return folder.name
        folder = folder.parent
    parts = [p for p in PurePosixPath(path).parent.parts if p not in _GENERIC_FOLDERS]
    return parts[-1] if parts else "project"


class _ProjectReader:
    """Fills one `ProjectSummary` from its spec and the classes it owns."""

    def __init__(self, tree: SourceTree, index: ClassIndex, spec: ProjectSpec) -> None:
        self.tree = tree
        self.index = index
        self.spec = spec
        self.summary = ProjectSummary(spec.root, spec.kind)

    def settings(self) -> None:
        summary = self.summary
        if not self.spec.settings:
            return
        module, path, named_in = self.spec.settings[0]
        names, chain = read_settings(self.tree, path, self.spec.configuration)
        summary.settings_module, summary.settings_path, summary.settings_chain = module, path, chain
        summary.databases = settings_facts.databases(names.get("DATABASES", []))
        summary.root_urlconf = settings_facts.first_text(names, "ROOT_URLCONF")
        summary.auth_user_model = settings_facts.first_text(names, "AUTH_USER_MODEL")
        summary.rest_framework = settings_facts.rest_framework(names)
        self._apps(settings_facts.installed_apps(names.get("INSTALLED_APPS", [])), path)
        if settings_facts.undetermined(summary.databases):
            summary.database_hints = self._hints()
        mine = self._engines(summary.databases)
        for other, other_path, where in self.spec.settings[1:]:
            summary.other_settings[other] = where or other_path
            other_names, _ = read_settings(self.tree, other_path)
            engines = self._engines(settings_facts.databases(other_names.get("DATABASES", [])))
            if engines and engines != mine:
                summary.other_databases[other] = engines

    def _hints(self) -> list[str]:
        root = self.spec.root
        prefix = f"{root}/" if root else ""
        near = [f for f in self.tree.file_set if f.startswith(prefix) and f.count("/") - prefix.count("/") <= 1
                or "/" not in f]
        deps = [(f, self._text(f)) for f in sorted(near) if _DEPENDENCIES.fullmatch(PurePosixPath(f).name)
                or PurePosixPath(f).parent.name == "requirements" and f.endswith((".txt", ".in"))]
        compose = [(f, self._text(f)) for f in sorted(near) if _COMPOSE.fullmatch(PurePosixPath(f).name)]
        return settings_facts.engine_hints(deps, compose)

    def _text(self, path: str) -> str:
        data = self.tree.read(path)
        return data[:200_000].decode("utf-8", "replace") if data else ""

    @staticmethod
    def _engines(databases: list) -> str:  # type: ignore[type-arg]
        return "; ".join(f"{d.alias}: " + ", ".join(e.value for e in d.engines) for d in databases)

    def _apps(self, installed: list[tuple[str, str | None]], near: str) -> None:
        for entry, condition in installed:
            if entry.startswith("django.") or entry in ("rest_framework",):
                if entry == "rest_framework":
                    self.summary.third_party_apps.append(entry)
                continue
            module, label = entry, entry.rsplit(".", 1)[-1]
            config_file = self.tree.module_file(entry.rsplit(".", 1)[0], near) if "." in entry else None
            if config_file and config_file.endswith("apps.py"):  # "shop.apps.ShopConfig"
                module = entry.rsplit(".", 2)[0]
                label = module.rsplit(".", 1)[-1]
                tree = self.tree.parse(config_file)
                for node in tree.body if tree else []:
                    if isinstance(node, ast.ClassDef) and node.name == entry.rsplit(".", 1)[-1]:
                        values = {n: constant_text(v) for n, v, _ in assignments(node.body)}
                        module = values.get("name") or module
                        label = values.get("label") or module.rsplit(".", 1)[-1]
            init = self.tree.module_file(module, near) or self._namespace_app(module)
            shown = f"{label} (when {condition})" if condition else label
            if init is None:
                self.summary.third_party_apps.append(entry if not condition else f"{entry} (when {condition})")
            else:
                folder = str(PurePosixPath(init).parent) if init.endswith("__init__.py") else init[:-3]
                self.summary.apps.append(AppInfo(shown if condition else label, folder))

    def _namespace_app(self, module: str) -> str | None:
        """An app folder without `__init__.py` (a namespace package): its models or apps file."""
        tail = module.replace(".", "/")
        for marker in ("apps.py", "models.py", "models/__init__.py"):
            found = [f for f in self.tree.python if f == f"{tail}/{marker}" or f.endswith(f"/{tail}/{marker}")]
            if found:
                return min(found, key=len).removesuffix(marker) + "__init__.py"
        return None

    def classes(self, classified: _Classified, owned: set[str], files: set[str]) -> None:
        summary, root = self.summary, self.spec.root
        apps = [AppInfo(a.label.split(" (when")[0], a.path) for a in summary.apps]
        label = {path: _app_label(path, apps, files, root) for path in owned}
        for ref, node in classified.of_kind("model"):
            if ref.path in owned:
                model = read_model(node, label[ref.path], ref.path, ref.qualname)
                model.key = ref.key
                model.parents = [p.key for p in self.index.project_bases(ref)]
                summary.models.append(model)
        for ref, node in classified.of_kind("view"):
            if ref.path in owned:
                summary.views.append(read_view(node, ref.path, ref.qualname, label[ref.path]))
        for path, function in classified.api_views:
            if path in owned and (view := read_api_view(function, path, label[path])) is not None:
                summary.views.append(view)
        for ref, node in classified.of_kind("serializer"):
            if ref.path in owned:
                summary.serializers.append(read_serializer(node, ref.path, ref.qualname, label[ref.path]))
        for ref, _ in classified.of_kind("permission"):
            if ref.path in owned:
                summary.permissions.append(PermissionInfo(ref.qualname, ref.path, label[ref.path]))
        for items in (summary.models, summary.views, summary.serializers):
            items.sort(key=lambda item: (item.path, item.line))  # type: ignore[attr-defined]

    def urls(self) -> None:
        summary = self.summary
        views = {v.name.rsplit(".", 1)[-1]: v for v in summary.views}
        reader = UrlReader(self.index, views)
        near = summary.settings_path or (f"{summary.root}/x" if summary.root else "x")
        root_file = self.tree.module_file(summary.root_urlconf, near) if summary.root_urlconf else None
        if root_file:
            reader.read(root_file)
        else:  # no ROOT_URLCONF: each urls module on its own
            for path in (f for f in self.tree.sources if PurePosixPath(f).stem == "urls" and _inside(f, summary.root)):
                reader.read(path, f"({path}) ")
        summary.routes = reader.routes


def _owners(specs: list[ProjectSpec], paths: Iterable[str]) -> dict[str, ProjectSpec | None]:
    result: dict[str, ProjectSpec | None] = {}
    for path in paths:
        holders = [s for s in specs if _inside(path, s.root)]
        result[path] = max(holders, key=lambda s: len(s.root)) if holders else None
    return result


def summarize_repository(root: Path, files: list[str], *, extra_bases: Iterable[str] = ()) -> DjangoFacts:
    """Every Django project and app of the repository at `root` (an empty result when there is none)."""
    # Hundreds of parsed modules stay alive while the summary is read: with the cyclic collector on,
    # each of its passes walks all of them (measured: 2.8 s instead of 1.0 s on NetBox). The trees hold
    # no cycles; reference counting frees them.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _summarize(root, files, extra_bases)
    finally:
        if collecting:
            gc.enable()


def _summarize(root: Path, files: list[str], extra_bases: Iterable[str]) -> DjangoFacts:
    started = time.perf_counter()
    tree = SourceTree(root, files)
    for path in tree.sources:  # parsed anyway (and a broken one is named): no quick scan first
        if _looks_django(path):
            tree.parse(path)
    index = ClassIndex(tree, BaseTable(extra_bases))
    specs = find_projects(tree, files)
    classified = _Classified(tree, index)
    paths = {ref.path for ref in classified.kinds} | {p for p, _ in classified.api_views}
    owners = _owners(specs, paths)
    if any(owner is None for owner in owners.values()):
        orphan = ProjectSpec("", "app")
        specs.insert(0, orphan)
        owners = {p: (o or orphan) for p, o in owners.items()}
    facts = DjangoFacts()
    file_set = set(files)
    all_models: list[ModelInfo] = []
    readers = []
    failures: list[str] = []
    for spec in specs:
        reader = _ProjectReader(tree, index, spec)
        _guarded(failures, spec, reader.settings)
        _guarded(failures, spec, lambda: reader.classes(classified, {p for p, o in owners.items() if o is spec}, file_set))
        readers.append(reader)
        all_models += reader.summary.models
    by_key = {m.key: m for m in all_models}
    for reader in readers:
        summary = reader.summary
        _guarded(failures, reader.spec, lambda: resolve_relations(summary.models, summary.auth_user_model, others=by_key,
                                                                  resolve=lambda m, d: _relation_label(index, by_key, m, d)))
        _guarded(failures, reader.spec, reader.urls)
        if summary.models or summary.views or summary.serializers or summary.settings_path or summary.kind == "project":
            facts.projects.append(summary)
    _share_apps(facts.projects)
    facts.problems = [f"{path}: {reason}" for path, reason in sorted(tree.problems.items())] + failures
    for summary in facts.projects:
        summary.problems = [p for p in facts.problems if _inside(p.split(":")[0], summary.root)]
    facts.seconds = time.perf_counter() - started
    return facts


def _relation_label(index: ClassIndex, models: dict[str, ModelInfo], model: ModelInfo, dotted: str) -> str | None:
    """The `app.Model` label of a relation target written as a name, resolved through the module's imports."""
    target = index.resolve(model.path, dotted, model.key.partition(":")[2].rpartition(".")[0])
    if isinstance(target, ClassRef):
        found = models.get(target.key)
        return found.label if found else None
    if isinstance(target, External) and ".models" in target.dotted:
        package, _, name = target.dotted.rpartition(".")
        return f"{package.split('.models')[0].rsplit('.', 1)[-1]}.{name}"  # django.contrib.auth.models.User → auth.User
    return None


def _guarded(failures: list[str], spec: ProjectSpec, step: Callable[[], object]) -> None:
    """Run one reading step; a failure is named in the summary instead of losing every project."""
    try:
        step()
    except Exception as exc:  # a shape this reader does not know must not cost the rest of the summary
        log.exception("Django summary step failed for %s", spec.root or ".")
        failures.append(f"{spec.root or '.'}: part of the summary failed ({type(exc).__name__}: {exc})")


def _share_apps(projects: list[ProjectSummary]) -> None:
    """An app installed by one project but summarised under another is named, not repeated."""
    for summary in projects:
        others = [p for p in projects if p is not summary]
        for app in summary.apps:
            if not _inside(app.path, summary.root):
                holders = [p for p in others if _inside(app.path, p.root)]
                holder = max(holders, key=lambda p: len(p.root)) if holders else None
                if holder is not None:
                    summary.shared_apps.setdefault(holder.label, []).append(app.label)


def summarize_django(root: Path, files: list[str]) -> ProjectSummary | None:
    """The summary of the outermost Django project of `root`, or None (kept for simple callers and tests)."""
    facts = summarize_repository(root, files)
    return facts.projects[0] if facts.projects else None
