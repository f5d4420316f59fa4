"""A small static evaluator of settings expressions: values, with the conditions they hold under.

`evaluate(expr, names)` gives a list of `Alt` (at most `MAX_ALTERNATIVES`): each a Python value
(str, number, list, dict...) or a marker for what only the environment decides (`EnvVar`,
`DbUrl`) or for what cannot be known statically (`Unknown`, kept as source text), together with
the conditions (`when`) under which it holds. Nothing is imported or run.
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

MAX_ALTERNATIVES = 8
MAX_SOURCE = 80


@dataclass(frozen=True)
class EnvVar:
    """A value read from the environment, with its default when there is one."""

    name: str
    default: Any = None


@dataclass(frozen=True)
class DbUrl:
    """A database configured from a URL (`env.db()`, `dj_database_url`): its variable and default URL."""

    variable: str | None
    default: Any = None


class Unknown:
    """What cannot be known statically, shown as its (short) source text, made only when asked for."""

    __slots__ = ("_node", "_text")

    def __init__(self, node: ast.AST | str) -> None:
        self._node = node
        self._text: str | None = node if isinstance(node, str) else None

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = short(self._node)  # type: ignore[arg-type]
        return self._text

    def __repr__(self) -> str:
        return f"Unknown({self.text!r})"


@dataclass(frozen=True)
class EngineChoice:
    """A function that picks the database engine at run time: the engines it names, and the variables it reads."""

    function: str
    engines: tuple[str, ...]
    variables: tuple[str, ...] = ()


@dataclass(frozen=True)
class Alt:
    value: Any
    when: tuple[str, ...] = ()


Names = dict[str, list[Alt]]
ENV_READERS = frozenset({"getenv", "get", "env", "str", "bool", "int", "float", "config", "get_env", "get_env_variable",
                         "env_str", "env_bool", "getenv_str", "get_environment_variable", "get_secret"})
DB_URL_READERS = frozenset({"db", "db_url", "database_url"})


def short(node: ast.AST) -> str:
    text = " ".join(ast.unparse(node).split())
    return text if len(text) <= MAX_SOURCE else text[: MAX_SOURCE - 1] + "…"


def otherwise(condition: str) -> str:
    """The marker of the other branch of `condition` (dropped when conditions are shown)."""
    return "¬" + condition


def condition_text(node: ast.expr) -> str:
    """`os.environ.get("DB") == "mysql"` → `DB=mysql`; anything else as (short) source."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "bool" and len(node.args) == 1:
        return condition_text(node.args[0])
    if (isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], (ast.In, ast.NotIn))
            and isinstance(node.left, ast.Constant) and short(node.comparators[0]) in ("os.environ", "environ")):
        return f"{node.left.value} is {'set' if isinstance(node.ops[0], ast.In) else 'not set'}"
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], (ast.Eq, ast.NotEq)):
        left, right = _env_name(node.left), node.comparators[0]
        if left and isinstance(right, ast.Constant):
            return f"{left}{'=' if isinstance(node.ops[0], ast.Eq) else '≠'}{right.value}"
    if (isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], ast.In)
            and (name := _env_name(node.left)) and isinstance(node.comparators[0], (ast.List, ast.Tuple, ast.Set))
            and all(isinstance(e, ast.Constant) for e in node.comparators[0].elts)):
        return f"{name}=" + " or ".join(str(e.value) for e in node.comparators[0].elts)  # type: ignore[attr-defined]
    if (name := _env_name(node)) is not None:
        return f"{name} is set"
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return f"not {condition_text(node.operand)}"
    return short(node)


def _env_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Call) and _call_name(node) in ENV_READERS and node.args and isinstance(node.args[0], ast.Constant):
        return str(node.args[0].value)
    if (isinstance(node, ast.Subscript) and short(node.value) in ("os.environ", "environ")
            and isinstance(node.slice, ast.Constant)):
        return str(node.slice.value)
    return None


def _call_name(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def combine(parts: list[list[Alt]], build: Callable[[list[Any]], Any]) -> list[Alt]:
    """Every combination of the parts' alternatives (capped), built into one value each."""
    result = []
    for combo in itertools.islice(itertools.product(*parts), MAX_ALTERNATIVES):
        when = tuple(dict.fromkeys(w for alt in combo for w in alt.when))
        result.append(Alt(build([alt.value for alt in combo]), when))
    return result or [Alt(build([]))]


class Evaluator:
    """Evaluates expressions against module names; `call_function(name)` may give a local function's result."""

    def __init__(self, names: Names, call_function: Callable[[str, ast.Call], list[Alt] | None] | None = None) -> None:
        self.names = names
        self.call_function = call_function or (lambda name, node: None)

    def evaluate(self, node: ast.expr | None, depth: int = 0) -> list[Alt]:
        if node is None:
            return [Alt(None)]
        if depth > 12:
            return [Alt(Unknown(node))]
        method = getattr(self, "_" + type(node).__name__, None)
        return method(node, depth + 1) if method else [Alt(Unknown(node))]

    def first(self, node: ast.expr | None) -> Any:
        return self.evaluate(node)[0].value

    def _Constant(self, node: ast.Constant, depth: int) -> list[Alt]:
        return [Alt(node.value)]

    def _JoinedStr(self, node: ast.JoinedStr, depth: int) -> list[Alt]:
        text = ""
        for part in node.values:
            if isinstance(part, ast.Constant):
                text += str(part.value)
            elif isinstance(part, ast.FormattedValue):
                value = self.first(part.value)
                text += value if isinstance(value, str) else "{" + short(part.value) + "}"
        return [Alt(text)]

    def _Name(self, node: ast.Name, depth: int) -> list[Alt]:
        return self.names.get(node.id) or [Alt(Unknown(node.id))]

    def _sequence(self, node: ast.List | ast.Tuple | ast.Set, depth: int) -> list[Alt]:
        parts = []
        for element in node.elts:
            if isinstance(element, ast.Starred):
                parts.append([Alt(("*", a.value), a.when) for a in self.evaluate(element.value, depth)])
            else:
                parts.append(self.evaluate(element, depth)[:1])

        def build(values: list[Any]) -> list[Any]:
            items: list[Any] = []
            for value in values:
                if isinstance(value, tuple) and len(value) == 2 and value[0] == "*":
                    items += value[1] if isinstance(value[1], (list, tuple)) else [value[1]]
                else:
                    items.append(value)
            return items

        return combine(parts, build)

    _List = _Tuple = _Set = _sequence

    def _Dict(self, node: ast.Dict, depth: int) -> list[Alt]:
        keys = [self.evaluate(k, depth)[:1] if k is not None else [Alt(None)] for k in node.keys]
        values = [self.evaluate(v, depth) for v in node.values]

        def build(items: list[Any]) -> dict[Any, Any]:
            result: dict[Any, Any] = {}
            half = len(items) // 2
            for key, value in zip(items[:half], items[half:], strict=False):
                if key is None and isinstance(value, dict):
                    result.update(value)  # {**base}
                elif isinstance(key, (str, int)):
                    result[key] = value
                elif isinstance(key, Unknown):
                    result[f"{{{key.text}}}"] = value
            return result

        return combine(keys + values, build)

    def _BinOp(self, node: ast.BinOp, depth: int) -> list[Alt]:
        left, right = self.evaluate(node.left, depth), self.evaluate(node.right, depth)

        def build(values: list[Any]) -> Any:
            a, b = values
            if isinstance(node.op, ast.Add):
                if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
                    return list(a) + list(b)
                if isinstance(a, str) and isinstance(b, str):
                    return a + b
            if isinstance(node.op, ast.BitOr) and isinstance(a, dict) and isinstance(b, dict):
                return {**a, **b}
            return Unknown(node)

        return combine([left, right], build)

    def _IfExp(self, node: ast.IfExp, depth: int) -> list[Alt]:
        condition = condition_text(node.test)
        body = [Alt(a.value, (condition, *a.when)) for a in self.evaluate(node.body, depth)]
        other = [Alt(a.value, (otherwise(condition), *a.when)) for a in self.evaluate(node.orelse, depth)]
        return (body + other)[:MAX_ALTERNATIVES]

    def _BoolOp(self, node: ast.BoolOp, depth: int) -> list[Alt]:
        first = self.evaluate(node.values[0], depth)
        if isinstance(node.op, ast.Or) and len(node.values) == 2:
            fallback = self.first(node.values[1])
            return [Alt(EnvVar(a.value.name, fallback) if isinstance(a.value, EnvVar) and a.value.default is None
                        else a.value, a.when) for a in first]
        return [Alt(Unknown(node))]

    def _Subscript(self, node: ast.Subscript, depth: int) -> list[Alt]:
        if (name := _env_name(node)) is not None:
            return [Alt(EnvVar(name))]
        key = self.first(node.slice)
        result = []
        for alt in self.evaluate(node.value, depth):
            if isinstance(alt.value, dict) and isinstance(key, (str, int)) and key in alt.value:
                result.append(Alt(alt.value[key], alt.when))
            else:
                result.append(Alt(Unknown(node), alt.when))
        return result

    def _Call(self, node: ast.Call, depth: int) -> list[Alt]:
        name = _call_name(node)
        keywords = {k.arg: k.value for k in node.keywords if k.arg}
        owner = short(node.func.value) if isinstance(node.func, ast.Attribute) else ""
        if name in DB_URL_READERS or owner.endswith("dj_database_url") or name == "parse" and "database" in owner:
            return self._db_url(node, name, keywords)
        if name == "DatabaseURLValue":  # django-configurations
            default = node.args[0] if node.args else keywords.get("default")
            return [Alt({"default": DbUrl(self.first(keywords["environ_name"]) if "environ_name" in keywords
                                          else "DATABASE_URL", self.first(default) if default else None)})]
        if name.endswith("Value") and owner.endswith("values"):  # values.ListValue([...]): its default
            default = node.args[0] if node.args else keywords.get("default")
            return self.evaluate(default, depth) if default is not None else [Alt(Unknown(node))]
        if (name in ENV_READERS or "env" in name.lower()) and node.args and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, str) and not (name == "get" and owner not in ("os.environ", "environ")):
            default = keywords.get("default", node.args[1] if len(node.args) > 1 else None)
            return [Alt(EnvVar(node.args[0].value, self.first(default) if default is not None else None))]
        if name in ("str", "list", "tuple") and len(node.args) == 1:
            return self.evaluate(node.args[0], depth)
        if name == "dict" and not node.args:
            return combine([self.evaluate(v, depth)[:1] for v in keywords.values()],
                           lambda values: dict(zip(keywords, values, strict=False)))
        if isinstance(node.func, ast.Name):
            called = self.call_function(node.func.id, node)
            if called:
                return called
        return [Alt(Unknown(node))]

    def _Attribute(self, node: ast.Attribute, depth: int) -> list[Alt]:
        if node.attr == "DEFAULT_ENV":  # dj_database_url.DEFAULT_ENV
            return [Alt("DATABASE_URL")]
        if isinstance(node.value, ast.Name) and node.attr.isupper() and node.attr in self.names:
            return self.names[node.attr]  # `Common.INSTALLED_APPS` in a class-based configuration
        return [Alt(Unknown(node))]

    def _db_url(self, node: ast.Call, name: str, keywords: dict[str, ast.expr]) -> list[Alt]:
        variable: Any = "DATABASE_URL"
        default = keywords.get("default")
        if name == "parse":  # dj_database_url.parse(url): the url may itself come from the environment
            url = self.first(node.args[0]) if node.args else None
            if isinstance(url, EnvVar):
                return [Alt(DbUrl(url.name, url.default))]
            return [Alt(DbUrl(None, url))]
        if "env" in keywords:
            variable = self.first(keywords["env"])
        elif node.args and name in DB_URL_READERS:
            variable = self.first(node.args[0])
            if default is None and len(node.args) > 1:
                default = node.args[1]
        return [Alt(DbUrl(variable if isinstance(variable, str) else None,
                          self.first(default) if default is not None else None))]
