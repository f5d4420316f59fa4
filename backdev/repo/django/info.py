"""Details on demand: the answers of the `django_info` tool, from the same facts as the overview.

The overview keeps every class name but not every field or route of a large project; the model
asks for the rest here: one app (its models in full, its DRF views and serializers), one model (in
full, with the serializers and views built on it and their routes), the routes under a prefix,
or one view or serializer. Without arguments: the projects and their apps with counts.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from backdev.repo.django.facts import DjangoFacts, ProjectSummary
from backdev.repo.django.render import head_lines, model_block, route_line, serializer_line, view_line

ARGUMENTS = ("project", "app", "model", "routes", "view", "serializer")


def _project(facts: DjangoFacts, wanted: str | None) -> list[ProjectSummary]:
    if wanted is None:
        return facts.projects
    cleaned = wanted.strip().strip("/")
    return [p for p in facts.projects if p.root == cleaned]


def _matches(name: str, wanted: str) -> bool:
    """`Product` matches `shop.Product` and `Product`; `Outer.Inner` matches `Inner` too."""
    wanted = wanted.strip()
    return name == wanted or name.rsplit(".", 1)[-1] == wanted.rsplit(".", 1)[-1] and (
        "." not in wanted or name.endswith(wanted) or wanted.endswith(name))


def overview_of(facts: DjangoFacts) -> list[str]:
    lines = []
    for project in facts.projects:
        apps = Counter(m.app for m in project.models) + Counter(v.app for v in project.views) + Counter(
            s.app for s in project.serializers)
        lines.append(f"{project.label}: {len(project.models)} models, {len(project.views)} DRF views, "
                     f"{len(project.serializers)} serializers, {len(project.routes)} routes")
        lines.append("  apps: " + ", ".join(f"{app} ({count})" for app, count in sorted(apps.items())))
    return lines


def answer(facts: DjangoFacts, arguments: dict[str, Any]) -> tuple[str, str]:
    """(the text for the model, a one-line summary) for a `django_info` call."""
    projects = _project(facts, arguments.get("project"))
    if not facts.projects:
        return "No Django project or app was found in this repository.", "no Django project"
    if not projects:
        roots = ", ".join(repr(p.root) for p in facts.projects)
        return f"No project at {arguments.get('project')!r}: the projects are at {roots}.", "unknown project"
    app, model, routes = arguments.get("app"), arguments.get("model"), arguments.get("routes")
    view, serializer = arguments.get("view"), arguments.get("serializer")
    lines: list[str] = []
    counts: Counter[str] = Counter()
    for project in projects:
        part: list[str] = []
        if not any((app, model, routes, view, serializer)):
            part += head_lines(project)
        for item in project.models:
            if (app and item.app == app) or (model and (_matches(item.label, model) or _matches(item.name, model))):
                part += model_block(item)
                counts["models"] += 1
        related = {m.name for m in project.models if model and _matches(m.label, model) or model and _matches(m.name, model)}
        for item in project.views:
            uses = related and any(name in f"{item.queryset} {item.serializer}" for name in related)
            if (app and item.app == app) or (view and _matches(item.name, view)) or uses:
                part.append(view_line(item))
                counts["views"] += 1
        for item in project.serializers:
            uses = related and item.model is not None and item.model.rsplit(".", 1)[-1] in related
            if (app and item.app == app) or (serializer and _matches(item.name, serializer)) or uses:
                part.append(serializer_line(item))
                counts["serializers"] += 1
        shown_views = {line.split(" (", 1)[0] for line in part}
        for route in project.routes:
            by_view = route.view.rsplit(".", 1)[-1] in shown_views
            if (routes and (route.pattern.startswith("/" + routes.strip("/")) or routes in route.pattern)) or by_view:
                part.append(route_line(route))
                counts["routes"] += 1
        if part:
            lines += [f"## {project.label}", *part]
    if not any((app, model, routes, view, serializer)):
        return "\n".join(lines + ["", *overview_of(facts)]), f"{len(projects)} project{'s' if len(projects) != 1 else ''}"
    if not counts:
        return ("Nothing matches: call django_info without arguments for the projects and their apps, "
                "then ask for an app, a model, a route prefix, a view or a serializer by name."), "no match"
    return "\n".join(lines), ", ".join(f"{n} {kind}" for kind, n in counts.items())
