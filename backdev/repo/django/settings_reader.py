"""A project's settings as Django would load them, read statically.

The settings module's statements are followed in order: `from .base import *` (and named
imports from other settings modules) pull in that module first, django-split-settings'
`include(...)` reads the listed files into the same namespace, `X += [...]`, `X.append(...)`,
`X["key"] = ...` and `X.update(...)` change what is there, and both branches of an `if` are
followed, so a value set differently in each is kept as alternatives with their condition
("MySQL when DB=mysql, otherwise SQLite"). A `try:` body is taken as if its imports work.
Module-level functions called without arguments (`DATABASES = get_databases()`) give what they
return. Nothing is imported or run.
"""

from __future__ import annotations

import ast
import fnmatch
from pathlib import PurePosixPath
from typing import Any

from backdev.repo.django.sourcetree import SourceTree, relative_key
from backdev.repo.django.values import (
    MAX_ALTERNATIVES,
    Alt,
    DbUrl,
    EngineChoice,
    EnvVar,
    Evaluator,
    Names,
    Unknown,
    condition_text,
    otherwise,
)

WANTED = ("INSTALLED_APPS", "DATABASES", "ROOT_URLCONF", "AUTH_USER_MODEL", "REST_FRAMEWORK")
MAX_MODULES = 40
# A settings module kept out of git (local config) is read from the example committed beside it.
EXAMPLE_SUFFIXES = ("_example", ".example", "-example", "_sample", ".sample", "_template", ".dist", "_default", "_defaults")


class SettingsReader:
    """Reads settings modules of one source tree; `read(path)` gives the names a module ends with."""

    def __init__(self, tree: SourceTree, configuration: str | None = None) -> None:
        self.tree = tree
        self.configuration = configuration  # django-configurations: the class DJANGO_CONFIGURATION names
        self.chain: list[str] = []  # every file read, in order
        self._done: dict[str, Names] = {}
        self._active: set[str] = set()

    def read(self, path: str) -> Names:
        """The module-level names of the settings module at `path`, with their alternatives."""
        if path in self._done:
            return self._done[path]
        names: Names = {}
        if path in self._active or len(self._active) > MAX_MODULES:
            return names
        self._active.add(path)
        module = self.tree.parse(path)
        if module is not None:
            if path not in self.chain:
                self.chain.append(path)
            self._run(module.body, names, path, (), module)
            if "INSTALLED_APPS" not in names:
                self._configuration_class(module, names, path)
        self._active.discard(path)
        self._done[path] = names
        return names

    def _configuration_class(self, module: ast.Module, names: Names, path: str) -> None:
        """django-configurations: the settings are the attributes of a class (and of its bases)."""
        classes = {n.name: n for n in module.body if isinstance(n, ast.ClassDef)}
        holding = [c for c in classes.values() if any(isinstance(s, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "INSTALLED_APPS" for t in s.targets) for s in c.body)]
        if not holding:
            return
        chosen = classes.get(self.configuration or "") or next(
            (c for c in classes.values() if c.name in ("Dev", "Development", "Local")), holding[0])
        chain: list[ast.ClassDef] = []

        def collect(node: ast.ClassDef) -> None:
            for base in node.bases:
                if isinstance(base, ast.Name) and base.id in classes and classes[base.id] not in chain:
                    collect(classes[base.id])
            chain.append(node)

        collect(chosen)
        for node in chain:  # bases first, as Python's attribute lookup would see them overridden
            self._run(node.body, names, path, (), module)

    # --- statements ----------------------------------------------------------------------------

    def _run(self, body: list[ast.stmt], names: Names, path: str, when: tuple[str, ...], module: ast.Module) -> None:
        functions = {n.name: n for n in module.body if isinstance(n, ast.FunctionDef)}
        evaluator = Evaluator(names, lambda name, node: self._call(functions.get(name) or self._imported_function(path, name),
                                                                   node, names))
        for statement in body:
            if isinstance(statement, ast.ImportFrom):
                self._import(statement, names, path)
            elif isinstance(statement, (ast.Assign, ast.AnnAssign)):
                targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
                if statement.value is None:
                    continue
                values = evaluator.evaluate(statement.value)
                for target in targets:
                    self._assign(target, values, names, evaluator)
            elif isinstance(statement, ast.AugAssign) and isinstance(statement.target, ast.Name):
                current = names.get(statement.target.id, [Alt([])])
                added = evaluator.evaluate(statement.value)
                names[statement.target.id] = _merge_each(current, added)
            elif isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
                self._call_statement(statement.value, names, evaluator, path, when, module)
            elif isinstance(statement, ast.If):
                self._branch(statement, names, path, when, module, evaluator)
            elif isinstance(statement, ast.Try):
                self._run(statement.body, names, path, when, module)
            elif isinstance(statement, ast.With):
                self._run(statement.body, names, path, when, module)

    def _branch(self, statement: ast.If, names: Names, path: str, when: tuple[str, ...], module: ast.Module,
                evaluator: Evaluator) -> None:
        known = evaluator.first(statement.test)
        if isinstance(known, bool):  # `if True:` or a constant flag defined above
            self._run(statement.body if known else statement.orelse, names, path, when, module)
            return
        condition = condition_text(statement.test)
        body, other = dict(names), dict(names)
        self._run(statement.body, body, path, (*when, condition), module)
        self._run(statement.orelse, other, path, (*when, otherwise(condition)), module)
        for name in set(body) | set(other):
            first, second = body.get(name), other.get(name)
            if first is second:
                continue
            merged = [Alt(a.value, (condition, *a.when)) for a in first or []]
            merged += [Alt(a.value, (otherwise(condition), *a.when)) for a in second or []]
            names[name] = merged[:MAX_ALTERNATIVES]

    def _assign(self, target: ast.expr, values: list[Alt], names: Names, evaluator: Evaluator) -> None:
        if isinstance(target, ast.Name):
            names[target.id] = values
        elif isinstance(target, ast.Subscript):  # DATABASES["default"] = ..., X["a"]["b"] = ...
            keys = []
            node: ast.expr = target
            while isinstance(node, ast.Subscript):
                keys.insert(0, evaluator.first(node.slice))
                node = node.value
            if isinstance(node, ast.Name) and node.id in names and all(isinstance(k, (str, int)) for k in keys):
                names[node.id] = [Alt(_set_in(alt.value, keys, value.value), alt.when + value.when)
                                  for alt in names[node.id] for value in values][:MAX_ALTERNATIVES]

    def _call_statement(self, call: ast.Call, names: Names, evaluator: Evaluator, path: str, when: tuple[str, ...],
                        module: ast.Module) -> None:
        func = call.func
        if isinstance(func, ast.Name) and func.id == "include":  # django-split-settings
            for argument in call.args:
                pattern = evaluator.first(argument.args[0]) if isinstance(argument, ast.Call) and argument.args \
                    else evaluator.first(argument)
                if isinstance(pattern, str):
                    for file in self._glob(path, pattern):
                        included = self.tree.parse(file)
                        if included is not None and file not in self._active:
                            self.chain.append(file)
                            self._active.add(file)
                            self._run(included.body, names, file, when, included)
                            self._active.discard(file)
            return
        if not isinstance(func, ast.Attribute):
            return
        owner: ast.expr = func.value
        keys: list[Any] = []
        while isinstance(owner, ast.Subscript):
            keys.insert(0, evaluator.first(owner.slice))
            owner = owner.value
        if not isinstance(owner, ast.Name) or owner.id not in names:
            return
        arguments = [evaluator.first(a) for a in call.args]
        updated = []
        for alt in names[owner.id]:
            value = _get_in(alt.value, keys)
            if func.attr in ("append", "extend", "insert") and isinstance(value, (list, tuple)):
                extra = arguments[-1:] if func.attr != "extend" else (arguments[0] if arguments and isinstance(
                    arguments[0], (list, tuple)) else [])
                value = list(value) + list(extra)
            elif func.attr == "remove" and isinstance(value, (list, tuple)) and arguments:
                value = [v for v in value if v != arguments[0]]
            elif func.attr == "update" and isinstance(value, (dict, Unknown)):
                value = value if isinstance(value, dict) else {}
                value = {**value, **(arguments[0] if arguments and isinstance(arguments[0], dict) else {}),
                         **{k.arg: evaluator.first(k.value) for k in call.keywords if k.arg}}
            else:
                updated.append(alt)
                continue
            updated.append(Alt(_set_in(alt.value, keys, value) if keys else value, alt.when))
        names[owner.id] = updated

    def _import(self, statement: ast.ImportFrom, names: Names, path: str) -> None:
        module = statement.module or ""
        key = relative_key(path, statement.level, module) if statement.level else module
        file = self.tree.module_file(key, path) or self._example_of(key, path)
        if file is None or file == path:
            return
        star = any(a.name == "*" for a in statement.names)
        if not star and not any(a.name.isupper() for a in statement.names):
            return  # `from .utils import helper`: not settings
        other = self.read(file)
        if star:
            names.update({k: v for k, v in other.items() if not k.startswith("_")})
        else:
            for alias in statement.names:
                if alias.name in other:
                    names[alias.asname or alias.name] = other[alias.name]

    def _example_of(self, key: str, near: str) -> str | None:
        """`configuration_example.py` or `env.example.py` for a local module kept out of git."""
        if key.startswith("/"):
            base = key
        else:
            tail = key.replace(".", "/")
            for suffix in EXAMPLE_SUFFIXES:  # a namespace package has no __init__.py to find it by
                found = sorted((f for f in self.tree.python if f == f"{tail}{suffix}.py" or f.endswith(f"/{tail}{suffix}.py")),
                               key=lambda f: (-_shared(f, near), len(f)))
                if found:
                    return found[0]
            return None
        for suffix in EXAMPLE_SUFFIXES:
            found = self.tree.module_file(base + suffix)
            if found is not None:
                return found
        return None

    def _imported_function(self, path: str, name: str) -> ast.FunctionDef | None:
        imported = self.tree.facts(path).imports.get(name)
        if imported is None or ":" not in imported:
            return None
        module, _, function = imported.partition(":")
        file = self.tree.module_file(module, path)
        parsed = self.tree.parse(file) if file else None
        return next((n for n in parsed.body if isinstance(n, ast.FunctionDef) and n.name == function), None) \
            if parsed else None

    def _call(self, function: ast.FunctionDef | None, call: ast.Call, names: Names) -> list[Alt] | None:
        if function is None:
            return None
        if function.args.args and not call.args and not call.keywords:
            return None
        if function.args.args or function.args.kwonlyargs:
            return _engine_choice(function)
        local: Names = dict(names)
        evaluator = Evaluator(local)
        results: list[Alt] = []
        for node in ast.walk(function):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                local[node.targets[0].id] = evaluator.evaluate(node.value)
            elif isinstance(node, ast.Return) and node.value is not None:
                results += evaluator.evaluate(node.value)
        return results[:MAX_ALTERNATIVES] or None

    def _glob(self, path: str, pattern: str) -> list[str]:
        folder = str(PurePosixPath(path).parent)
        full = str(PurePosixPath(folder) / pattern) if folder != "." else pattern
        full = "/".join(p for p in PurePosixPath(full).parts)
        return sorted(f for f in self.tree.python if fnmatch.fnmatchcase(f, full))


def _engine_choice(function: ast.FunctionDef) -> list[Alt] | None:
    """The engines a function with arguments may return (`parse_db_settings(DATA_DIR)`), if it names any."""
    found: list[tuple[int, str]] = []
    variables: list[str] = []
    for node in ast.walk(function):
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=False):
                if isinstance(key, ast.Constant) and key.value == "ENGINE" and isinstance(value, ast.Constant) \
                        and isinstance(value.value, str):
                    found.append((value.lineno, value.value))
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, str) and "env" in ast.unparse(node.func).lower():
            if node.args[0].value.isupper() and node.args[0].value not in variables:
                variables.append(node.args[0].value)
    engines = tuple(dict.fromkeys(engine for _, engine in sorted(found)))  # in the order they are written
    if not engines:
        return None
    return [Alt(EngineChoice(function.name, engines, tuple(variables[:4])))]


def _shared(path: str, near: str) -> int:
    return len([1 for a, b in zip(path.split("/"), near.split("/"), strict=False) if a == b])


def _get_in(value: Any, keys: list[Any]) -> Any:
    for key in keys:
        if not isinstance(value, dict) or key not in value:
            return Unknown("?")
        value = value[key]
    return value


def _set_in(value: Any, keys: list[Any], new: Any) -> Any:
    if not keys:
        return new
    if isinstance(value, (DbUrl, EnvVar)) and keys[-1] != "ENGINE":
        return value  # `DATABASES["default"]["CONN_MAX_AGE"] = 60` on a URL-configured database
    base = dict(value) if isinstance(value, dict) else {}
    base[keys[0]] = _set_in(base.get(keys[0]), keys[1:], new)
    return base


def _merge_each(current: list[Alt], added: list[Alt]) -> list[Alt]:
    result = []
    for alt in current:
        for extra in added:
            a, b = alt.value, extra.value
            if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
                value: Any = list(a) + list(b)
            elif isinstance(a, dict) and isinstance(b, dict):
                value = {**a, **b}
            elif isinstance(a, str) and isinstance(b, str):
                value = a + b
            else:
                value = a
            result.append(Alt(value, tuple(dict.fromkeys(alt.when + extra.when))))
    return result[:MAX_ALTERNATIVES]




def read_settings(tree: SourceTree, path: str, configuration: str | None = None) -> tuple[Names, list[str]]:
    """The names of the settings module at `path` and the files it pulled in (it first); `configuration`
    names the django-configurations class to read when the settings are a class."""
    reader = SettingsReader(tree, configuration)
    names = reader.read(path)
    return names, reader.chain
