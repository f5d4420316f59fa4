"""A Django migration read statically (Python's `ast`; the project is never imported or run).

`read_migration(path, text)` gives the app label (the folder above `migrations/`), the migration's
name, whether it is atomic, and its operations in order, each with its line and the arguments
that matter for the database: the model, the field (its class and literal keyword arguments), an
index's fields, a RunPython's reverse code. `SeparateDatabaseAndState` contributes only its
database operations. Values that are not literals (a callable default, a settings reference)
are kept as the marker `EXPR`.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

EXPR = object()  # a value that is not a literal (a call, a name, an attribute)
# Calls kept as FieldSpec besides the `...Field` classes: relations, indexes and constraints.
_SPEC_KINDS = {"ForeignKey", "OneToOneField", "ManyToManyField", "Index", "UniqueConstraint", "CheckConstraint"}

# Positional parameters of the operations backdev reads (django.db.migrations.operations).
_POSITIONAL = {
    "AddField": ("model_name", "name", "field", "preserve_default"),
    "RemoveField": ("model_name", "name"),
    "AlterField": ("model_name", "name", "field", "preserve_default"),
    "RenameField": ("model_name", "old_name", "new_name"),
    "AddIndex": ("model_name", "index"),
    "RemoveIndex": ("model_name", "name"),
    "RenameIndex": ("model_name", "new_name", "old_name", "old_fields"),
    "AddConstraint": ("model_name", "constraint"),
    "RemoveConstraint": ("model_name", "name"),
    "CreateModel": ("name", "fields", "options", "bases", "managers"),
    "DeleteModel": ("name",),
    "RenameModel": ("old_name", "new_name"),
    "AlterModelTable": ("name", "table"),
    "AlterUniqueTogether": ("name", "unique_together"),
    "AlterIndexTogether": ("name", "index_together"),
    "RunSQL": ("sql", "reverse_sql", "state_operations", "hints", "elidable"),
    "RunPython": ("code", "reverse_code", "atomic", "hints", "elidable"),
    "SeparateDatabaseAndState": ("database_operations", "state_operations"),
}


class MigrationError(ValueError):
    """The file is not a Django migration backdev can read; the message says why."""


@dataclass(frozen=True)
class FieldSpec:
    """A model field as written: `models.CharField(max_length=100, null=True)`."""

    kind: str
    options: dict[str, Any] = field(default_factory=dict)
    target: str = ""  # a relation's model, e.g. "shop.customer"

    def get(self, key: str, default: Any = None) -> Any:
        return self.options.get(key, default)

    @property
    def is_relation(self) -> bool:
        return self.kind in ("ForeignKey", "OneToOneField")

    @property
    def nullable(self) -> bool:
        return self.get("null") is True

    @property
    def has_default(self) -> bool:
        return "default" in self.options or "db_default" in self.options


@dataclass
class Operation:
    """One operation of the migration."""

    kind: str
    line: int
    arguments: dict[str, Any] = field(default_factory=dict)

    def text(self, key: str) -> str:
        value = self.arguments.get(key)
        return value if isinstance(value, str) else ""

    @property
    def model(self) -> str:
        """The model's name, lower-cased as Django stores it."""
        return (self.text("model_name") or self.text("name") or self.text("old_name")).lower()

    @property
    def field(self) -> FieldSpec | None:
        value = self.arguments.get("field")
        return value if isinstance(value, FieldSpec) else None


@dataclass
class Migration:
    app: str
    name: str
    operations: list[Operation]
    atomic: bool = True
    dependencies: list[tuple[str, str]] = field(default_factory=list)


def app_and_name(path: str) -> tuple[str, str]:
    """`shop/migrations/0002_order_note.py` → (`shop`, `0002_order_note`)."""
    parts = PurePosixPath(path).parts
    if len(parts) < 3 or parts[-2] != "migrations":
        raise MigrationError(f"{path} is not in an app's migrations/ folder (APP/migrations/NNNN_name.py).")
    return parts[-3], PurePosixPath(path).stem


def read_migration(path: str, text: str) -> Migration:
    """Read the migration at `path` (relative to the repository) from its source `text`."""
    app, name = app_and_name(path)
    try:
        tree = ast.parse(text, filename=path)
    except SyntaxError as exc:
        raise MigrationError(f"{path} does not parse as Python (line {exc.lineno}: {exc.msg}).") from None
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and any(_name_of(b).endswith("Migration") for b in node.bases):
            return _migration(app, name, node)
    raise MigrationError(f"{path} has no `class Migration(migrations.Migration)`: is it a Django migration?")


def _migration(app: str, name: str, node: ast.ClassDef) -> Migration:
    migration = Migration(app, name, [])
    for statement in node.body:
        if not isinstance(statement, ast.Assign) or len(statement.targets) != 1:
            continue
        target = _name_of(statement.targets[0])
        if target == "operations" and isinstance(statement.value, (ast.List, ast.Tuple)):
            migration.operations = _operations(statement.value.elts)
        elif target == "atomic":
            migration.atomic = _literal(statement.value) is not False
        elif target == "dependencies" and isinstance(statement.value, (ast.List, ast.Tuple)):
            for item in statement.value.elts:
                value = _literal(item)
                if isinstance(value, tuple) and len(value) == 2 and all(isinstance(v, str) for v in value):
                    migration.dependencies.append(value)
    return migration


def _operations(nodes: list[ast.expr]) -> list[Operation]:
    found: list[Operation] = []
    for node in nodes:
        if not isinstance(node, ast.Call):
            continue
        kind = _name_of(node.func).rsplit(".", 1)[-1]
        arguments = _arguments(node, _POSITIONAL.get(kind, ()))
        if kind == "SeparateDatabaseAndState":
            database = next((k.value for k in node.keywords if k.arg == "database_operations"), None)
            if database is None and node.args:
                database = node.args[0]
            if isinstance(database, (ast.List, ast.Tuple)):
                found.extend(_operations(database.elts))
            continue
        found.append(Operation(kind, node.lineno, arguments))
    return found


def _arguments(call: ast.Call, positional: tuple[str, ...]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for index, arg in enumerate(call.args[: len(positional)]):
        values[positional[index]] = _value(arg)
    for keyword in call.keywords:
        if keyword.arg:
            values[keyword.arg] = _value(keyword.value)
    return values


def _value(node: ast.expr) -> Any:
    """A literal, a FieldSpec for `models.X(...)` calls, a list of those, or EXPR."""
    if isinstance(node, ast.Call):
        kind = _name_of(node.func).rsplit(".", 1)[-1]
        options = {k.arg: _value(k.value) for k in node.keywords if k.arg}
        target = options.pop("to", "") if kind in ("ForeignKey", "OneToOneField", "ManyToManyField") else ""
        if not target and node.args and kind in ("ForeignKey", "OneToOneField", "ManyToManyField"):
            target = _value(node.args[0])
        if kind in _SPEC_KINDS or kind.endswith("Field"):
            return FieldSpec(kind, options, target if isinstance(target, str) else "")
        return EXPR
    if isinstance(node, (ast.List, ast.Tuple)):
        items = [_value(item) for item in node.elts]
        return tuple(items) if isinstance(node, ast.Tuple) else items
    if isinstance(node, ast.Dict):
        pairs = zip(node.keys, node.values, strict=True)
        return {(_literal(k) if k is not None else None): _value(v) for k, v in pairs}
    literal = _literal(node)
    return EXPR if literal is _NOT_LITERAL else literal


_NOT_LITERAL = object()


def _literal(node: ast.expr) -> Any:
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return _NOT_LITERAL


def _name_of(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_name_of(node.value)}.{node.attr}"
    return ""


# --- Django fields as MySQL columns (django/db/backends/mysql/base.py data_types) ---------------

_TYPES = {
    "AutoField": "int", "BigAutoField": "bigint", "SmallAutoField": "smallint", "BigIntegerField": "bigint",
    "IntegerField": "int", "SmallIntegerField": "smallint", "PositiveIntegerField": "int unsigned",
    "PositiveBigIntegerField": "bigint unsigned", "PositiveSmallIntegerField": "smallint unsigned",
    "BooleanField": "tinyint(1)", "NullBooleanField": "tinyint(1)", "TextField": "longtext", "DateField": "date",
    "DateTimeField": "datetime(6)", "TimeField": "time(6)", "DurationField": "bigint", "FloatField": "double",
    "UUIDField": "char(32)", "JSONField": "json", "BinaryField": "longblob", "GenericIPAddressField": "char(39)",
    "IPAddressField": "char(15)",
}
_VARCHAR_DEFAULTS = {"CharField": None, "SlugField": 50, "EmailField": 254, "URLField": 200, "FileField": 100,
                     "ImageField": 100, "FilePathField": 100}


def column_type(spec: FieldSpec, relation_type: str = "bigint") -> str | None:
    """The MySQL column type Django creates for `spec` (None when unknown); relations take `relation_type`."""
    if spec.is_relation:
        return relation_type
    if spec.kind in _VARCHAR_DEFAULTS:
        length = spec.get("max_length", _VARCHAR_DEFAULTS[spec.kind])
        return f"varchar({length})" if isinstance(length, int) else None
    if spec.kind == "DecimalField":
        digits, places = spec.get("max_digits"), spec.get("decimal_places")
        return f"decimal({digits},{places})" if isinstance(digits, int) and isinstance(places, int) else None
    return _TYPES.get(spec.kind)


def column_name(field_name: str, spec: FieldSpec | None) -> str:
    """`customer` → `customer_id` for a relation; `db_column` wins."""
    if spec is not None and isinstance(spec.get("db_column"), str):
        return spec.get("db_column")
    return f"{field_name}_id" if spec is not None and spec.is_relation else field_name
