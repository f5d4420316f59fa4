"""The Python files of a repository as Python would import them: module names, imports, classes.

Every `.py` outside migrations, tests and vendored folders is read once (bytes, capped, confined to
the repository). A quick scan with regular expressions gives each file's class headers (with their
bases, nested classes as `Outer.Inner`) and imports; only the files the Django reading needs are
parsed with `ast` (see `parsing.py`), and their scan is then replaced by what `ast` says.

Module names follow Python's rules without running anything: a file's dotted name counts from any
folder that is not itself a package (no `__init__.py`), so `apps/api/plane/db/mixins.py` is
`plane.db.mixins` (and `api.plane.db.mixins`, harmless); when two files share a name, the one
nearest the importing file wins.
"""

from __future__ import annotations

import ast
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from backdev.repo.django.parsing import parse_python
from backdev.repo.safety import inside_or_none

MAX_FILE_BYTES = 1_000_000
# Not "vendor": a marketplace's `vendor` app is as likely as vendored code.
SKIPPED_FOLDERS = frozenset({"migrations", "node_modules", "site-packages", "dist-packages", "__pycache__", "vendored",
                             "_vendor", "third_party", "bower_components", ".venv", "venv", ".tox", ".nox", ".git",
                             ".eggs"})
TEST_FOLDERS = frozenset({"tests", "test", "testing", "functional_tests", "integration_tests", "unit_tests"})

_CLASS = re.compile(rb"^([ \t]*)class[ \t]+([A-Za-z_]\w*)", re.M)
_FROM = re.compile(rb"^[ \t]*from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n;#]*(?:\\\r?\n[^\n;#]*)*)", re.M)
_IMPORT = re.compile(rb"^[ \t]*import[ \t]+([\w. \t,]+)", re.M)
_ALIAS = re.compile(rb"^([A-Za-z_]\w*)[ \t]*=[ \t]*([A-Za-z_][\w.]*)[ \t]*(?:#.*)?$", re.M)
_DOTTED = re.compile(r"[A-Za-z_][\w.]*")


def is_python_source(path: str) -> bool:
    """A `.py` file outside migrations and vendored folders (tests included)."""
    parts = path.split("/")
    return path.endswith(".py") and not any(p in SKIPPED_FOLDERS or p.startswith(".") for p in parts[:-1])


def is_test_file(path: str) -> bool:
    """Tests define fixtures, not the project's own models or views."""
    parts = path.split("/")
    name = parts[-1]
    return (any(p in TEST_FOLDERS for p in parts[:-1]) or name.startswith("test_") or name.endswith("_tests.py")
            or name in ("tests.py", "conftest.py", "test.py"))


@dataclass
class ClassFact:
    """A class header: its name inside the module (`Outer.Inner` when nested), bases as written, line."""

    qualname: str
    bases: list[str]
    line: int
    node: ast.ClassDef | None = None


@dataclass
class ModuleFacts:
    """What a module binds: classes, imported names, star imports and plain aliases (`X = a.B`)."""

    classes: dict[str, ClassFact] = field(default_factory=dict)
    imports: dict[str, str] = field(default_factory=dict)  # local name -> module key, or module key + ":" + name
    stars: list[str] = field(default_factory=list)
    aliases: dict[str, str] = field(default_factory=dict)
    exact: bool = False  # from ast, not from the quick scan


def _package_of(path: str) -> str:
    return path.rpartition("/")[0]


def relative_key(path: str, dots: int, module: str) -> str:
    """The module key (a path without `.py`) of `from ...module import` written in `path`."""
    key = _package_of(path)
    for _ in range(dots - 1):
        key = key.rpartition("/")[0]
    if module:
        key = f"{key}/{module.replace('.', '/')}" if key else module.replace(".", "/")
    return "/" + key  # a leading slash marks a path key


def _import_target(path: str, module: str, name: str | None) -> str:
    dots = len(module) - len(module.lstrip("."))
    base = relative_key(path, dots, module[dots:]) if dots else module
    return f"{base}:{name}" if name else base


def _balanced(data: bytes, start: int, opening: int, closing: int) -> int:
    """The index just past the bracket that closes the one at `start`."""
    depth = 0
    for index in range(start, min(len(data), start + 4000)):
        char = data[index]
        if char == opening:
            depth += 1
        elif char == closing:
            depth -= 1
            if depth == 0:
                return index + 1
    return -1


def split_bases(text: str) -> list[str]:
    """`models.Model, Generic[T], metaclass=M` → `["models.Model", "Generic"]` (dotted names only)."""
    text = re.sub(r"#[^\n]*", "", text)
    bases, depth, current = [], 0, ""
    for char in text + ",":
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        if char == "," and depth == 0:
            item = current.strip()
            current = ""
            if item and "=" not in item and not item.startswith("*"):
                item = item.split("[", 1)[0].strip()
                if _DOTTED.fullmatch(item):
                    bases.append(item)
            continue
        current += char
    return bases


def scan_facts(path: str, data: bytes) -> ModuleFacts:
    """The quick scan: class headers, imports and aliases found with regular expressions."""
    facts = ModuleFacts()
    stack: list[tuple[int, str]] = []
    line, counted = 1, 0
    for match in _CLASS.finditer(data):
        indent, name = len(match.group(1).expandtabs()), match.group(2).decode()
        position = match.end()
        if data[position:position + 1] == b"[":  # PEP 695 type parameters
            position = _balanced(data, position, ord("["), ord("]"))
            if position < 0:
                continue
        bases: list[str] = []
        if data[position:position + 1] == b"(":
            end = _balanced(data, position, ord("("), ord(")"))
            if end < 0:
                continue
            bases = split_bases(data[position + 1:end - 1].decode("utf-8", "replace"))
        while stack and stack[-1][0] >= indent:
            stack.pop()
        qualname = ".".join([n for _, n in stack] + [name])
        line += data.count(b"\n", counted, match.start())
        counted = match.start()
        facts.classes.setdefault(qualname, ClassFact(qualname, bases, line))
        stack.append((indent, name))
    for match in _FROM.finditer(data):
        module = match.group(1).decode()
        names = match.group(2).decode("utf-8", "replace").replace("\\", " ").strip("()\r\n ")
        for item in re.sub(r"#[^\n]*", "", names).replace("\n", ",").split(","):
            words = item.split()
            if not words:
                continue
            if words[0] == "*":
                facts.stars.append(_import_target(path, module, None))
            else:
                local = words[2] if len(words) == 3 and words[1] == "as" else words[0]
                facts.imports[local] = _import_target(path, module, words[0])
    for match in _IMPORT.finditer(data):
        for item in match.group(1).decode().split(","):
            words = item.split()
            if words:
                if len(words) == 3 and words[1] == "as":
                    facts.imports[words[2]] = words[0]
                else:
                    facts.imports.setdefault(words[0].split(".")[0], words[0].split(".")[0])
    for match in _ALIAS.finditer(data):
        facts.aliases[match.group(1).decode()] = match.group(2).decode()
    return facts


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Subscript):
        return _dotted(node.value)
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return ".".join([node.id, *reversed(parts)])
    return None


def _statements(body: list[ast.stmt]) -> list[ast.stmt]:
    """Every statement in `body` and the blocks inside it (expressions are not entered: imports are statements)."""
    found: list[ast.stmt] = []
    stack = list(reversed(body))
    while stack:
        node = stack.pop()
        found.append(node)
        for name in ("body", "orelse", "finalbody", "handlers"):
            block = getattr(node, name, None)
            if block:
                stack.extend(reversed(block))
    return found


def ast_facts(path: str, module: ast.Module) -> ModuleFacts:
    """The exact facts of a parsed module (classes nested in classes included, imports anywhere)."""
    facts = ModuleFacts(exact=True)

    def classes(body: list[ast.stmt], prefix: str) -> None:
        for node in body:
            if isinstance(node, ast.ClassDef):
                qualname = prefix + node.name
                bases = [d for d in (_dotted(b) for b in node.bases) if d]
                facts.classes.setdefault(qualname, ClassFact(qualname, bases, node.lineno, node))
                classes(node.body, qualname + ".")
            elif isinstance(node, (ast.If, ast.Try, ast.With)) and not prefix:
                for block in (getattr(node, "body", []), getattr(node, "orelse", []), getattr(node, "finalbody", []),
                              *[h.body for h in getattr(node, "handlers", [])]):
                    classes(block, prefix)

    classes(module.body, "")
    for node in _statements(module.body):
        if isinstance(node, ast.ImportFrom):
            name = "." * node.level + (node.module or "")
            for alias in node.names:
                if alias.name == "*":
                    facts.stars.append(_import_target(path, name, None))
                else:
                    facts.imports[alias.asname or alias.name] = _import_target(path, name, alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    facts.imports[alias.asname] = alias.name
                else:
                    facts.imports.setdefault(alias.name.split(".")[0], alias.name.split(".")[0])
    for node in module.body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                and (target := _dotted(node.value)) and not isinstance(node.value, ast.Subscript)):
            facts.aliases[node.targets[0].id] = target
    return facts


class SourceTree:
    """The Python files of one repository: reading, parsing (cached), module lookup, facts."""

    def __init__(self, root: Path, files: list[str]) -> None:
        self.root = root
        self.python = [f for f in files if is_python_source(f)]
        self.sources = [f for f in self.python if not is_test_file(f)]
        self.file_set = set(files)
        self.problems: dict[str, str] = {}
        self._root_text = str(root)
        self._folders: dict[str, bool] = {}
        self._data: dict[str, bytes | None] = {}
        self._parsed: dict[str, ast.Module | None] = {}
        self._facts: dict[str, ModuleFacts] = {}
        self._near: dict[tuple[str, str], str | None] = {}
        packages = {_package_of(f) for f in self.python if f.endswith("__init__.py") and f.rpartition("/")[2] == "__init__.py"}
        self.modules: dict[str, list[str]] = {}
        self._canonical: dict[str, str] = {}
        # Django puts the folder of manage.py on sys.path, package or not: its modules import from there.
        script_roots = [_package_of(f) for f in self.python if f.rpartition("/")[2] == "manage.py"]
        for path in self.python:
            parts = path[:-3].split("/")
            if parts[-1] == "__init__":
                parts = parts[:-1]
            for start in range(len(parts)):
                parent = "/".join(parts[:start])
                if start == 0 or parent not in packages or parent in script_roots:
                    self.modules.setdefault(".".join(parts[start:]), []).append(path)
                    if start == 0 or parent not in packages:
                        self._canonical[path] = ".".join(parts[start:])  # from the innermost non-package folder

    def canonical_module(self, path: str) -> str:
        """The dotted name Python gives `path` from its nearest folder that is not a package."""
        return self._canonical.get(path, path[:-3].replace("/", "."))

    def read(self, path: str) -> bytes | None:
        """The bytes of `path`, or None (missing, too large, or a link out of the repository)."""
        if path not in self._data:
            data = None
            full = self._confined(path)
            try:
                if full is not None and os.stat(full).st_size <= MAX_FILE_BYTES:
                    with open(full, "rb") as stream:
                        data = stream.read()
            except OSError:
                pass
            self._data[path] = data
        return self._data[path]

    def _confined(self, path: str) -> str | None:
        """The full path of `path` when it stays inside the repository (a link out is never read).

        The full check (`inside_or_none`) runs for links and once per folder, not for every file.
        """
        full = os.path.join(self._root_text, path)
        try:
            if stat.S_ISLNK(os.lstat(full).st_mode):
                checked = inside_or_none(self.root, path)
                return str(checked) if checked is not None else None
        except OSError:
            return None
        folder = path.rpartition("/")[0]
        if folder not in self._folders:
            self._folders[folder] = not folder or inside_or_none(self.root, folder) is not None
        return full if self._folders[folder] else None

    def parse(self, path: str) -> ast.Module | None:
        """The parsed module (cached); a file that cannot be parsed is named in `problems`."""
        if path not in self._parsed:
            data = self.read(path)
            module = None
            if data is not None:
                parsed = parse_python(data, path)
                module = parsed.module
                if parsed.problem:
                    self.problems[path] = parsed.problem
            self._parsed[path] = module
            if module is not None:
                self._facts[path] = ast_facts(path, module)
        return self._parsed[path]

    def is_parsed(self, path: str) -> bool:
        return self._parsed.get(path) is not None

    def facts(self, path: str) -> ModuleFacts:
        if path not in self._facts:
            data = self.read(path)
            self._facts[path] = scan_facts(path, data) if data is not None else ModuleFacts()
        return self._facts[path]

    def module_file(self, key: str, near: str = "") -> str | None:
        """The file of a module key: a dotted name (`shop.models`) or a path key (`/shop/models`)."""
        cache_key = (key, near)
        if cache_key not in self._near:
            if key.startswith("/"):
                stem = key[1:]
                found = next((c for c in (f"{stem}.py", f"{stem}/__init__.py" if stem else "__init__.py")
                              if c in self.file_set and is_python_source(c)), None)
            else:
                candidates = self.modules.get(key, [])
                found = min(candidates, key=lambda c: (-_shared(c, near), len(c), c)) if candidates else None
            self._near[cache_key] = found
        return self._near[cache_key]


def _shared(path: str, near: str) -> int:
    count = 0
    for a, b in zip(path.split("/"), near.split("/"), strict=False):
        if a != b:
            break
        count += 1
    return count


def module_key_of(path: str) -> str:
    """The path key of a file (`shop/models.py` → `/shop/models`), for submodule lookups."""
    stem = path[:-3]
    return "/" + (stem[: -len("/__init__")] if stem.endswith("/__init__") else ("" if stem == "__init__" else stem))
