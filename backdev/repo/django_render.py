"""The Django summary as text, at three levels of detail so that a large project still fits the budget.

`full`: one line per field, route, view and serializer. `compact`: one line per model (fields
with their types and targets), routes, view and serializer names. `names`: models by app, routes
and DRF classes counted. The overview uses the most detailed level that fits its token budget.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from backdev.repo.django_models import ModelInfo

if TYPE_CHECKING:
    from backdev.repo.django_summary import DjangoSummary, ViewInfo

ENGINE_NAMES = {"mysql": "MySQL", "postgresql": "PostgreSQL", "postgis": "PostgreSQL/PostGIS", "sqlite3": "SQLite",
                "oracle": "Oracle", "mssql": "SQL Server", "spatialite": "SQLite/SpatiaLite"}


def _engine_line(engine: str | None) -> str:
    if not engine:
        return "Database: not found in the settings"
    kind = next((name for key, name in ENGINE_NAMES.items() if engine.rsplit(".", 1)[-1] == key), None)
    return f"Database: {engine}{f' ({kind})' if kind else ''}"


def _model_lines(model: ModelInfo) -> list[str]:
    head = f"{model.label} ({model.path}:{model.line})"
    extras = []
    if model.abstract:
        extras.append("abstract")
    own_bases = [b for b in model.bases if b != "Model"]
    if own_bases:
        extras.append("bases " + ", ".join(own_bases) + (f"; inherits {', '.join(model.inherited)}" if model.inherited else ""))
    lines = [head + (" " + " ".join(extras) if extras else "")]
    for info in model.fields:
        target = f" → {info.target}" if info.target else ""
        options = ", ".join(f"{k}={v}" for k, v in info.options.items())
        lines.append(f"  {info.name}: {info.kind}{target}{f' ({options})' if options else ''}")
    if model.meta:
        lines.append("  Meta: " + ", ".join(f"{k}={v}" for k, v in model.meta.items()))
    if model.indexes:
        lines.append("  indexes: " + "; ".join(model.indexes))
    if model.constraints:
        lines.append("  constraints: " + "; ".join(model.constraints))
    if model.managers:
        lines.append("  managers: " + "; ".join(model.managers))
    return lines


def _view_line(view: ViewInfo) -> str:
    parts = []
    if view.serializer:
        parts.append(f"serializer {view.serializer}")
    if view.queryset:
        parts.append(f"queryset {view.queryset}")
    if view.permissions:
        parts.append(f"permissions {', '.join(view.permissions)}")
    parts += [f"{k} {v}" for k, v in view.extra.items()]
    if view.actions:
        parts.append(f"actions {', '.join(view.actions)}")
    head = f"{view.name} ({', '.join(view.bases)}, {view.path})"
    return head + (": " + " · ".join(parts) if parts else "")


DETAILS = ("full", "compact", "names")
CONDENSED = "(condensed to fit the overview budget: read the models, urls and views files for the details)"


def _compact_model(model: ModelInfo) -> str:
    fields = ", ".join(f"{f.name}:{f.kind}{'→' + f.target if f.target else ''}" for f in model.fields)
    extra = " abstract" if model.abstract else ""
    if model.indexes or model.constraints:
        extra += f" · {len(model.indexes)} indexes, {len(model.constraints)} constraints"
    return f"{model.label}{extra}: {fields}"


def _names_lines(summary: DjangoSummary) -> list[str]:
    by_app: dict[str, list[str]] = {}
    for model in summary.models:
        by_app.setdefault(model.app, []).append(model.name)
    lines = [f"\nModels ({len(summary.models)}), by app:"] + [f"{app}: {', '.join(names)}" for app, names in by_app.items()]
    prefixes: dict[str, int] = {}
    for route in summary.routes:
        first = "/" + route.pattern.strip("/").split("/")[0] + "/"
        prefixes[first] = prefixes.get(first, 0) + 1
    if prefixes:
        lines.append(f"\nURL routes ({len(summary.routes)}): " + ", ".join(f"{p} {n}" for p, n in prefixes.items()))
    if summary.views or summary.serializers:
        lines.append(f"\nREST framework: {len(summary.views)} views/viewsets, {len(summary.serializers)} serializers, "
                     f"{len(summary.permissions)} permission classes")
    return lines


def _compact_lines(summary: DjangoSummary) -> list[str]:
    lines = [f"\nModels ({len(summary.models)}):"] + [_compact_model(m) for m in summary.models]
    if summary.routes:
        lines.append(f"\nURL routes ({len(summary.routes)}):")
        lines += [f"{route.pattern} → {route.view}" for route in summary.routes]
    if summary.views or summary.serializers:
        lines.append("\nREST framework:")
        lines.append("Views: " + ", ".join(f"{v.name}({v.serializer})" if v.serializer else v.name for v in summary.views))
        lines.append("Serializers: " + ", ".join(s.name for s in summary.serializers))
    return lines


def render_django(summary: DjangoSummary, detail: str = "full") -> str:
    """The summary as text for the system prompt, most useful first, at a level of `DETAILS`."""
    lines = ["## Django project (static summary: read with ast, never imported)"]
    head = [f"Settings: {summary.settings_path or 'not found'}"]
    if summary.root_urlconf:
        head.append(f"ROOT_URLCONF {summary.root_urlconf}")
    if summary.auth_user_model:
        head.append(f"AUTH_USER_MODEL {summary.auth_user_model}")
    lines.append(" · ".join(head))
    lines.append(_engine_line(summary.db_engine))
    apps = ", ".join(a.label for a in summary.apps) or "none found"
    third = f" · third-party: {', '.join(summary.third_party_apps)}" if summary.third_party_apps else ""
    lines.append(f"Apps: {apps}{third}")
    if summary.rest_framework:
        lines.append("REST_FRAMEWORK: " + ", ".join(f"{k}={v}" for k, v in summary.rest_framework.items()))
    if detail != "full":
        lines += _compact_lines(summary) if detail == "compact" else _names_lines(summary)
        return "\n".join([*lines, CONDENSED])
    lines.append(f"\nModels ({len(summary.models)}):")
    for model in summary.models:
        lines += _model_lines(model)
    if summary.routes:
        lines.append(f"\nURL routes ({len(summary.routes)}):")
        for route in summary.routes:
            notes = [x for x in ("router" if route.kind == "router" else "", f"name={route.name}" if route.name else "") if x]
            suffix = " (" + ", ".join(notes) + ")" if notes else ""
            lines.append(f"{route.pattern} → {route.view}{suffix}")
    if summary.views or summary.serializers or summary.permissions:
        lines.append("\nREST framework:")
        lines += [_view_line(v) for v in summary.views]
        for s in summary.serializers:
            of = f" of {s.model}" if s.model else ""
            parts = [f"fields {s.fields}"] if s.fields else []
            if s.declared:
                parts.append("declared " + ", ".join(s.declared))
            lines.append(f"{s.name} ({s.base}{of})" + (": " + " · ".join(parts) if parts else ""))
        if summary.permissions:
            lines.append("Permission classes: " + ", ".join(f"{p.name} ({p.path})" for p in summary.permissions))
    if summary.problems:
        lines.append("\nNot summarised: " + "; ".join(summary.problems))
    return "\n".join(lines)
