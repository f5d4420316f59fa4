"""What the Django summary found, as plain data: projects, apps, models, routes, DRF classes.

The readers fill these; `render.py` turns them into text for the system prompt and `info.py`
answers the `django_info` tool from them. Nothing here parses or renders.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field


@dataclass
class FieldInfo:
    """One model field: `category: ForeignKey → shop.Category (on_delete=PROTECT)`."""

    name: str
    kind: str
    target: str | None = None
    options: dict[str, str] = field(default_factory=dict)


@dataclass
class ModelInfo:
    """One model class (a subclass, however indirect, of a Django model base)."""

    app: str
    name: str
    path: str
    line: int
    bases: list[str]
    fields: list[FieldInfo] = field(default_factory=list)
    abstract: bool = False
    proxy: bool = False
    meta: dict[str, str] = field(default_factory=dict)
    indexes: list[str] = field(default_factory=list)
    constraints: list[str] = field(default_factory=list)
    managers: list[str] = field(default_factory=list)
    inherited: list[str] = field(default_factory=list)
    parents: list[str] = field(default_factory=list, repr=False)  # project base classes, as "path:qualname"
    key: str = ""  # "path:qualname", unique in the repository
    raw_targets: dict[str, ast.expr] = field(default_factory=dict, repr=False)

    @property
    def label(self) -> str:
        return f"{self.app}.{self.name}"


@dataclass
class ViewInfo:
    """A DRF view, viewset or `@api_view` function."""

    name: str
    path: str
    bases: list[str]
    app: str = ""
    line: int = 0
    serializer: str | None = None
    queryset: str | None = None
    permissions: list[str] = field(default_factory=list)
    extra: dict[str, str] = field(default_factory=dict)
    actions: list[str] = field(default_factory=list)
    detail_actions: list[str] = field(default_factory=list, repr=False)  # url paths of detail=True actions
    list_actions: list[str] = field(default_factory=list, repr=False)
    lookup: str = "pk"
    has_detail: bool = True


@dataclass
class SerializerInfo:
    """A DRF serializer class (nested ones are named `Outer.Inner`)."""

    name: str
    path: str
    base: str
    app: str = ""
    line: int = 0
    model: str | None = None
    fields: str | None = None
    declared: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PermissionInfo:
    name: str
    path: str
    app: str = ""


@dataclass(frozen=True)
class RouteInfo:
    """One URL route: its full pattern, the view, its name, how it was declared, and when it exists."""

    pattern: str
    view: str
    name: str | None
    kind: str  # path, re_path, router, router-detail, include
    condition: str | None = None


@dataclass(frozen=True)
class AppInfo:
    label: str
    path: str


@dataclass(frozen=True)
class Alternative:
    """One possible value of a setting, and when it holds (None: always / otherwise)."""

    value: str
    when: str | None = None


@dataclass
class DatabaseInfo:
    """One entry of DATABASES: its alias and the engines it may have."""

    alias: str
    engines: list[Alternative] = field(default_factory=list)


@dataclass
class ProjectSummary:
    """One Django project (or a reusable app without a project), summarised on its own."""

    root: str  # folder relative to the repository root, "" for the root itself
    kind: str = "project"  # project, app
    settings_module: str | None = None
    settings_path: str | None = None
    settings_chain: list[str] = field(default_factory=list)  # the files the settings module pulls in
    other_settings: dict[str, str] = field(default_factory=dict)  # module -> where it is named (wsgi.py, pytest.ini)
    other_databases: dict[str, str] = field(default_factory=dict)  # module -> its engines, when they differ
    databases: list[DatabaseInfo] = field(default_factory=list)
    database_hints: list[str] = field(default_factory=list)  # when the settings leave the engine to the environment
    root_urlconf: str | None = None
    auth_user_model: str | None = None
    apps: list[AppInfo] = field(default_factory=list)
    third_party_apps: list[str] = field(default_factory=list)
    shared_apps: dict[str, list[str]] = field(default_factory=dict)  # label of the summary holding them -> app labels
    rest_framework: dict[str, str] = field(default_factory=dict)
    models: list[ModelInfo] = field(default_factory=list)
    routes: list[RouteInfo] = field(default_factory=list)
    views: list[ViewInfo] = field(default_factory=list)
    serializers: list[SerializerInfo] = field(default_factory=list)
    permissions: list[PermissionInfo] = field(default_factory=list)
    test_command: str | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        where = f"{self.root}/" if self.root else "the repository root"
        return f"Django {'project' if self.kind == 'project' else 'app'} at {where}"


@dataclass
class DjangoFacts:
    """Every Django project and app of a repository, and the files that could not be read."""

    projects: list[ProjectSummary] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0
