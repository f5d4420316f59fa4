"""The Django summary as text, filling a character budget progressively.

Always, for every project: where it is, its settings, databases, test command and apps, then
the names of every model, DRF view and serializer, by app — the floor, kept even when it alone
exceeds the budget, so the model never has to guess whether a class exists. Then details, most
central first, for as long as they fit: a one-line field list of each model (most referenced,
then largest, first), URL routes in groups, view and serializer lines; then whole model blocks
(every field with its options, Meta, indexes, constraints, managers) in place of their one-liners.
What did not fit is counted at the end, with the `django_info` call that gives it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from backdev.repo.django.facts import ModelInfo, ProjectSummary, RouteInfo, SerializerInfo, ViewInfo

HEADING = "(static summary: read with ast, never imported)"
ROUTE_CHUNK = 20
RESERVED = 200  # section titles and the closing "left out" line (checked after)


def _database_lines(summary: ProjectSummary) -> list[str]:
    if not summary.databases:
        return ["Database: not found in the settings" if summary.settings_path else "Database: no settings module found"]
    parts = []
    for database in summary.databases:
        choices = [f"{e.value} when {e.when}" if e.when else e.value for e in database.engines]
        if len(database.engines) > 1 and not database.engines[-1].when:
            choices[-1] = f"{database.engines[-1].value} otherwise"
        parts.append(f"{database.alias}: {'; '.join(choices) or 'not set'}")
    lines = ["Database: " + " · ".join(parts)]
    if summary.database_hints:
        lines[0] += " · likely " + ", or ".join(summary.database_hints)
    lines += [f"  with {module}: {engines}" for module, engines in summary.other_databases.items()]
    return lines


def head_lines(summary: ProjectSummary) -> list[str]:
    """Where the project is and how it is set up."""
    lines = [f"## {summary.label} {HEADING}"]
    if summary.settings_module:
        chain = [p.rsplit("/", 1)[-1] for p in summary.settings_chain[1:]]
        settings = f"Settings: {summary.settings_module} ({summary.settings_path}" + (
            f", with {', '.join(chain)})" if chain else ")")
        if summary.other_settings:
            settings += " · also " + ", ".join(f"{m} ({w})" for m, w in summary.other_settings.items())
        head = [settings]
        if summary.root_urlconf:
            head.append(f"ROOT_URLCONF {summary.root_urlconf}")
        if summary.auth_user_model:
            head.append(f"AUTH_USER_MODEL {summary.auth_user_model}")
        lines.append(" · ".join(head))
        lines += _database_lines(summary)
    elif summary.kind == "app":
        lines.append("No settings module of its own: a reusable app or library (no project runs it here).")
    else:
        lines.append("Settings: not found")
    if summary.test_command:
        lines.append(f"Test command: {summary.test_command}")
    shared = {label for labels in summary.shared_apps.values() for label in labels}
    if summary.apps or summary.third_party_apps:
        apps = ", ".join(a.label for a in summary.apps if a.label not in shared) or "none of its own"
        third = f" · third-party: {', '.join(summary.third_party_apps)}" if summary.third_party_apps else ""
        lines.append(f"Apps: {apps}{third}")
    for holder, labels in summary.shared_apps.items():
        lines.append(f"Also installs, summarised under {holder}: {', '.join(labels)}")
    if summary.rest_framework:
        lines.append("REST_FRAMEWORK: " + ", ".join(f"{k}={v}" for k, v in summary.rest_framework.items()))
    return lines


def _marked(model: ModelInfo) -> str:
    return model.name + (" (abstract)" if model.abstract else " (proxy)" if model.proxy else "")


def _by_app(items: list[tuple[str, str]]) -> list[str]:
    grouped: dict[str, list[str]] = {}
    for app, name in items:
        grouped.setdefault(app, []).append(name)
    return [f"  {app}: {', '.join(names)}" for app, names in grouped.items()]


def name_lines(summary: ProjectSummary) -> list[str]:
    """Every model, DRF view and serializer by name (the floor of the budget)."""
    lines = [f"Models ({len(summary.models)}), by app:" if summary.models else "Models: none found"]
    lines += _by_app([(m.app, _marked(m)) for m in summary.models])
    if summary.views:
        lines.append(f"DRF views ({len(summary.views)}), by app:")
        lines += _by_app([(v.app, v.name) for v in summary.views])
    if summary.serializers:
        lines.append(f"Serializers ({len(summary.serializers)}), by app:")
        lines += _by_app([(s.app, s.name) for s in summary.serializers])
    return lines


def model_line(model: ModelInfo) -> str:
    """One line: `shop.Product (shop/models.py:15) · name:CharField, category:ForeignKey→shop.Category`."""
    extra = " abstract" if model.abstract else " proxy" if model.proxy else ""
    fields = ", ".join(f"{f.name}:{f.kind}{'→' + f.target if f.target else ''}" for f in model.fields)
    if model.inherited:  # a concrete model of an abstract base (Oscar's Product) says what it has
        fields += ("; " if fields else "") + "inherits " + ", ".join(model.inherited)
    counts = f" · {len(model.indexes)} indexes, {len(model.constraints)} constraints" if model.indexes or model.constraints else ""
    return f"{model.label} ({model.path}:{model.line}){extra}{counts}: {fields or 'no fields of its own'}"


def model_block(model: ModelInfo) -> list[str]:
    """Every field with its options, Meta, indexes, constraints and managers."""
    extras = []
    if model.abstract:
        extras.append("abstract")
    if model.proxy:
        extras.append("proxy")
    own_bases = [b for b in model.bases if b != "Model"]
    if own_bases:
        extras.append("bases " + ", ".join(own_bases) + (f"; inherits {', '.join(model.inherited)}" if model.inherited else ""))
    lines = [f"{model.label} ({model.path}:{model.line})" + (" " + " ".join(extras) if extras else "")]
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


def route_line(route: RouteInfo) -> str:
    notes = [x for x in ("router" if route.kind.startswith("router") else "", f"name={route.name}" if route.name else "",
                         f"when {route.condition}" if route.condition else "") if x]
    return f"{route.pattern} → {route.view}" + (f" ({', '.join(notes)})" if notes else "")


def view_line(view: ViewInfo) -> str:
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


def serializer_line(serializer: SerializerInfo) -> str:
    of = f" of {serializer.model}" if serializer.model else ""
    parts = [f"fields {serializer.fields}"] if serializer.fields else []
    if serializer.declared:
        parts.append("declared " + ", ".join(serializer.declared))
    return f"{serializer.name} ({serializer.base}{of})" + (": " + " · ".join(parts) if parts else "")


def centrality(summary: ProjectSummary) -> dict[str, float]:
    """A score per model label: references from other models, serializers and views, then size."""
    score: Counter[str] = Counter()
    names = {m.name: m.label for m in summary.models}
    for model in summary.models:
        score[model.label] += len(model.fields) / 10 + 0.01
        for info in model.fields:
            if info.target and info.target != model.label:
                score[info.target] += 2
    for serializer in summary.serializers:
        if serializer.model and (label := names.get(serializer.model.rsplit(".", 1)[-1])):
            score[label] += 1
    for view in summary.views:
        text = f"{view.queryset or ''} {view.serializer or ''}"
        for word in text.replace("(", " ").replace(".", " ").split():
            if (label := names.get(word)) is not None:
                score[label] += 1
    return dict(score)


@dataclass
class _Item:
    section: str
    order: float
    lines: list[str]
    replaces: str | None = None
    key: str = ""

    @property
    def size(self) -> int:
        return sum(len(line) + 1 for line in self.lines)


@dataclass
class Rendered:
    """The text, the part of it that is the floor, and what was left out."""

    text: str
    floor: int
    left_out: Counter[str] = field(default_factory=Counter)


SECTIONS = (("models", "Models in detail (most referenced first):"), ("routes", "URL routes ({n}):"),
            ("views", "DRF views:"), ("serializers", "Serializers:"), ("permissions", ""))


def _items(summary: ProjectSummary) -> list[list[_Item]]:
    """The detail items in tiers: one-liners first, then whole model blocks."""
    score = centrality(summary)
    models = sorted(summary.models, key=lambda m: -score.get(m.label, 0))
    rank = {m.label: index for index, m in enumerate(models)}
    names = {m.name: m.label for m in summary.models}
    first = [_Item("models", i, [model_line(m)], key=m.label) for i, m in enumerate(models)]
    second: list[_Item] = []
    by_prefix: dict[str, list[RouteInfo]] = {}
    for route in summary.routes:
        by_prefix.setdefault("/".join(route.pattern.split("/")[:2]), []).append(route)
    for group_index, routes in enumerate(by_prefix.values()):
        for chunk in range(0, len(routes), ROUTE_CHUNK):
            piece = routes[chunk:chunk + ROUTE_CHUNK]
            second.append(_Item("routes", group_index + chunk / ROUTE_CHUNK * 3, [route_line(r) for r in piece]))

    def model_rank(text: str | None) -> float:
        for word in (text or "").replace("(", " ").replace(".", " ").split():
            if word in names:
                return rank[names[word]]
        return len(models) + 1

    second += [_Item("views", model_rank(f"{v.queryset} {v.serializer}"), [view_line(v)]) for v in summary.views]
    second += [_Item("serializers", model_rank(s.model), [serializer_line(s)]) for s in summary.serializers]
    if summary.permissions:
        second.append(_Item("permissions", 0, ["Permission classes: " + ", ".join(p.name for p in summary.permissions)]))
    second.sort(key=lambda item: item.order)
    third = [_Item("models", i, model_block(m), replaces=m.label, key=m.label) for i, m in enumerate(models)
             if len(model_block(m)) > 1]
    return [first, second, third]


def render_project(summary: ProjectSummary, budget: int | None = None) -> Rendered:
    """One project's text within `budget` characters (None: everything, in full)."""
    floor_lines = head_lines(summary) + name_lines(summary)
    floor = sum(len(line) + 1 for line in floor_lines)
    chosen: dict[str, _Item] = {}
    taken: list[_Item] = []
    room = float("inf") if budget is None else budget - floor - RESERVED
    left: Counter[str] = Counter()
    for tier in _items(summary):
        for item in tier:
            old = chosen.get(item.replaces) if item.replaces else None
            cost = item.size - (old.size if old else 0)
            if cost <= room:
                room -= cost
                if old is not None:
                    taken[taken.index(old)] = item
                else:
                    taken.append(item)
                if item.key:
                    chosen[item.key] = item
            elif not item.replaces:
                left[item.section] += len(item.lines)
            else:
                left["models with every field option"] += 1
    text = _compose(summary, floor_lines, taken, left)
    while budget is not None and len(text) > max(budget, floor) and taken:  # the titles cost more than reserved
        dropped = taken.pop()
        left[dropped.section] += len(dropped.lines)
        text = _compose(summary, floor_lines, taken, left)
    return Rendered(text, floor, left)


def _compose(summary: ProjectSummary, floor_lines: list[str], taken: list[_Item], left: Counter[str]) -> str:
    lines = list(floor_lines)
    for section, title in SECTIONS:
        items = sorted((i for i in taken if i.section == section), key=lambda i: i.order)
        if items:
            shown = sum(len(i.lines) for i in items)
            count = f"{len(summary.routes)}, {shown} shown" if shown < len(summary.routes) else str(len(summary.routes))
            if title:
                lines.append(title.format(n=count))
            lines += [line for item in items for line in item.lines]
    if summary.problems:
        lines.append("Not summarised: " + "; ".join(summary.problems[:20]))
    if left:
        what = ", ".join(f"{n} {section}" for section, n in left.items())
        where = f"project={summary.root!r}, " if summary.root else ""
        lines.append(f"(Left out for the budget: {what} — call django_info({where}app=…, model=…, routes=…) for them.)")
    return "\n".join(lines)


def render_projects(projects: list[ProjectSummary], budget: int) -> Rendered:
    """All projects within `budget` characters, shared by size; a project's unused share goes to the next."""
    floors = [sum(len(x) + 1 for x in head_lines(p) + name_lines(p)) for p in projects]
    weights = [len(p.models) * 3 + len(p.views) + len(p.serializers) + len(p.routes) / 4 + 1 for p in projects]
    spare = max(0, budget - sum(floors) - 2 * len(projects))
    texts, floor_total, left = [], 0, Counter[str]()
    for index, summary in enumerate(projects):
        share = spare * weights[index] / sum(weights[index:]) if weights[index:] else spare
        rendered = render_project(summary, floors[index] + int(share))
        used = len(rendered.text) + 2 - floors[index]
        spare = max(0, spare - used)
        texts.append(rendered.text)
        floor_total += rendered.floor
        left += rendered.left_out
    return Rendered("\n\n".join(texts), floor_total, left)
