"""URL routes as Django resolves them, read with `ast` from ROOT_URLCONF down.

`path`/`re_path`/`url` entries; `include()` of a module name, of a module object (`include(api)`
after `from . import api`), of a list, of `(patterns, app_name)`, of `router.urls` and of a call
to a function of the module (its return value); `urlpatterns` built with `+`, `+=`, `append`,
`extend`, `*starred` lists imported from elsewhere, and wrappers such as `i18n_patterns(...)` or
`format_suffix_patterns(...)`; DRF routers, including those registered in a `for` loop, with their
list and detail routes and `@action` routes. Routes added under an `if` (`if settings.DEBUG:`)
carry that condition. A prefix that is not a literal is shown as `{settings.BASE_PATH}`.
Includes of other packages stay one route (`include('allauth.urls')`).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from backdev.repo.django.classes import ClassIndex, ModuleRef
from backdev.repo.django.facts import RouteInfo, ViewInfo
from backdev.repo.django.models import constant_text, last_name, source
from backdev.repo.django.values import condition_text

MAX_DEPTH = 8
MAX_ROUTES = 5000
ROUTE_FUNCTIONS = frozenset({"path", "re_path", "url"})


@dataclass
class _Module:
    """One urls module being read: its names, routers, and the condition of the current block."""

    path: str
    names: dict[str, ast.expr] = field(default_factory=dict)
    functions: dict[str, ast.FunctionDef] = field(default_factory=dict)
    routers: dict[str, list[tuple[str, str, str | None, str | None]]] = field(default_factory=dict)


def pattern_text(node: ast.expr, names: dict[str, ast.expr], depth: int = 0) -> str:
    """A route pattern: literal text, with `{expr}` for what is not a literal."""
    text = constant_text(node)
    if text is not None:
        return text
    if isinstance(node, ast.JoinedStr):
        return "".join(str(p.value) if isinstance(p, ast.Constant) else "{" + source(p.value) + "}"
                       for p in node.values if isinstance(p, (ast.Constant, ast.FormattedValue)))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return pattern_text(node.left, names, depth + 1) + pattern_text(node.right, names, depth + 1)
    if isinstance(node, ast.Name) and node.id in names and depth < 4:
        return pattern_text(names[node.id], names, depth + 1)
    return "{" + source(node) + "}"


def _join(prefix: str, pattern: str, kind: str) -> str:
    if kind != "path":  # regular expressions: anchors go, the rest is kept as written
        pattern = pattern.removeprefix("^").removesuffix("$")
    return prefix + pattern


class UrlReader:
    """Reads the URL modules of one project (`index` resolves names; `views` by class name give
    the detail and action routes of router-registered viewsets)."""

    def __init__(self, index: ClassIndex, views: dict[str, ViewInfo] | None = None) -> None:
        self.index = index
        self.parse = index.tree.parse
        self.views = views or {}
        self.routes: list[RouteInfo] = []
        self._stack: list[str] = []

    def read(self, path: str, prefix: str = "", depth: int = 0, condition: str | None = None) -> None:
        """Add the routes of the urls module at `path` under `prefix`."""
        if path in self._stack or depth > MAX_DEPTH:
            return
        module = self.parse(path)
        if module is None:
            return
        self._stack.append(path)
        state = _Module(path)
        for node in module.body:
            if isinstance(node, ast.FunctionDef):
                state.functions[node.name] = node
        self._block(module.body, state, prefix, depth, condition)
        self._stack.pop()

    def _block(self, body: list[ast.stmt], state: _Module, prefix: str, depth: int, condition: str | None) -> None:
        for statement in body:
            if isinstance(statement, ast.Assign):
                self._assign(statement, state, prefix, depth, condition)
            elif isinstance(statement, ast.AugAssign) and last_name(statement.target) == "urlpatterns":
                self._patterns(statement.value, state, prefix, depth, condition)
            elif isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
                self._call(statement.value, state, prefix, depth, condition, {})
            elif isinstance(statement, ast.If):
                text = condition_text(statement.test)
                self._block(statement.body, state, prefix, depth, _both(condition, text))
                self._block(statement.orelse, state, prefix, depth, _both(condition, f"not {text}"))
            elif isinstance(statement, ast.For):
                self._loop(statement, state, prefix, depth, condition)
            elif isinstance(statement, (ast.Try, ast.With)):
                self._block(statement.body, state, prefix, depth, condition)

    def _assign(self, statement: ast.Assign, state: _Module, prefix: str, depth: int, condition: str | None) -> None:
        value = statement.value
        for target in statement.targets:
            if not isinstance(target, ast.Name):
                continue
            if isinstance(value, ast.Call) and last_name(value.func).endswith("Router"):
                state.routers[target.id] = []
            elif target.id == "urlpatterns":
                self._patterns(value, state, prefix, depth, condition)
            else:
                state.names[target.id] = value

    def _call(self, call: ast.Call, state: _Module, prefix: str, depth: int, condition: str | None,
              bound: dict[str, ast.expr]) -> None:
        func = call.func
        if not isinstance(func, ast.Attribute):
            return
        owner = last_name(func.value)
        if func.attr == "register" and owner in state.routers and len(call.args) >= 2:
            args = [bound.get(a.id, a) if isinstance(a, ast.Name) else a for a in call.args]
            basename = next((constant_text(k.value) for k in call.keywords if k.arg in ("basename", "base_name")), None)
            state.routers[owner].append((pattern_text(args[0], state.names), source(args[1]), basename, condition))
        elif owner == "urlpatterns" and func.attr in ("append", "extend", "insert") and call.args:
            value = call.args[-1]
            self._patterns(ast.List([value]) if func.attr != "extend" else value, state, prefix, depth, condition)

    def _loop(self, statement: ast.For, state: _Module, prefix: str, depth: int, condition: str | None) -> None:
        """`for prefix, viewset in [...]: router.register(prefix, viewset)`: each item bound in turn."""
        items = statement.iter
        if isinstance(items, ast.Name) and items.id in state.names:
            items = state.names[items.id]
        if isinstance(items, ast.Call) and isinstance(items.func, ast.Attribute) and items.func.attr == "items":
            owner = items.func.value
            mapping = state.names.get(owner.id) if isinstance(owner, ast.Name) else owner
            if isinstance(mapping, ast.Dict):
                items = ast.List([ast.Tuple([k, v]) for k, v in zip(mapping.keys, mapping.values, strict=False) if k])
        if not isinstance(items, (ast.List, ast.Tuple)):
            return
        for item in items.elts:
            bound: dict[str, ast.expr] = {}
            if isinstance(statement.target, ast.Name):
                bound[statement.target.id] = item
            elif isinstance(statement.target, ast.Tuple) and isinstance(item, (ast.Tuple, ast.List)):
                bound = {t.id: v for t, v in zip(statement.target.elts, item.elts, strict=False) if isinstance(t, ast.Name)}
            for inner in statement.body:
                if isinstance(inner, ast.Expr) and isinstance(inner.value, ast.Call):
                    self._call(inner.value, state, prefix, depth, condition, bound)

    # --- urlpatterns ---------------------------------------------------------------------------

    def _patterns(self, node: ast.expr, state: _Module, prefix: str, depth: int, condition: str | None) -> None:
        for entry, where in self._entries(node, state, 0):
            self._entry(entry, where, prefix, depth, condition)

    def _entries(self, node: ast.expr, state: _Module, depth: int) -> list[tuple[ast.expr, _Module]]:
        """The items of a urlpatterns expression, each with the module it was written in."""
        if depth > 6:
            return []
        if isinstance(node, (ast.List, ast.Tuple)):
            found: list[tuple[ast.expr, _Module]] = []
            for element in node.elts:
                if isinstance(element, ast.Starred):
                    found += self._entries(element.value, state, depth + 1)
                else:
                    found.append((element, state))
            return found
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return self._entries(node.left, state, depth + 1) + self._entries(node.right, state, depth + 1)
        if isinstance(node, ast.Name):
            if node.id in state.names:
                return self._entries(state.names[node.id], state, depth + 1)
            return self._imported(node.id, None, state, depth)
        if isinstance(node, ast.Attribute):
            if node.attr == "urls" and last_name(node.value) in state.routers:
                return [(node, state)]
            if isinstance(node.value, ast.Name):  # other_module.urlpatterns, or a router imported from elsewhere
                return self._imported(node.value.id, node.attr, state, depth)
            return []
        if isinstance(node, ast.Call):
            name = last_name(node.func)
            if name in ROUTE_FUNCTIONS:
                return [(node, state)]
            if isinstance(node.func, ast.Name) and name in state.functions:
                return self._function(state.functions[name], state, depth)
            found = []
            for argument in node.args:  # i18n_patterns(path(...), ...), format_suffix_patterns([...])
                found += self._entries(argument, state, depth + 1)
            return found
        return []

    def _function(self, function: ast.FunctionDef, state: _Module, depth: int) -> list[tuple[ast.expr, _Module]]:
        local = _Module(state.path, dict(state.names), state.functions, state.routers)
        found: list[tuple[ast.expr, _Module]] = []
        for node in ast.walk(function):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                local.names[node.targets[0].id] = node.value
            elif isinstance(node, ast.Return) and node.value is not None:
                found += self._entries(node.value, local, depth + 1)
        return found

    def _imported(self, name: str, attribute: str | None, state: _Module, depth: int) -> list[tuple[ast.expr, _Module]]:
        """`*api_patterns`, `api.urlpatterns` or `router.urls` of a router made elsewhere: what that module defines."""
        file = self._module_of(state.path, name) if attribute and attribute != "urls" else self._owner_of(state.path, name)
        if file is None or file in self._stack or len(self._stack) > MAX_DEPTH:
            return []
        other = self._load(file, depth)
        if other is None:
            return []
        original = name
        if attribute is None or attribute == "urls":  # `from .routers import router as api`: its own name there
            original = self.index.tree.facts(state.path).imports[name].partition(":")[2] or name
        if attribute == "urls":
            if original not in other.routers:
                return []
            other.routers[name] = other.routers[original]
            return [(ast.Attribute(ast.Name(name), "urls"), other)]
        value = other.names.get(attribute or original)
        return self._entries(value, other, depth + 1) if value is not None else []

    def _load(self, file: str, depth: int) -> _Module | None:
        """The names and routers (with their registrations) of another module."""
        module = self.parse(file)
        if module is None:
            return None
        other = _Module(file)
        for node in module.body:
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        if isinstance(node.value, ast.Call) and last_name(node.value.func).endswith("Router"):
                            other.routers[target.id] = []
                        else:
                            other.names[target.id] = node.value
            elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
                self._call(node.value, other, "", depth, None, {})
            elif isinstance(node, ast.For):
                self._loop(node, other, "", depth, None)
        return other

    def _entry(self, entry: ast.expr, state: _Module, prefix: str, depth: int, condition: str | None) -> None:
        if len(self.routes) >= MAX_ROUTES:
            return
        if isinstance(entry, ast.Attribute) and entry.attr == "urls" and last_name(entry.value) in state.routers:
            self._router(prefix, state.routers[last_name(entry.value)], condition)
            return
        if not (isinstance(entry, ast.Call) and last_name(entry.func) in ROUTE_FUNCTIONS and len(entry.args) >= 2):
            return
        kind = "path" if last_name(entry.func) == "path" else "re_path"
        full = _join(prefix, pattern_text(entry.args[0], state.names), kind)
        view = entry.args[1]
        name = next((constant_text(k.value) for k in entry.keywords if k.arg == "name"), None)
        if isinstance(view, ast.Call) and last_name(view.func) == "include" and view.args:
            self._include(view.args[0], state, full, depth, condition)
            return
        if isinstance(view, (ast.List, ast.Tuple)):  # path("x/", ([...], "app", "ns")) — include without include()
            self._include(view, state, full, depth, condition)
            return
        text = source(view).removesuffix(".as_view()")
        self.routes.append(RouteInfo("/" + full, text, name, kind, condition))

    def _include(self, target: ast.expr, state: _Module, prefix: str, depth: int, condition: str | None) -> None:
        if isinstance(target, ast.Tuple) and target.elts:
            target = target.elts[0]  # include((patterns, "app_name"))
        module = constant_text(target)
        if module is not None:
            path = self.index.tree.module_file(module, state.path)
            if path is None:
                self.routes.append(RouteInfo("/" + prefix, f"include('{module}')", None, "include", condition))
            else:
                self.read(path, prefix, depth + 1, condition)
            return
        if isinstance(target, (ast.Name, ast.Attribute)) and not (
                isinstance(target, ast.Attribute) and target.attr == "urls" and last_name(target.value) in state.routers):
            dotted = source(target)
            if isinstance(target, ast.Name) and target.id in state.names:
                self._include(state.names[target.id], state, prefix, depth, condition)
                return
            file = self._module_of(state.path, dotted)
            if file is not None and not dotted.endswith("urlpatterns"):
                self.read(file, prefix, depth + 1, condition)
                return
        entries = self._entries(target, state, 0)
        if not entries and not isinstance(target, (ast.List, ast.Tuple)):
            self.routes.append(RouteInfo("/" + prefix, f"include({source(target)})", None, "include", condition))
        for entry, where in entries:
            self._entry(entry, where, prefix, depth + 1, condition)

    def _module_of(self, path: str, dotted: str) -> str | None:
        """The file of the module `dotted` names in `path` (`from . import api` → api.py)."""
        target = self.index.resolve(path, dotted)
        return target.path if isinstance(target, ModuleRef) else None

    def _owner_of(self, path: str, name: str) -> str | None:
        """The file `name` was imported from in `path` (`from .api import patterns`)."""
        imported = self.index.tree.facts(path).imports.get(name)
        if imported is None or ":" not in imported:
            return None
        return self.index.tree.module_file(imported.partition(":")[0], path)

    def _router(self, prefix: str, entries: list[tuple[str, str, str | None, str | None]], condition: str | None) -> None:
        for register_prefix, view, basename, registered_when in entries:
            base = _join(prefix, register_prefix.strip("/"), "router").rstrip("/")
            when = _both(condition, registered_when)
            info = self.views.get(view.rsplit(".", 1)[-1])
            self.routes.append(RouteInfo(f"/{base}/", view, basename, "router", when))
            for action in info.list_actions if info else []:
                self.routes.append(RouteInfo(f"/{base}/{action}/", view, basename, "router-action", when))
            if info is None or info.has_detail:
                lookup = f"<{info.lookup if info else 'pk'}>"
                self.routes.append(RouteInfo(f"/{base}/{lookup}/", view, basename, "router-detail", when))
                for action in info.detail_actions if info else []:
                    self.routes.append(RouteInfo(f"/{base}/{lookup}/{action}/", view, basename, "router-action", when))


def _both(first: str | None, second: str | None) -> str | None:
    if first and second:
        return f"{first} and {second}"
    return first or second
