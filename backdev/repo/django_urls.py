"""URL routes read with `ast`: `path`/`re_path`/`url` entries, `include(...)` followed, DRF routers.

Starting from ROOT_URLCONF, each `include("app.urls")` that is a module of the repository is read
in turn with its prefix, so routes come out as full paths (`/api/products/`). Includes of other
packages stay one route (`include('allauth.urls')`).
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass

from backdev.repo.django_models import assignments, constant_text, last_name, source

MAX_DEPTH = 8
ROUTE_FUNCTIONS = frozenset({"path", "re_path", "url"})


@dataclass(frozen=True)
class RouteInfo:
    """One URL route: its full pattern, the view, its name, and how it was declared."""

    pattern: str
    view: str
    name: str | None
    kind: str  # path, re_path, router, include


def _join(prefix: str, pattern: str, kind: str) -> str:
    if kind != "path":  # regular expressions: anchors go, the rest is kept as written
        pattern = pattern.removeprefix("^").removesuffix("$")
    return prefix + pattern


def _view_text(node: ast.expr) -> str:
    text = source(node)
    return text.removesuffix(".as_view()")


class UrlReader:
    """Reads URL modules of one project; `parse(module_path)` gives an ast.Module or None."""

    def __init__(self, parse: Callable[[str], ast.Module | None], module_file: Callable[[str], str | None]) -> None:
        self.parse = parse
        self.module_file = module_file
        self.routes: list[RouteInfo] = []
        self._seen: set[str] = set()

    def read(self, path: str, prefix: str = "", depth: int = 0) -> None:
        """Add the routes of the urls module at `path` under `prefix`."""
        if path in self._seen or depth > MAX_DEPTH:
            return
        self._seen.add(path)
        module = self.parse(path)
        if module is None:
            return
        names = {name: value for name, value, _ in assignments(module.body)}
        routers: dict[str, list[tuple[str, str, str | None]]] = {}
        patterns: list[ast.expr] = []
        for statement in module.body:
            if isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Call):
                if last_name(statement.value.func).endswith("Router"):
                    for target in statement.targets:
                        if isinstance(target, ast.Name):
                            routers[target.id] = []
            call = statement.value if isinstance(statement, ast.Expr) else None
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "register":
                owner = last_name(call.func.value)
                if owner in routers and len(call.args) >= 2:
                    basename = next((constant_text(k.value) for k in call.keywords if k.arg in ("basename", "base_name")), None)
                    routers[owner].append((constant_text(call.args[0]) or source(call.args[0]), source(call.args[1]), basename))
            if isinstance(statement, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "urlpatterns" for t in statement.targets):
                patterns = [statement.value]
            elif isinstance(statement, ast.AugAssign) and last_name(statement.target) == "urlpatterns":
                patterns.append(statement.value)
        for expression in patterns:
            for entry in self._entries(expression, names):
                self._entry(entry, prefix, routers, names, depth)

    def _entries(self, node: ast.expr, names: dict[str, ast.expr], depth: int = 0) -> list[ast.expr]:
        """The items of a urlpatterns expression (lists, `+`, names, wrappers such as static())."""
        if depth > 5:
            return []
        if isinstance(node, (ast.List, ast.Tuple)):
            return list(node.elts)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return self._entries(node.left, names, depth + 1) + self._entries(node.right, names, depth + 1)
        if isinstance(node, ast.Name) and node.id in names:
            return self._entries(names[node.id], names, depth + 1)
        if isinstance(node, ast.Attribute) and node.attr == "urls":
            return [node]  # router.urls
        if isinstance(node, ast.Call) and last_name(node.func) not in ROUTE_FUNCTIONS and node.args:
            return self._entries(node.args[0], names, depth + 1)  # format_suffix_patterns([...])
        return []

    def _router(self, prefix: str, entries: list[tuple[str, str, str | None]]) -> None:
        for register_prefix, view, basename in entries:
            pattern = _join(prefix, register_prefix.strip("/"), "router") + "/"
            self.routes.append(RouteInfo("/" + pattern, view, basename, "router"))

    def _entry(self, entry: ast.expr, prefix: str, routers: dict, names: dict[str, ast.expr], depth: int) -> None:
        if isinstance(entry, ast.Attribute) and entry.attr == "urls" and last_name(entry.value) in routers:
            self._router(prefix, routers[last_name(entry.value)])
            return
        if not (isinstance(entry, ast.Call) and last_name(entry.func) in ROUTE_FUNCTIONS and len(entry.args) >= 2):
            return
        kind = "path" if last_name(entry.func) == "path" else "re_path"
        pattern = constant_text(entry.args[0])
        pattern = pattern if pattern is not None else source(entry.args[0])
        full = _join(prefix, pattern, kind)
        view = entry.args[1]
        name = next((constant_text(k.value) for k in entry.keywords if k.arg == "name"), None)
        if isinstance(view, ast.Call) and last_name(view.func) == "include" and view.args:
            self._include(view.args[0], full, routers, names, depth)
            return
        self.routes.append(RouteInfo("/" + full, _view_text(view), name, kind))

    def _include(self, target: ast.expr, prefix: str, routers: dict, names: dict[str, ast.expr], depth: int) -> None:
        if isinstance(target, ast.Tuple) and target.elts:
            target = target.elts[0]  # include((patterns, "app_name"))
        module = constant_text(target)
        if module is not None:
            path = self.module_file(module)
            if path is None:
                self.routes.append(RouteInfo("/" + prefix, f"include('{module}')", None, "include"))
            else:
                self.read(path, prefix, depth + 1)
            return
        if isinstance(target, ast.Attribute) and target.attr == "urls" and last_name(target.value) in routers:
            self._router(prefix, routers[last_name(target.value)])
            return
        for entry in self._entries(target, names):
            self._entry(entry, prefix, routers, names, depth + 1)
